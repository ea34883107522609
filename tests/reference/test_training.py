"""The reference training loops: they run, stay finite, reproduce, and step
each network only with its own optimizer, in the order each pack prescribes.

An ``OptimizerSpy`` wraps each optimizer's ``step`` and records, for every
call, which network's parameters changed during it, and whether any
parameter changed *between* steps (which only an optimizer should do).

Each loop runs a step or two on the pack's own reference networks; the
tests that need many steps (printing, reproducibility, n_critic) use tiny
probe networks of the same input and output shapes, to stay fast.
"""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from reference import training
from reference.losses import (
    gan_discriminator_loss,
    gan_generator_loss,
    ls_discriminator_loss,
    ls_generator_loss,
)
from reference.models import cs231n_gan, cs501r_dcgan, cs501r_wgan_gp, dcgan_tutorial, mlp_gan


def snapshot(nets: dict[str, nn.Module]) -> dict[str, list[torch.Tensor]]:
    return {name: [p.detach().clone() for p in net.parameters()] for name, net in nets.items()}


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


class OptimizerSpy:
    """Records every optimizer step as (optimizer name, names of the networks it changed)."""

    def __init__(self, nets: dict[str, nn.Module]) -> None:
        self.nets = nets
        self.steps: list[tuple[str, set[str]]] = []
        self.changed_between_steps = False
        self._last = snapshot(nets)

    def watch(self, name: str, optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
        original_step = optimizer.step

        def step(*args, **kwargs):
            before = snapshot(self.nets)
            if any(not same(before[n], self._last[n]) for n in self.nets):
                self.changed_between_steps = True
            result = original_step(*args, **kwargs)
            after = snapshot(self.nets)
            changed = {n for n in self.nets if not same(before[n], after[n])}
            self.steps.append((name, changed))
            self._last = after
            return result

        optimizer.step = step  # shadows the class's method on this instance only
        return optimizer

    def order(self) -> list[str]:
        return [name for name, _ in self.steps]


def assert_no_cross_updates(spy: OptimizerSpy, owner: dict[str, str]) -> None:
    """Each optimizer's step changed its own network (and no other)."""
    assert not spy.changed_between_steps, "parameters changed outside an optimizer step"
    for name, changed in spy.steps:
        assert changed == {owner[name]}, f"a {name} step changed {sorted(changed)}"


def assert_finite(history: list[dict[str, float]], keys: set[str], steps: int) -> None:
    assert len(history) == steps
    for record in history:
        assert set(record) >= keys
        assert all(isinstance(v, float) and math.isfinite(v) for v in record.values())


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def adam(net: nn.Module, lr: float = 2e-4) -> torch.optim.Adam:
    return torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999))


MNIST_LIKE = torch.rand(64, 784)  # stands in for digits in [0, 1]


def probe_discriminator(sigmoid: bool) -> nn.Module:
    """(N, 784) -> (N, 1): one linear layer, optionally a sigmoid."""
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(784, 1)]
    return nn.Sequential(*layers, nn.Sigmoid()) if sigmoid else nn.Sequential(*layers)


def probe_generator(z_dim: int, squash: nn.Module) -> nn.Module:
    """(N, z_dim) -> (N, 784): one linear layer and the given output nonlinearity."""
    return nn.Sequential(nn.Linear(z_dim, 784), squash)


# ------------------------------------------------------------------ cs231n

def run_cs231n(seed: int, spy: bool = False, losses=(gan_discriminator_loss, gan_generator_loss)):
    torch.manual_seed(seed)
    D, G = cs231n_gan.Discriminator(), cs231n_gan.Generator(noise_dim=8)
    d_opt, g_opt = adam(D, 1e-3), adam(G, 1e-3)
    recorder = OptimizerSpy({"D": D, "G": G})
    if spy:
        recorder.watch("D", d_opt), recorder.watch("G", g_opt)
    history = training.train_cs231n(
        D, G, d_opt, g_opt, *losses, MNIST_LIKE, steps=3, batch_size=8, noise_size=8,
        generator=seeded(seed),
    )
    return history, recorder


@pytest.mark.parametrize(
    "losses", [(gan_discriminator_loss, gan_generator_loss), (ls_discriminator_loss, ls_generator_loss)]
)
def test_cs231n_loop_runs_with_either_loss(losses) -> None:
    history, _ = run_cs231n(0, losses=losses)
    assert_finite(history, {"d_loss", "g_loss"}, 3)


def test_cs231n_loop_alternates_d_then_g_without_cross_updates() -> None:
    _, spy = run_cs231n(0, spy=True)
    assert spy.order() == ["D", "G"] * 3
    assert_no_cross_updates(spy, {"D": "D", "G": "G"})


