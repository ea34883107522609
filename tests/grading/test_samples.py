"""Every sample submission of every pack, graded end to end in the sandbox, gets exactly its expected outcomes.

Each pack's samples/expected.toml lists, per sample, the rubric items whose
checks must fail (`fails`); every other item's checks must pass. Brief
training is switched off here (--train-steps 0): it is judged on known
sample sets in tests/checks/test_brief_judges.py, run for real on each
pack's solution in test_brief_training.py, and measured over the whole
corpus by bench/calibration.py against `training_fails`.
"""
from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.execution.limits import SandboxLimits
from autograder.grading import GradeOptions
from autograder.packs import discover_packs
from autograder.report.results import NOT_GRADED_PREFIX
from autograder.training_setup import TrainingOptions

pytestmark = pytest.mark.slow

PACKS = {pack.id: pack for pack in discover_packs()}
EXPECTED = {pack_id: tomllib.loads((pack.folder / "samples" / "expected.toml").read_text())
            for pack_id, pack in PACKS.items()}
PARALLEL_GRADES = 2
# One torch thread per kernel: two kernels at a time share the two cores of a CI machine.
OPTIONS = GradeOptions(limits=SandboxLimits(threads=1), training=TrainingOptions(device="cpu", steps=0))
BRIEF_PREFIX = "brief training:"
NOT_GRADED = ": not graded: "

CASES = [(pack_id, rel) for pack_id in sorted(EXPECTED) for rel in sorted(EXPECTED[pack_id])]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Path]:
    outs = {pack_id: tmp_path_factory.mktemp(pack_id) for pack_id in PACKS}

    for pack_id, pack in PACKS.items():
        paths = [pack.folder / "samples" / rel for rel in sorted(EXPECTED[pack_id])]
        outcome = grade_paths(paths, pack_id, outs[pack_id], OPTIONS, BatchSettings(workers=PARALLEL_GRADES),
                              stream=io.StringIO())
        assert outcome.not_graded == 0
    return outs


def _results(graded: dict[str, Path], pack_id: str, rel: str) -> dict:
    return json.loads((graded[pack_id] / Path(rel).stem / "results.json").read_text())


def failed_checks(test: dict) -> list[str]:
    """The failed-check lines of an item's output: brief training's, and checks not graded, left out."""
    if test["status"] == "passed":
        return []
    output = test["output"].removeprefix(NOT_GRADED_PREFIX)
    return [line for line in output.splitlines()
            if line and not line.startswith("Hint:") and not line.startswith(BRIEF_PREFIX) and NOT_GRADED not in line]


@pytest.mark.parametrize("pack_id", sorted(EXPECTED))
def test_each_corpus_is_what_the_contract_asks_for(pack_id):
    expected = EXPECTED[pack_id]
    items = {item.id for item in PACKS[pack_id].items}
    valid = [rel for rel in expected if rel.startswith("valid/")]
    buggy = [rel for rel in expected if rel.startswith("buggy/")]
    assert "solution.ipynb" in expected and len(valid) >= 4 and len(buggy) >= 10
    assert all(expected[rel]["fails"] == [] and expected[rel]["training_fails"] == [] for rel in valid)
    assert all(expected[rel]["fails"] or expected[rel]["training_fails"] for rel in buggy)
    assert all(set(e["fails"]) | set(e["training_fails"]) | set(e["may_fail"]) <= items for e in expected.values())
    assert len({Path(rel).stem for rel in expected}) == len(expected)  # results folders do not collide
    assert all((PACKS[pack_id].folder / "samples" / rel).is_file() for rel in expected)


@pytest.mark.sandbox
@pytest.mark.parametrize("pack_id, rel", CASES)
def test_sample_gets_exactly_its_expected_items(graded, pack_id, rel):
    results = _results(graded, pack_id, rel)
    assert results["extra_data"]["gangrade"]["sandboxed"] is True
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == [item.id for item in PACKS[pack_id].items]
    must_fail = set(EXPECTED[pack_id][rel]["fails"])
    failed = {name for name, test in tests.items() if failed_checks(test)}
    assert failed == must_fail, {name: tests[name]["output"] for name in failed ^ must_fail}
    for name in must_fail:
        assert tests[name]["score"] < tests[name]["max_score"]
        assert "Hint:" in tests[name]["output"]  # expected-vs-seen, or the error the code raised
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


@pytest.mark.sandbox
@pytest.mark.parametrize("pack_id", sorted(EXPECTED))
def test_brief_training_switched_off_leaves_its_items_not_graded_never_failed(graded, pack_id):
    valid = ["solution.ipynb"] + [rel for rel in EXPECTED[pack_id] if rel.startswith("valid/")]
    for rel in valid:
        results = _results(graded, pack_id, rel)
        record = results["extra_data"]["gangrade"]
        not_graded = set(record["not_graded_items"])
        assert record["incomplete"] and not_graded and record["retry_items"] == []   # a setting: no retry
        assert all(t["status"] == "passed" or t["name"] in not_graded for t in results["tests"]), rel
        for test in results["tests"]:
            if test["name"] in not_graded:
                assert f"{BRIEF_PREFIX} not graded: not run: brief training was switched off" in test["output"]
