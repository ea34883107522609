"""cs231n_gan's public fixtures (grading_fixtures/cs231n_gan/public.npz): the recipe.

Inputs and the reference's answers for the notebook's public checks, with the
values the notebook itself publishes, so students can check without the reference.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.fixtures.recipe import arrays, parameter_count
from reference.packs import cs231n_gan as ref

FIXTURE_SEED = 231


def public_fixtures() -> dict[str, np.ndarray]:
    """Inputs and expected outputs for the notebook's public checks (float64)."""
    rng = np.random.default_rng(FIXTURE_SEED)
    lrelu_x = rng.standard_normal((3, 4, 5)) * 3
    logits_real = torch.tensor(rng.standard_normal((ref.BATCH_SIZE, 1)) * 2, requires_grad=True)
    logits_fake = torch.tensor(rng.standard_normal((ref.BATCH_SIZE, 1)) * 2, requires_grad=True)

    d_loss = ref.discriminator_loss(logits_real, logits_fake)
    g_loss = ref.generator_loss(logits_fake)
    d_grad_real, d_grad_fake = torch.autograd.grad(d_loss, (logits_real, logits_fake))
    (g_grad_fake,) = torch.autograd.grad(g_loss, logits_fake)

    return {
        **arrays(
            lrelu_x=lrelu_x,
            lrelu_y=ref.leaky_relu(torch.from_numpy(lrelu_x)),
            logits_real=logits_real,
            logits_fake=logits_fake,
            d_loss_true=d_loss,
            g_loss_true=g_loss,
            d_loss_grad_real=d_grad_real,
            d_loss_grad_fake=d_grad_fake,
            g_loss_grad_fake=g_grad_fake,
            d_loss_lsgan_true=ref.ls_discriminator_loss(logits_real, logits_fake),
            g_loss_lsgan_true=ref.ls_generator_loss(logits_fake),
        ),
        **arrays(
            published_logits_real=np.array(ref.PUBLISHED_LOGITS_REAL),
            published_logits_fake=np.array(ref.PUBLISHED_LOGITS_FAKE),
            **{f"published_{name}": value for name, value in ref.PUBLISHED_LOSSES.items()},
        ),
        "count_discriminator": parameter_count(ref.discriminator()),
        "count_generator_nd4": parameter_count(ref.generator(noise_dim=4)),
        "count_dc_classifier": parameter_count(ref.build_dc_classifier()),
        "count_dc_generator_nd4": parameter_count(ref.build_dc_generator(noise_dim=4)),
    }
