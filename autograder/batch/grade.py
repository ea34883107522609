"""`gangrade grade`: grade every submission found under the given paths into OUT.

The batch finds the submissions (loading none yet), then keeps a bounded
number of jobs in a pool, loading each submission when its turn comes.
Before a pack's first grade, its reference runs that are not cached yet are
trained on the pool's workers, in parallel and with progress (`references`). Each
result is written (results.json, pictures, feedback.html) and committed to
the gradebook as soon as it arrives; a submission whose content and grader
are unchanged since its stored grade is skipped. One submission's failure
becomes its own score-0 result and never stops the batch.

A stored grade with items the grader could not judge for a reason that may
pass (`retry_items`) is graded again with the hidden seed it was graded
with, and only those items take the new verdicts: the others keep theirs
(`merge_retry`).
"""
from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from autograder.batch.identity import IdentityOracle
from autograder.batch.jobs import AUTO_THREADS, GradeJob, JobOutcome
from autograder.batch.pools import WORKER_LOST, DaskPool, InlinePool, LocalPool, default_workers, threads_per_kernel
from autograder.batch.progress import Progress
from autograder.batch.references import prepare_references
from autograder.discovery import Found, find_submissions, load_candidate
from autograder.errors import GangradeError, UsageError
from autograder.gradebook import Gradebook, OutFolderLock
from autograder.grading import GradeOptions
from autograder.pack_checks import validate_pack
from autograder.packs import Pack, discover_packs
from autograder.report.outputs import restore_submission_outputs, write_batch_reports, write_submission_outputs
from autograder.report.results import GradeResult, failed_submission_result
from autograder.report.summary import terminal_summary
from autograder.roster import read_roster
from autograder.training_setup import BriefTrainingSetup, TrainingOptions, resolve_device

MAX_ATTEMPTS = 2  # a job in flight when a worker process died is tried once more, alone


@dataclass(frozen=True)
class BatchSettings:
    workers: int | None = None       # None: what the machine's cores and memory allow
    scheduler: str | None = None     # a Dask scheduler's address, instead of local workers
    force: bool = False              # regrade unchanged submissions too
    warm_starts: bool = True         # start each worker's next sandbox while it grades (execution.standby)
    command: str = "gangrade grade"  # recorded with the run in the gradebook


@dataclass
class BatchOutcome:
    graded: int = 0
    not_graded: int = 0
    unchanged: int = 0


def grade_paths(paths: list[Path], assignment: str | None, out_dir: Path, options: GradeOptions,
                settings: BatchSettings = BatchSettings(), stream: TextIO | None = None) -> BatchOutcome:
    packs = {pack.id: pack for pack in discover_packs()}
    if assignment is not None and assignment not in packs:
        raise UsageError(f"unknown assignment '{assignment}'; known: {', '.join(sorted(packs))}")
    for pack in [packs[assignment]] if assignment else packs.values():
        validate_pack(pack)   # a pack whose checks disagree with its pack.toml grades nobody
    found, notes = find_submissions(paths)
    if not found:
        raise UsageError("no submissions (.ipynb or .zip) found under " + ", ".join(map(str, paths)))
    _check_training_data(options.training)
    roster, roster_notes = read_roster([Path(p) for p in paths if Path(p).is_dir()])
    notes = [*notes, *roster_notes]

    out_dir = Path(out_dir)
    with OutFolderLock(out_dir), Gradebook.in_folder(out_dir) as book:
        # A roster is keyed by Gradescope's submission folders; a submission's id is its folder's name.
        book.set_students({entry.id: roster[entry.path.name] for entry in found if entry.path.name in roster})
        pool, options = _start_pool(settings, options, len(found))
        progress = Progress(len(found), stream)
        for note in notes:
            progress.note(f"note: {note}")
        progress.note(f"grading {len(found)} submissions with {pool.description}")
        batch = Batch(packs, assignment, out_dir, options, settings, book, pool, progress)
        try:
            batch.run(found)
        finally:
            pool.close()
            progress.close()
            book.finish_run(batch.run_id, batch.outcome.graded, batch.outcome.not_graded, batch.outcome.unchanged)
            write_batch_reports(out_dir, book)
        if batch.outcome.unchanged:
            print(f"{batch.outcome.unchanged} unchanged submissions kept their stored grades (--force regrades them)",
                  file=progress.stream)
        return batch.outcome