def test_cs231n_loop_feeds_d_real_images_scaled_to_tanh_range() -> None:
    seen: list[torch.Tensor] = []

    class RecordingD(cs231n_gan.Discriminator):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append(x.detach())
            return super().forward(x)

    torch.manual_seed(0)
    D, G = RecordingD(), cs231n_gan.Generator(noise_dim=8)
    images = torch.full((16, 784), 0.25)  # constant pixels: scaled, 2*(0.25-0.5) = -0.5
    images[:, :392] = 1.0  # half of each image white: scaled to 1
    training.train_cs231n(
        D, G, adam(D), adam(G), gan_discriminator_loss, gan_generator_loss, images,
        steps=1, batch_size=4, noise_size=8, generator=seeded(0),
    )
    real_input = seen[0]  # the first D call of a step is on the real batch
    assert torch.equal(real_input[:, :392], torch.ones(4, 392))
    assert torch.equal(real_input[:, 392:], torch.full((4, 392), -0.5))


def test_cs231n_loop_reproduces_from_a_seed() -> None:
    assert run_cs231n(3)[0] == run_cs231n(3)[0]
    assert run_cs231n(3)[0] != run_cs231n(4)[0]


# ------------------------------------------------------------ cs501r_dcgan

def run_cs501r(seed: int, iterations: int, probes: bool, verbose: bool = False):
    torch.manual_seed(seed)
    if probes:
        D, G = probe_discriminator(sigmoid=True), probe_generator(100, nn.Sigmoid())
    else:
        D, G = cs501r_dcgan.Discriminator(), cs501r_dcgan.Generator()
    d_opt, g_opt = adam(D), adam(G)
    spy = OptimizerSpy({"D": D, "G": G})
    spy.watch("D", d_opt), spy.watch("G", g_opt)
    history = training.train_cs501r_dcgan(
        D, G, d_opt, g_opt, MNIST_LIKE, iterations=iterations, batch_size=4,
        generator=seeded(seed), verbose=verbose,
    )
    return history, spy, (d_opt, g_opt)


def test_cs501r_loop_takes_three_g_steps_per_d_step() -> None:
    history, spy, (d_opt, g_opt) = run_cs501r(0, iterations=1, probes=False)
    assert_finite(history, {"d_loss", "g_loss", "d_acc"}, 1)
    assert spy.order() == ["D", "G", "G", "G"]
    assert_no_cross_updates(spy, {"D": "D", "G": "G"})

    history, spy, (d_opt, g_opt) = run_cs501r(0, iterations=4, probes=True)
    assert all(0.0 <= r["d_acc"] <= 1.0 for r in history)
    assert spy.order() == ["D", "G", "G", "G"] * 4
    assert_no_cross_updates(spy, {"D": "D", "G": "G"})
    # Adam's own step counters agree with the spy.
    assert all(s["step"].item() == 4 for s in d_opt.state.values())
    assert all(s["step"].item() == 12 for s in g_opt.state.values())


