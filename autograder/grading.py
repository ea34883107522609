"""Grading one submission: run it in the sandbox with the pack's probes, judge, score.

This is the one-way flow of the engine: the submission's notebook runs in
its own sandboxed kernel (`execution`), the pack's probes bring back plain
arrays and JSON, the pack's checks judge them against the reference in this
process (`checks`), and each rubric item gets its points (`report`).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

import numpy as np

from autograder.checks.plan import CheckGroup, grade_item, plan_probes
from autograder.execution.limits import SandboxLimits
from autograder.execution.records import ExecutionResult
from autograder.execution.runner import run_submission
from autograder.packs import Pack, RubricItem
from autograder.report.results import GradeResult, ItemResult
from autograder.submission import Submission

NOT_GRADED_YET = (
    "not graded yet: this item is scored by the brief training of the student's networks, "
    "which this version of gangrade does not run"
)
MAX_REPORTED_ERRORS = 5


@dataclass(frozen=True)
class GradeOptions:
    seed: int | None = None                  # hidden inputs' seed; None draws a fresh one per grade
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    sandbox: bool = True
    kernel_python: str | None = None         # interpreter of the student kernel's environment


def grade_submission(submission: Submission, pack: Pack, options: GradeOptions) -> GradeResult:
    started = time.perf_counter()
    seed = options.seed if options.seed is not None else secrets.randbits(63)
    checks = pack.checks()
    plan: dict[str, list[CheckGroup]] = checks.plan(np.random.default_rng(seed)) if checks else {}
    execution = run_submission(
        submission.notebook,
        submission.helper_files,
        skip_calls=pack.skip_calls,
        probes=plan_probes(plan),
        limits=options.limits,
        kernel_python=options.kernel_python,
        sandbox=options.sandbox,
    )
    items = [_item_result(item, plan.get(item.id), execution) for item in pack.items]
    return GradeResult(
        submission_id=submission.id,
        items=items,
        output=_overall_output(execution),
        execution_time=round(time.perf_counter() - started, 2),
        sandboxed=execution.sandboxed,
        extra={"hidden_seed": seed, "assignment": pack.id, "sha256": submission.sha256},
    )


def _item_result(item: RubricItem, groups: list[CheckGroup] | None, execution: ExecutionResult) -> ItemResult:
    if groups is None:
        return ItemResult(item.id, 0.0, item.points, "failed", NOT_GRADED_YET)
    verdict = grade_item(item.id, item.points, groups, execution.probes)
    return ItemResult(item.id, verdict.points, item.points, "passed" if verdict.passed else "failed", verdict.message())


def _overall_output(execution: ExecutionResult) -> str:
    """How the notebook ran, and the statements of it that raised (a student's first clue)."""
    lines = [execution.summary()]
    raised = [record for record in execution.statements() if record.status in ("error", "timeout", "syntax_error")]
    for record in raised[:MAX_REPORTED_ERRORS]:
        problem = record.reason or (f"{record.error.type}: {record.error.message}" if record.error else record.status)
        lines.append(f"{record.statement.where()}: {problem}")
    if len(raised) > MAX_REPORTED_ERRORS:
        lines.append(f"... and {len(raised) - MAX_REPORTED_ERRORS} more statements that failed")
    return "\n".join(lines)
