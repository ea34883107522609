"""A busy machine costs no points: a solution graded beside eight spinning processes gets its idle verdicts.

Each item's verdict on the busy machine must be the idle machine's, or "not
graded" (the grader's trouble, retried); never a failure the idle grade did
not have. Brief training runs at the test budgets of test_brief_training.py,
its reference runs cached once for both grades.
"""
from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.execution.limits import SandboxLimits
from autograder.execution.sandbox import detect_sandbox
from autograder.grading import GradeOptions
from autograder.packs import get_pack
from autograder.training_setup import TrainingOptions

from .test_brief_training import TEST_STEPS

PACKS = ("cs231n_gan",)   # the pack whose loss of points under load was reported
SPINNERS = 8
needs_sandbox = pytest.mark.skipif(not detect_sandbox().available, reason=detect_sandbox().reason)


def spin(stop) -> None:
    while not stop.is_set():
        pass


def verdicts(pack_id: str, out: Path, cache: Path) -> dict[str, str]:
    options = GradeOptions(seed=3, limits=SandboxLimits(threads=2),
                           training=TrainingOptions(device="cpu", steps=TEST_STEPS[pack_id], cache_dir=cache))
    grade_paths([get_pack(pack_id).folder / "samples" / "solution.ipynb"], pack_id, out, options,
                BatchSettings(workers=1), stream=io.StringIO())
    results = json.loads((out / "solution" / "results.json").read_text())
    not_graded = set(results["extra_data"]["gangrade"]["not_graded_items"])
    return {t["name"]: "not_graded" if t["name"] in not_graded else t["status"] for t in results["tests"]}


@needs_sandbox
@pytest.mark.parametrize("pack_id", PACKS)
def test_a_busy_machine_changes_no_verdict_into_a_failure(pack_id, tmp_path):
    cache = tmp_path / "cache"
    idle = verdicts(pack_id, tmp_path / "idle", cache)
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(SPINNERS)]
    for process in spinners:
        process.start()
    try:
        busy = verdicts(pack_id, tmp_path / "busy", cache)
    finally:
        stop.set()
        for process in spinners:
            process.join(timeout=10)
    assert list(busy) == list(idle)
    assert all(busy[item] in (idle[item], "not_graded") for item in idle), {"idle": idle, "busy": busy}
