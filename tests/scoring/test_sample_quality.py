"""The sample-quality figures: properties of the math, and what they say about typical bad generators."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.scoring.sample_quality import evenness, frechet_distance, gaussian_of, roughness, score_faces

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


def _covariance(rng: np.random.Generator, dim: int) -> np.ndarray:
    a = rng.standard_normal((dim, dim))
    return a @ a.T + 0.1 * np.eye(dim)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 6))
def test_frechet_distance_is_zero_for_equal_gaussians_and_symmetric(seed, dim):
    rng = np.random.default_rng(seed)
    mean_a, mean_b = rng.standard_normal(dim), rng.standard_normal(dim)
    cov_a, cov_b = _covariance(rng, dim), _covariance(rng, dim)
    assert frechet_distance(mean_a, cov_a, mean_a, cov_a) == pytest.approx(0, abs=1e-7 * np.trace(cov_a))
    forward = frechet_distance(mean_a, cov_a, mean_b, cov_b)
    assert forward == pytest.approx(frechet_distance(mean_b, cov_b, mean_a, cov_a), rel=1e-6, abs=1e-9)
    assert forward >= 0


@settings(max_examples=40, deadline=None)
@given(mu_a=finite, mu_b=finite, sigma_a=st.floats(0.01, 5), sigma_b=st.floats(0.01, 5))
def test_frechet_distance_in_one_dimension_is_the_closed_form(mu_a, mu_b, sigma_a, sigma_b):
    # For 1-D Gaussians the 2-Wasserstein distance squared is (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2.
    seen = frechet_distance(np.array([mu_a]), np.array([[sigma_a**2]]), np.array([mu_b]), np.array([[sigma_b**2]]))
    assert seen == pytest.approx((mu_a - mu_b) ** 2 + (sigma_a - sigma_b) ** 2, rel=1e-6, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 5), shift=arrays(np.float64, 5, elements=finite))
def test_a_shift_of_the_mean_adds_its_squared_length(seed, dim, shift):
    rng = np.random.default_rng(seed)
    cov = _covariance(rng, dim)
    mean = rng.standard_normal(dim)
    assert frechet_distance(mean, cov, mean + shift[:dim], cov) == pytest.approx(float(shift[:dim] @ shift[:dim]),
                                                                                 rel=1e-6, abs=1e-6)


def test_gaussian_of_is_the_sample_mean_and_covariance():
    features = np.random.default_rng(0).standard_normal((400, 3)) * [1, 2, 3] + [4, 5, 6]
    mean, cov = gaussian_of(features)
    np.testing.assert_allclose(mean, features.mean(axis=0))
    np.testing.assert_allclose(cov, np.cov(features.T))


@settings(max_examples=40, deadline=None)
@given(labels=arrays(np.int64, st.integers(1, 200), elements=st.integers(0, 9)))
def test_evenness_is_between_zero_and_one(labels):
    value = evenness(labels)
    assert -1e-12 <= value <= 1 + 1e-12
    if len(set(labels.tolist())) == 1:
        assert value == pytest.approx(0, abs=1e-12)


def test_evenness_is_one_for_ten_equal_classes_and_grows_with_classes():
    assert evenness(np.repeat(np.arange(10), 7)) == pytest.approx(1)
    assert evenness(np.repeat(np.arange(2), 7)) < evenness(np.repeat(np.arange(5), 7)) < 1


def test_roughness_tells_noise_from_strokes():
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 1, (50, 28, 28))
    strokes = np.zeros((50, 28, 28))
    strokes[:, 6:22, 12:16] = 1.0  # a thick vertical bar: a "1"
    assert roughness(np.full((50, 28, 28), 0.5)) == 0
    assert roughness(noise) > 5 * roughness(strokes)


def test_faces_scores_see_one_repeated_image():
    rng = np.random.default_rng(0)
    varied = rng.uniform(0, 1, (40, 3, 8, 8))
    repeated = np.repeat(varied[:1], 40, axis=0)
    assert score_faces(repeated)["spread"] == pytest.approx(0, abs=1e-12) and score_faces(repeated)["diversity"] == 0
    assert score_faces(varied)["diversity"] > 0.2
    assert score_faces(np.full((4, 3, 8, 8), np.nan))["finite"] is False
