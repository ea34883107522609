"""The generic kernel-side primitives, run in this process on small networks written in several styles."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from autograder import probe_networks
from autograder.checks.layers import ops_after_weight_layers, same_layer_shapes, weight_layers
from autograder.checks.loops import cleared_gradients_outcome, loop_outcomes, separation_outcomes, steps_per_round
from autograder.checks.models import fresh_network
from autograder.checks.optimizers import optimizer_outcomes
from autograder.observe import primitives
from autograder.observe.layers import layer_trace, observe_layers
from autograder.observe.probe_calls import call_with_probes
from autograder.observe.trainability import push_output
from autograder.observe.training_spies import observe_training, optimizers_of_networks
from autograder.observe.variants import run_each

# ------------------------------------------------------------------- layers

class FunctionalNet(nn.Module):
    """The same network as SEQUENTIAL, written with raw parameters and functional calls."""

    def __init__(self, slope: float) -> None:
        super().__init__()
        self.slope = slope
        self.conv_weight = nn.Parameter(torch.randn(4, 1, 3, 3))
        self.w = nn.Parameter(torch.randn(4 * 14 * 14, 5))

    def forward(self, x):
        x = F.leaky_relu(F.conv2d(x.view(-1, 1, 28, 28), self.conv_weight, stride=2, padding=1), self.slope)
        return torch.sigmoid(x.flatten(1) @ self.w)


def sequential(slope: float) -> nn.Module:
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 4, 5, stride=2, padding=2), nn.LeakyReLU(slope),
                         nn.Flatten(), nn.Linear(4 * 14 * 14, 5), nn.Sigmoid())


@settings(max_examples=10, deadline=None)
@given(slope=st.floats(0.01, 0.3), batch=st.integers(1, 4))
def test_module_and_functional_styles_record_the_same_layers(slope, batch):
    x = torch.rand(batch, 784)
    expected = [("conv2d", (4, 14, 14)), ("linear", (5,))]
    for model in (sequential(slope), FunctionalNet(slope)):
        trace = layer_trace(model, x)
        assert weight_layers(trace) == expected
        assert ops_after_weight_layers(trace) == [["leaky_relu"], ["sigmoid"]]
        assert trace[1]["slope"] == pytest.approx(slope)
        assert all(entry["shape"][0] == batch for entry in trace)


def test_a_wrong_width_is_named():
    trace = layer_trace(nn.Sequential(nn.Linear(3, 7), nn.ReLU(), nn.Linear(7, 1)), torch.rand(2, 3))
    outcome = same_layer_shapes("structure", [("linear", (8,)), ("linear", (1,))], trace, "hint")
    assert not outcome.passed and "layer 1 to be linear -> (8,)" in outcome.message and "linear -> (7,)" in outcome.message
    missing = same_layer_shapes("structure", [("linear", (7,)), ("linear", (1,)), ("linear", (1,))], trace, "hint")
    assert not missing.passed and "missing linear -> (1,)" in missing.message
    assert same_layer_shapes("structure", [("linear", (7,)), ("linear", (1,))], trace, "hint").passed


def test_observe_layers_reports_the_traced_output():
    ns = {"Net": lambda: sequential(0.2)}
    inputs = {"x": np.random.default_rng(0).uniform(0, 1, (3, 784)).astype(np.float32)}
    outputs, info = {}, {}
    observe_layers(ns, inputs, outputs, info, "Net", [{}], ["x"])
    assert outputs["x_out"].shape == (3, 5) and np.all((outputs["x_out"] > 0) & (outputs["x_out"] < 1))
    assert weight_layers(info["x_layers"]) == [("conv2d", (4, 14, 14)), ("linear", (5,))]
    assert info["parameter_count"] == sum(p.numel() for p in sequential(0.2).parameters())


# -------------------------------------------------------------- probe calls

NETWORKS = {"D": {"builder": "mnist_discriminator", "kwargs": {"seed": 0}, "prefix": "d"}}


def _probe_inputs(rng):
    D = probe_networks.mnist_discriminator(7)
    return D, {**probe_networks.probe_arrays(D, "d"), "x": rng.uniform(0, 1, (5, 784)), "y": rng.uniform(0, 1, (5, 784))}


def test_probe_call_gradients_are_those_of_the_probe_network():
    rng = np.random.default_rng(1)
    D, inputs = _probe_inputs(rng)
    outputs, info = {}, {}
    call_with_probes({"f": lambda D, x: D(x).mean()}, inputs, outputs, info, "f", NETWORKS,
                     [{"network": "D"}, {"input": "x"}], grad_inputs=["x"], dtype="float64")
    x = torch.from_numpy(inputs["x"]).requires_grad_()
    value = D.double()(x).mean()
    grads = torch.autograd.grad(value, [*D.parameters(), x])
    assert outputs["value"] == pytest.approx(value.item())
    for i, grad in enumerate(grads[:-1]):
        np.testing.assert_allclose(outputs[f"value.grad.D.{i}"], grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(outputs["value.grad.x"], grads[-1].numpy(), rtol=1e-10)
    assert info["calls"]["D"] == [{"shape": [5, 784], "attached": False}] and info["unreached"]["value"] == []


def test_probe_calls_see_copies_and_new_networks():
    rng = np.random.default_rng(2)
    _, inputs = _probe_inputs(rng)
    args = [{"network": "D"}, {"input": "x"}, {"input": "y"}]

    def shared(D, x, y):
        return D(x).mean() + D(y).mean()

    def copied(D, x, y):
        return D(x).mean() + copy.deepcopy(D)(y).mean()

    def fresh(D, x, y):
        return D(x).mean() + nn.Linear(784, 1).double()(y).mean()

    seen = {}
    for function in (shared, copied, fresh):
        outputs, info = {}, {}
        call_with_probes({"f": function}, inputs, outputs, info, "f", NETWORKS, args, dtype="float64")
        seen[function.__name__] = (outputs, info)
    assert len(seen["shared"][1]["calls"]["D"]) == 2 and len(seen["copied"][1]["calls"]["D"]) == 1
    assert seen["fresh"][1]["parameters_registered"] == 2 and seen["shared"][1]["parameters_registered"] == 0
    assert not np.allclose(seen["shared"][0]["value.grad.D.0"], seen["copied"][0]["value.grad.D.0"])


def test_a_result_without_a_graph_reports_zero_gradients():
    rng = np.random.default_rng(3)
    _, inputs = _probe_inputs(rng)
    outputs, info = {}, {}
    call_with_probes({"f": lambda D, x: D(x).mean().detach()}, inputs, outputs, info, "f", NETWORKS,
                     [{"network": "D"}, {"input": "x"}])
    assert info["unreached"]["value"] == ["D"] and not outputs["value.grad.D.0"].any()


# ----------------------------------------------------------- training spies

def _pair_namespace(optimizer_over_both: bool, loop_makes_its_own: bool = False) -> dict:
    def make_optimizers(D, G):
        d_params = list(D.parameters()) + (list(G.parameters()) if optimizer_over_both else [])
        return torch.optim.Adam(d_params, lr=2e-4, betas=(0.5, 0.999)), torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def train(D, G, d_opt, g_opt, images, iterations=2):
        if loop_makes_its_own:
            d_opt = torch.optim.SGD(D.parameters(), lr=0.1)
        for _ in range(iterations):
            fake = G(torch.rand(len(images), 2))
            d_opt.zero_grad()
            (D(fake).mean() - D(images).mean()).backward()
            d_opt.step()
            for _ in range(3):
                g_opt.zero_grad()
                (-D(G(torch.rand(len(images), 2))).mean()).backward()
                g_opt.step()

    return {"Disc": lambda: nn.Linear(4, 1), "Gen": lambda: nn.Linear(2, 4),
            "make_optimizers": make_optimizers, "train": train}


NETS = [{"role": "D", "build": "Disc"}, {"role": "G", "build": "Gen"}]
ARGS = [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"input": "images"}]


def test_optimizer_reports_name_the_foreign_parameters():
    for over_both in (False, True):
        outputs, info = {}, {}
        optimizers_of_networks(_pair_namespace(over_both), {}, outputs, info, "make_optimizers", NETS)
        d_report = info["optimizers"][0]
        assert d_report["owned"] == {"D": [0, 1], "G": [0, 1] if over_both else []}
        exact = optimizer_outcomes(d_report, "D", [(2e-4, (0.5, 0.999))], "hint")[2]
        assert exact.passed is (not over_both)
        assert optimizer_outcomes(d_report, "D", [(1e-3, (0.5, 0.999))], "hint")[1].passed is False


@pytest.mark.parametrize("over_both, own_optimizer", [(False, False), (True, False), (False, True)])
def test_the_loop_spies_see_cross_updates(over_both, own_optimizer):
    inputs = {"images": np.random.default_rng(0).uniform(0, 1, (6, 4)).astype(np.float32)}
    outputs, info = {}, {}
    observe_training(_pair_namespace(over_both, own_optimizer), inputs, outputs, info, "train", NETS, "make_optimizers", ARGS)
    outcomes = {o.check: o.passed for o in separation_outcomes(info["events"], {0: "D", 1: "G"})}
    assert outcomes["each step changes only its own network"] is (not over_both)
    assert outcomes["no updates outside the optimizers' steps"] is (not own_optimizer)
    # A D optimizer made inside the loop is invisible: its steps show only as changes between G steps.
    assert steps_per_round(info["events"], 1) == ([6] if own_optimizer else [3, 3])


CLEARS = ("optimizer", "network", "set_to_none_false", "after_each_step")


@pytest.mark.parametrize("clearing", [*CLEARS, "never", "once_before_the_loop", "the_other_optimizer"])
def test_steps_on_uncleared_gradients_are_seen(clearing):
    def make_optimizers(D, G):
        return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())

    def train(D, G, d_opt, g_opt, images, iterations=3):
        if clearing == "once_before_the_loop":
            d_opt.zero_grad(), g_opt.zero_grad()
        for _ in range(iterations):
            if clearing == "optimizer":
                d_opt.zero_grad()
            elif clearing == "network":
                D.zero_grad()
            elif clearing == "set_to_none_false":
                d_opt.zero_grad(set_to_none=False)
            (D(G(torch.rand(len(images), 2)).detach()).mean() - D(images).mean()).backward()
            d_opt.step()
            if clearing == "after_each_step":
                d_opt.zero_grad()
            if clearing in ("optimizer", "network", "set_to_none_false"):
                g_opt.zero_grad()
            elif clearing == "the_other_optimizer":  # G's gradients are never cleared
                d_opt.zero_grad()
            (-D(G(torch.rand(len(images), 2))).mean()).backward()
            g_opt.step()
            if clearing == "after_each_step":
                g_opt.zero_grad()

    ns = {"Disc": lambda: nn.Linear(4, 1), "Gen": lambda: nn.Linear(2, 4), "make_optimizers": make_optimizers, "train": train}
    inputs = {"images": np.random.default_rng(0).uniform(0, 1, (6, 4)).astype(np.float32)}
    outputs, info = {}, {}
    observe_training(ns, inputs, outputs, info, "train", NETS, "make_optimizers", ARGS)
    outcome = cleared_gradients_outcome(info["events"], {0: "D", 1: "G"})
    assert outcome.passed is (clearing in CLEARS)
    if clearing == "the_other_optimizer":
        assert "G step(s)" in outcome.message and "D step" not in outcome.message


@pytest.mark.parametrize("activation, op, slope", [
    (lambda x: torch.max(x, 0.2 * x), "leaky_relu", 0.2),
    (lambda x: torch.maximum(0.05 * x, x), "leaky_relu", 0.05),
    (lambda x: torch.where(x > 0, x, 0.1 * x), "leaky_relu", 0.1),
    (lambda x: torch.clamp(x, min=0), "relu", None),
    (lambda x: x.clamp_min(0), "relu", None),
])
def test_hand_written_activations_are_recorded_as_what_they_compute(activation, op, slope):
    trace = layer_trace(lambda x: activation(x @ torch.ones(3, 5)), torch.randn(64, 3))
    assert [entry["op"] for entry in trace] == ["linear", op]
    assert trace[1].get("slope") == (pytest.approx(slope) if slope else None)


def test_other_elementwise_maxima_are_not_activations():
    x, y = torch.randn(16, 4), torch.randn(16, 4)
    assert layer_trace(lambda a: torch.maximum(a, y), x) == []
    assert layer_trace(lambda a: torch.clamp(a, -0.5, 0.5), x) == []


# ------------------------------------------------------- trainability, variants

class Detaching(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first, self.second = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        return self.second(self.first(x).detach())


@pytest.mark.parametrize("build, bounded", [(lambda: nn.Sequential(nn.Linear(4, 1), nn.Sigmoid()), True),
                                            (lambda: nn.Linear(4, 1), False)])
def test_pushing_an_output_shows_whether_it_is_bounded(build, bounded):
    inputs = {"x": np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)}
    outputs, info = {}, {}
    push_output({"Net": build}, inputs, outputs, info, "Net", [{}], "x", steps=20, lr=0.5)
    reached = np.concatenate([outputs["raised"].ravel(), outputs["lowered"].ravel()])
    assert bool(np.all((reached > 0) & (reached < 1))) is bounded
    assert info["unreached"] == [] and info["output_requires_grad"]


def test_pushing_names_the_parameters_a_detach_cuts_off():
    inputs = {"x": np.ones((2, 4), dtype=np.float32)}
    outputs, info = {}, {}
    push_output({"Net": Detaching}, inputs, outputs, info, "Net", [{}], "x")
    assert info["unreached"] == ["first.weight", "first.bias"]


def test_run_each_keeps_each_calls_results_and_errors_apart():
    ns = {"double": lambda x: 2 * x}
    inputs = {"x": np.arange(3.0), "bad": np.zeros((2, 2))}
    calls = {
        "ok": {"primitive": "call_on_tensors", "arguments": {"name": "double", "calls": [["x"]]}},
        "missing": {"primitive": "call_on_tensors", "arguments": {"name": "triple", "calls": [["x"]]}},
    }
    outputs, info = {}, {}
    run_each(ns, inputs, outputs, info, calls)
    np.testing.assert_array_equal(outputs["ok/call0"], [0.0, 2.0, 4.0])
    assert list(info["errors"]) == ["missing"] and "triple" in info["errors"]["missing"]


def test_a_one_step_function_shows_uncleared_gradients_on_its_second_call():
    """A train_step that clears the critic's optimizer where it means G's: G's gradients pile up across calls."""
    def make_optimizers(D, G):
        return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())

    def train_step(D, G, d_opt, g_opt, images):
        d_opt.zero_grad()
        (D(G(torch.rand(len(images), 2)).detach()).mean() - D(images).mean()).backward()
        d_opt.step()
        d_opt.zero_grad()  # meant: g_opt.zero_grad()
        (-D(G(torch.rand(len(images), 2))).mean()).backward()
        g_opt.step()

    ns = {"Disc": lambda: nn.Linear(4, 1), "Gen": lambda: nn.Linear(2, 4), "make_optimizers": make_optimizers,
          "train": train_step}
    inputs = {"images": np.random.default_rng(0).uniform(0, 1, (6, 4)).astype(np.float32)}
    verdicts = []
    for calls in (1, 2):
        info: dict = {}
        observe_training(ns, inputs, {}, info, "train", NETS, "make_optimizers", ARGS, calls=calls)
        verdicts.append(cleared_gradients_outcome(info["events"], {0: "D", 1: "G"}).passed)
    assert verdicts == [True, False]


