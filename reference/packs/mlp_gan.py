"""mlp_gan: the minimal MLP GAN notebook's student API, implemented by the reference."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder import probes
from reference import losses, noise, optim, training
from reference.models.mlp_gan import Discriminator, Generator, xavier_init  # noqa: F401  (student API names)
from reference.packs._fixtures import arrays, gradients, parameter_count

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


FIXTURE_SEED = 400
PROBE_BATCH = 16


def public_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(FIXTURE_SEED)
    D, G = probes.mnist_pair(FIXTURE_SEED, Z_DIM, discriminator_output="probability", generator_output="sigmoid")
    x = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 784)))
    z = torch.from_numpy(rng.standard_normal((PROBE_BATCH, Z_DIM)))
    g_objective, d_objective = objectives(D, G, x, z)
    return {
        **probes.probe_arrays(D, "probe_d"),
        **probes.probe_arrays(G, "probe_g"),
        **arrays(x=x, z=z, g_objective=g_objective, d_objective=d_objective),
        **gradients(d_objective, D, "d_objective_grad_d"),
        **gradients(g_objective, G, "g_objective_grad_g"),
        **gradients(g_objective, D, "g_objective_grad_d"),
        "count_generator": parameter_count(Generator()),
        "count_discriminator": parameter_count(Discriminator()),
    }
