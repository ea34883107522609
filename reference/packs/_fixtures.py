"""Small helpers the packs' fixture recipes share."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Iterator

import numpy as np
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


def parameter_count(module: nn.Module) -> np.ndarray:
    return np.asarray(sum(p.numel() for p in module.parameters()), dtype=np.int64)


def arrays(**values: torch.Tensor | np.ndarray | float) -> dict[str, np.ndarray]:
    """Tensors and numbers as float64 numpy arrays (fixtures are compared in float64)."""
    out = {}
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            value = value.detach().to(torch.float64).numpy()
        out[name] = np.asarray(value, dtype=np.float64)
    return out


def gradients(loss: torch.Tensor, module: nn.Module, prefix: str) -> dict[str, np.ndarray]:
    """d loss / d parameter for every parameter of module, named '<prefix>/<name>'."""
    names, params = zip(*module.named_parameters())
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return {
        f"{prefix}/{name}": (np.zeros(p.shape) if g is None else g.detach().to(torch.float64).numpy())
        for name, p, g in zip(names, params, grads)
    }
