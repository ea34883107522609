"""Grading one submission: run it in the sandbox with the pack's probes, judge, score.

This is the one-way flow of the engine: the submission's notebook runs in
its own sandboxed kernel (`execution`), the pack's probes bring back plain
arrays and JSON, the pack's checks judge them against the reference in this
process (`checks`), and each rubric item gets its points (`report`).
"""
from __future__ import annotations

import dataclasses
import math
import secrets
import time
from dataclasses import dataclass, field

import numpy as np

from autograder.checks.brief import PROBE_NAME as BRIEF_PROBE
from autograder.checks.plan import CheckGroup, ItemVerdict, grade_item, plan_probes
from autograder.execution.environment import NotRunOnGrader, did_not_run_on_grader
from autograder.execution.limits import SandboxLimits
from autograder.execution.probes_protocol import ProbeResult
from autograder.execution.records import ExecutionResult
from autograder.execution.runner import run_submission
from autograder.execution.standby import KernelStandby
from autograder.pack_checks import HiddenChecks, Plan, load_checks
from autograder.packs import Pack, RubricItem
from autograder.report import figures
from autograder.report.results import GradeResult, ItemResult, presentation
from autograder.submission import Submission
from autograder.training_setup import BriefTrainingSetup, TrainingOptions

NO_CHECKS = "the pack's checks.py has no checks for this item"
MAX_REPORTED_ERRORS = 5
MAX_RECORDED_NOT_RUN = 100


@dataclass(frozen=True)
class GradeOptions:
    seed: int | None = None                  # hidden inputs' seed; None draws a fresh one per grade
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    sandbox: bool = True
    kernel_python: str | None = None         # interpreter of the student kernel's environment
    training: TrainingOptions = field(default_factory=TrainingOptions)


def make_plan(checks: HiddenChecks, rng: np.random.Generator, setup: BriefTrainingSetup | None) -> Plan:
    """The pack's checks for one grade, its brief-training groups given their context by `setup`."""
    brief_context = None if setup is None or checks.brief is None else setup.context(checks.pack, checks.brief)
    return checks.plan(rng, brief_context)


def grade_submission(submission: Submission, pack: Pack, options: GradeOptions,
                     setup: BriefTrainingSetup | None = None, standby: KernelStandby | None = None,
                     checks: HiddenChecks | None = None) -> GradeResult:
    """Grade one submission; `setup` is shared by a batch (made here for a single grade), and so are
    `standby`, a batch worker's sandbox started ahead (see execution.standby), and the pack's `checks`
    (loaded here for a single grade)."""
    started = time.perf_counter()
    seed = options.seed if options.seed is not None else secrets.randbits(63)
    setup = setup or BriefTrainingSetup(options.training)
    plan = make_plan(checks or load_checks(pack), np.random.default_rng(seed), setup)
    execution = run_submission(
        submission.notebook,
        submission.helper_files,
        skip_calls=pack.skip_calls,
        probes=plan_probes(plan),
        limits=options.limits,
        kernel_python=options.kernel_python,
        sandbox=options.sandbox,
        gpu=setup.device == "cuda",
        datasets=(pack.data,),
        standby=standby,
    )
    verdicts = {item.id: _verdict(item, plan.get(item.id), execution) for item in pack.items}
    items = [_item_result(item, verdicts[item.id]) for item in pack.items]
    not_run, machine_failures = did_not_run_on_grader(execution, list(submission.helper_files))
    extra = {"hidden_seed": seed, "assignment": pack.id, "sha256": submission.sha256,
             "execution": _execution_record(execution, not_run)}
    brief = execution.probes.get(BRIEF_PROBE)
    files = _pictures(submission, brief)
    if brief is not None:
        reported = ("steps", "seconds", "diverged_after_calls", "judged_after_calls")
        extra["brief_training"] = {"device": setup.device, "ran": brief.ok,
                                   **{key: brief.info[key] for key in reported if key in brief.info},
                                   "figures": _figures(verdicts)}
    return GradeResult(
        submission_id=submission.id,
        items=items,
        output=_overall_output(execution, not_run, machine_failures),
        execution_time=round(time.perf_counter() - started, 2),
        sandboxed=execution.sandboxed,
        extra=extra,
        files=files,
    )


