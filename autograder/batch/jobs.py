"""One submission's grade as a job: what a worker receives and what it sends back.

A job carries the loaded submission (not a path), so a Dask worker on
another machine needs no shared disk; the outcome is a plain `GradeResult`.
`grade_job` is the only function a worker runs, whichever pool it is in, so
a local pool and a cluster give the same grades.

Each worker (a process, or a Dask worker's thread) keeps a `KernelStandby`:
while it grades one job, the sandbox for its next job starts, when the batch
says another will come (`GradeJob.more_coming`).
"""
from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import threading
import time
import traceback
from dataclasses import dataclass

from autograder.discovery import Candidate
from autograder.errors import GangradeError
from autograder.execution.standby import KernelStandby
from autograder.grading import GradeOptions, grade_submission
from autograder.pack_checks import HiddenChecks, load_checks
from autograder.packs import Pack, get_pack
from autograder.report.results import GradeResult, failed_submission_result
from autograder.training_setup import BriefTrainingSetup, TrainingOptions

AUTO_THREADS = 0  # SandboxLimits.threads: choose from the worker's cores and the tasks it runs at once


@dataclass(frozen=True)
class GradeJob:
    candidate: Candidate
    pack_id: str
    options: GradeOptions
    more_coming: bool = False   # this worker will likely grade another job after this one: start its sandbox


@dataclass(frozen=True)
class JobOutcome:
    result: GradeResult
    retry: bool = False  # an error of the grader, not of the submission: grade it again next run


def grade_job(job: GradeJob) -> JobOutcome:
    """Grade one submission (runs in a worker: this process, a pool process or a Dask worker)."""
    started = time.perf_counter()
    pack = pack_of(job.pack_id)
    candidate = job.candidate  # loaded: the batch settles unreadable submissions itself
    options = _with_threads(job.options)
    try:
        import torch
        torch.set_num_threads(options.limits.threads)  # the judging in this process shares the cores too
        standby = worker_standby()
        standby.keep_warm = job.more_coming
        result = grade_submission(candidate.submission, pack, options, setup_for(options.training), standby,
                                  checks_of(job.pack_id))
        return JobOutcome(result)
    except GangradeError as exc:
        return JobOutcome(failed_submission_result(pack, candidate.id, str(exc), _since(started)))
    except Exception as exc:  # a bug of ours: this submission is not graded, the batch goes on
        detail = "".join(traceback.format_exception_only(exc)).strip()
        reason = f"internal grader error ({detail})"
        return JobOutcome(failed_submission_result(pack, candidate.id, reason, _since(started)), retry=True)


@functools.cache
def pack_of(pack_id: str) -> Pack:
    return get_pack(pack_id)


@functools.cache
def checks_of(pack_id: str) -> HiddenChecks:
    """The pack's checks, loaded once per worker process (the batch validated them before its first grade)."""
    return load_checks(pack_of(pack_id))


@functools.lru_cache(maxsize=4)
def setup_for(training: TrainingOptions) -> BriefTrainingSetup:
    """One per worker process and training setting: data, scorers and reference runs are loaded once."""
    return BriefTrainingSetup(training)


_WORKER = threading.local()


def worker_standby() -> KernelStandby:
    """This worker's sandbox started ahead (one per thread: a Dask worker runs several tasks at once)."""
    standby = getattr(_WORKER, "standby", None)
    if standby is None:
        standby = _WORKER.standby = KernelStandby()
        atexit.register(standby.close)
    return standby


def close_worker_standby() -> None:
    standby = getattr(_WORKER, "standby", None)
    if standby is not None:
        standby.close()


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
