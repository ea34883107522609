"""The Gradescope autograder zip, run as Gradescope runs it, in a scratch root instead of /autograder."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.packs import get_pack

PACK = get_pack("mlp_gan")
SAMPLES = PACK.folder / "samples"
BRIEF_ITEMS = {"training", "final_image"}   # brief training: off in this bundle (--train-steps 0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    assert main(["gradescope", "--assignment", PACK.id, "--out", str(out), "--train-steps", "0", "--timeout", "300"]) == 0
    return out


@pytest.fixture(scope="module")
def root(bundle, tmp_path_factory) -> Path:
    """A Gradescope root: the zip in source/, run_autograder copied up, setup.sh run (without apt-get).

    The venv setup.sh installs into exists already and sees this environment's packages through a .pth
    line, so setup.sh's pip installs gangrade's wheel and downloads nothing."""
    root = tmp_path_factory.mktemp("gradescope")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    venv = root / "gangrade-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=900,
                           env=environment(root, GANGRADE_SKIP_APT="1"), cwd=root / "source")
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-3000:]
    return root


def environment(root: Path, **extra: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("GANGRADE_", "PYTHON"))}
    return {**base, "GANGRADE_ROOT": str(root), **extra}


def grade(root: Path, *files: Path, config: dict | None = None, path: str | None = None) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for file in files:
        shutil.copy(file, root / "submission" / file.name)
    if config is not None:
        (root / "source" / "gangrade.json").write_text(json.dumps(config))
    env = environment(root, **({"PATH": path} if path else {}))
    run = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=900,
                         env=env, cwd=root)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_what_gradescope_runs(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", "gangrade.json", "pins.txt"} <= set(names)
    assert [name for name in names if name.startswith("wheels/gangrade-") and name.endswith(".whl")]
    info = zipfile.ZipFile(bundle).getinfo("run_autograder")
    assert info.external_attr >> 16 & 0o111, "run_autograder must be executable"
    assert json.loads(zipfile.ZipFile(bundle).read("gangrade.json"))["assignment"] == PACK.id


def test_setup_makes_the_answers_root_only(root):
    site = Path(subprocess.run([str(root / "gangrade-venv" / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    for folder in (site / "reference", site / "gangrade_course", root / "source"):
        assert folder.stat().st_mode & 0o077 == 0, folder


def test_a_solution_a_bug_and_an_upload_without_a_notebook(root):
    solution = grade(root, SAMPLES / "solution.ipynb")
    assert solution["output_format"] == "text" and solution["stdout_visibility"] == "hidden"
    statuses = {test["name"]: test["status"] for test in solution["tests"]}
    assert {name for name, status in statuses.items() if status != "passed"} == BRIEF_ITEMS
    assert solution["score"] == sum(test["max_score"] for test in solution["tests"] if test["name"] not in BRIEF_ITEMS)
    assert solution["extra_data"]["gangrade"]["execution"]["limits"]["isolation"].startswith("bubblewrap")

    buggy = grade(root, SAMPLES / "buggy" / "objectives_summed.ipynb")
    failed = {test["name"] for test in buggy["tests"] if test["status"] == "failed"} - BRIEF_ITEMS
    assert failed == {"objectives"}

    nothing = grade(root, SAMPLES.parent / "pack.toml")
    assert nothing["score"] == 0 and "upload exactly one notebook" in nothing["output"]


def test_where_bubblewrap_cannot_run_the_grade_says_which_isolation_it_had(root, tmp_path):
    # A PATH with every command of this machine but bwrap: the container Gradescope may give.
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        for command in Path(folder).glob("*") if Path(folder).is_dir() else ():
            if command.name != "bwrap" and not (no_bwrap / command.name).exists():
                (no_bwrap / command.name).symlink_to(command)
    solution = grade(root, SAMPLES / "solution.ipynb", path=str(no_bwrap))
    isolation = solution["extra_data"]["gangrade"]["execution"]["limits"]["isolation"]
    assert not isolation.startswith("bubblewrap") and solution["extra_data"]["gangrade"]["sandboxed"] is False
    statuses = {test["name"]: test["status"] for test in solution["tests"]}
    assert {name for name, status in statuses.items() if status != "passed"} == BRIEF_ITEMS


def test_a_grader_that_fails_still_leaves_a_results_json(root):
    broken = grade(root, SAMPLES / "solution.ipynb", config={"assignment": "no_such_pack"})
    assert broken["score"] == 0 and "could not grade this submission" in broken["output"]
    assert "not a mark against your work" in broken["output"]
    assert broken["extra_data"]["gangrade"]["graded"] is False


def test_prepare_trains_the_reference_runs_once_and_caches_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANGRADE_CACHE", str(tmp_path))
    assert main(["prepare", "--assignment", PACK.id, "--device", "cpu", "--train-steps", "2"]) == 0
    cached = sorted((tmp_path / "reference-runs").glob(f"{PACK.id}-*.json"))
    assert len(cached) == 3   # one per reference seed
    printed = capsys.readouterr().out
    assert printed.count(f"training the reference for {PACK.id}: seed") == 3   # each run said when it is done
    stamps = [path.stat().st_mtime_ns for path in cached]
    assert main(["prepare", "--assignment", PACK.id, "--device", "cpu", "--train-steps", "2"]) == 0
    assert [path.stat().st_mtime_ns for path in cached] == stamps   # read back, not trained again
    assert "training the reference" not in capsys.readouterr().out
    assert main(["prepare", "--assignment", PACK.id, "--train-steps", "0"]) == 0
    assert "nothing to prepare" in capsys.readouterr().out
