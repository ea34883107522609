"""The hidden checks of the dcgan_tutorial pack.

`plan(rng)` draws fresh hidden inputs and judges them with the checks of
public_checks.py against the reference (`reference.packs.dcgan_tutorial`,
imported only when a hidden plan is made). training and final_image are
brief training (`BRIEF`, autograder.checks.brief).
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.checks import brief
from autograder.checks.brief import BriefContext
from autograder.checks.plan import CheckGroup

from .public_checks import Z_DIM, discriminator_groups, generator_groups, loss_group, separation_groups

LOSS_BATCH = 16  # the notebook's BATCH_SIZE: labels made as torch.ones(BATCH_SIZE, 1) still line up


def _reference():
    """The reference's dcgan_tutorial module (hidden plans only: students do not have it)."""
    from reference.packs import dcgan_tutorial

    return dcgan_tutorial


def _flat(tensors) -> np.ndarray:
    return np.concatenate([t.detach().double().numpy().ravel() for t in tensors])


def loss_groups(rng: np.random.Generator) -> list[CheckGroup]:
    ref = _reference()
    seed = int(rng.integers(1, 2**31 - 2))
    D, G = probe_networks.mnist_pair(seed, Z_DIM, discriminator_output="logits", generator_output="tanh", image_shape=(1, 28, 28))
    z = rng.standard_normal((LOSS_BATCH, Z_DIM))
    x = rng.uniform(0, 1, (LOSS_BATCH, 1, 28, 28))
    d_loss, g_loss = ref.losses(D, G, torch.from_numpy(z), torch.from_numpy(x))
    expected = {
        "d_loss": d_loss.detach().numpy(), "g_loss": g_loss.detach().numpy(),
        "d_loss.grad.D": _flat(torch.autograd.grad(d_loss, list(D.parameters()), retain_graph=True)),
        "g_loss.grad.G": _flat(torch.autograd.grad(g_loss, list(G.parameters()))),
    }
    inputs = {**probe_networks.probe_arrays(D, "probe_d"), **probe_networks.probe_arrays(G, "probe_g"),
              "z": z.astype(np.float32), "x": x.astype(np.float32)}
    return [loss_group(inputs, seed, expected)]


# The tutorial's GAN trained briefly with the student's networks, losses, optimizers and train loop.
BRIEF = brief.BriefTraining(
    recipe={
        "networks": [{"role": "D", "build": "Discriminator", "kwarg_options": [{}]},
                     {"role": "G", "build": "Generator", "kwarg_options": [{}]}],
        "optimizers": {"factory": "make_optimizers"},
        "loop": {"function": "train",
                 "args": [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"images": True}],
                 "kwargs": {"iterations": {"steps": True}, "batch_size": {"value": 16}}},
        "watch": {"losses": ["d_loss", "g_loss"]},
        "data": {"layout": "nchw", "range": "unit"},
        # Sampled in eval mode: in train mode this BatchNorm generator's first samples are already
        # blurs as close to digits as its collapsed later ones, so progress would not show.
        "sample": {"network": "G", "noise": "normal", "z_dim": 100, "range": "unit", "mode": "eval"},
        "batch_size": 16,
    },
    steps={"cpu": 800, "cuda": 3000},
)


def training_groups(brief_context) -> list[CheckGroup]:
    """training: brief training lowers the classifier distance, as the reference's does."""
    return [brief.digits_progress_group(BRIEF, brief_context)]


def final_image_groups(brief_context) -> list[CheckGroup]:
    """final_image: legible digits after brief training."""
    return [brief.digits_quality_group(BRIEF, brief_context)]


def plan(rng: np.random.Generator, brief_context: BriefContext | None = None) -> dict[str, list[CheckGroup]]:
    """Every graded item's checks, on hidden inputs drawn from `rng`."""
    from reference.models.dcgan_tutorial import Discriminator

    return {
        "discriminator": discriminator_groups(rng, Discriminator),
        "generator": generator_groups(rng),
        "loss_functions": loss_groups(rng),
        "variable_separation": separation_groups(rng),
        "training": training_groups(brief_context),
        "final_image": final_image_groups(brief_context),
    }
