"""The checks of __PACK_ID__ that students may run before they submit (`gangrade check`).

They use the committed fixtures only (grading_fixtures/__PACK_ID__/public.npz,
built by fixtures.py), so the student kit needs neither checks.py nor the
reference. A check is a probe (code run in the student's kernel, here one of
autograder.observe.primitives's primitives) and a judge of what it brought
back: a list of outcomes, each saying what was expected, what was seen and a hint.
"""
from __future__ import annotations

import numpy as np

from autograder.checks.outcome import close
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

LEAKY_RELU_HINT = "leaky ReLU is x where x >= 0 and alpha * x where x < 0, elementwise, the same shape as x"


def leaky_relu_group(probe_name: str, inputs: dict[str, np.ndarray], expected: dict[str, np.ndarray],
                     alpha: float | None = None) -> CheckGroup:
    """leaky_relu called on each input (with `alpha` when given), compared with `expected`."""
    names = sorted(inputs)
    kwargs = {} if alpha is None else {"alpha": alpha}
    code = kernel_call("call_on_tensors", name="leaky_relu", calls=[[name] for name in names], kwargs=kwargs)
    shown = "" if alpha is None else f", alpha={alpha}"

    def judge(result):
        return [close(f"leaky_relu({name}{shown})", expected[name], result.outputs.get(f"call{index}"),
                      1e-6, 1e-12, LEAKY_RELU_HINT)
                for index, name in enumerate(names)]

    return CheckGroup(Probe(probe_name, code, inputs), judge)


def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The items students can check themselves; sample_noise is checked only when graded."""
    return {"leaky_relu": [leaky_relu_group("leaky_relu", {"x": fixtures["x"]}, {"x": fixtures["leaky_relu_x"]})]}
