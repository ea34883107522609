"""Watching a student's optimizers and training loop with the student's own networks (kernel side).

The seeds teach selecting each network's variables by a name prefix, so the
optimizers must be judged on the networks they were written for: the
student's own. The networks are built from the notebook (a class or
factory, or a function-style network whose weights are a notebook global),
the student's optimizer factory is called on them, and each optimizer it
returns is reported by exactly which parameter tensors it steps.

`observe_training` then runs the student's loop with those networks and
optimizers, wrapping each optimizer instance's `step` and `zero_grad` to
record which network's parameters every step changed, and any change that
happened outside a step (an optimizer the loop made for itself).
"""
from __future__ import annotations

import torch

from autograder.observe.primitives import build_model, lookup, plain_setting

SETTINGS = ("lr", "betas", "weight_decay", "amsgrad", "eps")


class Network:
    """A student network and its parameter tensors, in a stable order."""

    def __init__(self, role: str, value, parameters: list[torch.Tensor]) -> None:
        self.role, self.value, self.parameters = role, value, parameters


def tensors_in(container) -> list[torch.Tensor]:
    """The tensors of a weight container: a module, or a list/tuple/dict of tensors (nested one level)."""
    if isinstance(container, torch.nn.Module):
        return list(container.parameters())
    if isinstance(container, dict):
        container = list(container.values())
    if isinstance(container, (list, tuple)):
        found = []
        for item in container:
            found += [item] if isinstance(item, torch.Tensor) else tensors_in(item)
        return found
    raise TypeError(f"weights held in a {type(container).__name__}; expected a list, tuple or dict of tensors")


def build_networks(ns: dict, specs: list[dict], info: dict) -> list[Network]:
    torch.manual_seed(0)
    networks = []
    for spec in specs:
        if "build" in spec:
            sub_info: dict = {}
            model = build_model(ns, sub_info, spec["build"], spec.get("kwarg_options", [{}]))
            networks.append(Network(spec["role"], model, list(model.parameters())))
        else:
            function = lookup(ns, spec["function"])
            networks.append(Network(spec["role"], function, tensors_in(lookup(ns, spec["parameters"]))))
    info["network_sizes"] = {n.role: len(n.parameters) for n in networks}
    return networks


def describe_optimizer(optimizer, networks: list[Network]) -> dict:
    """Which parameters of each network the optimizer steps, and its settings."""
    owners = {id(p): (n.role, i) for n in networks for i, p in enumerate(n.parameters)}
    groups = getattr(optimizer, "param_groups", [])
    stepped = [id(p) for group in groups for p in group["params"]]
    owned: dict[str, list[int]] = {n.role: [] for n in networks}
    for tensor_id in set(stepped):
        if tensor_id in owners:
            role, index = owners[tensor_id]
            owned[role].append(index)
    return {
        "class": type(optimizer).__name__,
        "is_adam": isinstance(optimizer, torch.optim.Adam) and not isinstance(optimizer, torch.optim.AdamW),
        "groups": [{key: plain_setting(group.get(key)) for key in SETTINGS} for group in groups],
        "owned": {role: sorted(indices) for role, indices in owned.items()},
        "own_counts": {n.role: len(n.parameters) for n in networks},
        "foreign": sum(1 for i in stepped if i not in owners),
        "duplicates": len(stepped) - len(set(stepped)),
    }


def make_optimizers(ns: dict, factory: str, networks: list[Network], factory_kwargs: dict | None = None) -> list:
    returned = lookup(ns, factory)(*[n.value for n in networks], **(factory_kwargs or {}))
    optimizers = list(returned) if isinstance(returned, (tuple, list)) else [returned]
    for optimizer in optimizers:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"{factory} returned a {type(optimizer).__name__}; expected torch optimizers")
    return optimizers


def optimizers_of_networks(ns: dict, inputs: dict, outputs: dict, info: dict, factory: str, networks: list[dict],
                           factory_kwargs: dict | None = None) -> None:
    """Build the student's networks, call the optimizer factory on them, report each optimizer.

    factory_kwargs: keyword arguments for the factory (whether it honours an lr passed in shows
    only in a call with another value than its default).
    """
    built = build_networks(ns, networks, info)
    info["optimizers"] = [describe_optimizer(o, built) for o in make_optimizers(ns, factory, built, factory_kwargs)]


# --------------------------------------------------------------- the loop

class ChangeWatch:
    """Snapshots of every network's parameters, to tell which ones changed since the last look."""

    def __init__(self, networks: list[Network]) -> None:
        self.networks = networks
        self.snapshot = self._take()

    def _take(self) -> list[list[torch.Tensor]]:
        return [[p.detach().clone() for p in n.parameters] for n in self.networks]

    def changes(self) -> dict[str, int]:
        """Number of parameter tensors of each network changed since the last call; takes a new snapshot."""
        now = self._take()
        # NaN equals NaN here: weights a loop has already turned to NaN do not "change" on every look.
        changed = {n.role: sum(not torch.allclose(a, b, rtol=0, atol=0, equal_nan=True) for a, b in zip(before, after))
                   for n, before, after in zip(self.networks, self.snapshot, now)}
        self.snapshot = now
        return changed


