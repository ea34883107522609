"""cs501r_wgan_gp's public fixtures (grading_fixtures/cs501r_wgan_gp/public.npz): the recipe.

The arrays are probe critic and generator, inputs, and the reference's penalty, losses
and interpolation on them; the hidden checks draw the same arrays afresh for every
grade.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.fixtures.recipe import arrays, gradients
from reference.packs import cs501r_wgan_gp as ref

FIXTURE_SEED = 2017
PROBE_BATCH = 4
EPS_PAIR_SCALE = 3.0  # real pixels of the eps-statistics pair: large enough to saturate the probe's tanh
EPS_GRID = 41


def _scalar_eps(value: float) -> torch.Tensor:
    return torch.full((1, 1, 1, 1), value, dtype=torch.float64)


def check_arrays(rng: np.random.Generator, critic_seed: int, generator_seed: int) -> dict[str, np.ndarray]:
    """Probe networks, inputs, and the reference's answers on them, as float64 arrays.

    The public fixtures are this for a fixed seed; the hidden checks draw it
    afresh for every grade. Besides the penalty, the losses (and their
    critic-parameter gradients) and an interpolation, it holds one
    real/fake pair and the penalty on that pair as a function of eps
    (`eps_grid`, `eps_grid_penalty`): the penalty a correct eps sampler
    gives on copies of the pair has a distribution the checks can predict.
    """
    critic = probe_networks.face_critic(critic_seed).double()
    G = probe_networks.face_generator(generator_seed, ref.Z_DIM).double()
    real = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64)))
    fake = torch.from_numpy(rng.uniform(-1, 1, (PROBE_BATCH, 3, 64, 64))).requires_grad_(True)
    eps = torch.from_numpy(rng.uniform(0, 1, (PROBE_BATCH, 1, 1, 1)))
    z0, z1 = (torch.from_numpy(rng.standard_normal(ref.Z_DIM)) for _ in range(2))
    pair_real = torch.from_numpy(rng.standard_normal((1, 3, 64, 64)) * EPS_PAIR_SCALE)
    pair_fake = torch.from_numpy(rng.uniform(-0.1, 0.1, (1, 3, 64, 64)))
    grid = np.linspace(0.0, 1.0, EPS_GRID)

    gp = ref.gradient_penalty(critic, real, fake, eps=eps)
    c_loss = ref.critic_loss(critic, real, fake, eps=eps)
    wasserstein = ref.critic_loss(critic, real, fake, lam=0.0, eps=eps)
    g_loss = ref.generator_loss(critic, fake)
    (g_loss_grad_fake,) = torch.autograd.grad(g_loss, fake, retain_graph=True)
    return {
        **probe_networks.probe_arrays(critic, "probe_critic"),
        **probe_networks.probe_arrays(G, "probe_g"),
        **arrays(
            real=real, fake=fake, eps=eps, z0=z0, z1=z1,
            gradient_penalty=gp, critic_loss=c_loss, wasserstein=wasserstein, generator_loss=g_loss,
            generator_loss_grad_fake=g_loss_grad_fake,
            gradient_penalty_first=ref.gradient_penalty(critic, real[:1], fake[:1], eps=eps[:1]),
            interpolation=ref.interpolate(G, z0, z1, steps=10),
            eps_pair_real=pair_real, eps_pair_fake=pair_fake, eps_grid=grid,
            eps_grid_penalty=[ref.gradient_penalty(critic, pair_real, pair_fake, eps=_scalar_eps(e)).item() for e in grid],
        ),
        **gradients(gp, critic, "gradient_penalty_grad_critic"),
        **gradients(c_loss, critic, "critic_loss_grad_critic"),
        **gradients(wasserstein, critic, "wasserstein_grad_critic"),
        **gradients(g_loss, critic, "generator_loss_grad_critic"),
    }


def public_fixtures() -> dict[str, np.ndarray]:
    """The public checks' probe networks, inputs and reference answers (see `check_arrays`)."""
    return check_arrays(np.random.default_rng(FIXTURE_SEED), FIXTURE_SEED, FIXTURE_SEED + 1)
