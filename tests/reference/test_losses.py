"""The losses against independent NumPy formulas in float64, including extreme logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference.losses import (
    bce_with_logits,
    discriminator_accuracy,
    gan_discriminator_loss,
    gan_generator_loss,
    ls_discriminator_loss,
    ls_generator_loss,
    prob_discriminator_loss,
    prob_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)

RTOL = 1e-6


def column(elements: st.SearchStrategy[float], max_n: int = 64) -> st.SearchStrategy[np.ndarray]:
    """(N, 1) float64 arrays, the discriminator-output shape of the packs."""
    return st.integers(1, max_n).flatmap(lambda n: arrays(np.float64, (n, 1), elements=elements))


logits = column(st.floats(-100, 100))
binary_targets = st.integers(0, 1).map(float)
scores = column(st.floats(-1e3, 1e3))
probabilities = column(st.floats(1e-6, 1 - 1e-6))


def leaf(array: np.ndarray) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


# NumPy references: BCE in log-sum-exp form, -log sigmoid(x) = log(1 + e^-x).
def np_softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def np_bce(x: np.ndarray, t: np.ndarray) -> float:
    return float(np.mean(t * np_softplus(-x) + (1 - t) * np_softplus(x)))


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np_softplus(-x))


def assert_grad_close(actual: torch.Tensor, expected: np.ndarray) -> None:
    # Gradient entries are O(1/N); below 1e-15/N only sigmoid's rounding near 1 differs.
    np.testing.assert_allclose(actual.numpy(), expected, rtol=RTOL, atol=1e-15 / expected.size)


# ------------------------------------------------------------------ logits form

@given(x=logits, data=st.data())
def test_bce_matches_log_sum_exp_formula_and_its_gradient(x, data):
    t = data.draw(arrays(np.float64, x.shape, elements=st.one_of(binary_targets, st.floats(0, 1))))
    logits_t = leaf(x)
    loss = bce_with_logits(logits_t, torch.tensor(t))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits_t.grad).all()
    np.testing.assert_allclose(loss.item(), np_bce(x, t), rtol=RTOL, atol=0)
    assert_grad_close(logits_t.grad, (np_sigmoid(x) - t) / x.size)


@given(x=column(st.floats(-10, 10)), data=st.data())
def test_bce_matches_textbook_cross_entropy_for_moderate_logits(x, data):
    t = data.draw(arrays(np.float64, x.shape, elements=st.floats(0, 1)))
    p = 1 / (1 + np.exp(-x))
    textbook = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(bce_with_logits(torch.tensor(x), torch.tensor(t)).item(), textbook, rtol=1e-9)


def test_bce_keeps_tiny_losses_of_confident_correct_logits():
    # log(1 + e^-100) = 3.72e-44: a relative error of 1 would show as 0.
    expected = np.log1p(np.exp(-100.0))
    for logit, target in [(100.0, 1.0), (-100.0, 0.0)]:
        loss = bce_with_logits(torch.tensor([logit], dtype=torch.float64), torch.tensor([target]))
        np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)


def test_bce_gradient_at_zero_logit_is_half_minus_target():
    x = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    bce_with_logits(x, t).backward()
    assert torch.allclose(x.grad, (0.5 - t) / 4, rtol=0, atol=1e-16)


@given(real=logits, fake=logits)
def test_gan_losses_match_numpy(real, fake):
    real_t, fake_t = leaf(real), leaf(fake)
    d_loss = gan_discriminator_loss(real_t, fake_t)
    d_loss.backward()
    expected = np.mean(np_softplus(-real)) + np.mean(np_softplus(fake))
    np.testing.assert_allclose(d_loss.item(), expected, rtol=RTOL)
    assert_grad_close(real_t.grad, (np_sigmoid(real) - 1) / real.size)
    assert_grad_close(fake_t.grad, np_sigmoid(fake) / fake.size)

    fake_t = leaf(fake)
    g_loss = gan_generator_loss(fake_t)
    g_loss.backward()
    np.testing.assert_allclose(g_loss.item(), np.mean(np_softplus(-fake)), rtol=RTOL)
    assert_grad_close(fake_t.grad, (np_sigmoid(fake) - 1) / fake.size)


def test_gan_losses_finite_in_float32_at_extreme_logits():
    extreme = torch.tensor([[-100.0], [100.0], [0.0]], requires_grad=True)
    for loss in (gan_discriminator_loss(extreme, extreme), gan_generator_loss(extreme)):
        (grad,) = torch.autograd.grad(loss, extreme)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


# ------------------------------------------------------------- probability form

@given(p_real=probabilities, data=st.data())
def test_probability_losses_match_numpy(p_real, data):
    p_fake = data.draw(arrays(np.float64, p_real.shape, elements=st.floats(1e-6, 1 - 1e-6)))
    d_loss = prob_discriminator_loss(torch.tensor(p_real), torch.tensor(p_fake))
    g_loss = prob_generator_loss(torch.tensor(p_fake))
    np.testing.assert_allclose(d_loss.item(), -np.mean(np.log(p_real) + np.log(1 - p_fake)), rtol=1e-12)
    np.testing.assert_allclose(g_loss.item(), -np.mean(np.log(p_fake)), rtol=1e-12)


@pytest.mark.parametrize("dtype, width", [(torch.float32, 32), (torch.float64, 64)])
@given(data=st.data())
def test_probability_losses_bit_identical_to_plain_formula_inside_unit_interval(dtype, width, data):
    # Probabilities drawn at the dtype's own precision, so none rounds to 0 or 1.
    open_unit = st.floats(0, 1, exclude_min=True, exclude_max=True, width=width)
    p_real = data.draw(column(open_unit))
    p_fake = data.draw(arrays(np.float64, p_real.shape, elements=open_unit))
    pr, pf = torch.tensor(p_real, dtype=dtype), torch.tensor(p_fake, dtype=dtype)
    assert torch.equal(prob_discriminator_loss(pr, pf), -(torch.log(pr) + torch.log(1 - pf)).mean())
    assert torch.equal(prob_generator_loss(pf), -torch.log(pf).mean())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_probability_losses_finite_at_zero_and_one(dtype):
    tiny = torch.finfo(dtype).tiny
    p_real = torch.tensor([[0.0], [1.0], [0.5]], dtype=dtype, requires_grad=True)
    p_fake = torch.tensor([[1.0], [0.0], [0.5]], dtype=dtype, requires_grad=True)
    d_loss = prob_discriminator_loss(p_real, p_fake)
    g_loss = prob_generator_loss(p_fake)
    d_grads = torch.autograd.grad(d_loss, (p_real, p_fake))
    (g_grad,) = torch.autograd.grad(g_loss, p_fake)
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    assert all(torch.isfinite(g).all() for g in (*d_grads, g_grad))
    # A log that would be log(0) reads log(tiny); the others are untouched.
    log_tiny, log_half = np.log(tiny), np.log(0.5)
    np.testing.assert_allclose(d_loss.item(), -(2 * log_tiny + 2 * log_half) / 3, rtol=1e-6)
    np.testing.assert_allclose(g_loss.item(), -(log_tiny + log_half) / 3, rtol=1e-6)


def test_probability_losses_do_not_hide_non_probabilities():
    assert torch.isnan(prob_generator_loss(torch.tensor([-0.1, 0.5])))


def test_probability_discriminator_loss_refuses_mismatched_shapes():
    with pytest.raises(ValueError):
        prob_discriminator_loss(torch.full((4, 1), 0.5), torch.full((4,), 0.5))


@given(p_real=column(st.floats(0, 1)), p_fake=column(st.floats(0, 1)))
def test_discriminator_accuracy_counts_correct_decisions(p_real, p_fake):
    acc = discriminator_accuracy(torch.tensor(p_real), torch.tensor(p_fake))
    expected = (np.sum(p_real > 0.5) + np.sum(p_fake < 0.5)) / (p_real.size + p_fake.size)
    assert acc.shape == () and acc.item() == pytest.approx(expected, abs=1e-12)


def test_discriminator_accuracy_counts_ties_as_wrong():
    half = torch.full((3, 1), 0.5)
    assert discriminator_accuracy(half, half).item() == 0.0
    assert discriminator_accuracy(torch.tensor([0.9, 0.5]), torch.tensor([0.1, 0.5])).item() == 0.5


# ---------------------------------------------------------- least squares, WGAN

@given(real=scores, fake=scores)
def test_least_squares_losses_match_numpy(real, fake):
    real_t, fake_t = leaf(real), leaf(fake)
    d_loss = ls_discriminator_loss(real_t, fake_t)
    d_loss.backward()
    np.testing.assert_allclose(
        d_loss.item(), 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake**2), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(real_t.grad.numpy(), (real - 1) / real.size, rtol=1e-12)
    np.testing.assert_allclose(fake_t.grad.numpy(), fake / fake.size, rtol=1e-12, atol=1e-300)

    fake_t = leaf(fake)
    g_loss = ls_generator_loss(fake_t)
    g_loss.backward()
    np.testing.assert_allclose(g_loss.item(), 0.5 * np.mean((fake - 1) ** 2), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(fake_t.grad.numpy(), (fake - 1) / fake.size, rtol=1e-12, atol=1e-300)


@given(real=scores, fake=scores)
def test_wasserstein_losses_match_numpy(real, fake):
    real_t, fake_t = leaf(real), leaf(fake)
    c_loss = wgan_critic_loss(real_t, fake_t)
    c_loss.backward()
    # A difference of means: compare on the scale of the scores, not of the result.
    scale = max(np.abs(real).max(), np.abs(fake).max())
    np.testing.assert_allclose(c_loss.item(), np.mean(fake) - np.mean(real), rtol=0, atol=1e-12 * scale + 1e-300)
    np.testing.assert_allclose(real_t.grad.numpy(), np.full(real.shape, -1 / real.size), rtol=1e-12)
    np.testing.assert_allclose(fake_t.grad.numpy(), np.full(fake.shape, 1 / fake.size), rtol=1e-12)
    np.testing.assert_allclose(wgan_generator_loss(torch.tensor(fake)).item(), -np.mean(fake), rtol=1e-12, atol=1e-300)
