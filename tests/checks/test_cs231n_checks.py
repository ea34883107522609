"""The cs231n_gan hidden checks, run in-process on the reference and on one-bug variants of it."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference.packs import cs231n_gan as ref

from .in_process import InProcessPack, losing_items

CASE = InProcessPack("cs231n_gan", ref)
POINTS = CASE.points


def grade(namespace: dict, seed: int = 0) -> dict:
    """A fresh plan per grade: a variant that changes its inputs in place cannot reach the next test."""
    return CASE.grade(namespace, plan=CASE.fresh_plan(seed))


def failing_items(namespace: dict) -> set[str]:
    """Items that lose points, not counting training's brief-training half (not run in-process)."""
    return losing_items(grade(namespace))


def test_the_reference_gets_every_point():
    """Every point there is to get in-process: training's brief-training half runs only in a grade."""
    verdicts = grade(CASE.namespace())
    expected = {item: POINTS[item] for item in verdicts} | {"training": POINTS["training"] / 2}
    assert {item: v.points for item, v in verdicts.items()} == expected, \
        {item: v.message() for item, v in verdicts.items() if not v.passed}
    assert [o.check for o in verdicts["training"].outcomes if not o.passed] == ["brief training"]


def _sequential_discriminator(slope=0.01, last=None):
    layers = [nn.Linear(784, 256), nn.LeakyReLU(slope), nn.Linear(256, 256), nn.LeakyReLU(slope), nn.Linear(256, 1)]
    return nn.Sequential(nn.Flatten(), *layers, *([last] if last else []))


BUGS = {
    "leaky_relu_all_scaled": (dict(leaky_relu=lambda x, alpha=0.01: alpha * x), {"leaky_relu"}),
    "leaky_relu_fixed_slope": (dict(leaky_relu=lambda x, alpha=0.01: torch.where(x >= 0, x, 0.01 * x)), {"leaky_relu"}),
    "noise_unit_interval": (dict(sample_noise=lambda batch_size, dim, seed=None: torch.rand(batch_size, dim)), {"sample_noise"}),
    "noise_normal": (dict(sample_noise=lambda batch_size, dim, seed=None: torch.randn(batch_size, dim).clamp(-1, 1)), {"sample_noise"}),
    "discriminator_sigmoid": (dict(discriminator=lambda seed=None: _sequential_discriminator(last=nn.Sigmoid())), {"discriminator"}),
    "discriminator_slope": (dict(discriminator=lambda seed=None: _sequential_discriminator(slope=0.2)), {"discriminator"}),
    "gan_loss_single_mean": (dict(discriminator_loss=lambda r, f: ref.bce_loss(torch.cat([r, f]),
                                                                               torch.cat([torch.ones_like(r),
                                                                                          torch.zeros_like(f)]))), {"gan_loss"}),
    "generator_loss_saturating": (dict(generator_loss=lambda f: -ref.bce_loss(f, torch.zeros_like(f))), {"gan_loss"}),
    "optimizer_default_betas": (dict(get_optimizer=lambda model: torch.optim.Adam(model.parameters(), lr=1e-3)), {"get_optimizer"}),
    "lsgan_no_half": (dict(ls_generator_loss=lambda s: ((s - 1) ** 2).mean()), {"lsgan_loss"}),
    "inline_x_first": (dict(INLINE_Q1=[(0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1)]), {"inline_minimax"}),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_a_one_bug_variant_loses_exactly_its_item(bug):
    replacements, expected = BUGS[bug]
    assert failing_items(CASE.namespace(**replacements)) == expected


def test_optimizer_over_a_captured_global_model_fails_ownership():
    captured = nn.Linear(2, 2)

    def optimizer_of_the_global(model):
        return torch.optim.Adam(captured.parameters(), lr=1e-3, betas=(0.5, 0.999))

    verdict = grade(CASE.namespace(get_optimizer=optimizer_of_the_global))["get_optimizer"]
    assert not verdict.passed
    assert "steps exactly that model's parameters" in verdict.message()


def test_a_missing_function_fails_with_its_name():
    namespace = CASE.namespace()
    del namespace["leaky_relu"]
    verdict = grade(namespace)["leaky_relu"]
    assert verdict.points == 0 and "does not define `leaky_relu`" in verdict.message()


def test_hidden_inputs_change_with_the_seed():
    first, second = CASE.fresh_plan(1), CASE.fresh_plan(2)
    a, b = first["gan_loss"][0].probe.inputs["real"], second["gan_loss"][0].probe.inputs["real"]
    assert not np.array_equal(a, b)


def test_hard_coded_published_values_fail_hidden_inputs():
    published = torch.tensor(ref.PUBLISHED_LOSSES["d_loss"])
    verdict = grade(CASE.namespace(discriminator_loss=lambda r, f: published + 0 * (r.sum() + f.sum())))["gan_loss"]
    assert not verdict.passed