def _execution_record(execution: ExecutionResult, not_run: list[NotRunOnGrader]) -> dict:
    """How the run was confined and how it went, for results.json: limits as enforced, deaths, peak memory,
    the failing statements of the submission's modules, what did not run on the grading machine."""
    record = {"limits": dict(execution.enforcement),
              "kernel_deaths": [{"where": death.where, "reason": death.reason, "restarted": death.restarted}
                                for death in execution.kernel_deaths],
              "module_statements": [{"where": r.statement.where(), "status": r.status, "error": str(r.error)}
                                    for r in execution.modules[:MAX_RECORDED_NOT_RUN]],
              "did_not_run_on_grader": [entry.as_dict() for entry in not_run[:MAX_RECORDED_NOT_RUN]]}
    if execution.peak_memory_mb is not None:
        record["peak_memory_mb"] = round(execution.peak_memory_mb, 1)
    timings = execution.timings
    record["timings"] = {name: round(value, 3) if isinstance(value, float) else value
                         for name, value in dataclasses.asdict(timings).items()}
    return record


def _pictures(submission: Submission, brief: ProbeResult | None) -> dict[str, bytes]:
    """samples.png and loss_curves.png from the brief training's probe; the notebook's own final image."""
    files = {}
    if brief is not None and brief.ok and "samples" in brief.outputs:
        files["samples.png"] = figures.sample_grid_png(brief.outputs["samples"])
        curves = {key.removeprefix("curve."): value for key, value in brief.outputs.items() if key.startswith("curve.")}
        curves_png = figures.loss_curves_png(curves)
        if curves_png:
            files["loss_curves.png"] = curves_png
    own = figures.notebook_final_image(submission.notebook)
    if own:
        files["notebook_final_image.png"] = own
    return files


def _verdict(item: RubricItem, groups: list[CheckGroup] | None, execution: ExecutionResult) -> ItemVerdict | None:
    return None if groups is None else grade_item(item.id, item.points, groups, execution.probes)


def _item_result(item: RubricItem, verdict: ItemVerdict | None) -> ItemResult:
    if verdict is None:
        return ItemResult(item.id, 0.0, item.points, "not_graded", NO_CHECKS, complete=False, **presentation(item))
    return ItemResult(item.id, verdict.points, item.points, verdict.status, verdict.message(), complete=verdict.graded,
                      retry=verdict.retry, **presentation(item))


def _figures(verdicts: dict[str, ItemVerdict | None]) -> dict[str, dict]:
    """Each measured check's figure and bar, by item and check (what the calibration bench reads)."""
    figures: dict[str, dict] = {}
    for item, verdict in verdicts.items():
        for outcome in verdict.outcomes if verdict else []:
            measure = outcome.measure
            if measure and math.isfinite(measure.seen) and math.isfinite(measure.bar):
                figures.setdefault(item, {})[outcome.check] = {
                    "seen": round(measure.seen, 6), "bar": round(measure.bar, 6),
                    "higher_is_better": measure.higher_is_better, "margin": round(measure.margin, 4)}
    return figures


def _overall_output(execution: ExecutionResult, not_run: list[NotRunOnGrader], machine_failures: set[str]) -> str:
    """How the notebook ran; the statements of it and of its modules that raised (a student's first clue);
    then what did not run on the grading machine, which costs nothing by itself."""
    lines = [execution.summary()]
    raised = [record for record in [*execution.modules, *execution.statements()]
              if record.status in ("error", "timeout", "syntax_error") and record.statement.id not in machine_failures]
    for record in raised[:MAX_REPORTED_ERRORS]:
        problem = record.reason or (str(record.error) if record.error else record.status)
        lines.append(f"{record.statement.where()}: {problem}")
    if len(raised) > MAX_REPORTED_ERRORS:
        lines.append(f"... and {len(raised) - MAX_REPORTED_ERRORS} more statements that failed")
    if not_run:
        lines.append(f"Did not run on the grader ({len(not_run)}; this costs nothing by itself, only what depends "
                     "on it can fail):")
        lines += [f"  {entry.describe()}" for entry in not_run[:MAX_REPORTED_ERRORS]]
        if len(not_run) > MAX_REPORTED_ERRORS:
            lines.append(f"  ... and {len(not_run) - MAX_REPORTED_ERRORS} more, listed on the feedback page")
    return "\n".join(lines)
