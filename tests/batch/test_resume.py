"""A batch survives kill -9 and resumes; unchanged submissions are not regraded; one grader per OUT."""
from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from autograder.cli import main
from autograder.gradebook import GRADEBOOK_FILE, OutFolderLock

from .conftest import PACK, sandbox_flags

GRADE = ["--assignment", PACK, "--train-steps", "0", "--seed", "1"]


def _grade_command(folder: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), *GRADE, *sandbox_flags(), *extra]


def _rows(out: Path) -> dict[str, tuple]:
    with sqlite3.connect(out / GRADEBOOK_FILE) as db:
        return {row[0]: row[1:] for row in db.execute("SELECT id, run_id, graded_at, state FROM submissions")}


def _rows_so_far(out: Path) -> dict[str, tuple]:
    """The rows while the grader may still be creating the gradebook (its tables come a moment after the file)."""
    try:
        return _rows(out)
    except sqlite3.OperationalError:
        return {}


def _runs(out: Path) -> list[tuple]:
    with sqlite3.connect(out / GRADEBOOK_FILE) as db:
        return db.execute("SELECT id, graded, not_graded, unchanged FROM runs ORDER BY id").fetchall()


def _process_group_gone(group: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_kill_9_mid_batch_then_the_same_command_grades_each_submission_exactly_once(starter_class, tmp_path):
    count = 8
    folder, out = starter_class(count), tmp_path / "out"
    grader = subprocess.Popen(_grade_command(folder, out, "--workers", "2"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # kill it as soon as its first grades are committed
        if (out / GRADEBOOK_FILE).exists() and len(_rows_so_far(out)) >= 1:
            break
        assert grader.poll() is None, "the grader finished before it could be killed"
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    before = _rows(out)
    assert 1 <= len(before) < count
    # Its worker processes and their kernels die with it (nothing keeps grading unseen).
    assert _process_group_gone(grader.pid, within_s=20)

    again = subprocess.run(_grade_command(folder, out, "--workers", "2"), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    after = _rows(out)
    assert sorted(after) == [f"student{index:02d}" for index in range(count)]
    for submission_id, row in before.items():
        assert after[submission_id] == row  # the partial run's grades kept, not regraded
    assert {after[s][0] for s in set(after) - set(before)} == {2}
    _, second = _runs(out)
    assert second[1:] == (count - len(before), 0, len(before))  # graded, not graded, unchanged
    for submission_id in after:
        results = json.loads((out / submission_id / "results.json").read_text())
        assert results["tests"] and (out / submission_id / "feedback.html").exists()
    with open(out / "grades.csv") as handle:
        assert sorted(row["submission_id"] for row in csv.DictReader(handle)) == sorted(after)


def _grade(folder: Path, out: Path, *extra: str) -> int:
    return main(["grade", str(folder), "--out", str(out), *GRADE, *sandbox_flags(), "--workers", "1", *extra])


def test_unchanged_submissions_keep_their_grade_and_changed_ones_are_regraded(starter_class, tmp_path, capsys):
    folder, out = starter_class(2), tmp_path / "out"
    assert _grade(folder, out) == 0
    first = _rows(out)
    capsys.readouterr()

    assert _grade(folder, out) == 0
    assert _rows(out) == first
    assert "graded 0, not graded 0, unchanged 2" in capsys.readouterr().out

    # A resubmission (one more cell) is graded again; its classmate is not.
    path = folder / "student01.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("late_idea = 1"))
    nbformat.write(notebook, path)
    (out / "student00" / "results.json").unlink()  # a lost output file is restored from the gradebook
    assert _grade(folder, out) == 0
    rows = _rows(out)
    assert rows["student00"] == first["student00"] and rows["student01"][0] == 3
    assert "graded 1, not graded 0, unchanged 1" in capsys.readouterr().out
    assert json.loads((out / "student00" / "results.json").read_text())["score"] == 0

    # Other settings that change a score, and --force, regrade everything.
    assert _grade(folder, out, "--timeout", "300") == 0
    assert "graded 2, not graded 0, unchanged 0" in capsys.readouterr().out
    assert _grade(folder, out, "--timeout", "300", "--force") == 0
    assert "graded 2, not graded 0, unchanged 0" in capsys.readouterr().out


def test_a_second_grader_on_the_same_out_is_refused_and_writes_nothing(starter_class, tmp_path, capsys):
    folder, out = starter_class(1), tmp_path / "out"
    with OutFolderLock(out):
        assert _grade(folder, out) == 1
    assert "another gangrade" in capsys.readouterr().err
    assert not (out / GRADEBOOK_FILE).exists() and not (out / "student00").exists()


def test_report_rebuilds_every_output_from_the_gradebook_alone(starter_class, tmp_path):
    folder, out = starter_class(2), tmp_path / "out"
    assert _grade(folder, out) == 0
    originals = {path: path.read_bytes() for path in [out / "grades.csv", *out.glob("*/results.json")]}
    for path in [*originals, out / "index.html", *out.glob("*/feedback.html")]:
        path.unlink()

    assert main(["report", str(out), "--format", "csv", "--format", "gradescope"]) == 0
    assert {path: path.read_bytes() for path in originals} == originals
    assert not (out / "index.html").exists()
    assert main(["report", str(out), "--format", "html"]) == 0
    assert (out / "index.html").exists() and len(list(out.glob("*/feedback.html"))) == 2
