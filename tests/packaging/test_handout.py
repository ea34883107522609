"""The student kit: installed into a fresh environment, it checks notebooks and holds no answer."""
from __future__ import annotations

import ast
import inspect
import json
import subprocess
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.packs import get_pack
from autograder.paths import PROJECT_ROOT
from tests.packaging.environments import fresh_venv, install, run_in

PACK = get_pack("cs231n_gan")
SAMPLES = PACK.folder / "samples"


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handout")
    assert main(["handout", "--assignment", PACK.id, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def student_python(kit, tmp_path_factory) -> Path:
    """The python of a fresh venv with the kit installed (and no gangrade of this checkout)."""
    python = fresh_venv(tmp_path_factory.mktemp("student") / "venv")
    install(python, kit / "gangrade-student-cs231n-gan")
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_in(python, *args, cwd=cwd)


def kit_texts(kit: Path) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8", errors="replace") for path in kit.rglob("*") if path.is_file()}


def reference_sources() -> list[str]:
    """The source of every function and class of the reference and of the pack's hidden plan and fixture recipe."""
    sources = []
    files = [*(PROJECT_ROOT / "reference").rglob("*.py"), PACK.folder / "checks.py", PACK.folder / "fixtures.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                sources.append(ast.get_source_segment(text, node))
    return sources


def test_the_kit_holds_the_starter_the_public_checks_and_their_fixtures(kit):
    assert (kit / "cs231n_gan.ipynb").read_bytes() == (PACK.folder / "starter.ipynb").read_bytes()
    course = kit / "gangrade-student-cs231n-gan" / "gangrade_course"
    assert sorted(p.name for p in (course / "assignments" / "cs231n_gan").iterdir()) == ["pack.toml", "public_checks.py"]
    assert (course / "grading_fixtures" / "cs231n_gan" / "public.npz").is_file()
    assert list(json.loads((course / "grading_fixtures" / "manifest.json").read_text())["packs"]) == ["cs231n_gan"]
    assert "pip install ./gangrade-student-cs231n-gan" in (kit / "README.md").read_text()


def test_no_file_of_the_kit_is_or_contains_an_answer(kit):
    texts = kit_texts(kit)
    names = {part for path in texts for part in path.relative_to(kit).parts}
    assert not names & {"reference", "checks.py", "fixtures.py", "samples", "solution.ipynb", "expected.toml"}
    sources = reference_sources()
    assert len(sources) > 50
    leaked = [(path.name, source.splitlines()[0]) for source in sources for path, text in texts.items() if source in text]
    assert not leaked
    assert inspect.getsource(PACK.checks_module().plan) not in "".join(texts.values())


def test_the_check_of_a_kit_from_its_own_environment(student_python, tmp_path):
    no_reference = run(student_python, "-c", "import reference", cwd=tmp_path)
    assert no_reference.returncode == 1 and "No module named 'reference'" in no_reference.stderr
    where = run(student_python, "-c", "import autograder; print(autograder.__file__)", cwd=tmp_path)
    assert str(student_python.parent.parent) in where.stdout

    starter = run(student_python, "-m", "autograder", "check", str(PACK.folder / "starter.ipynb"), cwd=tmp_path)
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "FAILED" in starter.stdout and "Traceback" not in starter.stderr

    solution = run(student_python, "-m", "autograder", "check", "--json", str(SAMPLES / "solution.ipynb"), cwd=tmp_path)
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert json.loads(solution.stdout)["passed"] is True

    buggy = run(student_python, "-m", "autograder", "check", str(SAMPLES / "buggy" / "gan_loss_single_mean.ipynb"), cwd=tmp_path)
    assert buggy.returncode == 1 and "gan_loss" in buggy.stdout


def test_a_second_handout_into_the_same_folder_is_refused(kit, capsys):
    assert main(["handout", "--assignment", PACK.id, "--out", str(kit)]) == 2
    assert "already exists" in capsys.readouterr().err
