"""The dcgan_tutorial checks, run in-process on the reference, on other correct styles and on one-bug variants."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks.layers import same_layer_shapes
from autograder.observe.layers import layer_trace
from autograder.public import public_plan
from reference.models import dcgan_tutorial as models
from reference.packs import dcgan_tutorial as ref

from .in_process import InProcessPack

CASE = InProcessPack("dcgan_tutorial", ref)
PUBLIC_CHECKS = CASE.pack.public_checks_module()
POINTS = CASE.points
PENDING = {"training", "final_image"}  # brief training: runs only in a grade, not in-process


def failing_items(namespace: dict, plan: dict | None = None) -> set[str]:
    """Items that lose points, not counting brief training (not run in-process)."""
    return CASE.failing_items(namespace, plan=plan)


def messages(namespace: dict, item: str) -> str:
    return CASE.grade(namespace, [item])[item].message()


# ------------------------------------------------------------ the contract's constants

def test_the_expected_layers_are_the_reference_networks():
    x, z = torch.rand(2, 1, 28, 28), torch.randn(2, ref.Z_DIM)
    assert same_layer_shapes("D", PUBLIC_CHECKS.DISCRIMINATOR_LAYERS, layer_trace(models.Discriminator(), x), "", every_layer=True).passed
    assert same_layer_shapes("G", PUBLIC_CHECKS.GENERATOR_LAYERS, layer_trace(models.Generator().train(), z), "", every_layer=True).passed
    assert [tuple(p.shape) for p in models.Generator().parameters() if p.dim() == 4] == PUBLIC_CHECKS.GENERATOR_KERNELS
    assert sum(p.numel() for p in models.Discriminator().parameters()) == PUBLIC_CHECKS.DISCRIMINATOR_COUNT


def test_a_layer_sequence_names_the_first_difference():
    trace = [{"op": "conv2d", "shape": [2, 8, 28, 28]}, {"op": "relu", "shape": [2, 8, 28, 28]},
             {"op": "max_pool2d", "shape": [2, 8, 14, 14]}]
    outcome = same_layer_shapes("D", PUBLIC_CHECKS.DISCRIMINATOR_LAYERS, trace, "hint", every_layer=True)
    assert not outcome.passed and "layer 3 to be avg_pool2d -> (8, 14, 14)" in outcome.message
    short = same_layer_shapes("D", PUBLIC_CHECKS.DISCRIMINATOR_LAYERS[:2], trace[:1], "hint", every_layer=True)
    assert not short.passed and "missing relu -> (8, 28, 28)" in short.message


# ------------------------------------------------------------ the reference and other correct styles

def test_the_reference_gets_every_point_there_is():
    verdicts = CASE.grade(CASE.namespace())
    assert {item: v.points for item, v in verdicts.items()} == {
        item: 0 if item in PENDING else points for item, points in POINTS.items()}
    for item in PENDING:
        assert [o.check for o in verdicts[item].outcomes] == ["brief training"]


def test_the_reference_passes_the_public_checks():
    plan = public_plan(CASE.pack)
    assert set(plan) == set(POINTS) - PENDING
    assert failing_items(CASE.namespace(), plan) == set()


class TensorFlowLayoutDiscriminator(nn.Module):
    """The tutorial line by line: x @ W weights stored (in, out), flattened channels last."""

    def __init__(self):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(8, 1, 5, 5) * 0.02), nn.Parameter(torch.zeros(8))
        self.w2, self.b2 = nn.Parameter(torch.randn(16, 8, 5, 5) * 0.02), nn.Parameter(torch.zeros(16))
        self.w3, self.b3 = nn.Parameter(torch.randn(784, 32) * 0.02), nn.Parameter(torch.zeros(32))
        self.w4, self.b4 = nn.Parameter(torch.randn(32, 1) * 0.02), nn.Parameter(torch.zeros(1))

    def forward(self, x):
        h = F.avg_pool2d(F.relu(F.conv2d(x, self.w1, self.b1, padding=2)), 2)
        h = F.avg_pool2d(F.relu(F.conv2d(h, self.w2, self.b2, padding=2)), 2)
        h = F.relu(h.permute(0, 2, 3, 1).reshape(-1, 784) @ self.w3 + self.b3)
        return h @ self.w4 + self.b4


class ChannelsLastSeedGenerator(models.Generator):
    """The noise reshaped as TensorFlow's (N, 2, 2, 25), then permuted to channels first."""

    def forward(self, z):
        x = F.relu(z.view(-1, 2, 2, 25)).permute(0, 3, 1, 2)
        x = self.act1(self.bn1(self.deconv1(x)))
        x = self.act2(self.bn2(self.deconv2(x)))
        x = self.act3(self.bn3(self.deconv3(x)))
        return torch.tanh(self.deconv4(x))


