"""The cs501r_wgan_gp checks, run in-process on the reference and on one-bug variants of it.

Grading the student's own networks (building them, pushing their outputs,
running train_step) is the slow part, so a variant is graded on the items
it could affect plus the cheap probe-network items, not on the whole plan.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.execution.cells import plan_notebook
from autograder.public import public_plan
from reference.packs import cs501r_wgan_gp as ref

from .in_process import InProcessPack, losing_items

CASE = InProcessPack("cs501r_wgan_gp", ref)
POINTS = CASE.points
PROBE_ITEMS = ("gradient_penalty", "wgan_losses", "interpolation")  # graded with the grader's probe networks: cheap
PENDING = "brief training"


def _with(**replacements) -> dict:
    """The reference's names with some replaced; critic_loss uses the namespace's penalty, as in a notebook."""
    namespace = CASE.namespace(**replacements)
    if "critic_loss" not in replacements:
        def critic_loss(critic, real, fake, lam=10.0, eps=None):
            penalty = namespace["gradient_penalty"](critic, real, fake, eps)
            return critic(fake).mean() - critic(real).mean() + lam * penalty
        namespace["critic_loss"] = critic_loss
    return namespace


def grade(namespace: dict, items=None, seed: int = 0, plan=None) -> dict:
    return CASE.grade(namespace, items, plan or CASE.fresh_plan(seed))


def test_the_reference_gets_every_point_but_brief_training():
    verdicts = grade(CASE.namespace())
    expected = POINTS | {"training_loop": round(POINTS["training_loop"] * 2 / 3, 2), "final_image": 0.0}
    assert {item: v.points for item, v in verdicts.items()} == expected, \
        {item: v.message() for item, v in verdicts.items() if v.points != expected[item]}
    for item in ("training_loop", "final_image"):
        assert [o.check for o in verdicts[item].outcomes if not o.passed] == [PENDING]


def test_the_public_checks_pass_on_the_reference_and_have_no_brief_training():
    """With small networks (the public network checks are the hidden ones, run on the reference's above)."""
    plan = public_plan(CASE.pack)
    assert "final_image" not in plan
    verdicts = CASE.grade(_with(**TINY), plan=plan)
    assert all(v.passed for v in verdicts.values()), {item: v.message() for item, v in verdicts.items() if not v.passed}


def test_hidden_inputs_change_with_the_seed():
    first, second = CASE.fresh_plan(1), CASE.fresh_plan(2)
    a, b = first["gradient_penalty"][0].probe.inputs, second["gradient_penalty"][0].probe.inputs
    assert not np.array_equal(a["real"], b["real"])
    assert not np.array_equal(a["probe_critic/0.weight"], b["probe_critic/0.weight"])


# ----------------------------------------------------------- penalty and losses

def penalty(norm="per_sample", eps_draw=lambda real: torch.rand(real.shape[0], 1, 1, 1), graph=True,
            minus_one=True, reduce="mean"):
    """A gradient_penalty with one thing changed."""
    def gradient_penalty(critic, real, fake, eps=None):
        eps = eps_draw(real) if eps is None else eps
        x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
        (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=graph)
        norms = grads.flatten(1).norm(2, dim=1) if norm == "per_sample" else grads.norm(2).reshape(1)
        terms = ((norms - 1) if minus_one else norms) ** 2
        return terms.mean() if reduce == "mean" else terms.sum()
    return gradient_penalty


def reseeded_rand(real):
    torch.manual_seed(0)
    return torch.rand(real.shape[0], 1, 1, 1)


PROBE_BUGS = {
    "penalty_without_create_graph": (dict(gradient_penalty=penalty(graph=False)), {"gradient_penalty", "wgan_losses"}),
    "penalty_whole_batch_norm": (dict(gradient_penalty=penalty(norm="batch")), {"gradient_penalty", "wgan_losses"}),
    "penalty_without_minus_one": (dict(gradient_penalty=penalty(minus_one=False)), {"gradient_penalty", "wgan_losses"}),
    "penalty_summed_over_batch": (dict(gradient_penalty=penalty(reduce="sum")), {"gradient_penalty", "wgan_losses"}),
    "eps_one_per_batch": (dict(gradient_penalty=penalty(eps_draw=lambda real: torch.rand(1))), {"gradient_penalty"}),
    "eps_normal": (dict(gradient_penalty=penalty(eps_draw=lambda real: torch.randn(real.shape[0], 1, 1, 1))), {"gradient_penalty"}),
    "eps_per_pixel": (dict(gradient_penalty=penalty(eps_draw=torch.rand_like)), {"gradient_penalty"}),
    "eps_reseeded_every_call": (dict(gradient_penalty=penalty(eps_draw=reseeded_rand)), {"gradient_penalty"}),
    "critic_loss_ignores_lam": (dict(critic_loss=lambda critic, real, fake, lam=10.0, eps=None:
                                     ref.critic_loss(critic, real, fake, 10.0, eps)), {"wgan_losses"}),
    "critic_loss_sign_flipped": (dict(critic_loss=lambda critic, real, fake, lam=10.0, eps=None:
                                      critic(real).mean() - critic(fake).mean() + lam * ref.gradient_penalty(critic, real, fake, eps)),
                                 {"wgan_losses"}),
    "generator_loss_detaches_fake": (dict(generator_loss=lambda critic, fake: -critic(fake.detach()).mean()), {"wgan_losses"}),
    "generator_loss_as_item": (dict(generator_loss=lambda critic, fake: -critic(fake).mean().item()), {"wgan_losses"}),
    "interpolate_excludes_z1": (dict(interpolate=lambda G, z0, z1, steps=10:
                                     ref.interpolate(G, z0, z0 + (z1 - z0) * (steps - 1) / steps, steps)), {"interpolation"}),
    "interpolate_reversed": (dict(interpolate=lambda G, z0, z1, steps=10: ref.interpolate(G, z1, z0, steps)), {"interpolation"}),
}


@pytest.mark.parametrize("bug", sorted(PROBE_BUGS))
def test_a_probe_network_bug_loses_exactly_its_items(bug):
    replacements, expected = PROBE_BUGS[bug]
    assert losing_items(grade(_with(**replacements), PROBE_ITEMS)) == expected


def test_a_penalty_without_graph_is_named_as_such():
    message = grade(_with(gradient_penalty=penalty(graph=False)), ["gradient_penalty"])["gradient_penalty"].message()
    assert "create_graph=True" in message and "penalty value" not in message


@pytest.mark.parametrize("seed", [3, 4])
def test_the_eps_statistics_tell_the_samplers_apart_on_other_seeds(seed):
    plan = CASE.fresh_plan(seed)
    eps_only = {"gradient_penalty": [g for g in plan["gradient_penalty"] if g.probe.name == "penalty_eps"]}
    def passes(draw):
        return grade(_with(gradient_penalty=penalty(eps_draw=draw)), plan=eps_only)["gradient_penalty"].passed
    assert passes(lambda real: torch.rand(real.shape[0], 1, 1, 1))
    assert not passes(lambda real: torch.rand(1))
    assert not passes(lambda real: torch.randn(real.shape[0], 1, 1, 1))


# ------------------------------------------------------------------ networks
# The network checks judge contracts, not architectures, so the variants are small networks (fast to
# build, push and train); the reference's own networks are graded in the first test.

class TinyGenerator(nn.Module):
    """(N, z_dim) -> (N, 3, 64, 64): linear, batch norm, upsampling, then `squash` (tanh)."""

    def __init__(self, z_dim=100, squash=torch.tanh):
        super().__init__()
        self.fc, self.bn, self.squash = nn.Linear(z_dim, 3 * 8 * 8), nn.BatchNorm1d(3 * 8 * 8), squash

    def forward(self, z):
        x = self.bn(self.fc(z)).view(-1, 3, 8, 8)
        return self.squash(F.interpolate(x, scale_factor=8))


class TinyCritic(nn.Module):
    """(N, 3, 64, 64) -> (N, 1): an 8x8 stride-8 convolution, leaky ReLU, linear, then `squash` (none)."""

    def __init__(self, squash=lambda x: x):
        super().__init__()
        self.conv, self.fc, self.squash = nn.Conv2d(3, 4, 8, 8), nn.Linear(4 * 8 * 8, 1), squash

    def forward(self, x):
        return self.squash(self.fc(self.features(x).flatten(1)))

    def features(self, x):
        return F.leaky_relu(self.conv(x), 0.2)


class DetachedFeatures(TinyCritic):
    """Only the last layer trains: the convolution's output is detached."""

    def features(self, x):
        return super().features(x).detach()


class NoGraph(TinyCritic):
    """Scores computed under torch.no_grad(): nothing trains."""

    def forward(self, x):
        with torch.no_grad():
            return super().forward(x)


class IgnoresZ(TinyGenerator):
    def forward(self, z):
        return super().forward(z[:1].expand_as(z))


TINY = dict(Generator=TinyGenerator, Critic=TinyCritic)
NETWORK_BUGS = {
    "critic_sigmoid": (dict(Critic=lambda: TinyCritic(torch.sigmoid)), "discriminator"),
    "critic_relu": (dict(Critic=lambda: TinyCritic(F.relu)), "discriminator"),
    "critic_tanh": (dict(Critic=lambda: TinyCritic(torch.tanh)), "discriminator"),
    "critic_detached_features": (dict(Critic=DetachedFeatures), "discriminator"),
    "critic_without_graph": (dict(Critic=NoGraph), "discriminator"),
    "generator_no_tanh": (dict(Generator=lambda z_dim=100: TinyGenerator(z_dim, lambda x: x)), "generator"),
    "generator_sigmoid": (dict(Generator=lambda z_dim=100: TinyGenerator(z_dim, torch.sigmoid)), "generator"),
    "generator_ignores_z": (dict(Generator=IgnoresZ), "generator"),
}


def test_the_small_networks_pass_the_network_checks():
    assert not losing_items(grade(_with(**TINY), ["discriminator", "generator"]))


def _notebook_definitions(relative: str) -> dict:
    """A sample notebook's statements run here, as the kernel runs them (skipped calls left out)."""
    notebook = nbformat.read(CASE.pack.folder / "samples" / relative, as_version=4)
    namespace: dict = {"__name__": "__main__"}
    for cell in plan_notebook(notebook, CASE.pack.skip_calls):
        for statement in cell.statements:
            if statement.skip_reason or statement.syntax_error:
                continue
            try:
                exec(compile(statement.code, relative, "exec"), namespace)
            except Exception:  # magics and plotting: only the definitions matter here
                continue
    return namespace


@pytest.fixture(scope="module")
def layernorm_critic():
    return _notebook_definitions("valid/resnet_layernorm.ipynb")["Critic"]


@pytest.mark.parametrize("seed", range(20, 28))  # 20, 22 and 23 once left its pushed scores inside [-1, 1]
def test_a_valid_layernorm_critic_passes_under_any_hidden_inputs(layernorm_critic, seed):
    assert not losing_items(grade(_with(**TINY | dict(Critic=layernorm_critic)), ["discriminator"], seed=seed))


@pytest.mark.parametrize("bug", sorted(NETWORK_BUGS))
def test_a_network_bug_fails_its_item(bug):
    replacements, item = NETWORK_BUGS[bug]
    assert losing_items(grade(_with(**TINY | replacements), [item])) == {item}


# ----------------------------------------------------------- optimizers and train_step

def adam_pair(lr, betas, g_of=lambda G, critic: G.parameters()):
    return lambda G, critic: (torch.optim.Adam(g_of(G, critic), lr=lr, betas=betas),
                              torch.optim.Adam(critic.parameters(), lr=lr, betas=betas))


def step_c_opt_for_generator(G, critic, g_opt, c_opt, real, z_dim=100, n_critic=1, lam=10.0):
    """The generator's update steps c_opt (copied from the critic's update)."""
    return ref.train_step(G, critic, c_opt, c_opt, real, z_dim, n_critic, lam)


def step_with_own_optimizer(G, critic, g_opt, c_opt, real, z_dim=100, n_critic=1, lam=10.0):
    own = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return ref.train_step(G, critic, g_opt, own, real, z_dim, n_critic, lam)


TRAINING_BUGS = {
    "optimizers_default_adam": (dict(make_optimizers=lambda G, critic: (torch.optim.Adam(G.parameters()),
                                                                       torch.optim.Adam(critic.parameters()))),
                                {"training_subsets"}),
    "optimizers_swapped": (dict(make_optimizers=lambda G, critic: ref.make_optimizers(G, critic)[::-1]),
                           {"training_subsets"}),
    "g_opt_over_both": (dict(make_optimizers=adam_pair(2e-4, (0.5, 0.999), lambda G, c: [*G.parameters(), *c.parameters()])),
                        {"training_subsets"}),
    "n_critic_ignored": (dict(train_step=lambda G, critic, g_opt, c_opt, real, z_dim=100, n_critic=1, lam=10.0:
                              ref.train_step(G, critic, g_opt, c_opt, real, z_dim, 1, lam)), {"training_loop"}),
    "c_opt_steps_for_generator": (dict(train_step=step_c_opt_for_generator), {"training_loop"}),
    "own_critic_optimizer": (dict(train_step=step_with_own_optimizer), {"training_subsets", "training_loop"}),
    "returns_tensors_list": (dict(train_step=lambda *args, **kwargs: list(ref.train_step(*args, **kwargs).values())),
                             {"training_loop"}),
}


@pytest.mark.parametrize("bug", sorted(TRAINING_BUGS))
def test_a_training_bug_loses_exactly_its_items(bug):
    replacements, expected = TRAINING_BUGS[bug]
    assert losing_items(grade(_with(**TINY | replacements), ["training_subsets", "training_loop"])) == expected


# ------------------------------------------------------------- accepted variants

class SqueezedLayerNormCritic(nn.Module):
    """No batch norm, layer norm instead, scores of shape (N,)."""

    def __init__(self):
        super().__init__()
        self.d_conv = nn.Conv2d(3, 8, 4, 4)
        self.d_norm = nn.LayerNorm([8, 16, 16])
        self.d_fc = nn.Linear(8 * 16 * 16, 1)

    def forward(self, x):
        return self.d_fc(F.leaky_relu(self.d_norm(self.d_conv(x)), 0.2).flatten(1)).view(-1)


class PrefixedGenerator(TinyGenerator):
    """Layers registered under g_ names."""

    def __init__(self, z_dim=100):
        super().__init__(z_dim)
        self.g_fc, self.g_bn = self.fc, self.bn
        del self.fc, self.bn

    def forward(self, z):
        return torch.tanh(F.interpolate(self.g_bn(self.g_fc(z)).view(-1, 3, 8, 8), scale_factor=8))


def prefix_optimizers(G, critic):
    named = [*G.named_parameters(), *critic.named_parameters()]
    return (torch.optim.Adam([p for n, p in named if n.startswith("g_")], lr=1e-4, betas=(0.0, 0.9)),
            torch.optim.Adam([p for n, p in named if n.startswith("d_")], lr=1e-4, betas=(0.0, 0.9)))


def row_interpolate(G, z0, z1, steps=10):
    """Written for (1, z_dim) rows only."""
    return G(torch.cat([(1 - t) * z0 + t * z1 for t in np.linspace(0, 1, steps)]))


def test_the_contract_variants_get_full_marks():
    namespace = _with(Critic=SqueezedLayerNormCritic, Generator=PrefixedGenerator, make_optimizers=prefix_optimizers,
                      interpolate=row_interpolate,
                      critic_loss=lambda critic, real, fake, lam=10.0, eps=None: ref.critic_loss(critic, real, fake.detach(), lam, eps))
    verdicts = grade(namespace, ["discriminator", "generator", "wgan_losses", "training_subsets", "interpolation"])
    assert not losing_items(verdicts), {item: v.message() for item, v in verdicts.items()}


def test_a_missing_function_fails_with_its_name():
    namespace = CASE.namespace()
    del namespace["interpolate"]
    verdict = grade(namespace, ["interpolation"])["interpolation"]
    assert verdict.points == 0 and "does not define `interpolate`" in verdict.message()
