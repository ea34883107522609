"""Comparing a student's network with the reference network carrying the student's weights.

Two networks compute the same function when the reference architecture,
loaded with the student's own parameters, gives the student's outputs on
the grader's inputs. That checks the layer sequence (order, activations and
their slopes, pooling, normalisation placement) whatever style the network
was written in: nn.Sequential, a Module subclass, or functional code.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from torch import nn

from autograder.checks.outcome import Outcome, close, failed, holds


def student_parameters(outputs: dict[str, np.ndarray], info: dict) -> list[np.ndarray]:
    return [outputs[f"param{i}"] for i in range(len(info["parameter_names"]))]


def load_student_weights(reference: nn.Module, params: list[np.ndarray]) -> str | None:
    """Copy the student's parameters into `reference`; returns why it cannot, or None.

    Parameters are matched in registration order when the shapes line up;
    otherwise by shape, when every shape occurs equally often on both sides
    and is unambiguous (a layer defined in another order is still the same
    network).
    """
    targets = list(reference.parameters())
    wanted = [tuple(p.shape) for p in targets]
    given = [tuple(p.shape) for p in params]
    if given == wanted:
        order = list(range(len(params)))
    elif Counter(given) == Counter(wanted) and all(count == 1 for count in Counter(wanted).values()):
        order = [given.index(shape) for shape in wanted]
    else:
        return f"parameter tensors of shapes {given}, where the seed's architecture has {wanted}"
    with torch.no_grad():
        for target, index in zip(targets, order):
            target.copy_(torch.from_numpy(params[index]).to(target.dtype))
    return None


# The student's network runs in float32 and the reference in float64. float32's
# rounding grows with depth and with BatchNorm's division by batch statistics:
# the cs231n DCGAN generator's outputs (|y| <= 1) are off by up to 1.2e-5 on
# some CPUs. So the absolute tolerance is a share of the output's scale, about
# ten times the largest float32 error measured; a wrong layer, slope or order
# moves outputs by percents.
FLOAT32_RTOL = 1e-4
FLOAT32_SCALE_SHARE = 1e-4


def float32_atol(expected: np.ndarray) -> float:
    return FLOAT32_SCALE_SHARE * float(np.abs(expected).max(initial=0.0)) + 1e-12


def same_function(
    check: str, reference: nn.Module, params: list[np.ndarray], x: np.ndarray, seen: np.ndarray,
    train: bool, hint: str, rtol: float = FLOAT32_RTOL, atol: float | None = None,
) -> Outcome:
    """The student's output equals the reference architecture's with the student's weights.

    atol None: a share of the expected output's largest magnitude (float32_atol).
    """
    problem = load_student_weights(reference, params)
    if problem:
        return failed(check, "the layers of the seed's architecture", problem, hint)
    reference.double().train(train)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x).double()).numpy()
    atol = float32_atol(expected) if atol is None else atol
    return close(check, expected.reshape(len(x), -1), seen.reshape(len(seen), -1), rtol, atol, hint)


def fresh_network(info: dict, name: str) -> Outcome:
    """The network's factory builds a new network on every call (see observe.primitives.builds_fresh)."""
    return holds(f"{name}() builds a new network on each call", info.get("fresh") is not False,
                 "a new module with parameters of its own from every call",
                 "the same module (or its parameter tensors) again from a second call",
                 f"build the layers inside {name}() and return them; a network made once at the notebook's top "
                 "level and returned by every call is shared by every GAN the notebook trains")
