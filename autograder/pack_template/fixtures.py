"""The recipe of __PACK_ID__'s public fixtures (grading_fixtures/__PACK_ID__/public.npz).

`gangrade fixtures build --assignment __PACK_ID__` runs it and records the file's
hash in the manifest; `gangrade fixtures verify` rebuilds it and reports drift.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.fixtures.recipe import arrays

from . import reference

FIXTURE_SEED = 0


def public_fixtures() -> dict[str, np.ndarray]:
    x = torch.from_numpy(np.random.default_rng(FIXTURE_SEED).standard_normal((3, 4)) * 3)
    return arrays(x=x, leaky_relu_x=reference.leaky_relu(x))
