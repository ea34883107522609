"""Finding a notebook's networks in either style (autograder.observe.networks)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from autograder.observe.networks import (
    find_network,
    initializer_draws,
    observe_network,
    observe_notebook_training,
    optimizers_of_notebook_networks,
)

ROLE = {"role": "G", "build": "Generator", "function": "G", "input": "z"}
INPUTS = {"z": np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)}


def _weights(*shapes):
    return [torch.randn(shape, requires_grad=True) for shape in shapes]


def test_default_argument_dict_is_the_container():
    w = dict(zip(["w1", "b1"], _weights((3, 4), (4,))))
    ns = {"g_weights": w, "decoy": torch.randn(4, requires_grad=True)}
    exec("def G(z, w=g_weights):\n    return torch.sigmoid(z @ w['w1'] + w['b1'])", {"torch": torch, "g_weights": w}, ns)
    found = find_network(ns, ROLE, INPUTS)
    assert found.style == "function" and found.container == "g_weights"
    assert [id(p) for p in found.parameters] == [id(w["w1"]), id(w["b1"])]  # the unused decoy is not a weight


def test_separate_globals_gathered_in_a_list_use_the_list():
    ns = {"torch": torch}
    ns["G_W1"], ns["G_b1"] = _weights((3, 4), (4,))
    ns["theta_G"] = [ns["G_W1"], ns["G_b1"]]
    exec("def G(z):\n    return torch.relu(z @ G_W1 + G_b1)", ns)
    found = find_network(ns, ROLE, INPUTS)
    assert found.container == "theta_G" and len(found.parameters) == 2


def test_separate_globals_without_a_container_are_refused_for_optimizers():
    ns = {"torch": torch}
    ns["G_W1"], ns["G_b1"] = _weights((3, 4), (4,))
    exec("def G(z):\n    return z @ G_W1 + G_b1\n"
         "def make_optimizers(G):\n    return torch.optim.Adam([G_W1, G_b1])", ns)
    assert find_network(ns, ROLE, INPUTS).container is None
    with pytest.raises(RuntimeError, match="G_W1, G_b1"):
        optimizers_of_notebook_networks(ns, INPUTS, {}, {}, "make_optimizers", [ROLE])


def test_closure_weights_are_found():
    weights = _weights((3, 2))

    def make(w):
        return lambda z: z @ w[0]

    ns = {"G": make(weights), "all_weights": weights}
    found = find_network(ns, ROLE, INPUTS)
    assert found.parameters[0] is weights[0] and found.container == "all_weights"


def test_a_class_wins_over_a_function_and_a_module_instance_is_its_own_container():
    ns = {"Generator": lambda: nn.Linear(3, 2), "G": lambda z: z}
    assert find_network(ns, ROLE, INPUTS).style == "module"
    ns = {"G": nn.Sequential(nn.Linear(3, 2))}
    found = find_network(ns, ROLE, INPUTS)
    assert found.style == "module instance" and found.container == "G" and len(found.parameters) == 2


def test_untrainable_weights_are_no_weights():
    ns = {"w": torch.randn(3, 2), "G": None}
    exec("def G(z):\n    return z @ w", ns)
    assert find_network(ns, ROLE, INPUTS).parameters == []


def test_observe_network_sets_other_weights_and_puts_the_notebook_s_back():
    w = _weights((3, 4), (4,))
    ns = {"theta": w, "G": lambda z: torch.sigmoid(z @ w[0] + w[1])}
    before = [t.detach().clone() for t in w]
    outputs, info = {}, {}
    observe_network(ns, INPUTS, outputs, info, ROLE)
    assert info["parameter_count"] == 16 and info["container"] == "theta"
    assert np.array_equal(outputs["param0"], before[0].numpy())
    assert not np.array_equal(outputs["set_param0"], outputs["param0"])
    z = torch.from_numpy(INPUTS["z"])
    expected = torch.sigmoid(z @ torch.from_numpy(outputs["set_param0"]) + torch.from_numpy(outputs["set_param1"]))
    assert np.allclose(outputs["set_out"], expected.numpy(), atol=1e-6)
    assert all(torch.equal(a, b) for a, b in zip(before, w))


def test_initializer_draws_reports_every_call():
    outputs, info = {}, {}
    initializer_draws({"init": lambda shape: torch.zeros(shape)}, {}, outputs, info, "init", [[2, 3], [4, 1]], [2, 1])
    assert sorted(outputs) == ["draw0_0", "draw0_1", "draw1_0"] and outputs["draw1_0"].shape == (4, 1)
    assert info["types"] == ["Tensor"] * 3


def test_a_loop_that_makes_nan_weights_is_not_blamed_for_updates_outside_its_steps():
    w = _weights((3, 1))
    ns = {"theta": w, "G": lambda z: z @ w[0]}
    exec("import torch\n"
         "def make_optimizers(G):\n    return torch.optim.SGD(theta, lr=0.1)\n"
         "def train(G, opt):\n"
         "    for _ in range(3):\n"
         "        opt.zero_grad()\n"
         "        (G(torch.ones(2, 3)) * float('nan')).sum().backward()  # NaN gradients, as after log(0)\n"
         "        opt.step()", ns)
    info: dict = {}
    observe_notebook_training(ns, INPUTS, {}, info, "train", [ROLE], "make_optimizers", [{"network": "G"}, {"optimizer": 0}])
    assert [e["kind"] for e in info["events"]] == ["zero_grad", "step"] * 3
    assert not torch.isnan(w[0]).any()  # and the notebook's weights are back


@pytest.mark.parametrize("style", ["module", "function"])
def test_a_double_precision_network_gets_its_inputs_in_double(style):
    """A notebook may keep its network in float64 (or on the GPU): the probe's inputs follow its weights."""
    if style == "module":
        ns = {"Generator": lambda: nn.Sequential(nn.Linear(3, 2), nn.Tanh()).double()}
    else:
        w = [t.double().detach().requires_grad_() for t in _weights((3, 2), (2,))]
        ns = {"theta_G": w, "G": lambda z: torch.tanh(z @ w[0] + w[1])}
    outputs, info = {}, {}
    observe_network(ns, INPUTS, outputs, info, ROLE)
    assert outputs["out"].dtype == np.float64 and outputs["out"].shape == (5, 2)


def test_observe_model_runs_a_double_model_and_leaves_the_matmul_precision_as_it_was():
    from autograder.observe import primitives

    torch.set_float32_matmul_precision("high")
    try:
        outputs, info = {}, {}
        primitives.observe_model({"build": lambda: nn.Linear(3, 2).double()}, INPUTS, outputs, info, "build",
                                  [{}], ["z"])
        assert outputs["z_out"].dtype == np.float64
        assert torch.get_float32_matmul_precision() == "high"
    finally:
        torch.set_float32_matmul_precision("highest")
