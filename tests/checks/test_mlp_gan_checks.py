"""The mlp_gan checks, run in-process on the reference (module style), on a function-style notebook, and on one-bug variants."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from autograder.public import public_plan
from reference.models import mlp_gan as models
from reference.packs import mlp_gan as ref

from .in_process import InProcessPack

CASE = InProcessPack("mlp_gan", ref)
POINTS = CASE.points
PENDING = {"training", "final_image"}  # brief training: runs only in a grade, not in-process

# The original notebook's style: functions over dicts of (fan_in, fan_out) weights.
FUNCTION_STYLE = """
import torch

def xavier_init(shape):
    return torch.randn(shape) * (1.0 / shape[0])

g_weights = {'w1': xavier_init((100, 400)).requires_grad_(), 'b1': torch.zeros(400, requires_grad=True),
             'out': xavier_init((400, 784)).requires_grad_(), 'b2': torch.zeros(784, requires_grad=True)}
d_weights = {'w1': xavier_init((784, 400)).requires_grad_(), 'b1': torch.zeros(400, requires_grad=True),
             'out': xavier_init((400, 1)).requires_grad_(), 'b2': torch.zeros(1, requires_grad=True)}

def G(z, w=g_weights):
    return torch.sigmoid(torch.relu(z @ w['w1'] + w['b1']) @ w['out'] + w['b2'])

def D(x, w=d_weights):
    return torch.sigmoid(torch.relu(x @ w['w1'] + w['b1']) @ w['out'] + w['b2'])

def generate_z(n=1):
    return torch.randn(n, 100)

def objectives(D, G, x, z):
    p_fake = D(G(z))
    return -torch.mean(torch.log(p_fake)), -torch.mean(torch.log(D(x)) + torch.log(1 - p_fake))

def make_optimizers(D, G):
    return torch.optim.Adam(d_weights.values()), torch.optim.Adam(g_weights.values())

def train(D, G, d_opt, g_opt, images, iterations, batch_size=128):
    for _ in range(iterations):
        g_objective, _ = objectives(D, G, images[torch.randint(len(images), (batch_size,))], generate_z(batch_size))
        g_opt.zero_grad()
        g_objective.backward()
        g_opt.step()
        _, d_objective = objectives(D, G, images[torch.randint(len(images), (batch_size,))], generate_z(batch_size))
        d_opt.zero_grad()
        d_objective.backward()
        d_opt.step()
"""


def function_namespace(source: str = FUNCTION_STYLE) -> dict:
    namespace: dict = {}
    exec(source, namespace)
    return namespace


grade = CASE.grade
failing_items = CASE.failing_items


@pytest.mark.parametrize("style", ["module", "function"])
def test_a_correct_notebook_gets_every_point_there_is(style):
    namespace = CASE.namespace() if style == "module" else function_namespace()
    verdicts = grade(namespace)
    assert {item: v.points for item, v in verdicts.items()} == {item: 0.0 if item in PENDING else POINTS[item] for item in POINTS}, \
        {item: v.message() for item, v in verdicts.items() if not v.passed}
    for item in PENDING:
        assert [o.check for o in verdicts[item].outcomes] == ["brief training"]


# ------------------------------------------------------------- one-bug variants

class Net(nn.Module):
    """784 -> hidden -> out with configurable activations, initialised the notebook's way."""

    def __init__(self, fan_in, hidden, fan_out, act=torch.relu, last=torch.sigmoid):
        super().__init__()
        self.fc1, self.fc2 = models._linear(fan_in, hidden), models._linear(hidden, fan_out)
        self.act, self.last = act, last

    def forward(self, x):
        return self.last(self.fc2(self.act(self.fc1(x.flatten(1)))))


def _objectives_with_own_networks():
    own_d, own_g = models.Discriminator(), models.Generator()
    return lambda D, G, x, z: ref.objectives(own_d, own_g, x, z)


def _train_d_first(D, G, d_opt, g_opt, images, iterations, batch_size=128):
    for _ in range(iterations):
        for opt, pick in ((d_opt, 1), (g_opt, 0)):
            x = images[torch.randint(len(images), (batch_size,))]
            objective = ref.objectives(D, G, x, ref.generate_z(batch_size))[pick]
            opt.zero_grad()
            objective.backward()
            opt.step()


