"""The WGAN-GP gradient penalty: per-sample norms, finite differences, second order."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from reference.losses import wgan_critic_loss
from reference.penalty import critic_loss_with_penalty, gradient_penalty, interpolates, sample_eps


class QuadraticCritic(nn.Module):
    """critic(x) = 0.5 * ||x||^2 per sample, so d critic / dx = x: a different norm for each sample."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x**2).flatten(1).sum(dim=1)


class SmallConvCritic(nn.Module):
    """A smooth (tanh) conv critic, small enough for finite differences in float64."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 3, kernel_size=3)  # (N, 2, 5, 5) -> (N, 3, 3, 3)
        self.fc = nn.Linear(3 * 3 * 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.conv(x))
        return self.fc(h.flatten(1))  # (N, 1)


def conv_setup(seed: int = 0):
    torch.manual_seed(seed)
    critic = SmallConvCritic().double()
    real = torch.randn(4, 2, 5, 5, dtype=torch.float64)
    fake = torch.randn(4, 2, 5, 5, dtype=torch.float64)
    eps = torch.rand(4, 1, 1, 1, dtype=torch.float64)
    return critic, real, fake, eps


def finite_difference_penalty(critic: nn.Module, x_hat: torch.Tensor, h: float = 1e-6) -> float:
    """The penalty from a central-difference estimate of each sample's input gradient."""
    flat = x_hat.detach().flatten(1)
    grads = torch.zeros_like(flat)
    with torch.no_grad():
        # Samples do not interact, so one element can be nudged in every sample at once.
        for j in range(flat.shape[1]):
            step = torch.zeros_like(flat)
            step[:, j] = h
            up = critic((flat + step).view_as(x_hat)).flatten()
            down = critic((flat - step).view_as(x_hat)).flatten()
            grads[:, j] = (up - down) / (2 * h)
    norms = grads.norm(dim=1)
    return ((norms - 1) ** 2).mean().item()


# ------------------------------------------------------------------ sampling

@pytest.mark.parametrize("shape, eps_shape", [((6, 3, 8, 8), (6, 1, 1, 1)), ((5, 784), (5, 1)), ((2, 1, 4), (2, 1, 1))])
def test_sample_eps_shape_dtype_and_range(shape, eps_shape):
    like = torch.zeros(shape, dtype=torch.float64)
    eps = sample_eps(shape[0], like)
    assert eps.shape == eps_shape and eps.dtype == torch.float64
    many = sample_eps(10_000, like)
    assert (many >= 0).all() and (many < 1).all()
    assert many.min() < 0.01 and many.max() > 0.99  # spread over [0, 1), not a constant


def test_sample_eps_reproducible_with_a_generator():
    like = torch.zeros(8, 3, 4, 4)
    draws = [sample_eps(8, like, torch.Generator().manual_seed(3)) for _ in range(2)]
    assert torch.equal(*draws)


def test_interpolates_ends_and_midpoint():
    real, fake = torch.full((2, 1, 2, 2), 3.0), torch.full((2, 1, 2, 2), -1.0)
    assert torch.equal(interpolates(real, fake, torch.ones(2, 1, 1, 1)), real)
    assert torch.equal(interpolates(real, fake, torch.zeros(2, 1, 1, 1)), fake)
    assert torch.equal(interpolates(real, fake, torch.tensor([0.5, 0.25]).view(2, 1, 1, 1))[:, 0, 0, 0], torch.tensor([1.0, 0.0]))


# ----------------------------------------------------------------- the value

