"""`gangrade grade`: grade every submission found under the given paths.

One submission's failure (unreadable, crashed, out of memory) becomes its
own score-0 results.json and never stops the batch.
"""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.errors import GangradeError, UsageError
from autograder.grading import GradeOptions, grade_submission
from autograder.packs import Pack, discover_packs
from autograder.report.results import GradeResult, failed_submission_result, write_results
from autograder.report.summary import terminal_summary
from autograder.submission import Candidate, discover_submissions
from autograder.training_setup import BriefTrainingSetup

Log = Callable[[str], None]


@dataclass
class BatchOutcome:
    graded: int = 0
    not_graded: int = 0


def grade_paths(paths: list[Path], assignment: str | None, out_dir: Path, options: GradeOptions,
                log: Log = print) -> BatchOutcome:
    packs = {pack.id: pack for pack in discover_packs()}
    if assignment is not None and assignment not in packs:
        raise UsageError(f"unknown assignment '{assignment}'; known: {', '.join(sorted(packs))}")
    candidates, warnings = discover_submissions(paths)
    for warning in warnings:
        log(f"note: {warning}")
    if not candidates:
        raise UsageError("no submissions (.ipynb or .zip) found under " + ", ".join(map(str, paths)))

    setup = BriefTrainingSetup(options.training)  # one per batch: the reference's runs are shared
    outcome = BatchOutcome()
    for candidate in candidates:
        result, pack = grade_candidate(candidate, packs, assignment, options, setup)
        if pack is None:
            log(f"{candidate.id}: not graded: {result}")
            outcome.not_graded += 1
            continue
        write_results(out_dir, result, pack)
        log(terminal_summary(result, pack, color=sys.stdout.isatty()))
        if result.graded:
            outcome.graded += 1
        else:
            outcome.not_graded += 1
    return outcome


def grade_candidate(candidate: Candidate, packs: dict[str, Pack], assignment: str | None,
                    options: GradeOptions, setup: BriefTrainingSetup | None = None) -> tuple[GradeResult | str, Pack | None]:
    """The candidate's result and its pack; a plain reason when not even its pack is known."""
    started = time.perf_counter()
    pack_id = assignment or (candidate.submission.assignment if candidate.submission else None)
    if pack_id is None:
        return ("cannot tell which assignment it is (no gangrade metadata in the notebook); pass --assignment", None)
    if pack_id not in packs:
        return (f"its metadata names an unknown assignment '{pack_id}'; pass --assignment", None)
    pack = packs[pack_id]
    if not candidate.ok:
        return failed_submission_result(pack, candidate.id, candidate.error.reason, _since(started)), pack
    try:
        return grade_submission(candidate.submission, pack, options, setup), pack
    except GangradeError as exc:
        return failed_submission_result(pack, candidate.id, str(exc), _since(started)), pack
    except Exception as exc:  # a bug of ours: this submission is not graded, the batch goes on
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return failed_submission_result(pack, candidate.id, f"internal grader error ({detail})", _since(started)), pack


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)
