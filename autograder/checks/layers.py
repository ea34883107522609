"""Judging a network's structure from its recorded layer trace (see autograder.observe.layers).

Where a seed fixes the layer widths but not the kernel sizes, two networks
have the same structure when their weight layers (linear, convolution,
transposed convolution) produce outputs of the same shapes in the same
order. The failure names the first layer that differs.
"""
from __future__ import annotations

from autograder.checks.outcome import Outcome, failed

WEIGHT_OPS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")

Layer = tuple[str, tuple[int, ...] | None]  # (op, output shape without the batch dimension; None: any)


def weight_layers(trace: list[dict]) -> list[Layer]:
    """The trace's weight layers as (op, output shape without batch)."""
    return [(entry["op"], tuple(entry["shape"][1:])) for entry in trace if entry["op"] in WEIGHT_OPS]


def describe(layer: Layer) -> str:
    op, shape = layer
    return op if shape is None else f"{op} -> {tuple(shape)}"


def same_layer_shapes(check: str, expected: list[Layer], seen_trace: list[dict], hint: str,
                      every_layer: bool = False) -> Outcome:
    """The trace's weight layers (or, with every_layer, all its layers) are `expected`, in order.

    A None shape in `expected` matches any shape. The failure names the first layer that differs.
    """
    if every_layer:
        seen = [(entry["op"], tuple(entry["shape"][1:])) for entry in seen_trace]
    else:
        seen = weight_layers(seen_trace)
    kind = "layers" if every_layer else "weight layers"
    for number, (want, got) in enumerate(zip(expected, seen), start=1):
        if want[0] != got[0] or (want[1] is not None and tuple(want[1]) != got[1]):
            return failed(check, f"layer {number} to be {describe(want)}", describe(got), hint)
    if len(seen) < len(expected):
        missing = ", ".join(describe(layer) for layer in expected[len(seen):])
        return failed(check, f"{len(expected)} {kind}", f"{len(seen)}; missing {missing}", hint)
    if len(seen) > len(expected):
        extra = ", ".join(describe(layer) for layer in seen[len(expected):])
        return failed(check, f"{len(expected)} {kind}", f"{len(seen)}; extra {extra}", hint)
    return Outcome(check, True)


def ops_after_weight_layers(trace: list[dict]) -> list[list[str]]:
    """For each weight layer, the other ops (activations, normalisation, pooling) run before the next one."""
    groups: list[list[str]] = []
    for entry in trace:
        if entry["op"] in WEIGHT_OPS:
            groups.append([])
        elif groups:
            groups[-1].append(entry["op"])
    return groups
