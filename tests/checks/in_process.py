"""What the check tests share: a pack's checks run in-process on the reference's names, some replaced.

Grading in-process (autograder.public.grade_in_process) skips the sandbox and
the kernel, so a one-bug variant costs milliseconds; brief training runs only
in a real grade (tests/grading/) and is left out here.
"""
from __future__ import annotations

from functools import cached_property
from types import ModuleType

import numpy as np

from autograder.packs import get_pack
from autograder.public import grade_in_process

BRIEF_TRAINING = "brief training"   # the check that runs only in a real grade


def reference_namespace(module: ModuleType) -> dict:
    """The names a notebook defines, taken from a reference pack module."""
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def losing_items(verdicts: dict) -> set[str]:
    """Items with a failed check other than brief training."""
    return {item for item, verdict in verdicts.items()
            if any(not outcome.passed and outcome.check != BRIEF_TRAINING for outcome in verdict.outcomes)}


class InProcessPack:
    """One pack's hidden checks against namespaces built from its reference module."""

    def __init__(self, pack_id: str, reference: ModuleType):
        self.pack = get_pack(pack_id)
        self.reference = reference
        self.points = {item.id: item.points for item in self.pack.items}

    @cached_property
    def checks(self):
        return self.pack.checks_module()

    @cached_property
    def plan(self) -> dict:
        """The hidden plan at seed 0, built on first use (not when the test module is imported)."""
        return self.fresh_plan(0)

    def fresh_plan(self, seed: int) -> dict:
        return self.checks.plan(np.random.default_rng(seed))

    def namespace(self, **replacements) -> dict:
        """The reference's names, with some replaced as a student's notebook would define them."""
        return reference_namespace(self.reference) | replacements

    def grade(self, namespace: dict, items=None, plan: dict | None = None) -> dict:
        plan = self.plan if plan is None else plan
        return grade_in_process(namespace, {item: plan[item] for item in (items or plan)}, self.pack)

    def failing_items(self, namespace: dict, items=None, plan: dict | None = None) -> set[str]:
        return losing_items(self.grade(namespace, items, plan))
