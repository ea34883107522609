"""Walking a straight line in z-space, as the WGAN-GP lab's second plot does.

The lab asks for two latent vectors and the faces the generator makes at
evenly spaced points between them, both ends included.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def _as_vector(z: torch.Tensor, name: str) -> torch.Tensor:
    if z.dim() == 2 and z.shape[0] == 1:
        return z[0]
    if z.dim() != 1:
        raise ValueError(f"{name} must have shape (z_dim,) or (1, z_dim), got {tuple(z.shape)}")
    return z


def z_line(z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> torch.Tensor:
    """``steps`` evenly spaced points from ``z0`` to ``z1``: shape (steps, z_dim).

    Written as ``(1 - t) * z0 + t * z1`` so that the first row is exactly
    ``z0`` and the last exactly ``z1``.
    """
    start, end = _as_vector(z0, "z0"), _as_vector(z1, "z1")
    if start.shape != end.shape:
        raise ValueError(f"z0 and z1 differ in size: {tuple(start.shape)} vs {tuple(end.shape)}")
    if steps < 2:
        raise ValueError(f"a line with both ends needs steps >= 2, got {steps}")
    t = torch.linspace(0, 1, steps, dtype=start.dtype, device=start.device)[:, None]  # (steps, 1)
    return (1 - t) * start + t * end


def interpolate(
    G: Callable[[torch.Tensor], torch.Tensor],
    z0: torch.Tensor,
    z1: torch.Tensor,
    steps: int = 10,
) -> torch.Tensor:
    """``G`` applied to :func:`z_line`, without gradients and in eval mode.

    Eval mode makes batch-norm use its running statistics, so each image
    depends on its own z only. Every submodule's previous train/eval mode is
    restored afterwards. ``G`` may also be a plain function.
    """
    line = z_line(z0, z1, steps)
    modes = {m: m.training for m in G.modules()} if isinstance(G, nn.Module) else {}
    try:
        for m in modes:
            m.eval()
        with torch.no_grad():
            return G(line)
    finally:
        for m, was_training in modes.items():
            m.train(was_training)