@given(w=arrays(np.float64, 12, elements=st.floats(-3, 3)), seed=st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_linear_critic_penalty_is_norm_of_weights_minus_one_squared(w, seed):
    weights = torch.tensor(w)
    generator = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(5, 3, 2, 2, generator=generator, dtype=torch.float64), torch.zeros(5, 3, 2, 2, dtype=torch.float64)
    penalty = gradient_penalty(lambda x: x.flatten(1) @ weights, real, fake, generator=generator)
    np.testing.assert_allclose(penalty.item(), (np.linalg.norm(w) - 1) ** 2, rtol=1e-10, atol=1e-12)


@given(
    real=arrays(np.float64, (6, 1, 2, 2), elements=st.floats(-2, 2)),
    fake=arrays(np.float64, (6, 1, 2, 2), elements=st.floats(-2, 2)),
    eps=arrays(np.float64, (6, 1, 1, 1), elements=st.floats(0, 1)),
)
@settings(max_examples=40, deadline=None)
def test_penalty_is_mean_of_per_sample_terms(real, fake, eps):
    penalty = gradient_penalty(QuadraticCritic(), torch.tensor(real), torch.tensor(fake), eps=torch.tensor(eps))
    x_hat = eps * real + (1 - eps) * fake  # the quadratic critic's input gradient is x_hat itself
    per_sample_norms = np.linalg.norm(x_hat.reshape(6, -1), axis=1)
    np.testing.assert_allclose(penalty.item(), np.mean((per_sample_norms - 1) ** 2), rtol=1e-9, atol=1e-12)


def test_per_sample_norm_differs_from_batch_norm():
    # Guards the test above: for these points the batch-wide norm gives another number.
    real = torch.tensor([0.1, 0.5, 2.0, 4.0], dtype=torch.float64).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    eps = torch.ones(4, 1, 1, 1, dtype=torch.float64)
    penalty = gradient_penalty(QuadraticCritic(), real, torch.zeros_like(real), eps=eps)
    per_sample = (real.flatten(1).norm(dim=1) - 1) ** 2
    assert penalty.item() == pytest.approx(per_sample.mean().item(), rel=1e-12)
    assert abs(penalty.item() - (real.norm() - 1).item() ** 2) > 1.0


def test_penalty_matches_finite_difference_input_gradient():
    critic, real, fake, eps = conv_setup()
    penalty = gradient_penalty(critic, real, fake, eps=eps)
    expected = finite_difference_penalty(critic, interpolates(real, fake, eps))
    assert penalty.item() > 1e-3
    np.testing.assert_allclose(penalty.item(), expected, rtol=1e-6)


def test_penalty_is_unscaled_and_accepts_n_by_1_or_n_scores():
    critic, real, fake, eps = conv_setup()
    squeezed = gradient_penalty(lambda x: critic(x).squeeze(1), real, fake, eps=eps)
    assert torch.equal(gradient_penalty(critic, real, fake, eps=eps), squeezed)
    assert squeezed.shape == ()


# ------------------------------------------------- gradients and determinism

def test_penalty_gradient_wrt_critic_parameters_matches_finite_differences():
    critic, real, fake, eps = conv_setup()
    # fc.bias shifts the score but not its input gradient, so it is left out.
    params = {name: p for name, p in critic.named_parameters() if name != "fc.bias"}
    grads = dict(zip(params, torch.autograd.grad(gradient_penalty(critic, real, fake, eps=eps), list(params.values()))))
    h = 1e-6
    for name, index in [("conv.weight", (0, 1, 2, 0)), ("conv.weight", (2, 0, 1, 1)), ("conv.bias", (1,)), ("fc.weight", (0, 5))]:
        param = params[name]
        with torch.no_grad():
            original = param[index].item()
            param[index] = original + h
        up = gradient_penalty(critic, real, fake, eps=eps).item()
        with torch.no_grad():
            param[index] = original - h
        down = gradient_penalty(critic, real, fake, eps=eps).item()
        with torch.no_grad():
            param[index] = original
        estimate = (up - down) / (2 * h)
        analytic = grads[name][index].item()
        assert abs(analytic) > 1e-4, name  # the second-order term is really there
        np.testing.assert_allclose(analytic, estimate, rtol=1e-5, err_msg=f"{name}{index}")


def test_penalty_sends_no_gradient_to_the_generator():
    critic, real, _, eps = conv_setup()
    generator_weight = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    fake = generator_weight * torch.ones_like(real)
    gradient_penalty(critic, real, fake, eps=eps).backward()
    assert generator_weight.grad is None
    for name, p in critic.named_parameters():
        if name == "fc.bias":  # the input gradient does not depend on the output bias
            assert p.grad is None
        else:
            assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_penalty_is_deterministic_given_eps_or_a_seeded_generator():
    critic, real, fake, eps = conv_setup()
    assert torch.equal(gradient_penalty(critic, real, fake, eps=eps), gradient_penalty(critic, real, fake, eps=eps))
    seeded = [gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(9)) for _ in range(2)]
    assert torch.equal(*seeded)
    # and the default eps is sample_eps's draw from that generator
    eps_drawn = sample_eps(4, real, torch.Generator().manual_seed(9))
    assert torch.equal(seeded[0], gradient_penalty(critic, real, fake, eps=eps_drawn))


def test_critic_loss_with_penalty_adds_lambda_times_penalty():
    critic, real, fake, eps = conv_setup()
    wasserstein = wgan_critic_loss(critic(real), critic(fake))
    penalty = gradient_penalty(critic, real, fake, eps=eps)
    for lam in (0.0, 1.0, 10.0):
        loss = critic_loss_with_penalty(critic, real, fake, lam=lam, eps=eps)
        assert loss.item() == pytest.approx((wasserstein + lam * penalty).item(), rel=1e-12)
    default = critic_loss_with_penalty(critic, real, fake, eps=eps)
    assert default.item() == pytest.approx((wasserstein + 10.0 * penalty).item(), rel=1e-12)
