"""Activation functions written out by hand, as the assignments ask students to.

The CS231n notebook has students write ``leaky_relu`` themselves rather than
call ``torch.nn.functional.leaky_relu``; this is the reference they are
compared against.
"""

from __future__ import annotations

import torch


def leaky_relu(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    """Leaky ReLU: ``x`` where ``x >= 0``, ``alpha * x`` elsewhere.

    This equals the notebook's ``max(x, alpha * x)`` for ``0 <= alpha <= 1``,
    the only slopes a leaky ReLU uses. For ``alpha > 1`` the ``max`` form
    would pick ``alpha * x`` on the positive side instead, so such slopes are
    refused rather than given a second meaning. Works on any shape; the
    result has the dtype of ``alpha * x`` (the input's, for floating input).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"leaky_relu needs 0 <= alpha <= 1, got alpha={alpha}")
    return torch.where(x >= 0, x, alpha * x)
