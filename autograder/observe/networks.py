"""A notebook's network, found and observed whether it is a module or a function over weights (kernel side).

Notebooks define a GAN's networks in one of two styles:

- module style: a class (or factory function) such as `Generator` whose call
  builds a `torch.nn.Module`;
- function style: a function such as `G(z)` computing the network from weight
  tensors kept elsewhere: a global dict (`g_weights`, as the TensorFlow
  notebooks did), a global list (`theta_G`), separate globals, a default
  argument (`def G(z, w=g_weights)`) or a closure. A global module instance
  (`G = nn.Sequential(...)`) is treated as this style with the module as its
  own weight container.

The rule (`find_network`), for a role such as
`{"role": "G", "build": "Generator", "function": "G", "input": "z"}`:

1. when the notebook defines `build` (a class or factory, not a module
   instance), the network is `build(**kwargs)`, built under torch.manual_seed(0);
2. otherwise the notebook's `function` is the network. Its weights are the
   trainable tensors (requires_grad) that its output depends on: every such
   tensor it could reach (its default arguments, its closure, every notebook
   global: tensors, lists, tuples and dicts of them, modules) is a candidate,
   and one call on the probe input `inputs[input]` is backpropagated to them;
   those the gradient reaches are its weights, in the order found. Names are
   never trusted: a tensor is a weight because the output depends on it.
   The weights' container is the notebook global (dict, list, tuple or
   module) holding all of them, if one does; the training spies need it.

Primitives: `observe_network` (parameters, outputs with the notebook's own
weights and with weights the probe sets, then restores), `initializer_draws`
(a weight initialiser called on several shapes), and
`optimizers_of_notebook_networks` / `observe_notebook_training`, which resolve
the roles by the rule above and hand them to `training_spies`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn

from autograder.observe import training_spies
from autograder.observe.primitives import IMAGE_LAYOUTS, as_array, build_model, full_float32, lookup, placement

MAX_CONTAINER_ITEMS = 64  # longer lists (a loss history, a data set) are not weight containers
SET_WEIGHTS_SEED = 1234
BIAS_SCALE = 0.1


@dataclass
class FoundNetwork:
    """A notebook network: what to call, its weight tensors and where they live."""

    role: str
    style: str                      # "module", "module instance" or "function"
    value: object                   # the module, or the notebook function
    parameters: list[torch.Tensor]
    names: list[str]
    container: str | None = None    # the notebook global holding every weight (function styles)
    found_as: str = ""
    sources: list[str] = field(default_factory=list)
    fresh: bool | None = None       # a class or factory: whether each call builds its own network


# ---------------------------------------------------------------- discovery

def _is_trainable(value) -> bool:
    return isinstance(value, torch.Tensor) and value.requires_grad and value.is_floating_point()


def _tensors_under(value, name: str, depth: int = 2) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor) for the trainable tensors in a value: a tensor, a module, or containers of them."""
    if _is_trainable(value):
        yield name, value
    elif isinstance(value, nn.Module):
        for param_name, param in value.named_parameters():
            yield f"{name}.{param_name}", param
    elif depth > 0 and isinstance(value, dict) and len(value) <= MAX_CONTAINER_ITEMS:
        for key, item in value.items():
            yield from _tensors_under(item, f"{name}[{key!r}]", depth - 1)
    elif depth > 0 and isinstance(value, (list, tuple)) and len(value) <= MAX_CONTAINER_ITEMS:
        for index, item in enumerate(value):
            yield from _tensors_under(item, f"{name}[{index}]", depth - 1)


def _global_name_of(ns: dict, value) -> str | None:
    for name, candidate in ns.items():
        if candidate is value and not name.startswith("_"):
            return name
    return None


def _candidates(ns: dict, function) -> list[tuple[str, str | None, torch.Tensor]]:
    """(name, holding global or None, tensor) for every trainable tensor the function could reach."""
    found: list[tuple[str, str | None, torch.Tensor]] = []
    seen: set[int] = set()

    def add(value, name: str, holder: str | None) -> None:
        for tensor_name, tensor in _tensors_under(value, name):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                found.append((tensor_name, holder, tensor))

    defaults = list(getattr(function, "__defaults__", None) or ()) + list((getattr(function, "__kwdefaults__", None) or {}).values())
    for value in defaults:
        holder = _global_name_of(ns, value)
        add(value, holder or "a default argument", holder)
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        holder = _global_name_of(ns, value)
        add(value, holder or "a closure variable", holder)
    for name, value in list(ns.items()):
        if not name.startswith("_"):
            add(value, name, name)
    return found


def _reached(function, x: torch.Tensor, candidates: list) -> list:
    """The candidates that one call's output depends on."""
    if not candidates:
        return []
    with torch.enable_grad():
        output = function(x)
        if not isinstance(output, torch.Tensor) or not output.requires_grad:
            return []
        grads = torch.autograd.grad(output.float().sum(), [t for _, _, t in candidates], allow_unused=True)
    return [candidate for candidate, grad in zip(candidates, grads) if grad is not None]


