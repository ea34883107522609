"""Each pack's reference module exposes its assignment's student API and reproduces published values."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from autograder.packs import get_pack
from reference.packs import cs231n_gan, cs501r_dcgan, cs501r_wgan_gp, dcgan_tutorial, mlp_gan

# Function names and their parameters, as the contract's tables give them.
STUDENT_API = {
    cs231n_gan: {
        "leaky_relu": ["x", "alpha"], "sample_noise": ["batch_size", "dim", "seed"], "discriminator": ["seed"],
        "generator": ["noise_dim", "seed"], "bce_loss": ["input", "target"],
        "discriminator_loss": ["logits_real", "logits_fake"], "generator_loss": ["logits_fake"],
        "get_optimizer": ["model"], "ls_discriminator_loss": ["scores_real", "scores_fake"],
        "ls_generator_loss": ["scores_fake"], "build_dc_classifier": ["batch_size"],
        "build_dc_generator": ["noise_dim"],
    },
    cs501r_dcgan: {
        "gan_losses": ["D", "G", "z", "true_images"], "make_optimizers": ["D", "G"],
        "train": ["D", "G", "d_optim", "g_optim", "images", "iterations", "g_steps", "batch_size"],
    },
    cs501r_wgan_gp: {
        "gradient_penalty": ["critic", "real", "fake", "eps"], "critic_loss": ["critic", "real", "fake", "lam", "eps"],
        "generator_loss": ["critic", "fake"], "make_optimizers": ["G", "critic"],
        "train_step": ["G", "critic", "g_opt", "c_opt", "real", "z_dim", "n_critic", "lam"],
        "interpolate": ["G", "z0", "z1", "steps"],
    },
    dcgan_tutorial: {
        "losses": ["D", "G", "z", "x"], "make_optimizers": ["D", "G", "lr"],
        "train": ["D", "G", "trainer_d", "trainer_g", "images", "iterations", "batch_size"],
    },
    mlp_gan: {
        "xavier_init": ["shape"], "generate_z": ["n"], "objectives": ["D", "G", "x", "z"],
        "make_optimizers": ["D", "G"], "train": ["D", "G", "d_opt", "g_opt", "images", "iterations", "batch_size"],
    },
}


@pytest.mark.parametrize("module", list(STUDENT_API), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_reference_module_has_the_student_signatures(module):
    for name, params in STUDENT_API[module].items():
        assert list(inspect.signature(getattr(module, name)).parameters) == params, name


def test_cs231n_reproduces_the_published_check_values():
    real = torch.tensor(cs231n_gan.PUBLISHED_LOGITS_REAL, dtype=torch.float64).reshape(-1, 1)
    fake = torch.tensor(cs231n_gan.PUBLISHED_LOGITS_FAKE, dtype=torch.float64).reshape(-1, 1)
    computed = {
        "d_loss": cs231n_gan.discriminator_loss(real, fake),
        "g_loss": cs231n_gan.generator_loss(fake),
        "d_loss_lsgan": cs231n_gan.ls_discriminator_loss(real, fake),
        "g_loss_lsgan": cs231n_gan.ls_generator_loss(fake),
    }
    for name, published in cs231n_gan.PUBLISHED_LOSSES.items():
        assert computed[name].item() == pytest.approx(published, rel=cs231n_gan.PUBLISHED_RTOL), name


def test_cs231n_inline_answer_cycles_back_to_the_start():
    pairs = np.asarray(cs231n_gan.INLINE_Q1, dtype=float)
    assert pairs.shape == (6, 2)
    assert tuple(pairs[-1]) == (1.0, 1.0)


def test_cs231n_seeded_constructors_reproduce_and_leave_global_rng_alone():
    state = torch.random.get_rng_state()
    first = cs231n_gan.discriminator(seed=3).state_dict()
    assert torch.equal(torch.random.get_rng_state(), state)
    second = cs231n_gan.discriminator(seed=3).state_dict()
    other = cs231n_gan.discriminator(seed=4).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_cs501r_gan_losses_use_one_discriminator_for_both_halves():
    torch.manual_seed(0)
    D, G = cs501r_dcgan.Discriminator(), cs501r_dcgan.Generator()
    z = torch.rand(8, 100) * 2 - 1
    x = torch.rand(8, 784)
    d_loss, g_loss, d_acc, samples = cs501r_dcgan.gan_losses(D, G, z, x)
    assert samples.shape == (8, 784)
    assert 0.0 <= float(d_acc) <= 1.0
    p_real, p_fake = D(x), D(G(z))
    expected = -(torch.log(p_real) + torch.log(1 - p_fake)).mean()
    assert d_loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert g_loss.item() == pytest.approx(-torch.log(p_fake).mean().item(), rel=1e-6)


@pytest.mark.parametrize("pack_id", [m.__name__.rsplit(".", 1)[-1] for m in STUDENT_API])
def test_public_fixtures_are_deterministic_float64_or_int(pack_id):
    recipe = get_pack(pack_id).fixture_recipe()
    first, second = recipe.public_fixtures(), recipe.public_fixtures()
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].dtype in (np.float64, np.int64), name
        assert np.array_equal(first[name], second[name]), name
        assert np.all(np.isfinite(first[name])), name
