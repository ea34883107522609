"""The cs501r_dcgan checks, run in-process on the reference and on one-bug (or valid) variants of it.

A variant replaces names of the reference namespace and is graded on the
items whose probes call those names: the networks' items for a network,
the two gan_losses items for gan_losses, training_subsets for the
optimizers and the loop (the reference's `train` does not call the
namespace's gan_losses, and the reference gets every point, so the other
items cannot change). The sandboxed sample test grades whole notebooks.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder import probe_networks
from autograder.packs import get_pack
from autograder.public import public_plan
from reference.packs import cs501r_dcgan as ref

from .in_process import InProcessPack

CASE = InProcessPack("cs501r_dcgan", ref)
POINTS = CASE.points

ITEMS_OF = {
    "Discriminator": {"discriminator"}, "Generator": {"generator"},
    "gan_losses": {"loss_functions", "variable_sharing"},
    "make_optimizers": {"training_subsets"}, "train": {"training_subsets"},
}


def grade(replacements: dict, networks: dict | None = None) -> dict:
    """Verdicts of the items whose probes call the replaced names (`networks`: stand-ins not graded here)."""
    items = set().union(*(ITEMS_OF[name] for name in replacements))
    return CASE.grade(CASE.namespace(**(networks or {}), **replacements), items)


def failing_items(replacements: dict, networks: dict | None = None) -> set[str]:
    return {item for item, verdict in grade(replacements, networks).items() if not verdict.passed}


def test_the_reference_gets_every_point():
    """Every point there is to get in-process: final_image is brief training, which runs only in a grade."""
    verdicts = CASE.grade(CASE.namespace())
    assert {item: v.points for item, v in verdicts.items()} == {**POINTS, "final_image": 0.0}, \
        {item: v.message() for item, v in verdicts.items() if not v.passed}
    assert [o.check for o in verdicts["final_image"].outcomes] == ["brief training"]


def test_the_reference_passes_the_public_checks():
    plan = public_plan(CASE.pack)
    assert "final_image" not in plan
    verdicts = CASE.grade(CASE.namespace(), plan=plan)
    assert all(v.passed for v in verdicts.values()), {item: v.message() for item, v in verdicts.items()}


# ------------------------------------------------------------------ networks

class SmallKernelDiscriminator(nn.Module):
    """3x3 kernels, the lab's shapes, slope 0.1: valid."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 3, 2, 1), nn.LeakyReLU(0.1),
                                 nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.1), nn.Flatten(),
                                 nn.Linear(3136, 1024), nn.LeakyReLU(0.1), nn.Linear(1024, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class HandWrittenDiscriminator(ref.Discriminator):
    """The reference's layers called functionally, with the lab scaffold's max(x, leak * x): valid."""

    def forward(self, x):
        def lrelu(h):
            return torch.max(h, 0.2 * h)
        x = x.view(-1, 1, 28, 28)
        x = lrelu(F.conv2d(x, self.conv1.weight, self.conv1.bias, stride=2, padding=2))
        x = lrelu(F.conv2d(x, self.conv2.weight, self.conv2.bias, stride=2, padding=2))
        x = lrelu(x.flatten(1) @ self.fc1.weight.T + self.fc1.bias)
        return torch.sigmoid(x @ self.fc2.weight.T + self.fc2.bias)


def _discriminator(width=1024, slope=0.2, convs=2, sigmoid=True):
    class Variant(nn.Module):
        def __init__(self):
            super().__init__()
            layers = [nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 5, 2, 2), nn.LeakyReLU(slope)]
            if convs == 2:
                layers += [nn.Conv2d(32, 64, 5, 2, 2), nn.LeakyReLU(slope)]
            features = 3136 if convs == 2 else 6272
            layers += [nn.Flatten(), nn.Linear(features, width), nn.LeakyReLU(slope), nn.Linear(width, 1)]
            self.net = nn.Sequential(*layers, *([nn.Sigmoid()] if sigmoid else []))

        def forward(self, x):
            return self.net(x)
    return Variant


class TanhGenerator(ref.Generator):
    def forward(self, z):
        return torch.tanh(torch.logit(super().forward(z)))  # the same network, tanh at the end


class UnflattenedGenerator(ref.Generator):
    def forward(self, z):
        return super().forward(z).view(-1, 1, 28, 28)


class NoReluAfterD2Generator(ref.Generator):
    def forward(self, z):
        x = self.act1(self.fc(z)).view(-1, 128, 7, 7)
        return self.out(self.deconv2(self.deconv1(x))).flatten(1)


