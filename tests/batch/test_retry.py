"""A grade the machine could not finish is finished by the next run of the same command, and only that."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.execution import launcher
from autograder.execution.limits import SandboxLimits
from autograder.execution.sandbox import SandboxSupport
from autograder.grading import GradeOptions
from autograder.training_setup import TrainingOptions

from .conftest import PACK

OPTIONS = GradeOptions(limits=SandboxLimits(threads=1), training=TrainingOptions(device="cpu", steps=0))


def grade(folder: Path, out: Path) -> str:
    stream = io.StringIO()
    grade_paths([folder], PACK, out, OPTIONS, BatchSettings(workers=1), stream=stream)
    return stream.getvalue()


def record(out: Path) -> dict:
    (path,) = out.glob("*/results.json")   # the one student
    return json.loads(path.read_text())


@pytest.mark.sandbox
def test_items_not_graded_for_want_of_a_sandbox_are_graded_on_the_next_run(starter_class, tmp_path, monkeypatch):
    folder, out = starter_class(1), tmp_path / "out"
    monkeypatch.setattr(launcher, "detect_sandbox", lambda: SandboxSupport(False, "bubblewrap is missing (a test)"))
    printed = grade(folder, out)
    first = record(out)
    assert "not graded" in printed and first["extra_data"]["gangrade"]["incomplete"] is True
    assert all(t["output"].startswith("Not graded") for t in first["tests"])
    retry = set(first["extra_data"]["gangrade"]["retry_items"])
    assert {t["name"] for t in first["tests"]} - {"training", "final_image"} <= retry
    assert "incomplete" in (out / "grades.csv").read_text() and 'id="incomplete"' in (out / "index.html").read_text()

    monkeypatch.undo()
    grade(folder, out)
    second = record(out)["extra_data"]["gangrade"]
    assert second["hidden_seed"] == first["extra_data"]["gangrade"]["hidden_seed"]   # the same hidden inputs
    assert set(second["retried_items"]) == set(first["extra_data"]["gangrade"]["retry_items"])
    assert second["retry_items"] == [] and second["sandboxed"] is True
    # the starter's stubs raise: now judged, and failed by the student's code
    assert all(t["status"] == "failed" and not t["output"].startswith("Not graded") for t in record(out)["tests"]
               if t["name"] in second["retried_items"])

    assert "1 unchanged submissions kept their stored grades" in grade(folder, out)