# ------------------------------------------------------------------- fresh networks

SHARED_LAYER = nn.Linear(3, 3)
GLOBAL_NET = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 1)

    def forward(self, x):
        return self.body(x)


FACTORIES = {
    "a class": (Net, True),
    "a function building its layers": (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), True),
    "a deep copy of a template": (lambda: copy.deepcopy(GLOBAL_NET), True),
    "one global instance": (lambda: GLOBAL_NET, False),
    "new containers around a shared layer": (lambda: nn.Sequential(SHARED_LAYER, nn.ReLU(), nn.Linear(3, 1)), False),
}


@pytest.mark.parametrize("style", sorted(FACTORIES))
def test_build_model_tells_whether_each_call_builds_a_new_network(style):
    factory, fresh = FACTORIES[style]
    info: dict = {}
    primitives.build_model({"make": factory}, info, "make", [{}])
    assert info["fresh"] is fresh
    outcome = fresh_network(info, "make")
    assert outcome.passed is fresh
    if not fresh:
        assert "make()" in outcome.message


def test_the_second_build_leaves_the_random_stream_as_one_build_would():
    factory = FACTORIES["a function building its layers"][0]
    torch.manual_seed(0)
    factory()
    expected = torch.rand(3)
    torch.manual_seed(0)
    primitives.build_model({"make": factory}, {}, "make", [{}])
    assert torch.equal(torch.rand(3), expected)


