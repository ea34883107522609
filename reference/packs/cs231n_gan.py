"""cs231n_gan: the CS231n GAN notebook's student API, implemented by the reference.

The names and signatures are the notebook's (the pack's contract, assignments/cs231n_gan/), so
the grader can call these beside a student's functions on the same inputs.
"""
from __future__ import annotations

import torch
from torch import nn

from reference import activations, losses, minimax, noise, optim
from reference.models import cs231n_gan
from reference.seeding import build_seeded

NOISE_DIM = 96
BATCH_SIZE = 128
INLINE_Q1 = minimax.INLINE_Q1


def leaky_relu(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    return activations.leaky_relu(x, alpha)


def sample_noise(batch_size: int, dim: int, seed: int | None = None) -> torch.Tensor:
    return noise.uniform_noise(batch_size, dim, seed=seed)


def discriminator(seed: int | None = None) -> nn.Module:
    return build_seeded(cs231n_gan.Discriminator, seed)


def generator(noise_dim: int = NOISE_DIM, seed: int | None = None) -> nn.Module:
    return build_seeded(lambda: cs231n_gan.Generator(noise_dim), seed)


def bce_loss(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return losses.bce_with_logits(input, target)


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    return losses.gan_discriminator_loss(logits_real, logits_fake)


def generator_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    return losses.gan_generator_loss(logits_fake)


def get_optimizer(model: nn.Module) -> torch.optim.Adam:
    return optim.adam(model, lr=1e-3, betas=(0.5, 0.999))


def ls_discriminator_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    return losses.ls_discriminator_loss(scores_real, scores_fake)


def ls_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    return losses.ls_generator_loss(scores_fake)


def build_dc_classifier(batch_size: int | None = None) -> nn.Module:
    # batch_size is accepted for the 2019+ notebook's signature; the reference
    # model works for any batch size.
    return cs231n_gan.DCDiscriminator()


def build_dc_generator(noise_dim: int = NOISE_DIM) -> nn.Module:
    return cs231n_gan.DCGenerator(noise_dim)


def run_a_gan(
    D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train,
    show_every=250, batch_size=BATCH_SIZE, noise_size=NOISE_DIM, num_epochs=10,
):
    """The notebook's provided loop: per batch a D step on detached fakes, then a G step.

    `loader_train` yields (images in [0, 1], labels); D sees images scaled to
    [-1, 1]. Returns the (d_loss, g_loss) of every step; `show_every` only
    sets how often progress is printed (the notebook also plotted samples).
    """
    history = []
    for _ in range(num_epochs):
        for x, _labels in loader_train:
            if len(x) != batch_size:
                continue
            D_solver.zero_grad()
            logits_real = D(2 * (x - 0.5))
            fake_images = G(sample_noise(batch_size, noise_size)).detach()
            d_total_error = discriminator_loss(logits_real, D(fake_images))
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_error = generator_loss(D(G(sample_noise(batch_size, noise_size))))
            g_error.backward()
            G_solver.step()

            if len(history) % show_every == 0:
                print(f"Iter: {len(history)}, D: {d_total_error.item():.4}, G:{g_error.item():.4}")
            history.append((d_total_error.item(), g_error.item()))
    return history


# The check values the CS231n notebook publishes (its `answers` for the GAN
# and LSGAN losses). The logits are printed to 8 decimals, so the losses they
# give agree with the published losses to about 1e-9 relative; the contract's
# tolerance is 1e-7.
PUBLISHED_LOGITS_REAL = (
    0.93487311, -1.01698916, -0.57304769, -0.88162704, -1.40129389,
    -1.45395693, -1.54239755, -0.57273325, 0.98584429, 0.13312152,
)
PUBLISHED_LOGITS_FAKE = (
    -1.80865868, 0.09030055, -0.4428902, -0.07879368, -0.37655044,
    0.32084742, -0.28590837, 1.01376281, 0.99241439, 0.39394346,
)
PUBLISHED_LOSSES = {
    "d_loss": 1.8423983904443109,
    "g_loss": 0.771286196423346,
    "d_loss_lsgan": 1.8770293614440594,
    "g_loss_lsgan": 0.816954786997558,
}
PUBLISHED_RTOL = 1e-7
