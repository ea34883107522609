"""A pack made with `gangrade new-pack` grades end to end, and adding it changes no file of the engine."""
from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

import autograder
from autograder.cli import main
from autograder.execution.sandbox import detect_sandbox
from autograder.pack_checks import validate_pack
from autograder.packs import discover_packs

ENGINE = Path(autograder.__file__).resolve().parent
PACK_ID = "toy_gan"
# The toy reference the author fills in: the example's leaky ReLU written another way.
TOY_REFERENCE = '''
import torch


def leaky_relu(x, alpha=0.01):
    return torch.clamp(x, min=0) + alpha * torch.clamp(x, max=0)


def sample_noise(batch_size, dim):
    return torch.rand(batch_size, dim) * 2 - 1
'''


def engine_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ENGINE).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def course(tmp_path, monkeypatch) -> list[str]:
    """The command-line flags of a course of its own, empty; the environment is restored afterwards."""
    monkeypatch.setenv("GANGRADE_CACHE", str(tmp_path / "cache"))
    for variable in ("GANGRADE_ASSIGNMENTS", "GANGRADE_FIXTURES"):
        monkeypatch.setenv(variable, "")   # main() sets them from the flags: undone after the test
    (tmp_path / "course").mkdir()
    return ["--packs", str(tmp_path / "course"), "--fixtures", str(tmp_path / "fixtures")]


def test_a_new_pack_grades_its_samples_without_an_engine_change(course, tmp_path, capsys):
    before = engine_digest()
    assert main([*course, "new-pack", PACK_ID]) == 0
    pack_dir = tmp_path / "course" / PACK_ID
    assert "fixtures build --assignment toy_gan" in capsys.readouterr().out
    (pack_dir / "reference.py").write_text(TOY_REFERENCE)

    assert main([*course, "fixtures", "build", "--assignment", PACK_ID]) == 0
    assert main([*course, "fixtures", "verify", "--assignment", PACK_ID]) == 0
    validate_pack(discover_packs(tmp_path / "course")[0])
    sandbox = [] if detect_sandbox().available else ["--no-sandbox"]
    out = tmp_path / "out"
    expected = tomllib.loads((pack_dir / "samples" / "expected.toml").read_text())
    assert sorted(expected) == ["buggy/leaky_relu_ignores_alpha.ipynb", "solution.ipynb"]
    notebooks = [str(pack_dir / "samples" / rel) for rel in expected]
    assert main([*course, "grade", *notebooks, "--assignment", PACK_ID, "--out", str(out), "--seed", "3", *sandbox]) == 0

    for rel, record in expected.items():
        results = json.loads((out / Path(rel).stem / "results.json").read_text())
        lost = {test["name"] for test in results["tests"] if test["status"] != "passed"}
        assert lost == set(record["fails"]), (rel, results["tests"])
    solution = json.loads((out / "solution" / "results.json").read_text())
    assert solution["score"] == 100
    buggy = json.loads((out / "leaky_relu_ignores_alpha" / "results.json").read_text())
    alpha = next(test for test in buggy["tests"] if test["name"] == "leaky_relu")
    assert "alpha=0.2" in alpha["output"] and "Hint:" in alpha["output"]

    # The student's side: the public check passes the solution and cannot see the hidden alpha check.
    for notebook in ("solution.ipynb", "buggy/leaky_relu_ignores_alpha.ipynb"):
        assert main([*course, "check", str(pack_dir / "samples" / notebook), "--assignment", PACK_ID]) == 0
    assert engine_digest() == before


def test_new_pack_refuses_a_bad_id_or_an_existing_folder(course, tmp_path, capsys):
    assert main([*course, "new-pack", "Toy-GAN"]) == 2
    assert "lowercase letters, digits and underscores" in capsys.readouterr().err
    assert main([*course, "new-pack", PACK_ID]) == 0
    assert main([*course, "new-pack", PACK_ID]) == 2
    assert "already exists" in capsys.readouterr().err