def losses_on_detached_fakes(D, G, z, x):
    fake = G(z)
    real_logits, fake_logits = D(x), D(fake.detach())
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    return d_loss, F.binary_cross_entropy_with_logits(D(fake), torch.ones_like(real_logits))


def paper_betas(D, G, lr=2e-4):
    return torch.optim.Adam(params=D.parameters(), lr=lr, betas=(0.5, 0.999)), torch.optim.Adam(G.parameters(), lr, (0.5, 0.999))


def test_other_correct_styles_get_every_point():
    namespace = CASE.namespace(Discriminator=TensorFlowLayoutDiscriminator, Generator=ChannelsLastSeedGenerator,
                      losses=losses_on_detached_fakes, make_optimizers=paper_betas,
                      train=train_through(losses_on_detached_fakes))
    assert failing_items(namespace) == set()
    assert failing_items(namespace, public_plan(CASE.pack)) == set()


# ------------------------------------------------------------ one-bug variants

class MaxPoolDiscriminator(models.Discriminator):
    def __init__(self):
        super().__init__()
        self.pool1, self.pool2 = nn.MaxPool2d(2), nn.MaxPool2d(2)


class SigmoidDiscriminator(models.Discriminator):
    def forward(self, x):
        return torch.sigmoid(super().forward(x))


class FlatLogitsDiscriminator(models.Discriminator):
    def forward(self, x):
        return super().forward(x).view(-1)


class NoBatchNormGenerator(models.Generator):
    def __init__(self, z_dim=100):
        super().__init__(z_dim)
        self.bn1, self.bn2, self.bn3 = nn.Identity(), nn.Identity(), nn.Identity()


class ReluBeforeBatchNormGenerator(models.Generator):
    def forward(self, z):
        x = F.relu(z.view(-1, 25, 2, 2))
        x = self.bn1(F.relu(self.deconv1(x)))
        x = self.bn2(F.relu(self.deconv2(x)))
        x = self.bn3(F.relu(self.deconv3(x)))
        return torch.tanh(self.deconv4(x))


class BatchMixingSeedGenerator(models.Generator):
    def forward(self, z):
        return super().forward(z.view(25, 2, 2, -1).permute(3, 0, 1, 2).reshape(-1, 100))


class OneByOneSeedGenerator(models.Generator):
    def __init__(self, z_dim=100):
        super().__init__(z_dim)
        self.deconv1 = nn.ConvTranspose2d(100, 256, kernel_size=3)

    def forward(self, z):
        x = self.act1(self.bn1(self.deconv1(F.relu(z.view(-1, 100, 1, 1)))))
        x = self.act3(self.bn3(self.deconv3(self.act2(self.bn2(self.deconv2(x))))))
        return torch.tanh(self.deconv4(x))


class NoTanhGenerator(models.Generator):
    def __init__(self, z_dim=100):
        super().__init__(z_dim)
        self.out = nn.Identity()


def _ce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def losses_targets_swapped(D, G, z, x):
    fake = D(G(z))
    return _ce(D(x), 0.0) + _ce(fake, 1.0), _ce(fake, 1.0)


