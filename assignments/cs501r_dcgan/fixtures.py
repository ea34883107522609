"""cs501r_dcgan's public fixtures (grading_fixtures/cs501r_dcgan/public.npz): the recipe.

The arrays are the probe pair shaped so that accuracy and both halves of the loss say
something, and the reference's losses and gradients on it.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder import probe_networks
from autograder.fixtures.recipe import arrays, gradients
from reference.packs import cs501r_dcgan as ref

FIXTURE_SEED = 501
PROBE_BATCH = 16
# How the probe pair is shaped (see decisive_probe_pair): G's weights are scaled
# so that its images differ from one another, D's output layer so that its
# probabilities spread over (0, 1), and D's bias so that this fraction of the
# real and generated images together lies above 0.5.
PROBE_G_SCALE, PROBE_D_SCALE, PROBE_ABOVE = 6.0, 8.0, 0.6


def decisive_probe_pair(seed: int, z: torch.Tensor, true_images: torch.Tensor) -> tuple[nn.Module, nn.Module]:
    """The grader's probe D (probabilities) and G (sigmoid images), float64, shaped for these inputs.

    The plain probes give probabilities near 0.5 on every image, where
    accuracy and the two halves of the loss say little. Here D calls
    PROBE_ABOVE of the real and generated images together real, and no
    probability is within half the widest gap of 0.5 that the split allows.
    """
    D, G = probe_networks.mnist_pair(seed, ref.Z_DIM, discriminator_output="probability", generator_output="sigmoid")
    with torch.no_grad():
        G[0].weight.mul_(PROBE_G_SCALE)
        D[3].weight.mul_(PROBE_D_SCALE)
        logits = D[:4](torch.cat([true_images.to(D[1].weight.dtype), G(z.to(D[1].weight.dtype)).reshape(len(z), -1)]))
        ordered = torch.sort(logits.flatten()).values
        split = int(round((1 - PROBE_ABOVE) * len(ordered)))
        D[3].bias.sub_((ordered[split - 1] + ordered[split]) / 2)
    return D, G


def public_fixtures() -> dict[str, np.ndarray]:
    """Probe networks, inputs and the reference's losses and gradients on them."""
    rng = np.random.default_rng(FIXTURE_SEED)
    z = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, ref.Z_DIM)))
    true_images = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 784)))
    D, G = decisive_probe_pair(FIXTURE_SEED, z, true_images)

    d_loss, g_loss, d_acc, sample_images = ref.gan_losses(D, G, z, true_images)
    return {
        **probe_networks.probe_arrays(D, "probe_d"),
        **probe_networks.probe_arrays(G, "probe_g"),
        **arrays(z=z, true_images=true_images, d_loss=d_loss, g_loss=g_loss, d_acc=d_acc, sample_images=sample_images),
        **gradients(d_loss, D, "d_loss_grad_d"),
        **gradients(g_loss, G, "g_loss_grad_g"),
    }
