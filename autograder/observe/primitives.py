"""Probe primitives that run inside the student's kernel.

Each probe primitive takes the notebook's namespace `ns`, the probe's
`inputs` (arrays the grader chose) and fills `outputs` (arrays) and `info`
(JSON values), then its own keyword arguments. They
only call student code and convert its results; every judgment happens in
the grader's process. Student results are converted by `as_array`, which
accepts real tensors and arrays only, so an object that lies about its value
cannot pass for one.
"""
from __future__ import annotations

import contextlib
import inspect
import itertools
from collections.abc import Callable

import numpy as np
import torch

IMAGE_LAYOUTS = {"flat": (784,), "nchw": (1, 28, 28)}


def lookup(ns: dict, name: str):
    if name not in ns:
        raise NameError(f"the notebook does not define `{name}`")
    return ns[name]


def as_array(value, what: str) -> np.ndarray:
    """A student's result as a numpy array; tensors and arrays only."""
    if isinstance(value, torch.Tensor):
        return torch.Tensor.numpy(torch.Tensor.cpu(torch.Tensor.detach(value))).copy()
    if type(value) is np.ndarray and value.dtype != object:
        return value.copy()
    if type(value) in (int, float) or (isinstance(value, np.generic) and value.dtype.kind in "biuf"):
        return np.asarray(value, dtype=np.float64)
    raise TypeError(f"{what} returned {type(value).__name__}, expected a torch tensor")


def accepts_parameter(function: Callable, name: str) -> bool:
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------- functions

def call_on_tensors(ns: dict, inputs: dict, outputs: dict, info: dict, name: str,
                    calls: list[list[str]], with_grad: bool = False, kwargs: dict | None = None) -> None:
    """Call `name(*tensors)` once per entry of `calls` (each a list of input keys).

    Outputs `call<i>` (the result) and, with `with_grad`, `call<i>_grad<j>`:
    the gradient of the result's sum with respect to argument j.
    """
    function = lookup(ns, name)
    for i, keys in enumerate(calls):
        args, result = call_placed(function, [inputs[key] for key in keys], with_grad, kwargs or {})
        outputs[f"call{i}"] = as_array(result, name)
        if with_grad:
            if not isinstance(result, torch.Tensor) or not result.requires_grad:
                info[f"call{i}_no_grad"] = True
                continue
            grads = torch.autograd.grad(result.sum(), args, allow_unused=True)
            for j, grad in enumerate(grads):
                outputs[f"call{i}_grad{j}"] = np.zeros(args[j].shape) if grad is None else as_array(grad, name)


def call_placed(function: Callable, arrays: list[np.ndarray], with_grad: bool, kwargs: dict):
    """function(*tensors) on the CPU; on a GPU machine, again on the GPU when the CPU call fails over devices.

    Course notebooks make their own tensors on the GPU inside a function (`torch.ones(n).type(dtype)`
    with `dtype = torch.cuda.FloatTensor`). Without a GPU the notebook's dtype is made a CPU type
    (execution.probe_runtime.fix_cuda_dtype); with one, the inputs go where the function's tensors are,
    so the same code gets the same verdict on either machine. Returns the arguments and the result.
    """
    def placed(device: str) -> list[torch.Tensor]:
        return [torch.from_numpy(array.copy()).to(device).requires_grad_(with_grad) for array in arrays]

    args = placed("cpu")
    try:
        return args, function(*args, **kwargs)
    except RuntimeError as exc:
        if not (torch.cuda.is_available() and "device" in str(exc)):
            raise
        on_cpu = exc
    args = placed("cuda")
    try:
        return args, function(*args, **kwargs)
    except Exception:
        raise on_cpu from None


def read_constant(ns: dict, inputs: dict, outputs: dict, info: dict, name: str) -> None:
    """A notebook constant made of numbers (lists, tuples, arrays) as a float64 array."""
    value = lookup(ns, name)
    if isinstance(value, torch.Tensor):
        value = as_array(value, name)
    info["type"] = type(value).__name__
    outputs["value"] = np.asarray(_plain_numbers(value, name), dtype=np.float64)


def _plain_numbers(value, name: str):
    if type(value) in (list, tuple):
        return [_plain_numbers(v, name) for v in value]
    if type(value) is np.ndarray and value.dtype.kind in "iuf":
        return value.tolist()
    if type(value) in (int, float, bool) or isinstance(value, (np.integer, np.floating)):
        return float(value)
    raise TypeError(f"{name} holds a {type(value).__name__}; expected numbers")


# -------------------------------------------------------------------- noise

def sample_noise_draws(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, shapes: list[list[int]], seed: int) -> None:
    """Draws of a noise function: several shapes, two unseeded calls, two seeded calls when it takes a seed."""
    function = lookup(ns, name)
    for i, (batch, dim) in enumerate(shapes):
        outputs[f"shape{i}"] = as_array(function(batch, dim), name)
    batch, dim = shapes[-1]
    outputs["again"] = as_array(function(batch, dim), name)
    info["takes_seed"] = accepts_parameter(function, "seed")
    if info["takes_seed"]:
        outputs["seeded_a"] = as_array(function(batch, dim, seed=seed), name)
        outputs["seeded_b"] = as_array(function(batch, dim, seed=seed), name)
    result = function(2, 3)
    info["is_tensor"] = isinstance(result, torch.Tensor)
    info["dtype"] = str(result.dtype) if isinstance(result, torch.Tensor) else type(result).__name__


# ------------------------------------------------------------------- models

