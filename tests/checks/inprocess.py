"""Grade a namespace in this process: for testing checks without a kernel.

The real grader runs probe code inside the sandboxed kernel; the code and the
results are the same, only the place differs.
"""
from __future__ import annotations

from autograder.checks.plan import grade_item
from autograder.public import run_probes_in_process


def grade_namespace(namespace: dict, plan: dict, points: dict[str, int]) -> dict:
    """Item id -> ItemVerdict for a namespace, as the engine would grade it."""
    return {
        item: grade_item(item, points[item], groups, run_probes_in_process(namespace, [g.probe for g in groups if g.probe]))
        for item, groups in plan.items()
    }
