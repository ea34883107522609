"""The wheel works outside the repository: bundled packs and fixtures, and a course's own folder of packs.

The wheel is built from this checkout, installed into a scratch folder, and
run from another scratch folder with that folder first on the path, so
nothing of the checkout can be what answers.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.paths import PROJECT_ROOT
from tests.packaging.environments import fresh_venv, install, run_in

SOLUTION = Path("assignments/mlp_gan/samples/solution.ipynb")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the python of a fresh venv holding only it)."""
    scratch = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(PROJECT_ROOT / "build", ignore_errors=True)   # setuptools would pack stale files from it
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "--disable-pip-version-check", "-w", str(scratch / "dist"), str(PROJECT_ROOT)],
                           capture_output=True, text=True, timeout=600, cwd=scratch)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (scratch / "dist").glob("gangrade-*.whl")
    python = fresh_venv(scratch / "venv")
    install(python, wheel)
    return wheel, python


def gangrade(python: Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_in(python, "-m", "autograder", *args, cwd=cwd, env=env)


def test_the_wheel_holds_the_engine_the_reference_and_the_bundled_course(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for pack in ("cs231n_gan", "cs501r_dcgan", "cs501r_wgan_gp", "dcgan_tutorial", "mlp_gan"):
        assert f"gangrade_course/assignments/{pack}/pack.toml" in names
        assert f"gangrade_course/assignments/{pack}/fixtures.py" in names
        assert f"gangrade_course/grading_fixtures/{pack}/public.npz" in names
    assert "gangrade_course/grading_fixtures/manifest.json" in names
    assert "autograder/report/templates/feedback.html" in names
    assert "autograder/pack_template/samples/expected.toml" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    engine_packages = {path.parent.relative_to(PROJECT_ROOT).as_posix()
                       for top in ("autograder", "reference") for path in (PROJECT_ROOT / top).rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in engine_packages} <= set(names), "a package is missing from pyproject.toml"
    stale = [n for n in names if n.split("/")[0] in ("autograder", "reference") and not (PROJECT_ROOT / n).is_file()]
    assert not stale, "files of an earlier build"


def test_the_installed_commands_use_the_bundled_packs_and_fixtures(installed, tmp_path):
    _, python = installed
    where = run_in(python, "-c", "import autograder, gangrade_course; print(autograder.__file__);"
                   "from autograder.paths import assignments_dir; print(assignments_dir())", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    venv = python.parent.parent
    assert all(Path(line).is_relative_to(venv) for line in where.stdout.split()), where.stdout

    listing = gangrade(python, "list", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert {pack["id"] for pack in json.loads(listing.stdout)} >= {"cs231n_gan", "mlp_gan", "cs501r_wgan_gp"}

    verify = gangrade(python, "fixtures", "verify", "--assignment", "mlp_gan", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "mlp_gan: ok" in verify.stdout

    check = gangrade(python, "check", str(PROJECT_ROOT / SOLUTION), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "FAILED" not in check.stdout and "passed" in check.stdout

    grade = gangrade(python, "grade", str(PROJECT_ROOT / SOLUTION), "--train-steps", "0", "--out", "out", cwd=tmp_path)
    assert grade.returncode == 0, grade.stdout + grade.stderr
    results = json.loads((tmp_path / "out" / "solution" / "results.json").read_text())
    assert {test["status"] for test in results["tests"] if test["name"] not in ("training", "final_image")} == {"passed"}


def test_a_course_folder_of_packs_replaces_the_bundled_ones(installed, tmp_path):
    _, python = installed
    course = tmp_path / "course"
    shutil.copytree(PROJECT_ROOT / "assignments" / "mlp_gan", course / "packs" / "mlp_gan",
                    ignore=shutil.ignore_patterns("samples", "__pycache__"))
    shutil.copytree(PROJECT_ROOT / "grading_fixtures" / "mlp_gan", course / "fixtures" / "mlp_gan")
    shutil.copy(PROJECT_ROOT / "grading_fixtures" / "manifest.json", course / "fixtures" / "manifest.json")

    listing = gangrade(python, "--packs", str(course / "packs"), "list", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert [pack["id"] for pack in json.loads(listing.stdout)] == ["mlp_gan"]

    by_environment = gangrade(python, "list", "--json", cwd=tmp_path, env={"GANGRADE_ASSIGNMENTS": str(course / "packs")})
    assert json.loads(by_environment.stdout) == json.loads(listing.stdout)

    check = gangrade(python, "--packs", str(course / "packs"), "--fixtures", str(course / "fixtures"),
                     "check", str(PROJECT_ROOT / SOLUTION), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr

    missing = gangrade(python, "--packs", str(tmp_path / "nowhere"), "list", cwd=tmp_path)
    assert missing.returncode == 1 and "nowhere" in missing.stderr and "Traceback" not in missing.stderr


def test_the_installed_new_pack_writes_the_template_into_a_course_folder_only(installed, tmp_path):
    _, python = installed
    (tmp_path / "course").mkdir()
    made = gangrade(python, "--packs", str(tmp_path / "course"), "new-pack", "toy_gan", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "course" / "toy_gan" / "checks.py").is_file()
    assert 'id = "toy_gan"' in (tmp_path / "course" / "toy_gan" / "pack.toml").read_text()

    bundled = gangrade(python, "new-pack", "toy_gan", cwd=tmp_path)
    assert bundled.returncode == 2 and "--packs DIR" in bundled.stderr and "Traceback" not in bundled.stderr
