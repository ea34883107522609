"""dcgan_tutorial: the DCGAN-on-MNIST tutorial's student API, implemented by the reference."""
from __future__ import annotations

import torch
from torch import nn

from reference import losses as gan_objectives
from reference import optim, training
from reference.models.dcgan_tutorial import Discriminator, Generator  # noqa: F401  (student API names)

Z_DIM = 100
BATCH_SIZE = 16


def losses(D: nn.Module, G: nn.Module, z: torch.Tensor, x: torch.Tensor):
    """(d_loss, g_loss): sigmoid cross-entropy on D's logits for real x and generated G(z)."""
    logits_real = D(x)
    logits_fake = D(G(z))
    return gan_objectives.gan_discriminator_loss(logits_real, logits_fake), gan_objectives.gan_generator_loss(logits_fake)


def make_optimizers(D: nn.Module, G: nn.Module, lr: float = 2e-4):
    return optim.adam(D, lr=lr, betas=(0.9, 0.999)), optim.adam(G, lr=lr, betas=(0.9, 0.999))


def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE):
    return training.train_dcgan_tutorial(D, G, trainer_d, trainer_g, images, iterations=iterations, batch_size=batch_size)
