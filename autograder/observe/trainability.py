"""How a student network's output responds to training (kernel side).

Some contracts are about what a network *can* output rather than what it
outputs at initialisation: a WGAN critic must be unconstrained (no sigmoid
or ReLU at the end), a generator must stay in [-1, 1] (a tanh). A freshly
initialised network rarely shows either: its outputs are small. So the
primitive takes a few Adam steps that push the mean output up, and (from
the same start) a few that push it down, and reports the outputs reached. A
bounded output stays inside its bounds however hard it is pushed; an
unbounded one leaves any small interval within a handful of steps.

It also reports whether the first backward pass reached every parameter
(a `.detach()`, `torch.no_grad()` or numpy round trip inside `forward`
cuts some of them off).
"""
from __future__ import annotations

import copy

import torch

from autograder.observe.primitives import as_array, build_model


def _output_of(model, x: torch.Tensor, name: str) -> torch.Tensor:
    out = model(x)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{name}'s forward returned {type(out).__name__}, expected a torch tensor")
    return out


def push_output(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, kwarg_options: list[dict],
                input_key: str, steps: int = 2, lr: float = 0.05, train: bool = True) -> None:
    """Build `name(**kwargs)`, then push its mean output up and down with Adam, noting gradient flow.

    outputs: `initial` (the output before any step), `raised` and `lowered`
    (after `steps` Adam steps on -mean and +mean output, each from the
    initial weights). info: `parameter_names`, `output_requires_grad`,
    `unreached` (names of parameters the first backward pass left without
    a gradient).
    """
    torch.manual_seed(0)
    model = build_model(ns, info, name, kwarg_options)
    model.train(train)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    info["parameter_names"] = [n for n, _ in named]
    x = torch.from_numpy(inputs[input_key].copy())
    if not named:  # nothing to train: report the output only
        out = _output_of(model, x, name)
        outputs["initial"] = as_array(out, name)
        info["output_requires_grad"], info["unreached"] = bool(out.requires_grad), []
        return
    start = copy.deepcopy(model.state_dict())
    for direction, key in ((1.0, "raised"), (-1.0, "lowered")):
        model.load_state_dict(start)
        optimizer = torch.optim.Adam([p for _, p in named], lr=lr)
        for step in range(steps):
            optimizer.zero_grad(set_to_none=True)
            out = _output_of(model, x, name)
            if key == "raised" and step == 0:
                outputs["initial"] = as_array(out, name)
                info["output_requires_grad"] = bool(out.requires_grad)
                if not out.requires_grad:
                    info["unreached"] = [n for n, _ in named]
                    return
            (-direction * out.mean()).backward()
            if key == "raised" and step == 0:
                info["unreached"] = [n for n, p in named if p.grad is None]
            optimizer.step()
        with torch.no_grad():
            outputs[key] = as_array(_output_of(model, x, name), name)
