"""The gradebook: one row per submission, stale grades told apart, every write all-or-nothing, one writer per OUT."""
from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.batch.identity import GradeIdentity
from autograder.errors import GangradeError
from autograder.gradebook import GRADEBOOK_FILE, LOCK_FILE, Gradebook, OutFolderLock
from autograder.report.grades_csv import FIXED_COLUMNS, grades_csv
from autograder.report.html import HISTOGRAM_BINS, _histogram
from autograder.report.results import GradeResult, ItemResult

IDENTITY = GradeIdentity("mlp_gan", "0.1.0+abc/def", "fix1", '{"seed":null}')


def _result(submission_id: str, scores: dict[str, float], graded: bool = True, files=None) -> GradeResult:
    items = [ItemResult(name, score, 10, "passed" if score == 10 else "failed", "" if score == 10 else "wrong")
             for name, score in scores.items()]
    return GradeResult(submission_id, items, "ran", 1.5, True, graded=graded, versions={}, files=files or {})


@pytest.fixture
def book(tmp_path):
    with Gradebook.in_folder(tmp_path) as gradebook:
        yield gradebook


def test_a_grade_is_current_only_for_the_same_content_grader_fixtures_and_settings(book):
    run = book.start_run("gangrade grade x")
    book.record(run, "x/alice.ipynb", _result("alice", {"a": 10}), IDENTITY, "sha-1")
    assert book.is_current("alice", "sha-1", IDENTITY)
    assert not book.is_current("alice", "sha-2", IDENTITY)  # the student resubmitted
    assert not book.is_current("bob", "sha-1", IDENTITY)
    for changed in ({"pack": "cs231n_gan"}, {"grader_version": "0.1.0+new/def"}, {"fixtures_version": "fix2"},
                    {"settings": '{"seed":3}'}):
        assert not book.is_current("alice", "sha-1", GradeIdentity(**{**IDENTITY.__dict__, **changed})), changed


def test_an_error_of_the_grader_is_retried_next_run(book):
    run = book.start_run("gangrade grade x")
    book.record(run, "x/alice.ipynb", _result("alice", {"a": 0}, graded=False), IDENTITY, "sha-1", retry=True)
    assert not book.is_current("alice", "sha-1", IDENTITY)


def test_a_regrade_replaces_the_row_its_items_and_its_pictures(book):
    run = book.start_run("gangrade grade x")
    book.record(run, "x/alice.ipynb", _result("alice", {"a": 0, "b": 10}, files={"samples.png": b"old"}), IDENTITY, "sha-1")
    book.record(run, "x/alice.ipynb", _result("alice", {"a": 10, "b": 10}), IDENTITY, "sha-2")
    grades = list(book.grades())
    assert [(g.id, g.score) for g in grades] == [("alice", 20)]
    assert book.files("alice") == {}
    assert book.item_failure_rates() == [("mlp_gan", "a", 0, 1), ("mlp_gan", "b", 0, 1)]
    assert grades[0].result().items[0].score == 10


def test_a_write_that_fails_halfway_leaves_the_earlier_grade_whole(book, monkeypatch):
    run = book.start_run("gangrade grade x")
    book.record(run, "x/alice.ipynb", _result("alice", {"a": 10}, files={"samples.png": b"png"}), IDENTITY, "sha-1")
    broken = _result("alice", {"a": 0})
    broken.files["samples.png"] = None  # NOT NULL: the last statement of the transaction fails
    with pytest.raises(sqlite3.IntegrityError):
        book.record(run, "x/alice.ipynb", broken, IDENTITY, "sha-2")
    assert [(g.id, g.score) for g in book.grades()] == [("alice", 10)]
    assert book.files("alice") == {"samples.png": b"png"}
    assert book.is_current("alice", "sha-1", IDENTITY)


def test_a_submission_without_a_pack_is_kept_with_its_reason(book):
    run = book.start_run("gangrade grade x")
    book.record_unknown_pack(run, "x/mystery.ipynb", "mystery", "cannot tell which assignment it is")
    (grade,) = book.grades()
    assert grade.state == "not_graded" and grade.document is None and "cannot tell" in grade.output


def test_a_file_that_is_not_a_gradebook_is_a_clear_error(tmp_path):
    (tmp_path / GRADEBOOK_FILE).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(GangradeError, match="not a readable gangrade gradebook"):
        Gradebook.in_folder(tmp_path)


def test_a_gradebook_of_another_schema_is_refused(tmp_path):
    with Gradebook.in_folder(tmp_path) as book:
        book.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(GangradeError, match="schema 99"):
        Gradebook.in_folder(tmp_path)


def test_report_needs_an_existing_gradebook(tmp_path):
    with pytest.raises(GangradeError, match="no gradebook here"):
        Gradebook.in_folder(tmp_path, create=False)


def test_a_second_writer_on_the_same_out_is_refused(tmp_path):
    with OutFolderLock(tmp_path), pytest.raises(GangradeError, match=f"another gangrade \\(pid {os.getpid()}\\)"):
        with OutFolderLock(tmp_path):
            pass
    with OutFolderLock(tmp_path):  # released on exit
        pass


def test_the_lock_of_a_killed_grader_is_released(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from autograder.gradebook import OutFolderLock\n"
        f"lock = OutFolderLock(Path({str(tmp_path)!r})).__enter__(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(GangradeError, match=f"pid {holder.pid}"):
            OutFolderLock(tmp_path).__enter__()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with OutFolderLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())


# ------------------------------------------------------------ grades.csv and the histogram

ITEM_NAMES = st.sampled_from(["leaky_relu", "gan_loss", "training", "final_image", "weight_init"])
GRADES = st.lists(st.tuples(st.dictionaries(ITEM_NAMES, st.sampled_from([0, 2.5, 10]), min_size=1), st.booleans()),
                  min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(GRADES)
def test_grades_csv_has_one_row_per_submission_and_one_column_per_item(tmp_path_factory, grades):
    folder = tmp_path_factory.mktemp("book")
    with Gradebook.in_folder(folder) as book:
        run = book.start_run("x")
        for index, (scores, graded) in enumerate(grades):
            book.record(run, "x", _result(f"s{index}", scores, graded=graded), IDENTITY, f"sha{index}")
        table = list(csv.DictReader(io.StringIO(grades_csv(book.grades()))))
    assert len(table) == len(grades)
    items = {name for scores, _ in grades for name in scores}
    assert set(table[0]) == set(FIXED_COLUMNS) | items
    for row, (scores, graded) in zip(table, grades):
        assert row["state"] == ("graded" if graded else "not_graded")
        assert float(row["score"]) == pytest.approx(sum(scores.values()))
        for name in items:
            assert row[name] == ("" if name not in scores else f"{scores[name]:g}")


@given(st.lists(st.floats(0, 100), max_size=50), st.sampled_from([10, 100, 37.5]))
def test_the_histogram_counts_every_score_once(scores, max_score):
    scores = [score * max_score / 100 for score in scores]
    bars = _histogram(scores, max_score)["bars"]
    assert len(bars) == HISTOGRAM_BINS
    assert sum(bar["count"] for bar in bars) == len(scores)
    if scores and max(scores) == max_score:
        assert bars[-1]["count"] >= 1  # full marks fall in the last bin, not past it