def _train_with_own_optimizers(D, G, d_opt, g_opt, images, iterations, batch_size=128):
    d_opt, g_opt = torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
    return ref.train(D, G, d_opt, g_opt, images, iterations, batch_size)


ADAM = torch.optim.Adam
BUGS = {
    "init_std_inverse_sqrt": (dict(xavier_init=lambda shape: torch.randn(shape) / shape[0] ** 0.5), {"weight_init"}),
    "init_glorot_uniform": (dict(xavier_init=lambda shape: nn.init.xavier_uniform_(torch.empty(shape))), {"weight_init"}),
    "init_glorot_normal": (dict(xavier_init=lambda shape: nn.init.xavier_normal_(torch.empty(shape))), {"weight_init"}),
    # the right standard deviation, the wrong distribution: only the normal-shape check can tell
    "init_uniform_same_std": (dict(xavier_init=lambda shape: (2 * torch.rand(shape) - 1) * math.sqrt(3) / shape[0]), {"weight_init"}),
    "init_reseeded": (dict(xavier_init=lambda shape: torch.manual_seed(0) and torch.randn(shape) / shape[0]), {"weight_init"}),
    "init_numpy": (dict(xavier_init=lambda shape: np.random.randn(*shape) / shape[0]), {"weight_init"}),
    "init_transposed": (dict(xavier_init=lambda shape: torch.randn(shape[::-1]) / shape[0]), {"weight_init"}),
    "generator_tanh": (dict(Generator=lambda: Net(100, 400, 784, last=torch.tanh)), {"generator"}),
    "generator_no_hidden_relu": (dict(Generator=lambda: Net(100, 400, 784, act=lambda h: h)), {"generator"}),
    "generator_hidden_300": (dict(Generator=lambda: Net(100, 300, 784)), {"generator"}),
    "discriminator_leaky_hidden": (dict(Discriminator=lambda: Net(784, 400, 1,
                                                                  act=lambda h: nn.functional.leaky_relu(h, 0.2))), {"discriminator"}),
    "discriminator_logits": (dict(Discriminator=lambda: Net(784, 400, 1, last=lambda s: s)), {"discriminator"}),
    "objectives_without_fake_term": (dict(objectives=lambda D, G, x, z: (ref.objectives(D, G, x, z)[0],
                                                                         -torch.log(D(x)).mean())), {"objectives"}),
    "objectives_swapped": (dict(objectives=lambda D, G, x, z: ref.objectives(D, G, x, z)[::-1]), {"objectives"}),
    "objectives_minimax_generator": (dict(objectives=lambda D, G, x, z: (torch.log(1 - D(G(z))).mean(),
                                                                         ref.objectives(D, G, x, z)[1])), {"objectives"}),
    "objectives_ignore_arguments": (dict(objectives=_objectives_with_own_networks()), {"objectives"}),
    "optimizers_betas_05": (dict(make_optimizers=lambda D, G: (ADAM(D.parameters(), betas=(0.5, 0.999)),
                                                               ADAM(G.parameters()))), {"variable_separation"}),
    "optimizers_sgd": (dict(make_optimizers=lambda D, G: (torch.optim.SGD(D.parameters(), lr=1e-3),
                                                          ADAM(G.parameters()))), {"variable_separation"}),
    "optimizers_shared": (dict(make_optimizers=lambda D, G: (ADAM([*D.parameters(), *G.parameters()]),
                                                             ADAM(G.parameters()))), {"variable_separation"}),
    "optimizers_missing_a_tensor": (dict(make_optimizers=lambda D, G: (ADAM(list(D.parameters())[:-1]),
                                                                       ADAM(G.parameters()))), {"variable_separation"}),
    "train_d_step_first": (dict(train=_train_d_first), {"variable_separation"}),
    "train_makes_its_own_optimizers": (dict(train=_train_with_own_optimizers), {"variable_separation"}),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_a_one_bug_variant_loses_exactly_its_item(bug):
    replacements, expected = BUGS[bug]
    assert failing_items(CASE.namespace(**replacements)) == expected


FUNCTION_BUGS = {
    "optimizer_over_all_weights": ([("torch.optim.Adam(d_weights.values())",
                                     "torch.optim.Adam([*d_weights.values(), *g_weights.values()])", 1)],
                                   {"variable_separation"}),
    "d_step_with_g_opt": ([("d_objective.backward()\n        d_opt.step()", "d_objective.backward()\n        g_opt.step()", 1)],
                          {"variable_separation"}),
    "generator_relu_output": ([("return torch.sigmoid(torch.relu(z @", "return torch.relu(torch.relu(z @", 1)], {"generator"}),
    # weights autograd does not track: the networks have no trainable parameters, and no optimizer can train them
    "weights_not_trainable": ([(".requires_grad_()", "", 4), ("requires_grad=True", "requires_grad=False", 4)],
                              {"generator", "discriminator", "variable_separation"}),
}


@pytest.mark.parametrize("bug", sorted(FUNCTION_BUGS))
def test_a_function_style_bug_loses_exactly_its_items(bug):
    replacements, expected = FUNCTION_BUGS[bug]
    source = FUNCTION_STYLE
    for old, new, count in replacements:
        assert source.count(old) == count, old
        source = source.replace(old, new)
    assert failing_items(function_namespace(source)) == expected


# ----------------------------------------------------------------- messages

def test_failures_name_what_was_expected_and_seen():
    verdicts = grade(CASE.namespace(xavier_init=lambda shape: torch.randn(shape) / shape[0] ** 0.5,
                           Discriminator=lambda: Net(784, 300, 1)))
    init, discriminator = verdicts["weight_init"].message(), verdicts["discriminator"].message()
    assert "standard deviation" in init and "1/shape[0]" in init and "Hint:" in init
    assert "expected 314401, saw 235801" in discriminator


def test_grading_leaves_function_style_weights_as_they_were():
    """The probes set other weights and train a few steps; the notebook's own weights must come back."""
    namespace = function_namespace()
    before = {name: [t.detach().clone() for t in namespace[name].values()] for name in ("g_weights", "d_weights")}
    grade(namespace)
    for name, saved in before.items():
        assert all(torch.equal(a, b) for a, b in zip(saved, namespace[name].values())), f"{name} changed by grading"


def test_hidden_inputs_change_with_the_seed():
    first, second = CASE.fresh_plan(1), CASE.fresh_plan(2)
    assert first["weight_init"][0].probe.code != second["weight_init"][0].probe.code  # other shapes
    assert not np.array_equal(first["objectives"][0].probe.inputs["x"], second["objectives"][0].probe.inputs["x"])


def test_weight_init_bounds_pass_correct_draws_on_many_seeds():
    """The 6-standard-error bounds: 20 hidden plans, a correct initialiser passes every one."""
    namespace = {"xavier_init": ref.xavier_init}
    for seed in range(20):
        plan = {"weight_init": CASE.checks.weight_init_groups(CASE.checks.hidden_init_shapes(np.random.default_rng(seed)))}
        verdict = CASE.grade(namespace, plan=plan)["weight_init"]
        assert verdict.passed, verdict.message()


@pytest.mark.parametrize("style", ["module", "function"])
def test_the_public_checks_pass_a_correct_notebook(style):
    namespace = CASE.namespace() if style == "module" else function_namespace()
    verdicts = CASE.grade(namespace, plan=public_plan(CASE.pack))
    assert all(v.passed for v in verdicts.values()), {item: v.message() for item, v in verdicts.items() if not v.passed}


def test_the_public_checks_catch_a_wrong_network_and_objective():
    namespace = CASE.namespace(Generator=lambda: Net(100, 300, 784),
                      objectives=lambda D, G, x, z: ref.objectives(D, G, x, z)[::-1])
    verdicts = CASE.grade(namespace, plan=public_plan(CASE.pack))
    assert {item for item, v in verdicts.items() if not v.passed} == {"generator", "objectives"}
