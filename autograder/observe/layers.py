"""Recording the layers a network runs, whatever style it is written in.

A `LayerRecorder` is a TorchFunctionMode: every call of a torch function
passes through it, so layers written as modules, as functional calls on raw
parameters, or as tensor methods are all seen. It keeps the layer-like calls
(linear, convolutions, activations, normalisation, pooling) with the shape
of what they returned. A layer that calls another torch function inside it
(e.g. F.leaky_relu calling the C kernel) is recorded once: the mode is off
while the outer call runs.

`observe_layers` is the kernel-side probe primitive; `layer_trace` is the
same recording in the calling process (tests, expected traces from the
reference).

Students also write activations out: the BYU lab's own scaffold defined its
leaky ReLU as `max(x, leak * x)`, and `torch.clamp(x, min=0)` or
`torch.where(x > 0, x, 0.2 * x)` are common. An elementwise `max`,
`maximum`, `where` or `clamp` whose output equals one of its inputs where
that input is positive and a constant multiple s (0 <= s < 1) of it where it
is negative is recorded as `relu` (s = 0) or `leaky_relu` with slope s. The
decision is made on the values the call produced, so it holds whatever the
argument order or form.
"""
from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode

from autograder.observe.primitives import build_model, forward, parameters_of

# The recorded operations, by the name of the torch function (in-place forms included).
LAYER_OPS = frozenset({
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "sigmoid", "tanh", "softplus", "hardtanh",
    "batch_norm", "layer_norm", "instance_norm", "group_norm",
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool2d_with_indices",
    "dropout", "interpolate",
    "matmul", "mm", "addmm", "__matmul__",
})
# Raw-parameter layers (x @ W + b, torch.addmm) count as linear layers.
CANONICAL = {"max_pool2d_with_indices": "max_pool2d", "matmul": "linear", "mm": "linear", "addmm": "linear",
             "__matmul__": "linear"}


def op_name(func) -> str | None:
    """The recorded name of a torch function, or None when it is not a layer."""
    name = getattr(func, "__name__", "").rstrip("_")
    return CANONICAL.get(name, name) if name in LAYER_OPS else None


ELEMENTWISE = frozenset({"max", "maximum", "where", "clamp", "clamp_min", "clip"})
SLOPE_RTOL = 1e-4


def recognise_activation(args: tuple, result) -> dict | None:
    """{"op": "relu" | "leaky_relu", "shape", "slope"} when `result` is a (leaky) ReLU of a tensor argument."""
    if not isinstance(result, torch.Tensor) or not result.is_floating_point():
        return None
    for candidate in args:
        if not (isinstance(candidate, torch.Tensor) and candidate.shape == result.shape and candidate.is_floating_point()):
            continue
        positive, negative = candidate > 0, candidate < 0
        if not (positive.any() and negative.any()) or not torch.equal(result[positive], candidate[positive]):
            continue
        slopes = result[negative] / candidate[negative]
        slope = float(slopes.flatten()[0])
        if 0 <= slope < 1 and torch.allclose(slopes, torch.full_like(slopes, slope), rtol=SLOPE_RTOL, atol=1e-7):
            entry = {"op": "relu" if slope == 0 else "leaky_relu", "shape": [int(size) for size in result.shape]}
            if slope != 0:
                entry["slope"] = slope
            return entry
    return None


def _leaky_slope(args: tuple, kwargs: dict) -> float:
    slope = kwargs.get("negative_slope", args[1] if len(args) > 1 else 0.01)
    return float(slope)


class LayerRecorder(TorchFunctionMode):
    """Records {"op", "shape"} (and "slope" for leaky ReLU) for every layer-like torch call."""

    def __init__(self) -> None:
        super().__init__()
        self.layers: list[dict] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        name = op_name(func)
        if name is None and getattr(func, "__name__", "").rstrip("_") in ELEMENTWISE:
            with torch.no_grad():
                entry = recognise_activation(tuple(args) + tuple(kwargs.values()), result)
            if entry is not None:
                self.layers.append(entry)
        elif name is not None:
            output = result[0] if isinstance(result, tuple) else result
            if isinstance(output, torch.Tensor):
                entry = {"op": name, "shape": [int(size) for size in output.shape]}
                if name == "leaky_relu":
                    entry["slope"] = _leaky_slope(args, kwargs)
                self.layers.append(entry)
        return result


def layer_trace(model, x: torch.Tensor) -> list[dict]:
    """The layers `model(x)` runs, in order, without gradients."""
    with torch.no_grad(), LayerRecorder() as recorder:
        model(x)
    return recorder.layers


def observe_layers(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, kwarg_options: list[dict],
                   input_keys: list[str], layouts: list[str] | None = None, train: bool = False) -> None:
    """Build a model, report its parameters, run it on each input and record its layers.

    Like primitives.observe_model, plus `info[f"{key}_layers"]`. The model
    runs twice per input (once to find the layout it accepts, once recorded),
    so the recorded pass is the one whose output is reported.
    """
    torch.manual_seed(0)
    model = build_model(ns, info, name, kwarg_options)
    parameters_of(model, outputs, info)
    for key in input_keys:
        forward(model, inputs, outputs, info, key, layouts, train)
        layout = info[f"{key}_layout"]
        with LayerRecorder() as recorder:
            forward(model, inputs, outputs, info, key, [layout] if layout else None, train)
        info[f"{key}_layers"] = recorder.layers
