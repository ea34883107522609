"""Running several primitives, or one primitive several ways, in a single probe (kernel side).

Where a contract accepts more than one form of an argument (a latent vector
as (z_dim,) or as (1, z_dim)), a student's function may work with only one
of them; and some judgments need two observations of one network (its
layer trace and how far its output can be pushed). `run_each` runs each
call in turn, keeps each one's results apart under its label, and records a
call that raised instead of failing the probe, so the grader can judge what
did work and say what did not.
"""
from __future__ import annotations

import importlib


def run_each(ns: dict, inputs: dict, outputs: dict, info: dict, calls: dict[str, dict]) -> None:
    """Run every call (label -> {"module", "primitive", "arguments"}) of `autograder.observe.<module>`.

    Each call's outputs come back as `<label>/<key>`, its info as
    `info["variants"][label]`, and an exception it raised as
    `info["errors"][label]` ("Type: message").
    """
    info["variants"], info["errors"] = {}, {}
    for label, call in calls.items():
        function = getattr(importlib.import_module(f"autograder.observe.{call.get('module', 'primitives')}"), call["primitive"])
        call_outputs: dict = {}
        call_info: dict = {}
        try:
            function(ns, inputs=inputs, outputs=call_outputs, info=call_info, **call.get("arguments", {}))
        except Exception as exc:  # this call does not work for the student's code; another may
            info["errors"][label] = f"{type(exc).__name__}: {exc}"
        outputs.update({f"{label}/{key}": value for key, value in call_outputs.items()})
        info["variants"][label] = call_info