def _container(ns: dict, weights: list[torch.Tensor]) -> str | None:
    """The notebook global (dict, list, tuple or module) holding every weight; the smallest such one."""
    wanted = {id(w) for w in weights}
    best: tuple[int, str] | None = None
    for name, value in list(ns.items()):
        if name.startswith("_") or not isinstance(value, (dict, list, tuple, nn.Module)):
            continue
        held = {id(t) for _, t in _tensors_under(value, name)}
        if wanted and wanted <= held and (best is None or len(held) < best[0]):
            best = (len(held), name)
    return best and best[1]


def _probe_input(inputs: dict, key: str, layouts: list[str] | None) -> list[torch.Tensor]:
    x = torch.from_numpy(inputs[key].copy())
    return [x if layout is None else x.reshape(x.shape[0], *IMAGE_LAYOUTS[layout]) for layout in layouts or [None]]


def find_network(ns: dict, role: dict, inputs: dict, layouts: list[str] | None = None) -> FoundNetwork:
    """The notebook's network for `role` by the module's rule (see the docstring)."""
    build, function = role.get("build"), role.get("function")
    if build and build in ns and not isinstance(ns[build], nn.Module):
        torch.manual_seed(0)
        info: dict = {}
        model = build_model(ns, info, build, role.get("kwarg_options", [{}]))
        names, params = zip(*model.named_parameters()) if list(model.parameters()) else ((), ())
        return FoundNetwork(role["role"], "module", model, list(params), list(names), found_as=f"{build}()",
                            fresh=info.get("fresh"))
    if not function or function not in ns:
        wanted = " or ".join(f"`{n}`" for n in (f"a class {build}" if build else None, f"a function {function}" if function else None) if n)
        raise NameError(f"the notebook defines neither {wanted}")
    value = ns[function]
    if isinstance(value, nn.Module):
        names, params = zip(*value.named_parameters()) if list(value.parameters()) else ((), ())
        return FoundNetwork(role["role"], "module instance", value, list(params), list(names), container=function,
                            found_as=f"the module {function}", sources=[function])
    if not callable(value):
        raise TypeError(f"`{function}` is a {type(value).__name__}, not a function or module")
    reached: list = []
    options = _probe_input(inputs, role["input"], layouts)
    candidates = _candidates(ns, value)
    # its own defaults and closures come first: their device and dtype are the function's
    where = placement(t for _, _, t in candidates) or {"dtype": torch.float32}
    for number, x in enumerate(options, start=1):
        try:
            reached = _reached(value, x.to(**where), candidates)
            break
        except Exception:  # the next layout may be the one it takes; with none left, its error is the verdict
            if number == len(options):
                raise
    names = [name for name, _, _ in reached]
    holders = [holder for _, holder, _ in reached]
    params = [tensor for _, _, tensor in reached]
    container = _container(ns, params)
    sources = sorted({h for h in holders if h})
    where = container or ", ".join(sources) or "no trainable tensor"
    return FoundNetwork(role["role"], "function", value, params, names, container=container,
                        found_as=f"the function {function} over {where}", sources=sources)


# ------------------------------------------------------------------ observing

def _report_parameters(found: FoundNetwork, outputs: dict, info: dict, prefix: str = "param") -> None:
    for i, param in enumerate(found.parameters):
        outputs[f"{prefix}{i}"] = as_array(param, "a weight")


def _forward(found: FoundNetwork, x_options: list[torch.Tensor], layouts: list[str] | None) -> tuple[torch.Tensor, str | None]:
    """The network's output in eval mode, in the first layout it accepts (as given when layouts is None)."""
    module = found.value if isinstance(found.value, nn.Module) else None
    was_training = module is not None and module.training
    if module is not None:
        module.eval()
    x_options = [x.to(**placement(found.parameters)) for x in x_options]
    try:
        if layouts is None:
            with torch.no_grad(), full_float32():
                return found.value(x_options[0]), None
        tried = []
        for layout, x in zip(layouts, x_options):
            try:
                with torch.no_grad(), full_float32():
                    return found.value(x), layout
            except Exception as exc:
                tried.append(f"{layout}: {type(exc).__name__}: {exc}")
        raise RuntimeError("the network accepts none of the input layouts (" + "; ".join(tried) + ")")
    finally:
        if module is not None:
            module.train(was_training)  # a notebook's module instance keeps its mode


@contextmanager
def restored(parameters: list[torch.Tensor]) -> Iterator[None]:
    """Put the tensors' values and gradients back afterwards (the notebook's weights outlive the probe)."""
    saved = [(p.detach().clone(), None if p.grad is None else p.grad.clone()) for p in parameters]
    try:
        yield
    finally:
        with torch.no_grad():
            for param, (value, grad) in zip(parameters, saved):
                param.data = value  # values and device: brief training may have moved them to the GPU
                if param.is_leaf:
                    param.grad = grad


