"""Public checks: what students run before they submit, with no reference needed.

In a notebook, `check("gan_loss", globals())` runs the pack's public checks
for one item on the notebook's own definitions and prints the verdict.
`gangrade check NOTEBOOK` runs every public check on a whole notebook (see
`check_notebook`). Both use the committed public fixtures only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder.checks.plan import CheckGroup, ItemVerdict, grade_item, plan_probes
from autograder.errors import FixtureError, UsageError
from autograder.execution.probe_runtime import compile_probe, student_lookup
from autograder.execution.probes_protocol import Probe, ProbeResult
from autograder.fixtures.npz import read_npz
from autograder.pack_checks import load_public_checks
from autograder.packs import Pack, discover_packs, get_pack
from autograder.paths import fixtures_dir, pack_fixture_path


def public_plan(pack: Pack, folder: Path | None = None) -> dict[str, list[CheckGroup]]:
    checks = load_public_checks(pack)
    if checks is None:
        raise UsageError(f"{pack.id} has no public checks yet")
    return checks.plan(read_npz(pack_fixture_path(folder or fixtures_dir(), pack.id)))


def run_probes_in_process(namespace: dict, probes: list[Probe]) -> dict[str, ProbeResult]:
    """Run probes on a namespace in this process (the student's own kernel, for `check`)."""
    results = {}
    for probe in probes:
        inputs = {key: np.array(value) for key, value in probe.inputs.items()}
        outputs: dict = {}
        info: dict = {}
        try:
            compile_probe(probe.name, probe.code, namespace)(inputs, outputs, info, student_lookup(namespace))
            results[probe.name] = ProbeResult(probe.name, outputs, info)
        except Exception as exc:  # the student's code raised: that is the verdict, not a crash
            results[probe.name] = ProbeResult(probe.name, error=f"{type(exc).__name__}: {exc}")
    return results


def grade_in_process(namespace: dict, plan: dict[str, list[CheckGroup]], pack: Pack) -> dict[str, ItemVerdict]:
    points = {item.id: item.points for item in pack.items}
    results = run_probes_in_process(namespace, plan_probes(plan))
    return {item: grade_item(item, points[item], groups, results) for item, groups in plan.items()}


def check(item: str, namespace: dict, assignment: str | None = None) -> bool:
    """Run one item's public checks on a notebook's namespace; print and return whether they pass."""
    pack = get_pack(assignment) if assignment else _pack_with_public_item(item)
    plan = public_plan(pack)
    if item not in plan:
        print(f"{item}: no public check (it is checked when the notebook is graded)")
        return True
    verdict = grade_in_process(namespace, {item: plan[item]}, pack)[item]
    print(f"{item}: {'all public checks passed' if verdict.passed else 'FAILED'}")
    if not verdict.passed:
        print(verdict.message())
    return verdict.passed


def _pack_with_public_item(item: str) -> Pack:
    candidates = []
    for pack in discover_packs():
        try:
            if item in public_plan(pack):
                candidates.append(pack)
        except (UsageError, FixtureError):
            continue
    if len(candidates) != 1:
        names = ", ".join(p.id for p in candidates) or "none"
        raise UsageError(f"cannot tell which assignment '{item}' belongs to (packs with it: {names}); pass assignment=")
    return candidates[0]
