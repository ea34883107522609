"""The WGAN-GP gradient penalty (Gulrajani et al. 2017, as the CS501R lab asks).

The critic is pushed towards gradient norm 1 at points ``x_hat`` sampled on
straight lines between real and generated images:

    x_hat = eps * real + (1 - eps) * fake,        eps ~ U[0, 1) per sample
    penalty = mean_i (|| d critic(x_hat_i) / d x_hat_i ||_2 - 1)^2

The norm is taken per sample over all of its pixels and channels, and the
penalty keeps its graph (``create_graph=True``) so that ``backward`` reaches
the critic's parameters through the input gradient: that second-order term is
the whole point of the penalty.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from reference.losses import wgan_critic_loss

Critic = Callable[[torch.Tensor], torch.Tensor]


def sample_eps(
    batch_size: int, like: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One U[0, 1) weight per sample, shaped (N, 1, ..., 1) to broadcast over ``like``.

    The dtype and device are ``like``'s; ``generator`` (on that device) makes
    the draw reproducible.
    """
    shape = (batch_size,) + (1,) * (like.dim() - 1)
    return torch.rand(shape, generator=generator, dtype=like.dtype, device=like.device)


def interpolates(real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Points on the lines from ``fake`` (eps = 0) to ``real`` (eps = 1)."""
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    critic: Critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    eps: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Unscaled gradient penalty, a scalar; the caller multiplies by lambda.

    ``eps`` defaults to a fresh :func:`sample_eps` draw (from ``generator``
    when given). ``real`` and ``fake`` are detached first: the penalty
    constrains the critic only, and no gradient of it should reach the
    generator.
    """
    if eps is None:
        eps = sample_eps(real.shape[0], real, generator)
    x_hat = interpolates(real.detach(), fake.detach(), eps.detach()).requires_grad_(True)
    scores = critic(x_hat)
    # Summing over the batch gives each sample's own gradient in its own slot,
    # because a sample's score depends only on that sample. (A critic that
    # mixes samples, e.g. through batch norm, breaks this; WGAN-GP critics
    # use layer or instance normalisation for that reason.)
    (input_grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    per_sample_norm = input_grad.flatten(start_dim=1).norm(2, dim=1)  # (N,)
    return ((per_sample_norm - 1) ** 2).mean()


def critic_loss_with_penalty(
    critic: Critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    lam: float = 10.0,
    eps: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP critic loss: mean critic(fake) - mean critic(real) + lam * penalty.

    ``fake`` is used as given: pass ``fake.detach()`` for a critic step that
    should not build the generator's graph.
    """
    wasserstein_term = wgan_critic_loss(critic(real), critic(fake))
    return wasserstein_term + lam * gradient_penalty(critic, real, fake, eps=eps, generator=generator)
