"""Public mode: `gangrade check` works from the committed fixtures with no reference installed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.packs import get_pack
from autograder.paths import PROJECT_ROOT
from autograder.public import check
from reference.packs import cs231n_gan
from tests.checks.in_process import reference_namespace

SAMPLES = get_pack("cs231n_gan").folder / "samples"


def _without_reference(tmp_path: Path) -> dict:
    """An environment in which `import reference` fails, as on a student's machine."""
    blocker = tmp_path / "blocker" / "reference"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('the reference solutions are not installed')\n")
    return {**os.environ, "PYTHONPATH": str(blocker.parent), "GANGRADE_ASSIGNMENTS": str(PROJECT_ROOT / "assignments"),
            "GANGRADE_FIXTURES": str(PROJECT_ROOT / "grading_fixtures")}


def test_check_runs_without_the_reference(tmp_path):
    env = _without_reference(tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import reference"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert "not installed" in probe.stderr
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(SAMPLES / "buggy" / "gan_loss_single_mean.ipynb")],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr   # a public check failed: a pre-submit hook stops here
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert "FAILED" in lines["gan_loss"]
    assert all("passed" in lines[item] for item in ("leaky_relu", "sample_noise", "discriminator", "lsgan_loss", "dc_generator"))
    assert "ImportError" not in result.stdout + result.stderr


def test_check_passes_the_solution_with_exit_0_and_reports_json(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "check", "--json", str(SAMPLES / "solution.ipynb")],
                            env=_without_reference(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["assignment"] == "cs231n_gan" and document["passed"] is True
    statuses = {item["id"]: item["status"] for item in document["items"]}
    assert statuses["gan_loss"] == "passed" and statuses["training"] == "not_checked"
    assert set(statuses) == {item.id for item in get_pack("cs231n_gan").items}


def test_check_in_a_notebook_prints_the_verdict(capsys):
    namespace = reference_namespace(cs231n_gan)
    assert check("leaky_relu", namespace, assignment="cs231n_gan")
    namespace["leaky_relu"] = lambda x, alpha=0.01: x
    assert not check("leaky_relu", namespace, assignment="cs231n_gan")
    out = capsys.readouterr().out
    assert "leaky_relu: FAILED" in out and "expected" in out and "Hint:" in out
