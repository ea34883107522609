"""cs501r_wgan_gp: the BYU CS501R 2017 WGAN-GP lab's student API, implemented by the reference."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder import probes
from reference import interpolate as _interpolate
from reference import losses, optim, penalty, training
from reference.models.wgan_gp import Critic, Generator  # noqa: F401  (student API names)
from reference.packs._fixtures import arrays, gradients

Z_DIM = 100
BATCH_SIZE = 64
LAMBDA = 10.0


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor | None = None):
    return penalty.gradient_penalty(critic, real, fake, eps=eps)


def critic_loss(critic: nn.Module, real, fake, lam: float = LAMBDA, eps=None):
    wasserstein_term = losses.wgan_critic_loss(critic(real), critic(fake))
    return wasserstein_term + lam * gradient_penalty(critic, real, fake, eps=eps)


def generator_loss(critic: nn.Module, fake: torch.Tensor) -> torch.Tensor:
    return losses.wgan_generator_loss(critic(fake))


def make_optimizers(G: nn.Module, critic: nn.Module):
    return optim.adam(G, lr=2e-4, betas=(0.5, 0.999)), optim.adam(critic, lr=2e-4, betas=(0.5, 0.999))


def train_step(G, critic, g_opt, c_opt, real, z_dim=Z_DIM, n_critic=1, lam=LAMBDA):
    return training.train_step(G, critic, g_opt, c_opt, real, z_dim=z_dim, n_critic=n_critic, lam=lam)


def interpolate(G: nn.Module, z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> torch.Tensor:
    return _interpolate.interpolate(G, z0, z1, steps=steps)


FIXTURE_SEED = 2017
PROBE_BATCH = 4
EPS_PAIR_SCALE = 3.0  # real pixels of the eps-statistics pair: large enough to saturate the probe's tanh
EPS_GRID = 41


def _scalar_eps(value: float) -> torch.Tensor:
    return torch.full((1, 1, 1, 1), value, dtype=torch.float64)


def check_arrays(rng: np.random.Generator, critic_seed: int, generator_seed: int) -> dict[str, np.ndarray]:
    """Probe networks, inputs, and the reference's answers on them, as float64 arrays.

    The public fixtures are this for a fixed seed; the hidden checks draw it
    afresh for every grade. Besides the penalty, the losses (and their
    critic-parameter gradients) and an interpolation, it holds one
    real/fake pair and the penalty on that pair as a function of eps
    (`eps_grid`, `eps_grid_penalty`): the penalty a correct eps sampler
    gives on copies of the pair has a distribution the checks can predict.
    """
    critic = probes.face_critic(critic_seed).double()
    G = probes.face_generator(generator_seed, Z_DIM).double()
    real = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64)))
    fake = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64))).requires_grad_(True)
    eps = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 1, 1, 1)))
    z0, z1 = (torch.from_numpy(rng.standard_normal(Z_DIM)) for _ in range(2))
    pair_real = torch.from_numpy(rng.standard_normal((1, 3, 64, 64)) * EPS_PAIR_SCALE)
    pair_fake = torch.from_numpy(rng.uniform(-0.1, 0.1, (1, 3, 64, 64)))
    grid = np.linspace(0.0, 1.0, EPS_GRID)

    gp = gradient_penalty(critic, real, fake, eps=eps)
    c_loss = critic_loss(critic, real, fake, eps=eps)
    wasserstein = critic_loss(critic, real, fake, lam=0.0, eps=eps)
    g_loss = generator_loss(critic, fake)
    (g_loss_grad_fake,) = torch.autograd.grad(g_loss, fake, retain_graph=True)
    return {
        **probes.probe_arrays(critic, "probe_critic"),
        **probes.probe_arrays(G, "probe_g"),
        **arrays(
            real=real, fake=fake, eps=eps, z0=z0, z1=z1,
            gradient_penalty=gp, critic_loss=c_loss, wasserstein=wasserstein, generator_loss=g_loss,
            generator_loss_grad_fake=g_loss_grad_fake,
            gradient_penalty_first=gradient_penalty(critic, real[:1], fake[:1], eps=eps[:1]),
            interpolation=interpolate(G, z0, z1, steps=10),
            eps_pair_real=pair_real, eps_pair_fake=pair_fake, eps_grid=grid,
            eps_grid_penalty=[gradient_penalty(critic, pair_real, pair_fake, eps=_scalar_eps(e)).item() for e in grid],
        ),
        **gradients(gp, critic, "gradient_penalty_grad_critic"),
        **gradients(c_loss, critic, "critic_loss_grad_critic"),
        **gradients(wasserstein, critic, "wasserstein_grad_critic"),
        **gradients(g_loss, critic, "generator_loss_grad_critic"),
    }


def public_fixtures() -> dict[str, np.ndarray]:
    """The public checks' probe networks, inputs and reference answers (see `check_arrays`)."""
    return check_arrays(np.random.default_rng(FIXTURE_SEED), FIXTURE_SEED, FIXTURE_SEED + 1)
