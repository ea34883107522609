"""Calling a student function with the grader's probe networks (kernel side).

The probe networks (autograder.probe_networks) are rebuilt in the kernel from the
weights the grader put in the probe's inputs, so the grader knows exactly
what function each one computes. The student's function gets them, with the
grader's inputs, and the primitive reports what it returned, the gradients
of each scalar result with respect to every probe parameter, which inputs
each probe network was called on, and whether the function made parameters
of its own (a copied network, a new layer).
"""
from __future__ import annotations

import torch
from torch import nn

from autograder import probe_networks
from autograder.observe.primitives import as_array, lookup

DTYPES = {"float32": torch.float32, "float64": torch.float64}


class WatchedNetwork(nn.Module):
    """A probe network that records the shape of each input and whether it came from a graph."""

    def __init__(self, body: nn.Module, calls: list[dict]) -> None:
        super().__init__()
        self.body, self.calls = body, calls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append({"shape": [int(size) for size in x.shape], "attached": x.grad_fn is not None})
        return self.body(x)


def build_probe_networks(inputs: dict, networks: dict[str, dict], dtype: torch.dtype, info: dict) -> dict[str, WatchedNetwork]:
    built = {}
    info["calls"] = {}
    for role, spec in networks.items():
        body = getattr(probe_networks, spec["builder"])(**spec.get("kwargs", {}))
        probe_networks.load_probe_arrays(body, inputs, spec["prefix"])
        info["calls"][role] = []
        built[role] = WatchedNetwork(body.to(dtype), info["calls"][role])
    return built


def resolve(spec: dict, inputs: dict, networks: dict[str, nn.Module], dtype: torch.dtype, leaves: dict):
    """One argument: a probe network, an input array as a tensor (made a leaf once per key), or a value."""
    if "network" in spec:
        return networks[spec["network"]]
    if "input" in spec:
        key = spec["input"]
        if key not in leaves:
            tensor = torch.from_numpy(inputs[key].copy())
            leaves[key] = tensor.to(dtype) if tensor.is_floating_point() else tensor
        return leaves[key]
    return spec["value"]


class ParameterCounter:
    """Counts parameters registered on any module while active (a network built or copied in the call)."""

    def __enter__(self) -> ParameterCounter:
        self.count = 0

        def hook(module, name, param):
            self.count += 1

        self.handle = nn.modules.module.register_module_parameter_registration_hook(hook)
        return self

    def __exit__(self, *exc) -> None:
        self.handle.remove()


def call_with_probes(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, networks: dict[str, dict],
                     args: list[dict], kwargs: dict[str, dict] | None = None, results: list[str] | tuple = ("value",),
                     grad_inputs: list[str] | tuple = (), dtype: str = "float32", repeat: int = 1) -> None:
    """Call `name(*args, **kwargs)` with probe networks and inputs; report results and their gradients."""
    function = lookup(ns, name)
    torch_dtype = DTYPES[dtype]
    built = build_probe_networks(inputs, networks, torch_dtype, info)
    info["types"], info["unreached"] = {}, {}
    for attempt in range(repeat):
        leaves: dict = {}
        for key in grad_inputs:
            resolve({"input": key}, inputs, built, torch_dtype, leaves).requires_grad_(True)
        call_args = [resolve(spec, inputs, built, torch_dtype, leaves) for spec in args]
        call_kwargs = {key: resolve(spec, inputs, built, torch_dtype, leaves) for key, spec in (kwargs or {}).items()}
        with ParameterCounter() as counter:
            returned = function(*call_args, **call_kwargs)
        if attempt == 0:
            info["parameters_registered"] = counter.count
        values = _unpack(returned, results, name)
        for result, value in zip(results, values):
            key = result if attempt == 0 else f"{result}#{attempt}"
            info["types"][key] = type(value).__name__
            if isinstance(value, (torch.Tensor, int, float)) and not isinstance(value, bool):
                outputs[key] = as_array(value, name)
            if attempt == 0:
                _gradients(result, value, built, leaves, grad_inputs, outputs, info)


def _unpack(returned, results, name: str) -> list:
    if len(results) == 1:
        return [returned]
    if not isinstance(returned, (tuple, list)) or len(returned) != len(results):
        seen = f"{len(returned)} values" if isinstance(returned, (tuple, list)) else type(returned).__name__
        raise TypeError(f"{name} returned {seen}; expected {len(results)} values ({', '.join(results)})")
    return list(returned)


def _gradients(result: str, value, networks: dict[str, nn.Module], leaves: dict, grad_inputs, outputs: dict, info: dict) -> None:
    """Gradients of a one-element result wrt every probe parameter and the grad_inputs.

    Where the result does not depend on a tensor (or carries no graph at all,
    e.g. a penalty computed without create_graph), its gradient is reported as
    zeros; info["unreached"][result] lists the owners none of whose tensors it reached.
    """
    if not (isinstance(value, torch.Tensor) and value.numel() == 1):
        return
    targets = [(f"{result}.grad.{role}.{i}", role, param)
               for role, network in networks.items() for i, param in enumerate(network.parameters())]
    targets += [(f"{result}.grad.{key}", key, leaves[key]) for key in grad_inputs]
    if value.requires_grad:
        grads = torch.autograd.grad(value.sum(), [t for _, _, t in targets], allow_unused=True, retain_graph=True)
    else:
        grads = [None] * len(targets)
    reached: dict[str, bool] = {}
    for (key, owner, tensor), grad in zip(targets, grads):
        reached[owner] = reached.get(owner, False) or grad is not None
        outputs[key] = torch.zeros_like(tensor).detach().numpy() if grad is None else as_array(grad, "a gradient")
    # A network is unreached when none of its parameters is (a correct penalty never reaches the critic's last bias).
    info["unreached"][result] = sorted(owner for owner, any_grad in reached.items() if not any_grad)