def _start_pool(settings: BatchSettings, options: GradeOptions, submissions: int):
    """The pool, and the options with the device resolved where the grading happens."""
    training = options.training
    if settings.scheduler:
        pool = DaskPool(settings.scheduler)
        device = training.device
        if device == "auto":  # decided by the cluster's workers, not by this machine
            device = "cuda" if pool.workers_with_gpu() else "cpu"
        pool.ask_for_gpu(device == "cuda")
        threads = AUTO_THREADS  # each Dask worker shares out its own machine's cores (jobs.threads_per_task)
    else:
        device = resolve_device(training.device)
        workers = min(settings.workers or default_workers(options.limits.memory_mb), submissions)
        pool = InlinePool() if workers == 1 else LocalPool(workers)
        threads = threads_per_kernel(workers)
    if options.limits.threads != AUTO_THREADS:
        threads = options.limits.threads  # asked for explicitly
    limits = dataclasses.replace(options.limits, threads=threads)
    options = dataclasses.replace(options, limits=limits, training=dataclasses.replace(training, device=device))
    return pool, options


def _check_training_data(training: TrainingOptions) -> None:
    """Data folders the user named are read here first: a wrong path is one clear error, not one per submission."""
    if training.steps != 0 and (training.mnist_dir or training.celeba_dir):
        BriefTrainingSetup(training)


def grade_settings(options: GradeOptions) -> dict:
    """The options that change a score; a stored grade made under others is regraded."""
    training = options.training
    return {
        "device": training.device, "train_steps": training.steps, "mnist": training.mnist_dir,
        "celeba": training.celeba_dir, "seed": options.seed, "sandbox": options.sandbox,
        "python": options.kernel_python, "timeout_s": options.limits.wall_s, "memory_mb": options.limits.memory_mb,
    }


