"""CS231n inline question 1: alternating gradient steps on f(x, y) = x * y.

The maximising player y moves first, by gradient ascent (df/dy = x); then the
minimising player x moves by gradient descent using the new y (df/dx = y):

    y_t = y_{t-1} + step * x_{t-1}
    x_t = x_{t-1} - step * y_t

From (1, 1) with step 1 the pair circles the saddle point (0, 0) and returns
to (1, 1) after six steps, never approaching the optimum: the point of the
question.
"""

from __future__ import annotations


def alternating_gradient_steps(
    x0: float = 1.0, y0: float = 1.0, step: float = 1.0, steps: int = 6
) -> list[tuple[float, float]]:
    """The pairs (x_t, y_t) for t = 1..steps (the start (x0, y0) is not included)."""
    x, y = float(x0), float(y0)
    pairs = []
    for _ in range(steps):
        y = y + step * x  # ascent for the maximiser, first
        x = x - step * y  # then descent for the minimiser, seeing the new y
        pairs.append((x, y))
    return pairs


INLINE_Q1: list[tuple[float, float]] = alternating_gradient_steps()
