"""Building a network under a fixed torch seed without disturbing the caller's RNG."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run the block under torch.manual_seed(seed) without disturbing the caller's RNG."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def build_seeded(factory: Callable[[], nn.Module], seed: int | None) -> nn.Module:
    with seeded(seed):
        return factory()
