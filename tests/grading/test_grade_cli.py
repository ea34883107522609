"""`gangrade grade` on inputs that cannot be graded: a clear score-0 results.json each, and the batch goes on."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main


def _notebook(path: Path, cells: list) -> Path:
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["gangrade"] = {"assignment": "cs231n_gan"}
    path.write_text(nbformat.writes(notebook))
    return path


BAD_INPUTS = {
    "notes.txt": (lambda p: p.write_text("hello"), "not a notebook"),
    "broken.ipynb": (lambda p: p.write_text('{"cells": [,]}'), "invalid JSON at line 1"),
    "old.ipynb": (lambda p: p.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []})), "nbformat 3"),
    "empty.ipynb": (lambda p: _notebook(p, []), "no cells"),
    "prose.ipynb": (lambda p: _notebook(p, [nbformat.v4.new_markdown_cell("only words")]), "no code cells"),
}


@pytest.fixture
def bad_folder(tmp_path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name, (make, _) in BAD_INPUTS.items():
        make(folder / name)
    with zipfile.ZipFile(folder / "two.zip", "w") as archive:
        for name in ("a.ipynb", "b.ipynb"):
            archive.writestr(name, nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])))
    return folder


def test_each_bad_input_gets_a_score_0_result_saying_why(bad_folder, tmp_path, capsys):
    out = tmp_path / "out"
    # A stray file inside a class folder is skipped with a note; named on the command line it is a submission.
    notes = tmp_path / "notes.txt"
    (bad_folder / "notes.txt").rename(notes)
    status = main(["grade", str(bad_folder), str(notes), "--assignment", "cs231n_gan", "--out", str(out)])
    assert status == 1  # some submissions could not be graded; the batch still finished
    problems = {**{Path(name).stem: problem for name, (_, problem) in BAD_INPUTS.items()}, "two": "several notebooks"}
    problems["notes.txt"] = problems.pop("notes")  # only a notebook's or zip's extension is dropped from its id
    for submission_id, problem in problems.items():
        results = json.loads((out / submission_id / "results.json").read_text())
        assert results["score"] == 0
        assert problem in results["output"], results["output"]
        assert {t["name"] for t in results["tests"]} >= {"leaky_relu", "gan_loss", "training"}
        assert all(t["score"] == 0 and t["status"] == "failed" for t in results["tests"])
    assert "Traceback" not in capsys.readouterr().err


def test_a_notebook_without_pack_metadata_needs_assignment(tmp_path, capsys):
    path = tmp_path / "anon.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])))
    assert main(["grade", str(path), "--out", str(tmp_path / "out")]) == 1
    assert "pass --assignment" in capsys.readouterr().out


def test_no_submissions_is_bad_usage(tmp_path, capsys):
    assert main(["grade", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no submissions" in capsys.readouterr().err


def test_unsandboxed_grading_says_so(tmp_path):
    path = _notebook(tmp_path / "tiny.ipynb",
                     [nbformat.v4.new_code_cell("def leaky_relu(x, alpha=0.01):\n    return x.clamp(min=0) + alpha * x.clamp(max=0)")])
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--no-sandbox", "--timeout", "120"]) == 0
    results = json.loads((out / "tiny" / "results.json").read_text())
    assert results["extra_data"]["gangrade"]["sandboxed"] is False
    assert "WITHOUT a sandbox" in results["output"]
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["leaky_relu"]["status"] == "passed"
    assert "does not define `sample_noise`" in tests["sample_noise"]["output"]


def test_a_wrong_data_folder_is_one_clear_error_before_any_grading(tmp_path, capsys):
    notebook = _notebook(tmp_path / "alice.ipynb", [nbformat.v4.new_code_cell("x = 1")])
    status = main(["grade", str(notebook), "--out", str(tmp_path / "out"), "--data", str(tmp_path / "no-mnist-here"),
                   "--no-sandbox"])
    assert status in (1, 2)
    err = capsys.readouterr().err
    assert "no-mnist-here" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "alice").exists()


@pytest.mark.parametrize("output_mb, dropped", [(1, True), (4, False)])
def test_output_mb_caps_the_printed_output_kept(tmp_path, output_mb, dropped):
    cells = [nbformat.v4.new_code_cell(f"print('{n}' * 700_000)") for n in range(3)]   # 2.1 MB in all
    path = _notebook(tmp_path / "chatty.ipynb", cells)
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--no-sandbox", "--train-steps", "0",
                 "--output-mb", str(output_mb)]) == 0
    results = json.loads((out / "chatty" / "results.json").read_text())
    assert ("bytes of printed output were over the limits" in results["output"]) is dropped, results["output"]


def test_output_mb_must_be_positive(tmp_path, capsys):
    path = _notebook(tmp_path / "tiny.ipynb", [nbformat.v4.new_code_cell("x = 1")])
    assert main(["grade", str(path), "--out", str(tmp_path / "out"), "--output-mb", "0"]) == 2
    assert "--output-mb" in capsys.readouterr().err
