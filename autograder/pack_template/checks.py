"""The hidden checks of __PACK_ID__: fresh inputs for every grade, expected values from reference.py.

`plan(rng, brief_context=None)` returns, for every rubric item of pack.toml,
its checks: `CheckGroup`s of a probe and a judge, each group an equal share
of the item unless given a weight. The engine validates the plan against
pack.toml when it loads the pack. This pack has no brief training: a pack
that trains the student's networks declares a `BRIEF = BriefTraining(...)`
here and passes `brief_context` to autograder.checks.brief's groups.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.checks.brief import BriefContext
from autograder.checks.outcome import equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

from . import reference
from .public_checks import leaky_relu_group

NOISE_SHAPES = [[3, 4], [1, 7], [1000, 20]]


def leaky_relu_groups(rng: np.random.Generator) -> list[CheckGroup]:
    inputs = {"x0": (rng.standard_normal((4, 5)) * 3).astype(np.float32), "x1": rng.standard_normal((2, 3, 4)) * 3}

    def expected(alpha: float) -> dict[str, np.ndarray]:
        return {name: reference.leaky_relu(torch.from_numpy(x).double(), alpha).numpy() for name, x in inputs.items()}

    return [leaky_relu_group("leaky_relu", inputs, expected(0.01)),
            leaky_relu_group("leaky_relu_alpha", inputs, expected(0.2), alpha=0.2)]


def sample_noise_groups() -> list[CheckGroup]:
    def judge(result):
        out = result.outputs
        values = out["shape2"].astype(np.float64).ravel()
        outcomes = [equal(f"shape of sample_noise{tuple(shape)}", tuple(shape), out[f"shape{index}"].shape,
                          "return a tensor of shape (batch_size, dim)")
                    for index, shape in enumerate(NOISE_SHAPES)]
        return outcomes + [
            holds("range", bool(np.all(np.abs(values) <= 1.0)), "values in [-1, 1]",
                  f"values from {values.min():.3g} to {values.max():.3g}", "scale uniform [0, 1) samples: 2 * u - 1"),
            holds("both signs", bool((values < 0).any() and (values > 0).any()), "negative and positive values",
                  f"min {values.min():.3g}, max {values.max():.3g}", "centre the noise on 0"),
            holds("fresh each call", not np.array_equal(out["shape2"], out["again"]), "two calls to differ",
                  "the same values twice", "draw new values on every call"),
        ]

    code = kernel_call("sample_noise_draws", name="sample_noise", shapes=NOISE_SHAPES, seed=0)
    return [CheckGroup(Probe("sample_noise", code, {}), judge)]


def plan(rng: np.random.Generator, brief_context: BriefContext | None = None) -> dict[str, list[CheckGroup]]:
    """Every rubric item's checks, on hidden inputs drawn from `rng`."""
    return {"leaky_relu": leaky_relu_groups(rng), "sample_noise": sample_noise_groups()}
