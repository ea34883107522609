"""The hidden checks of the mlp_gan pack.

`plan(rng)` draws fresh hidden inputs and judges them with the checks of
public_checks.py against the reference (`reference.packs.mlp_gan`, imported
only for hidden plans). `training` and `final_image` are graded by brief
training (`training_groups`, `final_image_groups`).
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.checks import brief
from autograder.checks.brief import BriefContext
from autograder.checks.plan import CheckGroup

from .public_checks import (
    JUDGED_GRADIENTS,
    ROLES,
    Z_DIM,
    network_groups,
    network_inputs,
    objectives_groups,
    variable_separation_groups,
    weight_init_groups,
)

COUNTS = {"G": 354784, "D": 314401}


def _reference():
    """The reference's mlp_gan module (hidden plans only: students do not have it)."""
    from reference.packs import mlp_gan

    return mlp_gan


def hidden_init_shapes(rng: np.random.Generator) -> list[tuple[int, int]]:
    """A wide-input and a narrow-input shape: shape[0] and shape[1] differ by a factor >= 1.5 either way."""
    return [(int(rng.integers(600, 900)), int(rng.integers(200, 400))),
            (int(rng.integers(100, 200)), int(rng.integers(400, 800)))]


def _objective_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    D, G = probe_networks.mnist_pair(0, Z_DIM, discriminator_output="probability", generator_output="sigmoid")
    return {**network_inputs(rng), **probe_networks.probe_arrays(D, "probe_d"), **probe_networks.probe_arrays(G, "probe_g")}


def reference_objectives(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The reference's objectives and their gradients on the probe networks, in float64."""
    ref = _reference()
    D = probe_networks.load_probe_arrays(probe_networks.mnist_discriminator(0, output="probability").double(), inputs, "probe_d")
    G = probe_networks.load_probe_arrays(probe_networks.mnist_generator(0, Z_DIM, output="sigmoid").double(), inputs, "probe_g")
    g_objective, d_objective = ref.objectives(D, G, torch.from_numpy(inputs["x"]).double(), torch.from_numpy(inputs["z"]).double())
    expected = {"g_objective": g_objective.detach().numpy(), "d_objective": d_objective.detach().numpy()}
    values, networks = {"g_objective": g_objective, "d_objective": d_objective}, {"G": G, "D": D}
    for name, role in JUDGED_GRADIENTS:
        grads = torch.autograd.grad(values[name], list(networks[role].parameters()), retain_graph=True)
        expected.update({f"{name}.grad.{role}.{i}": g.numpy() for i, g in enumerate(grads)})
    return expected


# The notebook's GAN trained briefly with the student's networks (either style), objectives,
# optimizers and train loop.
BRIEF = brief.BriefTraining(
    recipe={
        "roles": [ROLES["D"], ROLES["G"]],
        "optimizers": {"factory": "make_optimizers"},
        "loop": {"function": "train",
                 "args": [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"images": True}],
                 "kwargs": {"iterations": {"steps": True}, "batch_size": {"value": 128}}},
        "watch": {"objectives": ["g_objective", "d_objective"]},
        "data": {"layout": "flat", "range": "unit"},
        "sample": {"network": "G", "noise": "normal", "z_dim": Z_DIM, "range": "unit"},
        "batch_size": 128,
    },
    steps={"cpu": 2000, "cuda": 8000},
    # At 2,000 CPU iterations a valid MLP GAN can partly collapse on one seed (spread 0.013, a fifth
    # of the reference's); collapsed and constant generators stay below 0.001. A tenth keeps both apart.
    bars={"cpu": brief.DigitBars(spread_fraction=0.1)},
)


def training_groups(brief_context) -> list[CheckGroup]:
    """training: brief training lowers the classifier distance, as the reference's does."""
    return [brief.digits_progress_group(BRIEF, brief_context)]


def final_image_groups(brief_context) -> list[CheckGroup]:
    """final_image: legible digits after brief training."""
    return [brief.digits_quality_group(BRIEF, brief_context)]


def plan(rng: np.random.Generator, brief_context: BriefContext | None = None) -> dict[str, list[CheckGroup]]:
    """Every graded item's checks, on hidden inputs drawn from `rng`."""
    from reference.models import mlp_gan as models

    objective_inputs = _objective_inputs(rng)
    return {
        "weight_init": weight_init_groups(hidden_init_shapes(rng)),
        "generator": network_groups("G", network_inputs(rng), models.Generator, COUNTS["G"]),
        "discriminator": network_groups("D", network_inputs(rng), models.Discriminator, COUNTS["D"]),
        "objectives": objectives_groups(objective_inputs, reference_objectives(objective_inputs)),
        "variable_separation": variable_separation_groups(rng),
        "training": training_groups(brief_context),
        "final_image": final_image_groups(brief_context),
    }