def set_weights(parameters: list[torch.Tensor], seed: int = SET_WEIGHTS_SEED) -> None:
    """Fill every weight with a normal draw: matrices with std 1/sqrt(max(shape)), everything else std 0.1.

    max(shape) is the larger fan whichever layout (in, out) or (out, in) the
    notebook keeps, so activations stay away from saturation in either.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in parameters:
            scale = 1 / max(param.shape) ** 0.5 if param.dim() >= 2 else BIAS_SCALE
            param.copy_(torch.randn(param.shape, generator=generator, dtype=torch.float64).to(param.dtype) * scale)


def observe_network(ns: dict, inputs: dict, outputs: dict, info: dict, role: dict, layouts: list[str] | None = None) -> None:
    """Find the network for `role`, report its weights and run it on `inputs[role["input"]]`.

    Outputs: `param<i>` (its own weights), `out` (their output), `set_param<i>`
    and `set_out` (the weights `set_weights` chose, and their output); info:
    `style`, `found_as`, `container`, `parameter_names`, `parameter_count`, `layout`, `fresh`.
    The notebook's weights are restored afterwards.
    """
    found = find_network(ns, role, inputs, layouts)
    info.update(style=found.style, found_as=found.found_as, container=found.container, sources=found.sources,
                parameter_names=found.names, parameter_count=int(sum(p.numel() for p in found.parameters)),
                fresh=found.fresh)
    _report_parameters(found, outputs, info)
    x_options = _probe_input(inputs, role["input"], layouts)
    result, info["layout"] = _forward(found, x_options, layouts)
    outputs["out"] = as_array(result, role["function"] or role["build"])
    x_options = [x for layout, x in zip(layouts or [None], x_options) if layout == info["layout"]]
    with restored(found.parameters):
        set_weights(found.parameters)
        _report_parameters(found, outputs, info, prefix="set_param")
        outputs["set_out"] = as_array(_forward(found, x_options, [info["layout"]] if layouts else None)[0], "the network")


# ------------------------------------------------------------- initialisers

def initializer_draws(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, shapes: list[list[int]], calls: list[int]) -> None:
    """Call `name(shape)` `calls[i]` times for each `shapes[i]`: outputs `draw<i>_<k>`, info types."""
    function = lookup(ns, name)
    info["types"] = []
    for i, (shape, count) in enumerate(zip(shapes, calls)):
        for k in range(count):
            value = function(tuple(shape))
            info["types"].append(type(value).__name__)
            outputs[f"draw{i}_{k}"] = as_array(value, name)


# ------------------------------------------------------- training spies

def spy_specs(ns: dict, inputs: dict, roles: list[dict], info: dict) -> tuple[list[dict], list[FoundNetwork]]:
    """The training spies' network specs for `roles`, resolved by the module's rule."""
    specs, found_all = [], []
    for role in roles:
        found = find_network(ns, role, inputs)
        found_all.append(found)
        if found.style == "module":
            specs.append({"role": role["role"], "build": role["build"], "kwarg_options": role.get("kwarg_options", [{}])})
        elif not found.parameters:
            raise RuntimeError(f"the output of {role['function']} depends on no trainable tensor; create its weights "
                               f"with requires_grad=True")
        elif found.container is None:
            where = ", ".join(found.sources) or "no notebook global"
            raise RuntimeError(f"the weights of {role['function']} are in {where}; keep them together in one "
                               f"dict or list (as the notebook's weight cell does), so an optimizer can be given them")
        else:
            specs.append({"role": role["role"], "function": role["function"], "parameters": found.container})
    info["networks"] = {f.role: {"style": f.style, "found_as": f.found_as} for f in found_all}
    return specs, found_all


def notebook_weights(ns: dict, found: list[FoundNetwork]) -> list[torch.Tensor]:
    """The tensors a probe may change that outlive it: function-style weights and their containers."""
    tensors: dict[int, torch.Tensor] = {}
    for network in found:
        if network.style == "module":
            continue  # built for the probe
        held = [t for _, t in _tensors_under(ns[network.container], "")] if network.container else []
        tensors.update({id(t): t for t in network.parameters + held})
    return list(tensors.values())


def optimizers_of_notebook_networks(ns: dict, inputs: dict, outputs: dict, info: dict, factory: str, roles: list[dict]) -> None:
    """training_spies.optimizers_of_networks on the notebook's networks, whichever style they are in."""
    specs, found = spy_specs(ns, inputs, roles, info)
    with restored(notebook_weights(ns, found)):
        training_spies.optimizers_of_networks(ns, inputs, outputs, info, factory, specs)


def observe_notebook_training(ns: dict, inputs: dict, outputs: dict, info: dict, train: str, roles: list[dict],
                              factory: str, args: list[dict], kwargs: dict[str, dict] | None = None) -> None:
    """training_spies.observe_training on the notebook's networks; function-style weights are restored after."""
    specs, found = spy_specs(ns, inputs, roles, info)
    with restored(notebook_weights(ns, found)):
        training_spies.observe_training(ns, inputs, outputs, info, train, specs, factory, args, kwargs)