def test_a_factory_that_builds_only_once_is_left_to_the_other_checks():
    built = []

    def once():
        if built:
            raise RuntimeError("already built")
        built.append(Net())
        return built[0]

    info: dict = {}
    primitives.build_model({"once": once}, info, "once", [{}])
    assert info["fresh"] is None and fresh_network(info, "once").passed


@pytest.mark.parametrize("order", ["backward_then_step", "step_then_backward"])
def test_a_step_taken_before_the_backward_pass_leaves_its_network_unchanged(order):
    def make_optimizers(D, G):
        return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())

    def train(D, G, d_opt, g_opt, images, iterations=3):
        for _ in range(iterations):
            for opt, loss in ((d_opt, lambda: D(G(torch.rand(len(images), 2)).detach()).mean() - D(images).mean()),
                              (g_opt, lambda: -D(G(torch.rand(len(images), 2))).mean())):
                opt.zero_grad()
                if order == "step_then_backward":
                    opt.step()
                    loss().backward()
                else:
                    loss().backward()
                    opt.step()

    ns = {"Disc": lambda: nn.Linear(4, 1), "Gen": lambda: nn.Linear(2, 4), "make_optimizers": make_optimizers, "train": train}
    inputs = {"images": np.random.default_rng(0).uniform(0, 1, (6, 4)).astype(np.float32)}
    info: dict = {}
    observe_training(ns, inputs, {}, info, "train", NETS, "make_optimizers", ARGS)
    outcomes = {o.check: o for o in loop_outcomes(info["events"], {0: "D", 1: "G"})}
    assert outcomes["each step changes its own network"].passed is (order == "backward_then_step")
    assert outcomes["each step changes only its own network"].passed


