"""The GAN objectives of the five packs, each written as its formula.

Four families:

- logits form (CS231n, DCGAN tutorial): binary cross-entropy on the
  discriminator's logits;
- probability form (CS501R DCGAN, MLP GAN): the same objectives written with
  ``log`` of a discriminator that already ends in a sigmoid;
- least squares (LSGAN, the CS231n notebook's equation 9);
- Wasserstein (WGAN-GP; the gradient penalty lives in ``penalty``).

Every loss is a scalar mean over the batch, so a loss and its gradient do not
depend on the batch size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------- logits form

def bce_with_logits(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of ``sigmoid(logits)`` against ``target``.

    Per element, ``-[t log s(l) + (1 - t) log(1 - s(l))]`` is written as
    ``t * softplus(-l) + (1 - t) * softplus(l)``: a sum of two non-negative
    terms, so nothing cancels and the value is accurate to relative precision
    even when the loss is tiny (a confident, correct discriminator), and
    finite for any finite logit. (``F.binary_cross_entropy_with_logits`` is
    equally stable but rounds such tiny losses to 0 for target 0.) The
    gradient is ``(sigmoid(l) - t) / N``, and it is exact at ``l = 0`` too.
    """
    target = target.to(logits.dtype).expand_as(logits)
    per_element = target * F.softplus(-logits) + (1 - target) * F.softplus(logits)
    return per_element.mean()


def gan_discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """bce(real logits, 1) + bce(fake logits, 0), each a mean over its batch."""
    real_term = bce_with_logits(logits_real, torch.ones_like(logits_real))
    fake_term = bce_with_logits(logits_fake, torch.zeros_like(logits_fake))
    return real_term + fake_term


def gan_generator_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    """bce(fake logits, 1): the non-saturating generator loss."""
    return bce_with_logits(logits_fake, torch.ones_like(logits_fake))


# ----------------------------------------------------------- probability form

def _safe_log(x: torch.Tensor) -> torch.Tensor:
    """``log(x)``, except that an exact 0 is read as the dtype's smallest
    normal number, so a saturated discriminator gives a large finite loss
    instead of ``inf``. Every non-zero value goes through ``log`` untouched,
    so the result is bit-identical to ``torch.log`` there; negative input
    still gives NaN, as it should for something that is not a probability.
    """
    tiny = torch.finfo(x.dtype).tiny
    return torch.log(torch.where(x == 0, torch.full_like(x, tiny), x))


def _same_shape(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    # The formulas add the real and fake terms elementwise; (N, 1) + (N,)
    # would broadcast to (N, N) and give a wrong mean without any error.
    if a.shape != b.shape:
        raise ValueError(f"{what}: real and fake shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")


def prob_discriminator_loss(p_real: torch.Tensor, p_fake: torch.Tensor) -> torch.Tensor:
    """-mean(log D(x) + log(1 - D(G(z)))) on probabilities in (0, 1)."""
    _same_shape(p_real, p_fake, "prob_discriminator_loss")
    return -(_safe_log(p_real) + _safe_log(1 - p_fake)).mean()


def prob_generator_loss(p_fake: torch.Tensor) -> torch.Tensor:
    """-mean(log D(G(z))) on probabilities in (0, 1)."""
    return -_safe_log(p_fake).mean()


def discriminator_accuracy(p_real: torch.Tensor, p_fake: torch.Tensor) -> torch.Tensor:
    """Fraction of the discriminator's decisions at threshold 0.5 that are right.

    A real image is classified right when ``p > 0.5``, a sampled one when
    ``p < 0.5``; the mean runs over all real and fake decisions together.
    A probability of exactly 0.5 is no decision and counts as wrong on both
    sides. Returns a 0-dim tensor in ``p_real``'s dtype.
    """
    correct = torch.cat([(p_real > 0.5).flatten(), (p_fake < 0.5).flatten()])
    return correct.to(p_real.dtype).mean()


# ------------------------------------------------------------- least squares

def ls_discriminator_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator: 0.5 * mean((s_real - 1)^2) + 0.5 * mean(s_fake^2)."""
    return 0.5 * ((scores_real - 1) ** 2).mean() + 0.5 * (scores_fake**2).mean()


def ls_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN generator: 0.5 * mean((s_fake - 1)^2)."""
    return 0.5 * ((scores_fake - 1) ** 2).mean()


# --------------------------------------------------------------- Wasserstein

def wgan_critic_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """mean(critic(fake)) - mean(critic(real)), without the gradient penalty."""
    return scores_fake.mean() - scores_real.mean()


def wgan_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """-mean(critic(fake))."""
    return -scores_fake.mean()
