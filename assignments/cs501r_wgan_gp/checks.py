"""The hidden checks of the cs501r_wgan_gp pack.

`plan(rng)` draws fresh probe networks and data and takes the expected
values from the reference (`check_arrays` in this pack's fixtures.py) in the
grader's process; the checks are public_checks.py's. final_image and the
Wasserstein half of training_loop are brief training (`BRIEF`,
autograder.checks.brief), from one run of the student's train_step.
"""
from __future__ import annotations

import numpy as np

from autograder.checks import brief
from autograder.checks.brief import BriefContext
from autograder.checks.plan import CheckGroup

from .public_checks import NETWORKS, Z_DIM, plan_items

LAMBDA = 10.0


# The lab's WGAN-GP trained briefly: the grader calls the student's train_step once per step on the
# next real batch (faces in [-1, 1]), with the student's networks and optimizers. Batches of 16 keep
# the 64x64 convnets within the CPU budget.
BRIEF = brief.BriefTraining(
    recipe={
        "networks": NETWORKS,
        "optimizers": {"factory": "make_optimizers"},
        "loop": {"step_function": "train_step",
                 "args": [{"network": "G"}, {"network": "critic"}, {"optimizer": 0}, {"optimizer": 1}, {"batch": True}],
                 "kwargs": {"z_dim": {"value": Z_DIM}, "n_critic": {"value": 1}, "lam": {"value": LAMBDA}}},
        "data": {"layout": "nchw", "range": "symmetric"},
        "sample": {"network": "G", "noise": "normal", "z_dim": Z_DIM, "range": "tanh"},
        "critic_gap": {"critic": "critic", "generator": "G", "noise": "normal", "z_dim": Z_DIM},
        "batch_size": 16,
    },
    steps={"cpu": 40, "cuda": 1500},
    data="celeba",
)


def brief_training_groups(brief_context) -> dict[str, list[CheckGroup]]:
    """The Wasserstein half of training_loop, and final_image: from one brief run of train_step."""
    return {"training_loop": [brief.wasserstein_group(BRIEF, brief_context, LAMBDA)],
            "final_image": [brief.faces_quality_group(BRIEF, brief_context)]}


def plan(rng: np.random.Generator, brief_context: BriefContext | None = None) -> dict[str, list[CheckGroup]]:
    """Every graded item's checks, on probe networks and data drawn from `rng`.

    brief_context: what brief training of BRIEF needs (the engine's); None leaves it out (not run).
    """
    from .fixtures import check_arrays

    seeds = rng.integers(0, 2**31, size=2)
    return plan_items(check_arrays(rng, int(seeds[0]), int(seeds[1])), rng,
                  brief_training_groups(brief_context))
