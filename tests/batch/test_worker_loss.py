"""When a grading worker process dies, every job it shared the pool with fails: only the one that kills it may lose its grade."""
from __future__ import annotations

import concurrent.futures as cf
import io
from concurrent.futures.process import BrokenProcessPool

import pytest

from autograder.batch.grade import Batch, BatchSettings
from autograder.batch.jobs import JobOutcome
from autograder.batch.progress import Progress
from autograder.discovery import find_submissions
from autograder.gradebook import Gradebook
from autograder.grading import GradeOptions
from autograder.packs import discover_packs
from autograder.report.results import GradeResult, ItemResult
from autograder.training_setup import TrainingOptions

from .conftest import PACK


class PoisonedPool:
    """Runs jobs two at a time; a job named `poison` kills the pool, failing whatever is in flight with it."""

    description, capacity = "a scripted pool", 2

    def __init__(self, packs) -> None:
        self.packs = packs
        self.pending: dict[cf.Future, object] = {}
        self.restarts = 0

    def submit(self, job) -> cf.Future:
        future: cf.Future = cf.Future()
        self.pending[future] = job
        return future

    def wait_any(self, futures: set) -> tuple[set, set]:
        jobs = [self.pending.pop(future) for future in futures]
        poisoned = any(job.candidate.id.startswith("poison") for job in jobs)
        for future, job in zip(futures, jobs):
            if poisoned:
                future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            else:
                pack = self.packs[job.pack_id]
                items = [ItemResult(item.id, item.points, item.points, "passed") for item in pack.items]
                future.set_result(JobOutcome(GradeResult(job.candidate.id, items, "ok", 1.0, True)))
        return set(futures), set()

    def restart(self) -> None:
        self.restarts += 1

    def close(self) -> None:
        pass


@pytest.mark.parametrize("count", [2, 5])
def test_only_the_submission_that_kills_its_worker_loses_its_grade(starter_class, tmp_path, count):
    folder = starter_class(count)
    (folder / "student00.ipynb").rename(folder / "poison.ipynb")
    packs = {pack.id: pack for pack in discover_packs()}
    pool = PoisonedPool(packs)
    found, _ = find_submissions([folder])
    with Gradebook.in_folder(tmp_path / "out") as book:
        # The scripted pool grades nothing: with brief training off, no reference runs are trained on it.
        options = GradeOptions(training=TrainingOptions(steps=0))
        batch = Batch(packs, PACK, tmp_path / "out", options, BatchSettings(), book, pool,
                      Progress(len(found), io.StringIO(), live=False))
        batch.run(found)
        grades = {grade.id: grade for grade in book.grades()}
    assert grades["poison"].state == "not_graded"
    assert "worker process died while grading it, twice" in grades["poison"].output
    assert all(grade.state == "graded" for name, grade in grades.items() if name != "poison")
    assert len(grades) == count and batch.outcome.graded == count - 1
    assert pool.restarts >= 2  # once with its neighbours, once alone