class Batch:
    """One run of `gangrade grade`: a bounded window of jobs in flight, each result committed as it lands."""

    def __init__(self, packs: dict[str, Pack], assignment: str | None, out_dir: Path, options: GradeOptions,
                 settings: BatchSettings, book: Gradebook, pool, progress: Progress) -> None:
        self.packs, self.assignment, self.out_dir = packs, assignment, out_dir
        self.options, self.settings, self.book, self.pool, self.progress = options, settings, book, pool, progress
        self.identities = IdentityOracle(grade_settings(options))
        self.run_id = book.start_run(settings.command)
        self.outcome = BatchOutcome()
        self.window = 2 * pool.capacity  # enough queued to keep every worker busy, few loaded at once
        self.color = progress.live
        self.retried: dict[str, GradeResult] = {}  # submission id -> its incomplete stored grade
        self.references_ready: set[str] = set()     # packs whose reference runs were seen to
        self._setup: BriefTrainingSetup | None = None

    def run(self, found: list[Found]) -> None:
        waiting = iter(enumerate(found))
        in_flight: dict = {}  # future -> (job, attempt, pool generation)
        suspects: deque[GradeJob] = deque()  # in flight when a worker died: each is tried again, alone
        generation = 0
        exhausted = False
        while True:
            if suspects:
                if not in_flight:  # alone, so that a second death names the submission that causes it
                    job = suspects.popleft()
                    in_flight[self.pool.submit(job)] = (job, MAX_ATTEMPTS, generation)
            else:
                while not exhausted and len(in_flight) < self.window:
                    position, entry = next(waiting, (None, None))
                    if entry is None:
                        exhausted = True
                        break
                    job = self._prepare(entry)
                    if (job is not None and self.settings.warm_starts
                            and len(found) - 1 - position >= self.pool.capacity):
                        # the worker that takes this job will likely take another after it: warm it
                        job = dataclasses.replace(job, more_coming=True)
                    if job is not None:
                        in_flight[self.pool.submit(job)] = (job, 1, generation)
            if not in_flight:
                return
            done, _ = self.pool.wait_any(set(in_flight))
            for future in [future for future in in_flight if future in done]:  # in the order they were sent
                job, attempt, born = in_flight.pop(future)
                try:
                    outcome = future.result()
                except WORKER_LOST:
                    if born == generation:  # the first of the broken pool's failures restarts it
                        self.pool.restart()
                        generation += 1
                    if attempt < MAX_ATTEMPTS:
                        suspects.append(job)
                        continue
                    outcome = self._lost(job, "the grader's worker process died while grading it, twice")
                except Exception as exc:  # a cluster's failure (a killed Dask worker, a lost connection)
                    outcome = self._lost(job, f"the cluster could not grade it ({type(exc).__name__}: {exc})")
                self._finish(job, outcome)

    def _prepare(self, entry: Found) -> GradeJob | None:
        """The job for one submission, or None when it is settled here (no pack, or unchanged)."""
        candidate = load_candidate(entry)
        pack_id = self.assignment or (candidate.submission.assignment if candidate.ok else None)
        if pack_id is None or pack_id not in self.packs:
            if not candidate.ok:
                reason = candidate.error.reason + "; and without it the assignment is unknown (pass --assignment)"
            elif pack_id is None:
                reason = "cannot tell which assignment it is (no gangrade metadata in the notebook); pass --assignment"
            else:
                reason = f"its metadata names an unknown assignment '{pack_id}'; pass --assignment"
            self.book.record_unknown_pack(self.run_id, str(entry.path), entry.id, reason)
            self.outcome.not_graded += 1
            self.progress.finished(f"{entry.id}: not graded: {reason}", graded=False)
            return None
        pack = self.packs[pack_id]
        if not candidate.ok:  # settled here: nothing to run, and nothing to send to a worker
            result = failed_submission_result(pack, candidate.id, candidate.error.reason, 0.0)
            self._finish(GradeJob(candidate, pack.id, self.options), JobOutcome(result))
            return None
        options = self.options
        if not self.settings.force:
            identity = self.identities.for_pack(pack)
            if self.book.is_current(entry.id, candidate.submission.sha256, identity):
                restore_submission_outputs(self.out_dir, self.book, entry.id, pack)
                self.outcome.unchanged += 1
                self.progress.skipped()
                return None
            stored = self.book.incomplete_grade(entry.id, candidate.submission.sha256, identity)
            earlier = stored.result() if stored is not None else None
            seed = earlier.extra.get("hidden_seed") if earlier is not None else None
            if isinstance(seed, int):  # the same hidden inputs: the items already judged would judge the same
                self.retried[entry.id] = earlier
                options = dataclasses.replace(options, seed=seed)
        if pack.id not in self.references_ready:
            self.references_ready.add(pack.id)
            self._train_references(pack)
        return GradeJob(candidate, pack.id, options)

    def _train_references(self, pack: Pack) -> None:
        """The pack's reference runs, trained on the pool before its first grade (a no-op when cached)."""
        if self.options.training.steps == 0:
            return
        try:
            self._setup = self._setup or BriefTrainingSetup(self.options.training)
            prepare_references(pack, self._setup, self.progress.note, self.pool, self.options.limits.threads)
        except GangradeError as exc:  # e.g. a device only the cluster has: each grade trains what it needs
            self.progress.note(f"note: the reference for {pack.id} is not trained ahead ({exc})")

    def _lost(self, job: GradeJob, reason: str) -> JobOutcome:
        pack = self.packs[job.pack_id]
        return JobOutcome(failed_submission_result(pack, job.candidate.id, reason, 0.0), retry=True)

    def _finish(self, job: GradeJob, outcome: JobOutcome) -> None:
        pack, candidate, result = self.packs[job.pack_id], job.candidate, outcome.result
        earlier = self.retried.pop(candidate.id, None)
        if earlier is not None and result.graded:
            result = merge_retry(earlier, result)
        write_submission_outputs(self.out_dir, result, pack)  # files first: a committed grade always has them
        sha256 = candidate.submission.sha256 if candidate.ok else None
        self.book.record(self.run_id, str(candidate.path), result, self.identities.for_pack(pack), sha256,
                         retry=outcome.retry or not candidate.ok or bool(result.retry_items))
        if result.graded:
            self.outcome.graded += 1
        else:
            self.outcome.not_graded += 1
        self.progress.finished(terminal_summary(result, pack, color=self.color), graded=result.graded)


def merge_retry(earlier: GradeResult, again: GradeResult) -> GradeResult:
    """A retried grade: the items judged before keep their verdicts, the others take the new ones."""
    items = [new if old.retry else old for old, new in zip(earlier.items, again.items)]
    retried = [old.name for old in earlier.items if old.retry]
    return dataclasses.replace(again, items=items, extra={**again.extra, "retried_items": retried})
