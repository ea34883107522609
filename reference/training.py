"""Each pack's training loop, as the reference runs it for the brief training.

Every loop is bounded by a step count rather than by epochs, draws its real
batches and its noise from the ``torch.Generator`` passed in (so a fixed seed
reproduces a run, given networks built under a fixed seed), and returns a
history: one dict of floats per step.

Randomness is drawn on the CPU and then moved to the networks' device, so a
seed gives the same batches and noise whether the networks run on a CPU or
a GPU. Real batches are drawn with replacement (the MLP notebook's
``np.random.choice``); the original loops' epoch bookkeeping does not matter
for a budget of a few hundred steps.

The loops, per step:

- ``train_cs231n``: D on real images scaled to [-1, 1] and detached fakes,
  then G on fresh noise (CS231n's ``run_a_gan``);
- ``train_cs501r_dcgan``: one D step, then ``g_steps`` (3) G steps;
- ``train_step`` / ``train_wgan_gp``: ``n_critic`` critic steps with the
  gradient penalty, then one G step;
- ``train_dcgan_tutorial``: one D step, then one G step on the same noise;
- ``train_mlp_gan``: one G step, then one D step.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from reference.losses import (
    discriminator_accuracy,
    gan_discriminator_loss,
    gan_generator_loss,
    prob_discriminator_loss,
    prob_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)
from reference.penalty import gradient_penalty

History = list[dict[str, float]]
DiscriminatorLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
GeneratorLoss = Callable[[torch.Tensor], torch.Tensor]


# ------------------------------------------------------------ shared pieces

def _device_of(network: nn.Module) -> torch.device:
    return next(network.parameters()).device


def _batch(
    images: torch.Tensor, batch_size: int, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """``batch_size`` images drawn with replacement, on ``device``."""
    index = torch.randint(len(images), (batch_size,), generator=generator)
    return images[index.to(images.device)].to(device)


def _uniform_noise(
    batch_size: int, dim: int, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """U(-1, 1) noise of shape (batch_size, dim), on ``device``."""
    return (2 * torch.rand(batch_size, dim, generator=generator) - 1).to(device)


def _normal_noise(
    batch_size: int, dim: int, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """N(0, 1) noise of shape (batch_size, dim), on ``device``."""
    return torch.randn(batch_size, dim, generator=generator).to(device)


def _step(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> float:
    """One update: clear the old gradients, backpropagate ``loss``, step.

    Clearing first matters: the other network's step leaves gradients on this
    network's parameters (the generator loss backpropagates through D).
    """
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


# ------------------------------------------------------------------ cs231n

def train_cs231n(
    D: nn.Module,
    G: nn.Module,
    d_solver: torch.optim.Optimizer,
    g_solver: torch.optim.Optimizer,
    discriminator_loss: DiscriminatorLoss,
    generator_loss: GeneratorLoss,
    images: torch.Tensor,
    steps: int,
    batch_size: int = 128,
    noise_size: int = 96,
    generator: torch.Generator | None = None,
) -> History:
    """CS231n's ``run_a_gan`` for ``steps`` batches.

    ``images`` are MNIST digits in [0, 1], (N, 784) or (N, 1, 28, 28); D sees
    them scaled to [-1, 1], the range of G's tanh. The losses are passed in,
    so the same loop trains the GAN and the LSGAN.
    """
    device = _device_of(G)
    history: History = []
    for _ in range(steps):
        real = _batch(images, batch_size, generator, device)
        logits_real = D(2 * (real - 0.5))
        # Detached: the D step must not build (or touch) G's graph.
        fake = G(_uniform_noise(batch_size, noise_size, generator, device)).detach()
        logits_fake = D(fake)
        d_loss = _step(d_solver, discriminator_loss(logits_real, logits_fake))

        fake = G(_uniform_noise(batch_size, noise_size, generator, device))
        g_loss = _step(g_solver, generator_loss(D(fake)))
        history.append({"d_loss": d_loss, "g_loss": g_loss})
    return history


# ------------------------------------------------------------ cs501r_dcgan

def train_cs501r_dcgan(
    D: nn.Module,
    G: nn.Module,
    d_optim: torch.optim.Optimizer,
    g_optim: torch.optim.Optimizer,
    images: torch.Tensor,
    iterations: int = 500,
    g_steps: int = 3,
    batch_size: int = 128,
    z_dim: int = 100,
    generator: torch.Generator | None = None,
    verbose: bool = False,
    print_every: int = 10,
) -> History:
    """The CS501R lab's loop: per iteration one D step, then ``g_steps`` G steps.

    ``images`` are (N, 784) in [0, 1]; D outputs probabilities, so the losses
    are the probability form. z ~ U(-1, 1), as the lab's scaffold draws it,
    fresh for every step. With ``verbose``, prints ``step d_loss g_loss
    d_acc`` every ``print_every`` iterations, as the lab's loop does.
    """
    device = _device_of(G)
    history: History = []
    for iteration in range(iterations):
        real = _batch(images, batch_size, generator, device)
        fake = G(_uniform_noise(batch_size, z_dim, generator, device)).detach()
        p_real, p_fake = D(real), D(fake)
        d_acc = discriminator_accuracy(p_real, p_fake).item()
        d_loss = _step(d_optim, prob_discriminator_loss(p_real, p_fake))

        # Three G steps per D step keep the discriminator from overpowering G.
        for _ in range(g_steps):
            fake = G(_uniform_noise(batch_size, z_dim, generator, device))
            g_loss = _step(g_optim, prob_generator_loss(D(fake)))

        history.append({"d_loss": d_loss, "g_loss": g_loss, "d_acc": d_acc})
        if verbose and iteration % print_every == 0:
            print(f"{iteration}\t{d_loss:.2f} {g_loss:.2f} {d_acc:.2f}")
    return history


# ---------------------------------------------------------------- WGAN-GP

def train_step(
    G: nn.Module,
    critic: nn.Module,
    g_opt: torch.optim.Optimizer,
    c_opt: torch.optim.Optimizer,
    real: torch.Tensor,
    z_dim: int = 100,
    n_critic: int = 1,
    lam: float = 10.0,
    generator: torch.Generator | None = None,
) -> dict[str, float]:
    """One WGAN-GP step (the pack's ``train_step``): ``n_critic`` critic updates, one G update.

    Every update draws fresh z ~ N(0, 1) (and fresh interpolation weights);
    all critic updates see the same real batch. Returns the last critic
    update's ``critic_loss`` (with the penalty), ``gradient_penalty``
    (unscaled) and ``wasserstein`` (mean critic(real) - mean critic(fake),
    the estimate that training should push up), and the ``generator_loss``.
    """
    if n_critic < 1:
        raise ValueError(f"n_critic must be at least 1, not {n_critic}")
    device = _device_of(G)
    batch_size = real.shape[0]
    real = real.to(device)
    for _ in range(n_critic):
        fake = G(_normal_noise(batch_size, z_dim, generator, device)).detach()
        scores_real, scores_fake = critic(real), critic(fake)
        eps = torch.rand(batch_size, 1, 1, 1, generator=generator).to(device)
        penalty = gradient_penalty(critic, real, fake, eps=eps)
        c_loss = _step(c_opt, wgan_critic_loss(scores_real, scores_fake) + lam * penalty)
        wasserstein = (scores_real.mean() - scores_fake.mean()).item()

    fake = G(_normal_noise(batch_size, z_dim, generator, device))
    g_loss = _step(g_opt, wgan_generator_loss(critic(fake)))
    return {
        "critic_loss": c_loss,
        "generator_loss": g_loss,
        "gradient_penalty": penalty.item(),
        "wasserstein": wasserstein,
    }


def train_wgan_gp(
    G: nn.Module,
    critic: nn.Module,
    g_opt: torch.optim.Optimizer,
    c_opt: torch.optim.Optimizer,
    images: torch.Tensor,
    steps: int,
    batch_size: int = 64,
    z_dim: int = 100,
    n_critic: int = 1,
    lam: float = 10.0,
    generator: torch.Generator | None = None,
) -> History:
    """``steps`` calls of :func:`train_step`, each on a fresh real batch.

    ``images`` are (N, 3, 64, 64) in [-1, 1].
    """
    device = _device_of(G)
    history: History = []
    for _ in range(steps):
        real = _batch(images, batch_size, generator, device)
        history.append(
            train_step(G, critic, g_opt, c_opt, real, z_dim, n_critic, lam, generator)
        )
    return history


# ---------------------------------------------------------- dcgan_tutorial

def train_dcgan_tutorial(
    D: nn.Module,
    G: nn.Module,
    trainer_d: torch.optim.Optimizer,
    trainer_g: torch.optim.Optimizer,
    images: torch.Tensor,
    iterations: int = 3000,
    batch_size: int = 16,
    z_dim: int = 100,
    generator: torch.Generator | None = None,
) -> History:
    """The tutorial's loop: per iteration one D update, then one G update on the same z.

    ``images`` are MNIST digits in [0, 1], (N, 784) or (N, 1, 28, 28), fed to
    D as they are, as the tutorial does (G learns to keep its tanh output in
    that range). The losses are sigmoid cross-entropy on logits.
    """
    device = _device_of(G)
    history: History = []
    for _ in range(iterations):
        # The tutorial calls np.random.normal(-1, 1, ...) believing it samples
        # "between -1 and 1"; it draws N(-1, 1), and since G's first operation
        # is a ReLU on z itself, that would zero about 84% of the input. The
        # standard N(0, 1) prior is what the text means.
        z = _normal_noise(batch_size, z_dim, generator, device)
        real = _batch(images, batch_size, generator, device).reshape(-1, 1, 28, 28)
        fake = G(z)
        d_loss = _step(trainer_d, gan_discriminator_loss(D(real), D(fake.detach())))
        # D has just been updated, so this forward pass sees the new D.
        g_loss = _step(trainer_g, gan_generator_loss(D(fake)))
        history.append({"d_loss": d_loss, "g_loss": g_loss})
    return history


# ----------------------------------------------------------------- mlp_gan

def train_mlp_gan(
    D: nn.Module,
    G: nn.Module,
    d_opt: torch.optim.Optimizer,
    g_opt: torch.optim.Optimizer,
    images: torch.Tensor,
    iterations: int,
    batch_size: int = 128,
    z_dim: int = 100,
    generator: torch.Generator | None = None,
) -> History:
    """The MLP notebook's loop: per iteration one G step, then one D step.

    ``images`` are (N, 784) in [0, 1]; both networks end in a sigmoid, so the
    losses are the probability form; z ~ N(0, 1), fresh for each step.
    """
    device = _device_of(G)
    history: History = []
    for _ in range(iterations):
        fake = G(_normal_noise(batch_size, z_dim, generator, device))
        g_loss = _step(g_opt, prob_generator_loss(D(fake)))

        real = _batch(images, batch_size, generator, device)
        fake = G(_normal_noise(batch_size, z_dim, generator, device)).detach()
        d_loss = _step(d_opt, prob_discriminator_loss(D(real), D(fake)))
        history.append({"g_loss": g_loss, "d_loss": d_loss})
    return history
