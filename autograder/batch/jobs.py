"""One submission's grade as a job: what a worker receives and what it sends back.

A job carries the loaded submission (not a path), so a Dask worker on
another machine needs no shared disk; the outcome is a plain `GradeResult`.
`grade_job` is the only function a worker runs, whichever pool it is in, so
a local pool and a cluster give the same grades.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import time
import traceback
from dataclasses import dataclass

from autograder.discovery import Candidate
from autograder.errors import GangradeError
from autograder.grading import GradeOptions, grade_submission
from autograder.packs import Pack, get_pack
from autograder.report.results import GradeResult, failed_submission_result
from autograder.training_setup import BriefTrainingSetup, TrainingOptions

AUTO_THREADS = 0  # SandboxLimits.threads: choose from the worker's cores and the tasks it runs at once


@dataclass(frozen=True)
class GradeJob:
    candidate: Candidate
    pack_id: str
    options: GradeOptions


@dataclass(frozen=True)
class JobOutcome:
    result: GradeResult
    retry: bool = False  # an error of the grader, not of the submission: grade it again next run


def grade_job(job: GradeJob) -> JobOutcome:
    """Grade one submission (runs in a worker: this process, a pool process or a Dask worker)."""
    started = time.perf_counter()
    pack = _pack(job.pack_id)
    candidate = job.candidate  # loaded: the batch settles unreadable submissions itself
    options = _with_threads(job.options)
    try:
        import torch
        torch.set_num_threads(options.limits.threads)  # the judging in this process shares the cores too
        result = grade_submission(candidate.submission, pack, options, setup_for(options.training))
        return JobOutcome(result)
    except GangradeError as exc:
        return JobOutcome(failed_submission_result(pack, candidate.id, str(exc), _since(started)))
    except Exception as exc:  # a bug of ours: this submission is not graded, the batch goes on
        detail = "".join(traceback.format_exception_only(exc)).strip()
        reason = f"internal grader error ({detail})"
        return JobOutcome(failed_submission_result(pack, candidate.id, reason, _since(started)), retry=True)


@functools.cache
def _pack(pack_id: str) -> Pack:
    return get_pack(pack_id)


@functools.lru_cache(maxsize=4)
def setup_for(training: TrainingOptions) -> BriefTrainingSetup:
    """One per worker process and training setting: data, scorers and reference runs are loaded once."""
    return BriefTrainingSetup(training)


def _with_threads(options: GradeOptions) -> GradeOptions:
    if options.limits.threads != AUTO_THREADS:
        return options
    limits = dataclasses.replace(options.limits, threads=threads_per_task())
    return dataclasses.replace(options, limits=limits)


def threads_per_task() -> int:
    """This machine's cores shared by the tasks its Dask worker runs at once (1 outside Dask)."""
    cores = len(os.sched_getaffinity(0))
    try:
        from distributed import get_worker
        at_once = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        at_once = 1
    return max(1, cores // max(1, at_once))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)