def build_model(ns: dict, info: dict, name: str, kwarg_options: list[dict]):
    """Call a model factory (or class) with the first keyword set it accepts."""
    factory = lookup(ns, name)
    errors = []
    for kwargs in kwarg_options:
        if any(not accepts_parameter(factory, key) for key in kwargs):
            continue
        try:
            model = factory(**kwargs)
        except Exception as exc:  # the next form may be the one this notebook uses
            errors.append(f"{name}(**{kwargs}): {type(exc).__name__}: {exc}")
            continue
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"{name}() returned {type(model).__name__}, expected a torch.nn.Module")
        info["built_with"] = kwargs
        info["fresh"] = builds_fresh(factory, kwargs, model)
        return model
    raise RuntimeError("; ".join(errors) or f"{name} accepts none of the expected arguments")


def builds_fresh(factory: Callable, kwargs: dict, model: torch.nn.Module) -> bool | None:
    """Whether a second call builds a network of its own: not `model`, and sharing none of its parameters.

    A factory that hands back one global instance makes the notebook's second GAN start from the
    first one's trained weights. The second build draws from a forked random state, so the probe's
    later draws are those of a single build. None: the second call raised (judged elsewhere).
    """
    with torch.random.fork_rng(devices=[]):
        try:
            again = factory(**kwargs)
        except Exception:  # a factory that can run once only is not this check's business
            return None
    if again is model:
        return False
    if not isinstance(again, torch.nn.Module):
        return None
    return not ({id(p) for p in model.parameters()} & {id(p) for p in again.parameters()})


def parameters_of(model: torch.nn.Module, outputs: dict, info: dict) -> None:
    """Every parameter in registration order (`param<i>`), their names, and the count."""
    params = list(model.named_parameters())
    info["parameter_names"] = [name for name, _ in params]
    info["parameter_count"] = int(sum(p.numel() for _, p in params))
    for i, (_, param) in enumerate(params):
        outputs[f"param{i}"] = as_array(param, "a parameter")


def placement(tensors) -> dict:
    """The device and floating dtype of a network's first tensor, for the probe's inputs to follow.

    A notebook may build its network on the GPU (`.to(device)`, `.type(torch.cuda.FloatTensor)`)
    or in double precision; either is the same network.
    """
    first = next(iter(tensors), None)
    if first is None or not first.is_floating_point():
        return {}
    return {"device": first.device, "dtype": first.dtype}


@contextlib.contextmanager
def full_float32():
    """TF32 off while the student's network runs: its outputs are compared with float64 to about 1e-4,
    and TF32 (on by default for cuDNN convolutions) rounds to about 1e-3."""
    precision = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        with torch.backends.cudnn.flags(enabled=torch.backends.cudnn.enabled, allow_tf32=False):
            yield
    finally:
        torch.set_float32_matmul_precision(precision)


def forward(model: torch.nn.Module, inputs: dict, outputs: dict, info: dict, key: str,
            layouts: list[str] | None = None, train: bool = False) -> None:
    """model(inputs[key]) in the first image layout it accepts (or as given when layouts is None)."""
    model.train(train)
    x = torch.from_numpy(inputs[key].copy()).to(**placement(itertools.chain(model.parameters(), model.buffers())))
    tried = []
    for layout in layouts or [None]:
        candidate = x if layout is None else x.reshape(x.shape[0], *IMAGE_LAYOUTS[layout])
        try:
            with torch.no_grad(), full_float32():
                result = model(candidate)
        except Exception as exc:
            tried.append(f"{layout or 'as given'}: {type(exc).__name__}: {exc}")
            continue
        outputs[f"{key}_out"] = as_array(result, "the model")
        info[f"{key}_layout"] = layout
        return
    raise RuntimeError("the model accepts none of the input layouts (" + "; ".join(tried) + ")")


def observe_model(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, kwarg_options: list[dict],
                  input_keys: list[str], layouts: list[str] | None = None, train: bool = False) -> None:
    """Build a model, report its parameters, and run it on each input."""
    torch.manual_seed(0)
    model = build_model(ns, info, name, kwarg_options)
    parameters_of(model, outputs, info)
    for key in input_keys:
        forward(model, inputs, outputs, info, key, layouts, train)


# --------------------------------------------------------------- optimizers

def _probe_network(width: int) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(3, width), torch.nn.ReLU(), torch.nn.Linear(width, 2))


def optimizer_for_probes(ns: dict, inputs: dict, outputs: dict, info: dict, name: str) -> None:
    """Call the optimizer factory on two probe networks; report type, settings and exactly which tensors each steps."""
    factory = lookup(ns, name)
    networks = [_probe_network(4), _probe_network(5)]
    reports = []
    for network in networks:
        optimizer = factory(network)
        own = {id(p): i for i, p in enumerate(network.parameters())}
        stepped = [id(p) for group in getattr(optimizer, "param_groups", []) for p in group["params"]]
        reports.append({
            "class": type(optimizer).__name__,
            "is_adam": isinstance(optimizer, torch.optim.Adam) and not isinstance(optimizer, torch.optim.AdamW),
            "groups": [
                {key: plain_setting(group.get(key)) for key in ("lr", "betas", "weight_decay", "amsgrad", "eps")}
                for group in getattr(optimizer, "param_groups", [])
            ],
            "own_parameters": len(own),
            "owned": sorted({own[i] for i in stepped if i in own}),
            "foreign": sum(1 for i in stepped if i not in own),
            "duplicates": len(stepped) - len(set(stepped)),
        })
    info["optimizers"] = reports


def plain_setting(value):
    if isinstance(value, torch.Tensor):
        return float(value)
    if isinstance(value, (tuple, list)):
        return [plain_setting(v) for v in value]
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return repr(value)
