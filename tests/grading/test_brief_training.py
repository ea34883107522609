"""Brief training end to end: each pack's solution trained in the sandbox against the reference's cached run.

The budgets here are a few steps, enough to exercise the whole path
(recipe, sandboxed training, samples back, reference run and cache,
judges, pictures) in seconds; what a full budget decides is measured by
bench/brief_training.py. The CUDA path runs only where a GPU is present.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from autograder.batch.grade import grade_paths
from autograder.checks.brief import REFERENCE_SEEDS
from autograder.execution.limits import SandboxLimits
from autograder.grading import GradeOptions
from autograder.packs import discover_packs
from autograder.training_setup import TrainingOptions

pytestmark = pytest.mark.slow

PACKS = {pack.id: pack for pack in discover_packs()}
# Steps that keep each run to seconds on two CPU cores (the WGAN-GP networks are 64x64 convnets).
TEST_STEPS = {"cs231n_gan": 40, "cs501r_dcgan": 6, "cs501r_wgan_gp": 3, "dcgan_tutorial": 40, "mlp_gan": 40}



def grade_solution(pack_id: str, out: Path, cache: Path, device: str = "cpu") -> dict:
    options = GradeOptions(limits=SandboxLimits(threads=2),
                           training=TrainingOptions(device=device, steps=TEST_STEPS[pack_id], cache_dir=cache))
    outcome = grade_paths([PACKS[pack_id].folder / "samples" / "solution.ipynb"], pack_id, out, options,
                          stream=io.StringIO())
    assert outcome.not_graded == 0
    return json.loads((out / "solution" / "results.json").read_text())


@pytest.mark.sandbox
@pytest.mark.parametrize("pack_id", sorted(TEST_STEPS))
def test_the_solution_trains_in_the_sandbox_and_gets_its_pictures(pack_id, tmp_path):
    results = grade_solution(pack_id, tmp_path / "out", tmp_path / "cache")
    brief = results["extra_data"]["gangrade"]["brief_training"]
    assert brief["ran"] and brief["steps"] == TEST_STEPS[pack_id] and brief["device"] == "cpu"
    outputs = "\n".join(t["output"] for t in results["tests"])
    assert "brief training: not run" not in outputs and "did not run" not in outputs
    samples = Image.open(tmp_path / "out" / "solution" / "samples.png")
    assert samples.format == "PNG" and samples.width >= 8 * 28
    assert Image.open(tmp_path / "out" / "solution" / "loss_curves.png").format == "PNG"
    # The reference's run was stored for the next submission of the class.
    assert list((tmp_path / "cache" / "reference-runs").glob(f"{pack_id}-*.npz"))


@pytest.mark.sandbox
def test_the_reference_run_is_reused_from_the_cache(tmp_path):
    cache = tmp_path / "cache"
    grade_solution("mlp_gan", tmp_path / "first", cache)
    stored = sorted((cache / "reference-runs").glob("mlp_gan-*.json"))
    stamps = [path.stat().st_mtime_ns for path in stored]
    assert len(stored) == len(REFERENCE_SEEDS)  # one run per reference seed
    grade_solution("mlp_gan", tmp_path / "second", cache)
    assert sorted((cache / "reference-runs").glob("mlp_gan-*.json")) == stored
    assert [path.stat().st_mtime_ns for path in stored] == stamps


@pytest.mark.sandbox
@pytest.mark.gpu
def test_brief_training_runs_on_the_gpu(tmp_path):
    results = grade_solution("cs231n_gan", tmp_path / "out", tmp_path / "cache", device="cuda")
    assert results["extra_data"]["gangrade"]["brief_training"]["device"] == "cuda"
    assert Image.open(io.BytesIO((tmp_path / "out" / "solution" / "samples.png").read_bytes())).format == "PNG"
