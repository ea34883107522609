"""The wheel works outside the repository: bundled packs and fixtures, and a course's own folder of packs.

The wheel is built from this checkout, installed into a scratch folder, and
run from another scratch folder with that folder first on the path, so
nothing of the checkout can be what answers.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.paths import PROJECT_ROOT

SOLUTION = Path("assignments/mlp_gan/samples/solution.ipynb")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the folder it is installed in)."""
    scratch = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(PROJECT_ROOT / "build", ignore_errors=True)   # setuptools would pack stale files from it
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "--disable-pip-version-check", "-w", str(scratch / "dist"), str(PROJECT_ROOT)],
                           capture_output=True, text=True, timeout=600, cwd=scratch)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (scratch / "dist").glob("gangrade-*.whl")
    site = scratch / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check",
                              "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    return wheel, site


def gangrade(site: Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GANGRADE_")}
    environment.update(env or {}, PYTHONPATH=str(site))
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=600)


def test_the_wheel_holds_the_engine_the_reference_and_the_bundled_course(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for pack in ("cs231n_gan", "cs501r_dcgan", "cs501r_wgan_gp", "dcgan_tutorial", "mlp_gan"):
        assert f"gangrade_course/assignments/{pack}/pack.toml" in names
        assert f"gangrade_course/assignments/{pack}/fixtures.py" in names
        assert f"gangrade_course/grading_fixtures/{pack}/public.npz" in names
    assert "gangrade_course/grading_fixtures/manifest.json" in names
    assert "autograder/report/templates/feedback.html" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    engine_packages = {path.parent.relative_to(PROJECT_ROOT).as_posix()
                       for top in ("autograder", "reference") for path in (PROJECT_ROOT / top).rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in engine_packages} <= set(names), "a package is missing from pyproject.toml"
    stale = [n for n in names if n.split("/")[0] in ("autograder", "reference") and not (PROJECT_ROOT / n).is_file()]
    assert not stale, "files of an earlier build"


def test_the_installed_commands_use_the_bundled_packs_and_fixtures(installed, tmp_path):
    _, site = installed
    where = subprocess.run([sys.executable, "-c", "import autograder, gangrade_course; print(autograder.__file__);"
                            "from autograder.paths import assignments_dir; print(assignments_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(site)})
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(site) for line in where.stdout.split()), where.stdout

    listing = gangrade(site, "list", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert {pack["id"] for pack in json.loads(listing.stdout)} >= {"cs231n_gan", "mlp_gan", "cs501r_wgan_gp"}

    verify = gangrade(site, "fixtures", "verify", "--assignment", "mlp_gan", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "mlp_gan: ok" in verify.stdout

    check = gangrade(site, "check", str(PROJECT_ROOT / SOLUTION), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "FAILED" not in check.stdout and "passed" in check.stdout

    grade = gangrade(site, "grade", str(PROJECT_ROOT / SOLUTION), "--train-steps", "0", "--out", "out", cwd=tmp_path)
    assert grade.returncode == 0, grade.stdout + grade.stderr
    results = json.loads((tmp_path / "out" / "solution" / "results.json").read_text())
    assert {test["status"] for test in results["tests"] if test["name"] not in ("training", "final_image")} == {"passed"}


def test_a_course_folder_of_packs_replaces_the_bundled_ones(installed, tmp_path):
    _, site = installed
    course = tmp_path / "course"
    shutil.copytree(PROJECT_ROOT / "assignments" / "mlp_gan", course / "packs" / "mlp_gan",
                    ignore=shutil.ignore_patterns("samples", "__pycache__"))
    shutil.copytree(PROJECT_ROOT / "grading_fixtures" / "mlp_gan", course / "fixtures" / "mlp_gan")
    shutil.copy(PROJECT_ROOT / "grading_fixtures" / "manifest.json", course / "fixtures" / "manifest.json")

    listing = gangrade(site, "--packs", str(course / "packs"), "list", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert [pack["id"] for pack in json.loads(listing.stdout)] == ["mlp_gan"]

    by_environment = gangrade(site, "list", "--json", cwd=tmp_path, env={"GANGRADE_ASSIGNMENTS": str(course / "packs")})
    assert json.loads(by_environment.stdout) == json.loads(listing.stdout)

    check = gangrade(site, "--packs", str(course / "packs"), "--fixtures", str(course / "fixtures"),
                     "check", str(PROJECT_ROOT / SOLUTION), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr

    missing = gangrade(site, "--packs", str(tmp_path / "nowhere"), "list", cwd=tmp_path)
    assert missing.returncode == 1 and "nowhere" in missing.stderr and "Traceback" not in missing.stderr
