"""A batch trains a pack's reference before its first grade, with progress, and grades on warm sandboxes."""
from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.batch import references
from autograder.batch.grade import BatchSettings, grade_paths
from autograder.batch.pools import InlinePool
from autograder.execution.limits import SandboxLimits
from autograder.grading import GradeOptions
from autograder.packs import get_pack
from autograder.training_setup import BriefTrainingSetup, TrainingOptions, brief_spec

from .conftest import PACK


def grade(folder: Path, out: Path, workers: int, steps: int) -> str:
    options = GradeOptions(limits=SandboxLimits(threads=1), training=TrainingOptions(device="cpu", steps=steps))
    stream = io.StringIO()
    grade_paths([folder], PACK, out, options, BatchSettings(workers=workers), stream=stream)
    return stream.getvalue()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_reference_is_trained_on_the_pool_before_the_first_grade_and_said_so(starter_class, tmp_path,
                                                                                  monkeypatch, workers):
    monkeypatch.setenv("GANGRADE_CACHE", str(tmp_path / "cache"))
    printed = grade(starter_class(2), tmp_path / "out", workers, steps=3)
    lines = printed.splitlines()
    assert "local worker processes" in printed   # one run per core, even when the batch grades one at a time
    trained = [line for line in lines if line.startswith(f"training the reference for {PACK}: seed")]
    assert len(trained) == 3 and all(" done (" in line for line in trained)
    first_grade = next(index for index, line in enumerate(lines) if "student" in line)
    assert lines.index(trained[-1]) < first_grade   # every run was ready before any grade
    assert len(list((tmp_path / "cache" / "reference-runs").glob(f"{PACK}-*.json"))) == 3

    again = grade(starter_class(1, "late"), tmp_path / "out-again", workers, steps=3)
    assert "training the reference" not in again   # read from the cache


def test_a_reference_run_that_cannot_be_trained_ahead_is_reported_and_left_to_the_grades(tmp_path, monkeypatch):
    monkeypatch.setenv("GANGRADE_CACHE", str(tmp_path / "cache"))

    def fails(job):
        raise RuntimeError("no such worker")

    monkeypatch.setattr(references, "train_reference", fails)
    monkeypatch.setattr(references, "machine_cores", lambda: 1)   # trained in this process, where the patch holds
    pack = get_pack(PACK)
    setup = BriefTrainingSetup(TrainingOptions(device="cpu", steps=3))
    said: list[str] = []
    references.prepare_references(pack, setup, said.append, InlinePool(), 1)
    assert sum("could not be trained ahead (RuntimeError: no such worker)" in line for line in said) == 3
    assert setup.missing_reference_seeds(pack, brief_spec(pack)) == [0, 1, 2]


@pytest.mark.sandbox
def test_a_batch_grades_on_sandboxes_started_ahead_and_leaves_none_behind(starter_class, tmp_path, monkeypatch):
    # Where job folders are made: this test's own, and open to the sandbox's uid as /tmp is (tmp_path is not).
    scratch = Path(tempfile.mkdtemp(prefix="gangrade-test-"))
    scratch.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    try:
        grade(starter_class(3), tmp_path / "out", workers=1, steps=0)
        left = list(scratch.iterdir())
    finally:
        shutil.rmtree(scratch)
    documents = [json.loads(path.read_text()) for path in sorted((tmp_path / "out").glob("*/results.json"))]
    warm = [document["extra_data"]["gangrade"]["execution"]["timings"]["warm_start"] for document in documents]
    assert warm == [False, True, True]   # the first grade starts its own; each one after finds its sandbox ready
    verdicts = [[(test["name"], test["score"]) for test in document["tests"]] for document in documents]
    assert verdicts[0] == verdicts[1] == verdicts[2]   # the same notebook: the same grade, warm or cold
    assert documents[0]["extra_data"]["gangrade"]["execution"]["kernel_deaths"] == []
    assert left == []
