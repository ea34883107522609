"""Properties of leaky_relu and of the noise samplers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from reference.activations import leaky_relu
from reference.noise import normal_noise, uniform_noise

finite_floats = st.floats(-1e6, 1e6, allow_nan=False, width=32)


# ------------------------------------------------------------------ leaky_relu

@given(
    x=arrays(np.float64, array_shapes(min_dims=0, max_dims=4, max_side=5), elements=finite_floats),
    alpha=st.floats(0.0, 1.0),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_leaky_relu_is_max_of_x_and_alpha_x(x, alpha, dtype):
    x_torch = torch.from_numpy(x).to(dtype)
    expected = np.maximum(x_torch.double().numpy(), alpha * x_torch.double().numpy())
    out = leaky_relu(x_torch, alpha)
    assert out.shape == x_torch.shape and out.dtype == dtype
    # Relative to the dtype's rounding; atol covers products that underflow.
    info = torch.finfo(dtype)
    np.testing.assert_allclose(out.double().numpy(), expected, rtol=info.eps, atol=info.tiny)


def test_leaky_relu_default_slope_is_one_hundredth():
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert torch.equal(leaky_relu(x), torch.tensor([-0.02, -0.005, 0.0, 0.5, 2.0]))


def test_leaky_relu_gradient_is_one_or_alpha():
    x = torch.tensor([-3.0, -1e-3, 1e-3, 3.0], requires_grad=True)
    leaky_relu(x, 0.2).sum().backward()
    assert torch.equal(x.grad, torch.tensor([0.2, 0.2, 1.0, 1.0]))


@pytest.mark.parametrize("alpha", [-0.1, 1.5])
def test_leaky_relu_refuses_slopes_outside_unit_interval(alpha):
    with pytest.raises(ValueError):
        leaky_relu(torch.ones(3), alpha)


# ----------------------------------------------------------------------- noise

def _ks_distance(sample: np.ndarray, cdf) -> float:
    """Kolmogorov-Smirnov distance between a sample and a continuous CDF."""
    xs = np.sort(sample.astype(np.float64))
    n = len(xs)
    model = cdf(xs)
    above = np.arange(1, n + 1) / n - model
    below = model - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def _uniform_cdf(xs):
    return np.clip((xs + 1) / 2, 0, 1)


def _normal_cdf(xs):
    return 0.5 * (1 + np.vectorize(math.erf)(xs / math.sqrt(2)))


@pytest.mark.parametrize("sampler", [uniform_noise, normal_noise])
@given(batch_size=st.integers(1, 40), dim=st.integers(1, 40), seed=st.none() | st.integers(0, 2**31))
@settings(max_examples=30)
def test_noise_shape_dtype_and_finite(sampler, batch_size, dim, seed):
    z = sampler(batch_size, dim, seed=seed)
    assert z.shape == (batch_size, dim)
    assert z.dtype == torch.float32
    assert torch.isfinite(z).all()


@given(seed=st.integers(0, 2**31))
@settings(max_examples=30)
def test_uniform_noise_strictly_inside_open_interval_with_both_signs(seed):
    z = uniform_noise(64, 96, seed=seed)
    assert (z > -1).all() and (z < 1).all()
    assert (z > 0).any() and (z < 0).any()


@pytest.mark.parametrize("sampler", [uniform_noise, normal_noise])
def test_seeded_noise_reproduces_and_seeds_differ(sampler):
    assert torch.equal(sampler(16, 8, seed=123), sampler(16, 8, seed=123))
    assert not torch.equal(sampler(16, 8, seed=123), sampler(16, 8, seed=124))


@pytest.mark.parametrize("sampler", [uniform_noise, normal_noise])
def test_seeded_noise_leaves_global_rng_untouched(sampler):
    with torch.random.fork_rng():
        torch.manual_seed(2024)  # a global state that no seed=5 draw could end in
        state = torch.get_rng_state()
        sampler(32, 32, seed=5)
        assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("sampler", [uniform_noise, normal_noise])
def test_unseeded_noise_differs_between_calls_and_follows_global_seed(sampler):
    with torch.random.fork_rng():
        assert not torch.equal(sampler(16, 8), sampler(16, 8))
        torch.manual_seed(77)
        first = sampler(16, 8)
        torch.manual_seed(77)
        assert torch.equal(sampler(16, 8), first)


def test_uniform_noise_is_roughly_uniform():
    sample = uniform_noise(400, 500, seed=0).flatten().numpy()
    # 200k draws: the KS distance of a true uniform sample exceeds 0.005 with
    # probability about 1e-4 (1.36 / sqrt(n) = 0.003 is the 5% level).
    assert _ks_distance(sample, _uniform_cdf) < 0.005
    assert abs(sample.mean()) < 0.01


def test_normal_noise_is_roughly_standard_normal():
    sample = normal_noise(200, 500, seed=0).flatten().numpy()
    assert _ks_distance(sample, _normal_cdf) < 0.007
    assert abs(sample.mean()) < 0.01 and abs(sample.std() - 1) < 0.01


def test_ks_distance_rejects_a_wrong_distribution():
    # Guard on the test helper: a sample squeezed into (-0.5, 0.5) is far from U(-1, 1).
    squeezed = uniform_noise(100, 100, seed=0).flatten().numpy() / 2
    assert _ks_distance(squeezed, _uniform_cdf) > 0.2
