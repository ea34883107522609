"""A batch of hostile and broken submissions, graded beside correct ones.

Each case must be contained (the batch finishes, the correct submissions
get their full marks, nothing the attacks aimed at outside the sandbox was
written, no secret of the grader's environment was read), graded (what
legitimately passes still passes) and explained (the output says what
happened). See cases.py for the cases.
"""
from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.execution.limits import SandboxLimits
from autograder.execution.sandbox import detect_sandbox
from autograder.grading import GradeOptions
from autograder.packs import get_pack
from autograder.paths import PROJECT_ROOT
from autograder.training_setup import TrainingOptions

from .cases import CASES, NON_BRIEF

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

PACK = get_pack("mlp_gan")
LIMITS = SandboxLimits(memory_mb=1024, scratch_mb=256, cell_timeout_s=5.0, wall_s=150.0, threads=1,
                       interrupt_grace_s=2.0)
OPTIONS = GradeOptions(limits=LIMITS, training=TrainingOptions(device="cpu", steps=0))
CORRECT = ("correct_1", "correct_2")
SECRET = f"gangrade-canary-{uuid.uuid4().hex}"
OBJECTIVES_BODY = "    p_fake = D(G(z))"


def _notebook(base: str) -> nbformat.NotebookNode:
    path = PACK.folder / ("samples/solution.ipynb" if base == "solution" else "starter.ipynb")
    return nbformat.read(path, as_version=4)


def _write_case(case, folder: Path, targets: list[str]) -> None:
    notebook = _notebook(case.base)
    if case.inside_objectives:
        cell = next(c for c in notebook.cells if OBJECTIVES_BODY in c.source)
        cell.source = cell.source.replace(OBJECTIVES_BODY, f"    {case.inside_objectives}\n{OBJECTIVES_BODY}")
    if case.cell:
        source = case.cell.replace("{targets}", repr(targets)).replace("{secret}", SECRET)
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, folder / f"{case.name}.ipynb")


def _write_broken_files(folder: Path) -> None:
    """Cases that are files, not notebook code: 10,000 cells, deep JSON, hostile zips."""
    notebook = _notebook("solution")
    notebook.cells += [nbformat.v4.new_code_cell(f"cell_{i} = {i}") for i in range(10_000)]
    nbformat.write(notebook, folder / "ten_thousand_cells.ipynb")
    (folder / "deeply_nested_json.ipynb").write_text(_deeply_nested_notebook(100_000))
    solution = nbformat.writes(_notebook("solution")).encode()
    with zipfile.ZipFile(folder / "zip_slip.zip", "w") as archive:
        archive.writestr("solution.ipynb", solution)
        archive.writestr("../../escaped.py", "print('out')")
    with zipfile.ZipFile(folder / "zip_symlink.zip", "w") as archive:
        archive.writestr("solution.ipynb", solution)
        link = zipfile.ZipInfo("helpers.py")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    with zipfile.ZipFile(folder / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("solution.ipynb", solution)
        archive.writestr("padding.py", b"#" * (1 << 30))


def _deeply_nested_notebook(depth: int) -> str:
    """A notebook whose metadata nests `depth` objects (written by hand: json.dumps would recurse past Python's limit)."""
    return '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": ' + '{"x": ' * depth + "{}" + "}" * depth + "}"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder, out = root / "class", root / "out"
    folder.mkdir()
    home_canary = Path.home() / f".gangrade-forged-{uuid.uuid4().hex}.json"
    targets = [str(out / "forged" / "results.json"), str(out / "correct_1" / "results.json"),
               str(PROJECT_ROOT / "reference" / "forged.json"), str(home_canary),
               str(PROJECT_ROOT / "grading_fixtures" / "forged.json")]
    for case in CASES:
        _write_case(case, folder, [t for t in targets])
    for name in CORRECT:
        nbformat.write(_notebook("solution"), folder / f"{name}.ipynb")
    _write_broken_files(folder)

    os.environ["GANGRADE_TEST_SECRET"] = SECRET  # the grader's environment; workers inherit it
    try:
        outcome = grade_paths([folder], PACK.id, out, OPTIONS, BatchSettings(workers=2), stream=io.StringIO())
    finally:
        del os.environ["GANGRADE_TEST_SECRET"]
    return {"out": out, "outcome": outcome, "targets": targets, "home_canary": home_canary}


def _results(batch, name: str) -> dict:
    return json.loads((batch["out"] / name / "results.json").read_text())


def _text(results: dict) -> str:
    return results["output"] + "\n" + "\n".join(test["output"] for test in results["tests"])


def test_the_correct_submissions_in_the_same_batch_keep_full_marks(batch):
    for name in CORRECT:
        results = _results(batch, name)
        failed = {t["name"] for t in results["tests"] if t["status"] == "failed"}
        assert failed == {"training", "final_image"}, (name, _text(results))  # brief training is off here


def test_nothing_outside_the_sandbox_was_written(batch):
    for target in batch["targets"]:
        path = Path(target)
        if path.exists():
            assert json.loads(path.read_text()).get("tests"), f"{target} was forged"
    assert not batch["home_canary"].exists()
    assert not (batch["out"] / "forged").exists()
    assert not (PROJECT_ROOT / "escaped.py").exists()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_is_graded_and_explained(batch, case):
    results = _results(batch, case.name)
    text = _text(results)
    assert results["extra_data"]["gangrade"]["graded"] is case.graded, text
    outcome = {t["name"]: t["status"] for t in results["tests"]}
    for item in case.must_pass():
        assert outcome[item] == "passed", f"{case.name}: {item} should pass:\n{text}"
    for item in case.fails:
        assert outcome[item] == "failed", f"{case.name}: {item} should fail:\n{text}"
    for expected in case.output_has:
        assert expected in text, f"{case.name}: expected {expected!r} in:\n{text}"
    for forbidden in case.never:
        assert forbidden not in text, f"{case.name}: the attack worked:\n{text}"
    assert SECRET not in text


def test_ten_thousand_cells_are_graded(batch):
    results = _results(batch, "ten_thousand_cells")
    assert all(t["status"] == "passed" for t in results["tests"] if t["name"] in NON_BRIEF), _text(results)


@pytest.mark.parametrize("name, reason", [
    ("deeply_nested_json", "nested too deeply"),
    ("zip_slip", ".."),
    ("zip_symlink", "symbolic link"),
    ("zip_bomb", "limit"),
])
def test_broken_files_are_not_graded_and_say_why(batch, name, reason):
    results = _results(batch, name)
    assert results["score"] == 0 and not results["extra_data"]["gangrade"]["graded"]
    assert reason in results["output"], results["output"]


def test_results_record_how_the_limits_were_enforced_and_where_the_kernel_died(batch):
    execution = _results(batch, "allocate_past_the_memory_limit")["extra_data"]["gangrade"]["execution"]
    assert set(execution["limits"]) >= {"memory", "pids", "cpu", "file_size", "statement", "wall"}
    if not detect_sandbox().cgroups:   # per-process RLIMIT_AS: the allocation raises MemoryError instead
        assert execution["limits"]["memory"].startswith("RLIMIT_AS")
        return
    assert execution["limits"]["memory"].startswith("cgroup")
    [death] = execution["kernel_deaths"]
    assert death["where"].startswith("cell ") and "memory limit" in death["reason"] and death["restarted"] is True
    assert _results(batch, "correct_1")["extra_data"]["gangrade"]["execution"]["kernel_deaths"] == []