class GradientLedger:
    """Tells whether a step's gradients still hold those of the previous step (never cleared).

    A hook on every parameter adds up the gradient contributions of each
    backward pass. At a step, what a parameter's .grad holds beyond the
    contributions made since its previous step is what was never cleared:
    the whole previous gradient when nothing cleared it, nothing (or minus
    the contributions made before a clearing) when something did. Norms,
    not elementwise tolerances, decide, so gradients of any scale are told
    apart; a step is stale when most of its judged tensors are.
    """

    SAME = 1e-3        # leftover within this fraction of the previous gradient's norm: it is that gradient
    RESOLVABLE = 1e-4  # a previous gradient below this fraction of the current one is lost in rounding

    def __init__(self, networks: list[Network]) -> None:
        self.contributed: dict[int, torch.Tensor] = {}
        self.previous: dict[int, torch.Tensor] = {}
        for network in networks:
            for param in network.parameters:
                if param.requires_grad:
                    param.register_hook(self._hook(id(param)))

    def _hook(self, key: int):
        def add(grad: torch.Tensor) -> None:
            seen = self.contributed.get(key)
            self.contributed[key] = grad.detach().clone() if seen is None else seen + grad.detach()
        return add

    def _leftover_is_previous(self, param: torch.Tensor) -> bool | None:
        """Whether param.grad still holds its previous step's gradient; None when it cannot be told."""
        previous = self.previous.get(id(param))
        if param.grad is None or previous is None:
            return None
        grad = param.grad.detach().double()
        size = float(previous.double().norm())
        if not size > self.RESOLVABLE * float(grad.norm()):
            return None
        added = self.contributed.get(id(param))
        leftover = grad - (added.double() if added is not None else 0.0)
        return float((leftover - previous.double()).norm()) <= self.SAME * size

    def stale_before_step(self, params: list[torch.Tensor]) -> int:
        """1 when most of `params` whose history can be judged carry gradients left over from their previous step."""
        verdicts = [v for v in (self._leftover_is_previous(p) for p in params) if v is not None]
        return int(bool(verdicts) and sum(verdicts) * 2 > len(verdicts))

    def after_step(self, params: list[torch.Tensor]) -> None:
        for param in params:
            if param.grad is not None:
                self.previous[id(param)] = param.grad.detach().clone()
            self.contributed.pop(id(param), None)


def spy_on(optimizer, index: int, watch: ChangeWatch, events: list[dict], ledger: GradientLedger | None = None) -> None:
    """Wrap this optimizer instance's step and zero_grad so each call is recorded."""
    step, zero_grad = optimizer.step, optimizer.zero_grad
    params = [p for group in optimizer.param_groups for p in group["params"]]
    held = {id(p) for p in params}
    holds = sorted({n.role for n in watch.networks if any(id(p) in held for p in n.parameters)})

    def recorded_step(*args, **kwargs):
        outside = watch.changes()
        if any(outside.values()):
            events.append({"kind": "changed_outside_step", "changed": outside})
        stale = ledger.stale_before_step(params) if ledger else 0
        result = step(*args, **kwargs)
        events.append({"kind": "step", "optimizer": index, "changed": watch.changes(), "stale_gradients": stale,
                       "holds": holds})
        if ledger:
            ledger.after_step(params)
        return result

    def recorded_zero_grad(*args, **kwargs):
        events.append({"kind": "zero_grad", "optimizer": index})
        return zero_grad(*args, **kwargs)

    optimizer.step, optimizer.zero_grad = recorded_step, recorded_zero_grad


def observe_training(ns: dict, inputs: dict, outputs: dict, info: dict, train: str, networks: list[dict],
                     factory: str, args: list[dict], kwargs: dict[str, dict] | None = None, calls: int = 1) -> None:
    """Run the student's loop on their own networks and optimizers, recording every step's effect.

    calls: how many times the loop is called with the same networks and optimizers (a one-step
    function such as train_step shows gradients that are never cleared only on its second call).
    """
    built = build_networks(ns, networks, info)
    optimizers = make_optimizers(ns, factory, built)
    roles = {n.role: n.value for n in built}
    watch = ChangeWatch(built)
    ledger = GradientLedger(built)
    events: list[dict] = []
    for index, optimizer in enumerate(optimizers):
        spy_on(optimizer, index, watch, events, ledger)

    def resolve(spec):
        if "network" in spec:
            return roles[spec["network"]]
        if "optimizer" in spec:
            return optimizers[spec["optimizer"]]
        if "input" in spec:
            return torch.from_numpy(inputs[spec["input"]].copy())
        return spec["value"]

    torch.manual_seed(0)
    for _ in range(calls):
        returned = lookup(ns, train)(*[resolve(s) for s in args], **{k: resolve(s) for k, s in (kwargs or {}).items()})
    after = watch.changes()
    if any(after.values()):
        events.append({"kind": "changed_outside_step", "changed": after})
    info["events"] = events
    info["optimizer_count"] = len(optimizers)
    info["returned"] = describe_returned(returned)


def describe_returned(value) -> dict:
    described: dict = {"type": type(value).__name__}
    if isinstance(value, dict):
        described["keys"] = [str(key) for key in value]
        described["values"] = {}
        for key, item in value.items():
            try:
                described["values"][str(key)] = float(item)
            except (TypeError, ValueError, RuntimeError):
                continue
    return described