NETWORK_VARIANTS = {
    "d_small_kernels_slope_01": (dict(Discriminator=SmallKernelDiscriminator), set()),
    "d_functional_max_leak": (dict(Discriminator=HandWrittenDiscriminator), set()),
    "d_no_sigmoid": (dict(Discriminator=_discriminator(sigmoid=False)), {"discriminator"}),
    "d_h2_width_512": (dict(Discriminator=_discriminator(width=512)), {"discriminator"}),
    "d_missing_h1": (dict(Discriminator=_discriminator(convs=1)), {"discriminator"}),
    "d_slope_05": (dict(Discriminator=_discriminator(slope=0.5)), {"discriminator"}),
    "d_plain_relu": (dict(Discriminator=_discriminator(slope=0.0)), {"discriminator"}),
    "g_tanh_output": (dict(Generator=TanhGenerator), {"generator"}),
    "g_not_flattened": (dict(Generator=UnflattenedGenerator), {"generator"}),
    "g_no_relu_after_d2": (dict(Generator=NoReluAfterD2Generator), {"generator"}),
}


@pytest.mark.parametrize("variant", sorted(NETWORK_VARIANTS))
def test_a_network_variant_fails_exactly_its_items(variant):
    replacements, expected = NETWORK_VARIANTS[variant]
    assert failing_items(replacements) == expected


def test_a_wrong_width_and_a_missing_layer_are_named():
    width = grade(dict(Discriminator=_discriminator(width=512)))["discriminator"].message()
    assert "H2 to be linear -> (1024,)" in width and "linear -> (512,)" in width
    missing = grade(dict(Discriminator=_discriminator(convs=1)))["discriminator"].message()
    assert "H1 to be conv2d -> (64, 7, 7)" in missing


# ------------------------------------------------------------------ gan_losses

def _losses(d_loss=None, g_loss=None, d_acc=None, fake_d=None, fake_input=None):
    """gan_losses built from the reference formulas, with one part replaced."""
    def gan_losses(D, G, z, true_images):
        sample_images = G(z)
        p_real = D(true_images)
        p_fake = (fake_d(D) if fake_d else D)(fake_input(sample_images) if fake_input else sample_images)
        return ((d_loss or ref.losses.prob_discriminator_loss)(p_real, p_fake),
                (g_loss or ref.losses.prob_generator_loss)(p_fake),
                (d_acc or ref.losses.discriminator_accuracy)(p_real, p_fake), sample_images)
    return gan_losses


def concatenated_gan_losses(D, G, z, true_images):
    sample_images = G(z)
    n = len(true_images)
    probs = D(torch.cat([true_images, sample_images]))
    labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])
    d_loss = 2 * F.binary_cross_entropy(probs, labels)
    g_loss = F.binary_cross_entropy(probs[n:], torch.ones(n, 1))
    return d_loss, g_loss, ((probs > 0.5).float() == labels).float().mean().item(), sample_images


LOSS_VARIANTS = {
    "one_call_on_concatenation": (concatenated_gan_losses, set()),
    "deepcopy_for_fakes": (_losses(fake_d=copy.deepcopy), {"loss_functions", "variable_sharing"}),
    "new_discriminator_for_fakes": (_losses(fake_d=lambda D: ref.Discriminator()), {"loss_functions", "variable_sharing"}),
    "g_loss_saturating": (_losses(g_loss=lambda p: torch.log(1 - p).mean()), {"loss_functions"}),
    "d_loss_summed": (_losses(d_loss=lambda r, f: -(torch.log(r) + torch.log(1 - f)).sum()), {"loss_functions"}),
    "d_loss_sign_flipped": (_losses(d_loss=lambda r, f: (torch.log(r) + torch.log(1 - f)).mean()), {"loss_functions"}),
    "d_acc_swapped": (_losses(d_acc=lambda r, f: torch.cat([r < 0.5, f > 0.5]).float().mean()), {"loss_functions"}),
    "d_acc_real_only": (_losses(d_acc=lambda r, f: (r > 0.5).float().mean()), {"loss_functions"}),
    "d_loss_as_float": (_losses(d_loss=lambda r, f: ref.losses.prob_discriminator_loss(r, f).item()), {"loss_functions"}),
    "fakes_detached_everywhere": (_losses(fake_input=lambda x: x.detach()), {"loss_functions"}),
}


@pytest.mark.parametrize("variant", sorted(LOSS_VARIANTS))
def test_a_gan_losses_variant_fails_exactly_its_items(variant):
    function, expected = LOSS_VARIANTS[variant]
    assert failing_items(dict(gan_losses=function)) == expected


def test_sharing_failures_say_what_happened():
    copied = grade(dict(gan_losses=_losses(fake_d=copy.deepcopy)))["variable_sharing"].message()
    assert "the gradient of the real half only" in copied and "calls on batches of shapes (24, 784)" in copied
    new = grade(dict(gan_losses=_losses(fake_d=lambda D: ref.Discriminator())))["variable_sharing"].message()
    assert "no parameters created inside gan_losses: expected 0" in new


