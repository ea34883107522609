"""dcgan_tutorial: the DCGAN-on-MNIST tutorial's student API, implemented by the reference."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder import probes
from reference import losses as gan_objectives
from reference import optim, training
from reference.models.dcgan_tutorial import Discriminator, Generator  # noqa: F401  (student API names)
from reference.packs._fixtures import arrays, gradients, parameter_count

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


FIXTURE_SEED = 2017_03
PROBE_BATCH = 16


def public_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(FIXTURE_SEED)
    D, G = probes.mnist_pair(
        FIXTURE_SEED, Z_DIM, discriminator_output="logits", generator_output="tanh", image_shape=(1, 28, 28)
    )
    z = torch.from_numpy(rng.standard_normal((PROBE_BATCH, Z_DIM)))
    x = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 1, 28, 28)))
    d_loss, g_loss = losses(D, G, z, x)
    return {
        **probes.probe_arrays(D, "probe_d"),
        **probes.probe_arrays(G, "probe_g"),
        **arrays(z=z, x=x, d_loss=d_loss, g_loss=g_loss),
        **gradients(d_loss, D, "d_loss_grad_d"),
        **gradients(g_loss, G, "g_loss_grad_g"),
        "count_discriminator": parameter_count(Discriminator()),
    }