def test_cs501r_loop_prints_every_ten_steps_only_when_asked(capsys) -> None:
    run_cs501r(0, iterations=11, probes=True)
    assert capsys.readouterr().out == ""
    history, _, _ = run_cs501r(0, iterations=21, probes=True, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["0", "10", "20"]
    first = history[0]
    assert lines[0] == f"0\t{first['d_loss']:.2f} {first['g_loss']:.2f} {first['d_acc']:.2f}"


def test_cs501r_loop_reproduces_from_a_seed() -> None:
    def history(seed: int):
        return run_cs501r(seed, iterations=3, probes=True)[0]

    assert history(5) == history(5)
    assert history(5) != history(6)


# ---------------------------------------------------------------- WGAN-GP

def wgan_setup(seed: int, probes: bool):
    torch.manual_seed(seed)
    if probes:
        G = nn.Sequential(nn.Linear(100, 3 * 8 * 8), nn.Unflatten(1, (3, 8, 8)),
                          nn.Upsample(scale_factor=8), nn.Tanh())
        critic = nn.Sequential(nn.Conv2d(3, 4, kernel_size=8, stride=8), nn.Flatten(),
                               nn.Linear(4 * 8 * 8, 1))
    else:
        G, critic = cs501r_wgan_gp.Generator(), cs501r_wgan_gp.Critic()
    g_opt, c_opt = adam(G), adam(critic)
    spy = OptimizerSpy({"G": G, "critic": critic})
    spy.watch("G", g_opt), spy.watch("critic", c_opt)
    return G, critic, g_opt, c_opt, spy


WGAN_KEYS = {"critic_loss", "generator_loss", "gradient_penalty", "wasserstein"}


def test_wgan_train_step_runs_on_the_reference_networks() -> None:
    G, critic, g_opt, c_opt, spy = wgan_setup(0, probes=False)
    real = torch.rand(2, 3, 64, 64) * 2 - 1
    result = training.train_step(G, critic, g_opt, c_opt, real, generator=seeded(0))
    assert set(result) >= WGAN_KEYS
    assert all(isinstance(v, float) and math.isfinite(v) for v in result.values())
    assert spy.order() == ["critic", "G"]
    assert_no_cross_updates(spy, {"G": "G", "critic": "critic"})


@pytest.mark.parametrize("n_critic", [1, 3, 5])
def test_wgan_train_step_honours_n_critic(n_critic: int) -> None:
    G, critic, g_opt, c_opt, spy = wgan_setup(0, probes=True)
    real = torch.rand(4, 3, 64, 64) * 2 - 1
    result = training.train_step(
        G, critic, g_opt, c_opt, real, n_critic=n_critic, generator=seeded(0)
    )
    assert spy.order() == ["critic"] * n_critic + ["G"]
    assert_no_cross_updates(spy, {"G": "G", "critic": "critic"})
    assert result["gradient_penalty"] >= 0


def test_wgan_train_step_critic_loss_is_negated_wasserstein_plus_penalty() -> None:
    G, critic, g_opt, c_opt, _ = wgan_setup(0, probes=True)
    real = torch.rand(4, 3, 64, 64) * 2 - 1
    r = training.train_step(G, critic, g_opt, c_opt, real, lam=7.0, generator=seeded(0))
    expected = -r["wasserstein"] + 7.0 * r["gradient_penalty"]
    assert r["critic_loss"] == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_wgan_loop_runs_and_reproduces() -> None:
    images = torch.rand(16, 3, 64, 64) * 2 - 1

    def run(seed: int):
        G, critic, g_opt, c_opt, _ = wgan_setup(seed, probes=True)
        return training.train_wgan_gp(
            G, critic, g_opt, c_opt, images, steps=3, batch_size=4, n_critic=2,
            generator=seeded(seed),
        )

    history = run(1)
    assert_finite(history, WGAN_KEYS, 3)
    assert history == run(1)
    assert history != run(2)


# ---------------------------------------------------------- dcgan_tutorial

def run_tutorial(seed: int, probes: bool, images: torch.Tensor = MNIST_LIKE):
    torch.manual_seed(seed)
    if probes:
        # A D that only takes (N, 1, 28, 28), like the tutorial's placeholder.
        D = nn.Sequential(nn.Conv2d(1, 1, kernel_size=4, stride=4), nn.Flatten(), nn.Linear(49, 1))
        G = nn.Sequential(nn.Linear(100, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    else:
        D, G = dcgan_tutorial.Discriminator(), dcgan_tutorial.Generator()
    d_opt, g_opt = adam(D), adam(G)
    spy = OptimizerSpy({"D": D, "G": G})
    spy.watch("D", d_opt), spy.watch("G", g_opt)
    history = training.train_dcgan_tutorial(
        D, G, d_opt, g_opt, images, iterations=2, batch_size=4, generator=seeded(seed)
    )
    return history, spy


@pytest.mark.parametrize("probes", [False, True])
def test_tutorial_loop_alternates_d_then_g_without_cross_updates(probes: bool) -> None:
    history, spy = run_tutorial(0, probes)
    assert_finite(history, {"d_loss", "g_loss"}, 2)
    assert spy.order() == ["D", "G"] * 2
    assert_no_cross_updates(spy, {"D": "D", "G": "G"})


def test_tutorial_loop_accepts_both_layouts_and_reproduces() -> None:
    flat, _ = run_tutorial(2, probes=True)
    assert flat == run_tutorial(2, probes=True, images=MNIST_LIKE.view(-1, 1, 28, 28))[0]
    assert flat != run_tutorial(3, probes=True)[0]


# ----------------------------------------------------------------- mlp_gan

def run_mlp(seed: int):
    torch.manual_seed(seed)
    D, G = mlp_gan.Discriminator(), mlp_gan.Generator()
    d_opt, g_opt = torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
    spy = OptimizerSpy({"D": D, "G": G})
    spy.watch("D", d_opt), spy.watch("G", g_opt)
    history = training.train_mlp_gan(
        D, G, d_opt, g_opt, MNIST_LIKE, iterations=3, batch_size=8, generator=seeded(seed)
    )
    return history, spy


def test_mlp_loop_steps_g_then_d_without_cross_updates() -> None:
    history, spy = run_mlp(0)
    assert_finite(history, {"d_loss", "g_loss"}, 3)
    assert spy.order() == ["G", "D"] * 3
    assert_no_cross_updates(spy, {"D": "D", "G": "G"})


def test_mlp_loop_reproduces_from_a_seed() -> None:
    assert run_mlp(7)[0] == run_mlp(7)[0]
    assert run_mlp(7)[0] != run_mlp(8)[0]
