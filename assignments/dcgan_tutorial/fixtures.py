"""dcgan_tutorial's public fixtures (grading_fixtures/dcgan_tutorial/public.npz): the recipe.

The arrays are probe networks, inputs and the reference's losses and gradients on them.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.fixtures.recipe import arrays, gradients, parameter_count
from reference.packs import dcgan_tutorial as ref

FIXTURE_SEED = 2017_03
PROBE_BATCH = 16


def public_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(FIXTURE_SEED)
    D, G = probe_networks.mnist_pair(
        FIXTURE_SEED, ref.Z_DIM, discriminator_output="logits", generator_output="tanh", image_shape=(1, 28, 28)
    )
    z = torch.from_numpy(rng.standard_normal((PROBE_BATCH, ref.Z_DIM)))
    x = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 1, 28, 28)))
    d_loss, g_loss = ref.losses(D, G, z, x)
    return {
        **probe_networks.probe_arrays(D, "probe_d"),
        **probe_networks.probe_arrays(G, "probe_g"),
        **arrays(z=z, x=x, d_loss=d_loss, g_loss=g_loss),
        **gradients(d_loss, D, "d_loss_grad_d"),
        **gradients(g_loss, G, "g_loss_grad_g"),
        "count_discriminator": parameter_count(ref.Discriminator()),
    }