def test_hard_coded_public_values_fail_the_hidden_inputs():
    fixtures = get_pack("cs501r_dcgan").fixture_recipe().public_fixtures()

    def replay(D, G, z, true_images):
        zero = 0 * (D(true_images).sum() + D(G(z)).sum())  # scores both batches, carries a graph
        return (zero + float(fixtures["d_loss"]), zero + float(fixtures["g_loss"]), float(fixtures["d_acc"]),
                torch.from_numpy(fixtures["sample_images"]).float())
    assert failing_items(dict(gan_losses=replay)) == {"loss_functions"}


def test_hidden_inputs_change_with_the_seed_and_keep_the_probe_decisive():
    cases = [CASE.checks._hidden_loss_case(np.random.default_rng(seed)) for seed in (1, 2)]
    assert not np.array_equal(cases[0][0]["z"], cases[1][0]["z"])
    for _, expected in cases:
        assert abs(expected.d_acc - 0.5) > 0.05 and expected.d_acc != 1.0


# ------------------------------------------------------------------ optimizers and the loop

# training_subsets does not judge the architecture: the loop runs faster on the grader's tiny probe networks.
TINY_NETWORKS = dict(Discriminator=lambda: probe_networks.mnist_discriminator(0, output="probability"),
                     Generator=lambda: probe_networks.mnist_generator(1, 100, output="sigmoid"))

def _adam(params, lr=2e-4, betas=(0.5, 0.999)):
    return torch.optim.Adam(params, lr=lr, betas=betas)


def train_loop(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=128,
               also_step_g=False, own_optimizer=False):
    """The lab's loop on gan_losses, with optional bugs."""
    if own_optimizer:
        d_optim = _adam(D.parameters())
    for _ in range(iterations):
        batch = images[torch.randint(len(images), (batch_size,))]
        d_loss = ref.gan_losses(D, G, torch.rand(batch_size, 100) * 2 - 1, batch)[0]
        d_optim.zero_grad()
        d_loss.backward()
        d_optim.step()
        if also_step_g:
            g_optim.step()
        for _ in range(g_steps):
            g_loss = ref.gan_losses(D, G, torch.rand(batch_size, 100) * 2 - 1, batch)[1]
            g_optim.zero_grad()
            g_loss.backward()
            g_optim.step()
    return []


def _train(**bug):
    def train(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=128):
        return train_loop(D, G, d_optim, g_optim, images, iterations, g_steps, batch_size, **bug)
    return train


def _one_g_step(D, G, d_optim, g_optim, images, iterations=500, g_steps=1, batch_size=128):
    return train_loop(D, G, d_optim, g_optim, images, iterations, g_steps, batch_size)


def _prefix_optimizers(D, G):
    named = list(D.named_parameters()) + [(f"g_{name}", p) for name, p in G.named_parameters()]
    return (_adam([p for name, p in named if not name.startswith("g_")]),
            _adam([p for name, p in named if name.startswith("g_")]))


TRAINING_VARIANTS = {
    "name_prefix_optimizers": (dict(make_optimizers=_prefix_optimizers), set()),
    "loop_written_out": (dict(train=_train()), set()),
    "d_optim_over_both_networks": (dict(make_optimizers=lambda D, G: (_adam([*D.parameters(), *G.parameters()]), _adam(G.parameters()))),
                                   {"training_subsets"}),
    "lr_2e-3": (dict(make_optimizers=lambda D, G: (_adam(D.parameters(), lr=2e-3), _adam(G.parameters(), lr=2e-3))), {"training_subsets"}),
    "default_betas": (dict(make_optimizers=lambda D, G: (torch.optim.Adam(D.parameters(), lr=2e-4),
                                                         torch.optim.Adam(G.parameters(), lr=2e-4))),
                      {"training_subsets"}),
    "swapped": (dict(make_optimizers=lambda D, G: ref.make_optimizers(D, G)[::-1]), {"training_subsets"}),
    "one_g_step": (dict(train=_one_g_step), {"training_subsets"}),
    "d_step_also_steps_g": (dict(train=_train(also_step_g=True)), {"training_subsets"}),
    "loop_makes_its_own_d_optimizer": (dict(train=_train(own_optimizer=True)), {"training_subsets"}),
}


@pytest.mark.parametrize("variant", sorted(TRAINING_VARIANTS))
def test_a_training_variant_fails_exactly_its_items(variant):
    replacements, expected = TRAINING_VARIANTS[variant]
    assert failing_items(replacements, TINY_NETWORKS) == expected


def test_a_loop_failure_shows_the_step_pattern():
    message = grade(dict(train=_one_g_step), TINY_NETWORKS)["training_subsets"].message()
    assert "expected D G G G D G G G in 2 iterations, saw D G D G" in message
