"""A busy machine costs no points: every pack's solution, graded beside eight spinning processes, gets 100.

Every item must pass, or be "not graded" because the machine was too busy
(the grader's trouble, retried on the next run); never a failure. Probes and
brief training are limited in CPU seconds, so load only slows them. Brief
training runs at the test budgets of test_brief_training.py, with the
reference's runs cached before the spinning starts.
"""
from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.execution.limits import SandboxLimits
from autograder.grading import GradeOptions
from autograder.pack_checks import load_checks
from autograder.packs import discover_packs, get_pack
from autograder.training_setup import BriefTrainingSetup, TrainingOptions

from .test_brief_training import TEST_STEPS

pytestmark = pytest.mark.slow

SPINNERS = 8


def spin(stop) -> None:
    while not stop.is_set():
        pass


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reference-cache")


def grade_solution_beside_spinners(pack_id: str, out: Path, cache: Path) -> dict:
    options = GradeOptions(seed=3, limits=SandboxLimits(threads=2),
                           training=TrainingOptions(device="cpu", steps=TEST_STEPS[pack_id], cache_dir=cache))
    pack = get_pack(pack_id)
    # The reference's runs (the grader's own work, once per class) are cached before the load starts:
    # what is measured is the student's grade.
    BriefTrainingSetup(options.training).context(pack, load_checks(pack).brief)
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(SPINNERS)]
    for process in spinners:
        process.start()
    try:
        grade_paths([pack.folder / "samples" / "solution.ipynb"], pack_id, out, options,
                    BatchSettings(workers=1), stream=io.StringIO())
    finally:
        stop.set()
        for process in spinners:
            process.join(timeout=10)
    return json.loads((out / "solution" / "results.json").read_text())


@pytest.mark.sandbox
@pytest.mark.parametrize("pack_id", sorted(pack.id for pack in discover_packs()))
def test_a_busy_machine_never_costs_a_solution_points(pack_id, tmp_path, cache):
    results = grade_solution_beside_spinners(pack_id, tmp_path / "out", cache)
    not_graded = set(results["extra_data"]["gangrade"]["not_graded_items"])
    failed = {t["name"]: t["output"] for t in results["tests"] if t["status"] != "passed" and t["name"] not in not_graded}
    assert not failed, failed
    for test in (t for t in results["tests"] if t["name"] in not_graded):
        assert "too busy" in test["output"], test   # the only trouble load may cause
    assert [t["name"] for t in results["tests"]] == [item.id for item in get_pack(pack_id).items]
