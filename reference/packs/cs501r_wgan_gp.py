"""cs501r_wgan_gp: the BYU CS501R 2017 WGAN-GP lab's student API, implemented by the reference."""
from __future__ import annotations

import torch
from torch import nn

from reference import interpolate as _interpolate
from reference import losses, optim, penalty, training
from reference.models.cs501r_wgan_gp import Critic, Generator  # noqa: F401  (student API names)

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