def losses_g_target_zero(D, G, z, x):
    fake = D(G(z))
    return _ce(D(x), 1.0) + _ce(fake, 0.0), _ce(fake, 0.0)


def losses_detached_generator(D, G, z, x):
    return ref.losses(D, lambda z: G(z).detach(), z, x)


def train_through(losses):
    """The notebook's loop, which steps each network on the loss its `losses` function returns."""
    def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=16):
        for _ in range(iterations):
            z, x = torch.randn(batch_size, ref.Z_DIM), images[torch.randint(len(images), (batch_size,))]
            for optimizer, index in ((trainer_d, 0), (trainer_g, 1)):
                loss = losses(D, G, z, x)[index]
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return train


def optimizer_over_both(D, G, lr=2e-4):
    return torch.optim.Adam([*D.parameters(), *G.parameters()], lr=lr), torch.optim.Adam(G.parameters(), lr=lr)


def optimizers_in_wrong_order(D, G, lr=2e-4):
    return tuple(reversed(ref.make_optimizers(D, G, lr)))


def train_d_step_with_trainer_g(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=16):
    return ref.train(D, G, trainer_g, trainer_g, images, iterations, batch_size)


def train_with_its_own_optimizers(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=16):
    return ref.train(D, G, *ref.make_optimizers(D, G), images, iterations, batch_size)


def train_without_zero_grad(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=16):
    for _ in range(iterations):
        z, x = torch.randn(batch_size, ref.Z_DIM), images[torch.randint(len(images), (batch_size,))]
        for optimizer, index in ((trainer_d, 0), (trainer_g, 1)):
            ref.losses(D, G, z, x)[index].backward()
            optimizer.step()


def train_two_d_steps(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=16):
    for _ in range(iterations):
        ref.train(D, G, trainer_d, trainer_g, images, 1, batch_size)
        d_loss, _ = ref.losses(D, G, torch.randn(batch_size, 100), images[:batch_size])
        trainer_d.zero_grad()
        d_loss.backward()
        trainer_d.step()


