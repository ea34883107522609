"""mlp_gan's public fixtures (grading_fixtures/mlp_gan/public.npz): the recipe.

The arrays are probe networks, inputs and the reference's objectives and gradients on them.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.fixtures.recipe import arrays, gradients, parameter_count
from reference.packs import mlp_gan as ref

FIXTURE_SEED = 400
PROBE_BATCH = 16


def public_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(FIXTURE_SEED)
    D, G = probe_networks.mnist_pair(FIXTURE_SEED, ref.Z_DIM, discriminator_output="probability", generator_output="sigmoid")
    x = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 784)))
    z = torch.from_numpy(rng.standard_normal((PROBE_BATCH, ref.Z_DIM)))
    g_objective, d_objective = ref.objectives(D, G, x, z)
    return {
        **probe_networks.probe_arrays(D, "probe_d"),
        **probe_networks.probe_arrays(G, "probe_g"),
        **arrays(x=x, z=z, g_objective=g_objective, d_objective=d_objective),
        **gradients(d_objective, D, "d_objective_grad_d"),
        **gradients(g_objective, G, "g_objective_grad_g"),
        **gradients(g_objective, D, "g_objective_grad_d"),
        "count_generator": parameter_count(ref.Generator()),
        "count_discriminator": parameter_count(ref.Discriminator()),
    }
