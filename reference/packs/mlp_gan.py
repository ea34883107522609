"""mlp_gan: the minimal MLP GAN notebook's student API, implemented by the reference."""
from __future__ import annotations

import torch
from torch import nn

from reference import losses, noise, optim, training
from reference.models.mlp_gan import Discriminator, Generator, xavier_init  # noqa: F401  (student API names)

Z_DIM = 100
BATCH_SIZE = 128


def generate_z(n: int = 1) -> torch.Tensor:
    return noise.normal_noise(n, Z_DIM)


def objectives(D: nn.Module, G: nn.Module, x: torch.Tensor, z: torch.Tensor):
    """(g_objective, d_objective) in the notebook's order."""
    p_fake = D(G(z))
    return losses.prob_generator_loss(p_fake), losses.prob_discriminator_loss(D(x), p_fake)


def make_optimizers(D: nn.Module, G: nn.Module):
    # Adam with its defaults, as the notebook used AdamOptimizer() with no arguments
    return optim.adam(D, lr=1e-3, betas=(0.9, 0.999)), optim.adam(G, lr=1e-3, betas=(0.9, 0.999))


def train(D, G, d_opt, g_opt, images, iterations, batch_size=BATCH_SIZE):
    return training.train_mlp_gan(D, G, d_opt, g_opt, images, iterations=iterations, batch_size=batch_size)
