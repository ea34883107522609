"""The reference solution of __PACK_ID__: what the hidden checks and the fixtures compare with.

Students never see it: the sandbox hides the pack's folder, and the student kit
(`gangrade handout`) ships only the starter, public_checks.py and the fixtures.
"""
from __future__ import annotations

import torch


def leaky_relu(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    """x where x >= 0, alpha * x elsewhere."""
    return torch.where(x >= 0, x, alpha * x)


def sample_noise(batch_size: int, dim: int) -> torch.Tensor:
    """Noise uniform on [-1, 1), shape (batch_size, dim)."""
    return 2 * torch.rand(batch_size, dim) - 1
