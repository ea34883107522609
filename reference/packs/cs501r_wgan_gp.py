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


def public_fixtures() -> dict[str, np.ndarray]:
    """Probe critic and generator, data, eps, and the reference's penalty, losses and interpolation."""
    rng = np.random.default_rng(FIXTURE_SEED)
    critic = probes.face_critic(FIXTURE_SEED).double()
    G = probes.face_generator(FIXTURE_SEED + 1, Z_DIM).double()
    real = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64)))
    fake = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64)))
    eps = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 1, 1, 1)))
    z0, z1 = (torch.from_numpy(rng.standard_normal(Z_DIM)) for _ in range(2))

    gp = gradient_penalty(critic, real, fake, eps=eps)
    c_loss = critic_loss(critic, real, fake, eps=eps)
    g_loss = generator_loss(critic, fake)
    return {
        **probes.probe_arrays(critic, "probe_critic"),
        **probes.probe_arrays(G, "probe_g"),
        **arrays(
            real=real, fake=fake, eps=eps, z0=z0, z1=z1,
            gradient_penalty=gp, critic_loss=c_loss, generator_loss=g_loss,
            interpolation=interpolate(G, z0, z1, steps=10),
        ),
        **gradients(gp, critic, "gradient_penalty_grad_critic"),
        **gradients(c_loss, critic, "critic_loss_grad_critic"),
    }
