"""A Gradescope export's roster names each submission's students in grades.csv, index.html and canvas.csv."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.packs import get_pack
from autograder.roster import Student, read_roster

SAMPLES = get_pack("mlp_gan").folder / "samples"
METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :email: ada@example.edu
    :sid: '1815'
  :created_at: 2026-11-30 10:00:00.000000000 -08:00
submission_102:
  :submitters:
  - :name: Alan Turing
    :email: alan@example.edu
    :sid: '1912'
  - :name: Grace Hopper
    :email: grace@example.edu
    :sid: '1906'
"""


def test_the_roster_reads_ruby_symbol_keys_groups_and_plain_keys(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(METADATA + "submission_103:\n  submitters:\n  - name: Plain\n    sid: 7\n")
    roster, notes = read_roster([tmp_path])
    assert notes == []
    assert roster["submission_101"] == [Student("Ada Lovelace", "ada@example.edu", "1815")]
    assert [s.name for s in roster["submission_102"]] == ["Alan Turing", "Grace Hopper"]
    assert roster["submission_103"] == [Student("Plain", "", "7")]


def test_an_unreadable_roster_is_a_note_that_names_the_file(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text("submission_1: [unclosed\n")
    roster, notes = read_roster([tmp_path])
    assert roster == {} and "submission_metadata.yml" in notes[0] and "not readable" in notes[0]


@pytest.fixture(scope="module")
def graded_export(tmp_path_factory) -> Path:
    export = tmp_path_factory.mktemp("export") / "assignment_export"
    for folder, notebook in (("submission_101", SAMPLES / "solution.ipynb"),
                             ("submission_102", SAMPLES / "buggy" / "objectives_summed.ipynb")):
        (export / folder).mkdir(parents=True)
        shutil.copy(notebook, export / folder / notebook.name)
    (export / "submission_metadata.yml").write_text(METADATA)
    out = export.parent / "out"
    assert main(["grade", str(export), "--assignment", "mlp_gan", "--out", str(out), "--train-steps", "0"]) in (0, 1)
    return out


def test_grades_csv_and_the_index_name_the_students(graded_export):
    rows = {row["submission_id"]: row for row in csv.DictReader(io.StringIO((graded_export / "grades.csv").read_text()))}
    assert rows["submission_101"]["students"] == "Ada Lovelace" and rows["submission_101"]["sids"] == "1815"
    assert rows["submission_102"]["emails"] == "alan@example.edu; grace@example.edu"
    index = (graded_export / "index.html").read_text()
    assert "Ada Lovelace (1815)" in index and "Grace Hopper (1906)" in index


def test_canvas_csv_has_a_row_per_student_with_the_groups_score(graded_export, capsys):
    assert main(["report", str(graded_export), "--format", "canvas"]) == 0
    lines = list(csv.reader(io.StringIO((graded_export / "canvas.csv").read_text())))
    assert lines[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert lines[0][5].endswith("(mlp_gan)") and lines[1][0].strip() == "Points Possible" and lines[1][5] == "100"
    scores = {line[2]: float(line[5]) for line in lines[2:]}
    assert set(scores) == {"1815", "1912", "1906"} and scores["1912"] == scores["1906"] < scores["1815"]


def test_canvas_without_a_roster_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", str(SAMPLES / "solution.ipynb"), "--out", str(out), "--train-steps", "0"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--format", "canvas"]) == 2
    assert "no roster" in capsys.readouterr().err and not (out / "canvas.csv").exists()
