"""Gradescope results.json, not-graded results and the terminal summary."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.errors import SubmissionError
from autograder.packs import get_pack, load_pack
from autograder.report import results as results_module
from autograder.report.results import (
    GradeResult,
    ItemResult,
    check_rubric,
    failed_submission_result,
    load_results,
    presentation,
    to_gradescope,
    write_results,
)
from autograder.report.summary import terminal_summary
from autograder.submission import load_submission

# Field names of Gradescope's autograder specification, "Output format" (transcribed, not computed).
GRADESCOPE_TOP_LEVEL = {
    "score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
    "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}
GRADESCOPE_TEST = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
    "tags", "visibility", "extra_data",
}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def pack():
    return get_pack("cs231n_gan")


def graded(pack, lost: dict[str, tuple[float, str]] | None = None, submission_id: str = "alice") -> GradeResult:
    """Full marks except the items in `lost`: id -> (score, output)."""
    lost = lost or {}
    items = []
    for item in pack.items:
        score, output = lost.get(item.id, (item.points, ""))
        items.append(ItemResult(item.id, score, item.points, "failed" if item.id in lost else "passed", output,
                                **presentation(item)))
    return GradeResult(submission_id, items, "graded", execution_time=12.5, sandboxed=True, extra={"device": "cpu"})


# ---------------------------------------------------------------- results.json


def test_results_json_round_trips_and_uses_the_gradescope_fields(tmp_path, pack):
    result = graded(pack, {"gan_loss": (7.5, "discriminator_loss: expected 1.84, got 0.92\nhint: mean, not sum")})
    path = write_results(tmp_path, result, pack)

    assert path == tmp_path / "alice" / "results.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document == to_gradescope(result)
    assert load_results(path) == result

    assert {"score", "execution_time", "output", "tests", "stdout_visibility", "visibility", "output_format"} <= \
        set(document) <= GRADESCOPE_TOP_LEVEL
    assert document["stdout_visibility"] in GRADESCOPE_VISIBILITY and document["visibility"] in GRADESCOPE_VISIBILITY
    assert document["output_format"] == "text"   # student text is never rendered as HTML
    assert document["score"] == 100 - 15 + 7.5
    assert document["execution_time"] == 12.5
    assert [test["name"] for test in document["tests"]] == [item.id for item in pack.items]
    for test in document["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "output_format", "visibility",
                             "number"} <= GRADESCOPE_TEST
        assert test["status"] in ("passed", "failed") and test["output_format"] == "text"
        assert test["visibility"] in GRADESCOPE_VISIBILITY
    assert [test["number"] for test in document["tests"]] == [str(n) for n in range(1, len(pack.items) + 1)]
    record = document["extra_data"]["gangrade"]
    assert record["sandboxed"] is True and record["graded"] is True and record["device"] == "cpu"
    assert {"gangrade", "python", "torch"} <= set(record["versions"])


def test_an_items_visibility_number_and_tags_come_from_pack_toml(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        'id = "p"\ntitle = "t"\nsource = "s"\ndata = "mnist"\nreference = "reference.packs.mlp_gan"\n'
        '[[items]]\nid = "a"\npoints = 60\ndescription = "d"\n'
        '[[items]]\nid = "b"\npoints = 40\ndescription = "d"\nvisibility = "after_due_date"\nnumber = "2.1"\n'
        'tags = ["training"]\n')
    pack = load_pack(folder)
    document = to_gradescope(graded(pack))
    assert [(t["number"], t["visibility"], t.get("tags")) for t in document["tests"]] == [
        ("1", "visible", None), ("2.1", "after_due_date", ["training"])]
    assert load_results(write_results(tmp_path / "out", graded(pack), pack)) == graded(pack)


def test_results_are_utf8_without_escapes(tmp_path, pack):
    result = graded(pack, {"training": (0, "échantillons illisibles: 数字")})
    raw = write_results(tmp_path, result).read_bytes()
    assert "échantillons illisibles: 数字".encode() in raw


@given(st.lists(st.fractions(min_value=0, max_value=10), min_size=1, max_size=12))
def test_the_score_is_the_sum_of_the_items_to_two_decimals(scores):
    items = [ItemResult(f"item{i}", float(score), 10, "passed") for i, score in enumerate(scores)]
    result = GradeResult("bob", items, "", 0.0, sandboxed=False)
    assert abs(result.score - float(sum(scores))) <= 0.005 + 1e-9
    assert result.score == round(result.score, 2)


def test_atomic_writes_leave_only_results_json(tmp_path, pack):
    write_results(tmp_path, graded(pack))
    write_results(tmp_path, graded(pack, {"leaky_relu": (0, "wrong")}))
    assert [p.name for p in (tmp_path / "alice").iterdir()] == ["results.json"]
    assert load_results(tmp_path / "alice" / "results.json").score == 95


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, pack, monkeypatch):
    path = write_results(tmp_path, graded(pack))
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(results_module.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_results(tmp_path, graded(pack, {"leaky_relu": (0, "wrong")}))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]


@pytest.mark.parametrize("bad_id", ["..", ".", "a/b", "../escape", "", "alice smith"])
def test_ids_that_are_not_safe_folder_names_are_refused(bad_id):
    with pytest.raises(ValueError, match="safe folder name"):
        GradeResult(bad_id, [], "", 0.0, sandboxed=False)


@pytest.mark.parametrize("score, status", [(11, "passed"), (-1, "failed"), (math.nan, "failed"), (5, "ok")])
def test_item_results_refuse_impossible_values(score, status):
    with pytest.raises(ValueError):
        ItemResult("leaky_relu", score, 10, status)


def test_results_that_do_not_match_the_rubric_are_caught(tmp_path, pack):
    result = graded(pack)
    reordered = GradeResult("alice", result.items[::-1], "", 0.0, sandboxed=True)
    with pytest.raises(ValueError, match="rubric"):
        check_rubric(reordered, pack)
    with pytest.raises(ValueError, match="rubric"):
        write_results(tmp_path, reordered, pack)
    assert not (tmp_path / "alice").exists()


# ---------------------------------------------------------------- not graded


def test_a_failed_submission_lists_every_rubric_item_at_zero(tmp_path, pack):
    result = failed_submission_result(pack, "alice", "notebook timed out after 600 s", execution_time=600.0)
    check_rubric(result, pack)
    assert sum(item.max_score for item in result.items) == 100
    assert result.score == 0 and not result.graded
    assert all(item.score == 0 and item.status == "failed" for item in result.items)
    assert all("notebook timed out after 600 s" in item.output for item in result.items)
    assert result.output == "not graded: notebook timed out after 600 s"

    document = json.loads(write_results(tmp_path, result, pack).read_text(encoding="utf-8"))
    assert document["score"] == 0
    assert document["extra_data"]["gangrade"]["graded"] is False


def test_an_unreadable_notebook_says_exactly_why_it_was_not_graded(tmp_path, pack):
    path = tmp_path / "alice.ipynb"
    path.write_text('{\n  "cells": [\n    oops\n')
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    result = failed_submission_result(pack, "alice", caught.value.reason, execution_time=0.01)
    assert result.output.startswith("not graded: alice.ipynb: invalid JSON at line 3 column 5")


# ---------------------------------------------------------------- terminal summary


def test_summary_of_a_passing_submission(pack):
    assert terminal_summary(graded(pack), pack) == "alice: 100/100 (all items passed)"


def test_summary_of_a_failing_submission_lists_failed_items(pack):
    result = graded(pack, {
        "leaky_relu": (0, "leaky_relu(x) for x < 0: expected 0.01 * x, got 0\nsecond line is detail"),
        "sample_noise": (0, "values outside (-1, 1)"),
        "lsgan_loss": (5, "ls_generator_loss: expected 0.817, got 1.634"),
    }, submission_id="bob")
    lines = terminal_summary(result, pack).splitlines()
    assert lines[0] == "bob: 85/100 (3 items failed)"
    assert len(lines) == 4
    for line, (name, points, message) in zip(lines[1:], [
        ("leaky_relu", "0/5", "leaky_relu(x) for x < 0: expected 0.01 * x, got 0"),
        ("sample_noise", "0/5", "values outside (-1, 1)"),
        ("lsgan_loss", "5/10", "ls_generator_loss: expected 0.817, got 1.634"),
    ]):
        assert line.split()[:2] == [name, points]
        assert line.endswith(message)
    assert "second line" not in "\n".join(lines)
    assert "\033[" not in "\n".join(lines)


def test_summary_of_a_submission_that_was_not_graded(pack):
    result = failed_submission_result(pack, "carol", "carol.zip: the zip holds no notebook (.ipynb)", 0.1)
    assert terminal_summary(result, pack) == "carol: 0/100 (not graded: carol.zip: the zip holds no notebook (.ipynb))"


def test_summary_colours_only_when_asked(pack):
    result = graded(pack, {"training": (0, "digits not recognised")})
    coloured = terminal_summary(result, pack, color=True)
    assert "\033[" in coloured
    plain = coloured
    for code in ("\033[1m", "\033[31m", "\033[32m", "\033[0m"):
        plain = plain.replace(code, "")
    assert plain == terminal_summary(result, pack)
