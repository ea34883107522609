"""Noise for the generators' input: uniform on (-1, 1) and standard normal.

Both take an optional ``seed``. A seeded call draws from its own local
``torch.Generator`` so that it is reproducible and leaves the global random
state exactly as it was; an unseeded call draws from the global generator,
so ``torch.manual_seed`` governs it as usual.
"""

from __future__ import annotations

import torch

# torch.rand returns float32 values on a grid of step 2**-24 in [0, 1).
# Mapping u -> 2u - 1 would give [-1, 1), with -1 itself possible; shifting by
# half a grid step centres every value in its cell instead, so the range is
# symmetric and strictly inside (-1, 1): [-1 + 2**-24, 1 - 2**-24].
_HALF_STEP = 2.0**-24


def _local_generator(seed: int | None) -> torch.Generator | None:
    if seed is None:
        return None
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def uniform_noise(batch_size: int, dim: int, seed: int | None = None) -> torch.Tensor:
    """Float32 noise of shape (batch_size, dim), uniform on (-1, 1)."""
    u = torch.rand(batch_size, dim, generator=_local_generator(seed), dtype=torch.float32)
    return (2 * u - 1) + _HALF_STEP


def normal_noise(batch_size: int, dim: int, seed: int | None = None) -> torch.Tensor:
    """Float32 noise of shape (batch_size, dim), standard normal N(0, 1)."""
    return torch.randn(batch_size, dim, generator=_local_generator(seed), dtype=torch.float32)
