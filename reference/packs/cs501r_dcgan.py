"""cs501r_dcgan: the BYU CS501R 2016 DCGAN lab's student API, implemented by the reference.

The discriminator outputs probabilities, so the losses are the probability
form of the GAN objective. `gan_losses` calls the one discriminator twice,
which is what the lab's variable sharing asks for.
"""
from __future__ import annotations

import torch
from torch import nn

from reference import losses, optim, training
from reference.models.cs501r_dcgan import Discriminator, Generator  # noqa: F401  (student API names)

Z_DIM = 100
BATCH_SIZE = 128


def gan_losses(D: nn.Module, G: nn.Module, z: torch.Tensor, true_images: torch.Tensor):
    """(d_loss, g_loss, d_acc, sample_images) for one batch, D used on both inputs."""
    sample_images = G(z)
    p_real = D(true_images)
    p_fake = D(sample_images)
    d_loss = losses.prob_discriminator_loss(p_real, p_fake)
    g_loss = losses.prob_generator_loss(p_fake)
    d_acc = losses.discriminator_accuracy(p_real, p_fake)
    return d_loss, g_loss, d_acc, sample_images


def make_optimizers(D: nn.Module, G: nn.Module):
    return optim.adam(D, lr=2e-4, betas=(0.5, 0.999)), optim.adam(G, lr=2e-4, betas=(0.5, 0.999))


def train(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=BATCH_SIZE):
    return training.train_cs501r_dcgan(
        D, G, d_optim, g_optim, images, iterations=iterations, g_steps=g_steps, batch_size=batch_size,
        verbose=True,  # the lab prints `step d_loss g_loss d_acc` every 10 steps
    )