BUGS = {
    "discriminator_max_pool": (dict(Discriminator=MaxPoolDiscriminator), {"discriminator"}),
    "discriminator_sigmoid": (dict(Discriminator=SigmoidDiscriminator), {"discriminator"}),
    "discriminator_flat_logits": (dict(Discriminator=FlatLogitsDiscriminator), {"discriminator"}),
    "generator_no_batchnorm": (dict(Generator=NoBatchNormGenerator), {"generator"}),
    "generator_relu_before_batchnorm": (dict(Generator=ReluBeforeBatchNormGenerator), {"generator"}),
    "generator_batch_mixing_seed": (dict(Generator=BatchMixingSeedGenerator), {"generator"}),
    "generator_1x1_seed": (dict(Generator=OneByOneSeedGenerator), {"generator"}),
    "generator_no_tanh": (dict(Generator=NoTanhGenerator), {"generator"}),
    "losses_targets_swapped": (dict(losses=losses_targets_swapped), {"loss_functions"}),
    "g_loss_target_zero": (dict(losses=losses_g_target_zero), {"loss_functions"}),
    "g_loss_detached": (dict(losses=losses_detached_generator, train=train_through(losses_detached_generator)),
                        {"loss_functions", "variable_separation"}),
    "optimizer_over_both": (dict(make_optimizers=optimizer_over_both), {"variable_separation"}),
    "optimizers_in_wrong_order": (dict(make_optimizers=optimizers_in_wrong_order), {"variable_separation"}),
    "lr_ignored": (dict(make_optimizers=lambda D, G, lr=2e-4: ref.make_optimizers(D, G)), {"variable_separation"}),
    "d_step_with_trainer_g": (dict(train=train_d_step_with_trainer_g), {"variable_separation"}),
    "train_makes_its_own_optimizers": (dict(train=train_with_its_own_optimizers), {"variable_separation"}),
    "train_two_d_steps": (dict(train=train_two_d_steps), {"variable_separation"}),
    "train_without_zero_grad": (dict(train=train_without_zero_grad), {"variable_separation"}),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_a_one_bug_variant_loses_exactly_its_items(bug):
    replacements, expected = BUGS[bug]
    assert failing_items(CASE.namespace(**replacements)) == expected


def test_the_public_checks_catch_the_structural_bugs():
    plan = public_plan(CASE.pack)
    assert failing_items(CASE.namespace(Discriminator=MaxPoolDiscriminator), plan) == {"discriminator"}
    assert failing_items(CASE.namespace(Generator=BatchMixingSeedGenerator), plan) == {"generator"}
    assert failing_items(CASE.namespace(losses=losses_targets_swapped), plan) == {"loss_functions"}


# ------------------------------------------------------------ messages a student can act on

def test_failures_say_what_to_change():
    assert "layer 3 to be avg_pool2d -> (8, 14, 14), saw max_pool2d -> (8, 14, 14)" in \
        messages(CASE.namespace(Discriminator=MaxPoolDiscriminator), "discriminator")
    assert "logits not squashed" in messages(CASE.namespace(Discriminator=SigmoidDiscriminator), "discriminator")
    assert "each image made from its own noise vector" in messages(CASE.namespace(Generator=BatchMixingSeedGenerator), "generator")
    assert "(100, 256, 3, 3)" in messages(CASE.namespace(Generator=OneByOneSeedGenerator), "generator")
    detached = messages(CASE.namespace(losses=losses_detached_generator), "loss_functions")
    assert "g_loss reaches the generator" in detached and "do not detach" in detached
    idle = messages(CASE.namespace(losses=losses_detached_generator, train=train_through(losses_detached_generator)),
                    "variable_separation")
    assert "G step(s) that left G unchanged" in idle
    assert "lr=0.001" in messages(CASE.namespace(make_optimizers=lambda D, G, lr=2e-4: ref.make_optimizers(D, G)), "variable_separation")
    assert "0 trainer_d steps and 6 trainer_g steps" in messages(CASE.namespace(train=train_d_step_with_trainer_g), "variable_separation")
    assert "gradients cleared before each step" in messages(CASE.namespace(train=train_without_zero_grad), "variable_separation")


def test_a_missing_class_fails_with_its_name():
    namespace = CASE.namespace()
    del namespace["Generator"]
    verdict = CASE.grade(namespace, ["generator"])["generator"]
    assert verdict.points == 0 and "does not define `Generator`" in verdict.message()


def test_hidden_inputs_and_probe_networks_change_with_the_seed():
    first, second = CASE.fresh_plan(1), CASE.fresh_plan(2)
    a, b = first["loss_functions"][0].probe.inputs, second["loss_functions"][0].probe.inputs
    assert not np.array_equal(a["z"], b["z"]) and not np.array_equal(a["probe_d/1.weight"], b["probe_d/1.weight"])


def test_losses_hard_coded_to_the_public_values_fail_the_hidden_inputs():
    fixtures = public_plan(CASE.pack)["loss_functions"][0].probe.inputs
    published = ref.losses(*_public_probes(fixtures), torch.from_numpy(fixtures["z"]).double(),
                           torch.from_numpy(fixtures["x"]).double())
    values = [v.item() for v in published]

    def memorised(D, G, z, x):
        d_loss, g_loss = ref.losses(D, G, z, x)
        return d_loss * 0 + values[0], g_loss * 0 + values[1]

    assert failing_items(CASE.namespace(losses=memorised), {"loss_functions": CASE.plan["loss_functions"]}) == {"loss_functions"}


def _public_probes(inputs):
    from autograder import probe_networks
    D, G = probe_networks.mnist_pair(0, ref.Z_DIM, discriminator_output="logits", generator_output="tanh", image_shape=(1, 28, 28))
    return probe_networks.load_probe_arrays(D, inputs, "probe_d"), probe_networks.load_probe_arrays(G, inputs, "probe_g")
