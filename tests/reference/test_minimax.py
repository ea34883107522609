"""CS231n inline question 1: alternating gradient steps on f(x, y) = x * y."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.minimax import INLINE_Q1, alternating_gradient_steps


def step_matrix(s: float) -> np.ndarray:
    """One step as a linear map on (x, y): y' = y + s x, then x' = x - s y' = (1 - s^2) x - s y."""
    return np.array([[1 - s * s, -s], [s, 1.0]])


def test_inline_answer_is_six_pairs_from_matrix_powers():
    m = step_matrix(1.0)
    expected = np.array([np.linalg.matrix_power(m, t) @ np.array([1.0, 1.0]) for t in range(1, 7)])
    assert len(INLINE_Q1) == 6 and all(isinstance(pair, tuple) and len(pair) == 2 for pair in INLINE_Q1)
    np.testing.assert_allclose(np.array(INLINE_Q1), expected, atol=1e-12)
    assert INLINE_Q1 == alternating_gradient_steps()


def test_step_one_is_periodic_with_period_six():
    # The map has eigenvalues exp(+-i pi/3): six steps are the identity.
    np.testing.assert_allclose(np.linalg.matrix_power(step_matrix(1.0), 6), np.eye(2), atol=1e-12)
    assert INLINE_Q1[5] == (1.0, 1.0)
    assert (1.0, 1.0) not in INLINE_Q1[:5]
    assert alternating_gradient_steps(steps=12)[6:] == INLINE_Q1


coordinates = st.floats(-10, 10)


@given(x0=coordinates, y0=coordinates, step=st.floats(0.01, 1.9), steps=st.integers(1, 30))
def test_each_step_updates_y_first_then_x_with_the_new_y(x0, y0, step, steps):
    pairs = alternating_gradient_steps(x0, y0, step, steps)
    assert len(pairs) == steps
    previous = (x0, y0)
    for x, y in pairs:
        assert y == pytest.approx(previous[1] + step * previous[0], abs=1e-9)  # ascent on df/dy = x
        assert x == pytest.approx(previous[0] - step * y, abs=1e-9)  # descent on df/dx = y, new y
        previous = (x, y)


@given(x0=coordinates, y0=coordinates, step=st.floats(0.01, 1.9))
def test_iterates_stay_on_an_ellipse_and_never_reach_the_saddle(x0, y0, step):
    # x^2 + s x y + y^2 is conserved by the map (its matrix has determinant 1),
    # and for s < 2 it is positive definite: the pair circles (0, 0) forever.
    def energy(x: float, y: float) -> float:
        return x * x + step * x * y + y * y

    start = energy(x0, y0)
    for x, y in alternating_gradient_steps(x0, y0, step, steps=50):
        assert energy(x, y) == pytest.approx(start, rel=1e-9, abs=1e-9)