@settings(max_examples=25, deadline=None)
@given(scale_exponent=st.floats(min_value=-8, max_value=3), cleared=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_the_gradient_ledger_tells_cleared_from_uncleared_at_any_gradient_scale(scale_exponent, cleared, seed):
    """Whatever the gradients' magnitude, a step on uncleared gradients is seen and a cleared one is not."""
    scale = 10.0 ** scale_exponent

    def make_optimizers(D, G):
        return torch.optim.SGD(D.parameters(), lr=1e-3), torch.optim.SGD(G.parameters(), lr=1e-3)

    def train(D, G, d_opt, g_opt, images, iterations=3):
        for _ in range(iterations):
            if cleared:
                g_opt.zero_grad()
            (-scale * D(G(torch.rand(len(images), 2))).mean()).backward()   # reaches D's gradients too
            g_opt.step()
            d_opt.zero_grad()
            (scale * (D(G(torch.rand(len(images), 2)).detach()).mean() - D(images).mean())).backward()
            d_opt.step()

    torch.manual_seed(seed)
    ns = {"Disc": lambda: nn.Linear(4, 1), "Gen": lambda: nn.Linear(2, 4), "make_optimizers": make_optimizers, "train": train}
    inputs = {"images": np.random.default_rng(seed).uniform(0, 1, (6, 4)).astype(np.float32)}
    info: dict = {}
    observe_training(ns, inputs, {}, info, "train", NETS, "make_optimizers", ARGS)
    stale = {e["optimizer"] for e in info["events"] if e["kind"] == "step" and e["stale_gradients"]}
    assert stale == (set() if cleared else {1})


# ------------------------------------------------------------- devices

def _loss_with_labels_on(device_of_labels):
    def discriminator_loss(logits_real, logits_fake):
        true_labels = torch.ones(logits_real.shape).to(device_of_labels())  # `.type(dtype)` in the course
        return F.binary_cross_entropy_with_logits(logits_real, true_labels) + \
            F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    return discriminator_loss


def _called(function):
    logits = np.random.default_rng(0).standard_normal((2, 8, 1)).astype(np.float32)
    outputs, info = {}, {}
    primitives.call_on_tensors({"loss": function}, {"real": logits[0], "fake": logits[1]}, outputs, info, "loss",
                                [["real", "fake"]], with_grad=True)
    return outputs


def test_a_loss_that_makes_its_own_cpu_tensors_is_called_on_the_cpu():
    outputs = _called(_loss_with_labels_on(lambda: "cpu"))
    assert outputs["call0"].shape == () and outputs["call0_grad0"].shape == (8, 1)


def test_an_error_that_is_not_about_devices_is_the_verdict():
    def broken(logits_real, logits_fake):
        raise RuntimeError("shapes do not match")
    with pytest.raises(RuntimeError, match="shapes do not match"):
        _called(broken)


@pytest.mark.gpu
def test_a_loss_that_makes_its_labels_on_the_gpu_gets_the_cpu_verdict():
    on_gpu = _called(_loss_with_labels_on(lambda: "cuda"))
    on_cpu = _called(_loss_with_labels_on(lambda: "cpu"))
    assert np.allclose(on_gpu["call0"], on_cpu["call0"], rtol=1e-5)
    assert np.allclose(on_gpu["call0_grad0"], on_cpu["call0_grad0"], rtol=1e-4, atol=1e-8)
