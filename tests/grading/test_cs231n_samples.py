"""Every cs231n_gan sample submission, graded end to end in the sandbox, gets exactly its expected outcomes.

expected.toml lists, per sample, the rubric items it must fail (`fails`);
every other item must pass. `training` is half graded in this version: its
loop checks (spies on run_a_gan) run, its brief-training half is "not graded
yet" for every submission. So `training` must lose its loop half exactly for
the samples whose only bug is in the loop (fails == ["training"]).
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from autograder.batch import grade_paths
from autograder.execution.sandbox import detect_sandbox
from autograder.grading import GradeOptions
from autograder.packs import get_pack

PACK = get_pack("cs231n_gan")
SAMPLES = PACK.folder / "samples"
EXPECTED = tomllib.loads((SAMPLES / "expected.toml").read_text())
NOT_GRADED = {"training"}
LOOP_HALF = 5.0  # of training's 10 points

needs_sandbox = pytest.mark.skipif(not detect_sandbox().available, reason=detect_sandbox().reason)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    paths = sorted({SAMPLES / Path(rel).parts[0] for rel in EXPECTED})
    outcome = grade_paths(paths, None, out, GradeOptions(), log=lambda _: None)
    assert outcome.not_graded == 0
    return out


def _results(out: Path, rel: str) -> dict:
    return json.loads((out / Path(rel).stem / "results.json").read_text())


def test_the_corpus_is_what_the_contract_asks_for():
    valid = [rel for rel, e in EXPECTED.items() if rel.startswith("valid/")]
    buggy = [rel for rel, e in EXPECTED.items() if rel.startswith("buggy/")]
    assert "solution.ipynb" in EXPECTED and len(valid) >= 5 and len(buggy) >= 15
    assert all(EXPECTED[rel]["fails"] == [] for rel in valid)
    assert all(EXPECTED[rel]["fails"] for rel in buggy)
    assert all((SAMPLES / rel).is_file() for rel in EXPECTED)


@needs_sandbox
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_gets_exactly_its_expected_items(graded, rel):
    results = _results(graded, rel)
    assert results["extra_data"]["gangrade"]["sandboxed"] is True
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == [item.id for item in PACK.items]
    must_fail = set(EXPECTED[rel]["fails"]) - NOT_GRADED
    failed = {name for name, t in tests.items() if t["status"] == "failed"} - NOT_GRADED
    assert failed == must_fail, {name: tests[name]["output"] for name in failed ^ must_fail}
    for name in must_fail:
        assert tests[name]["score"] < tests[name]["max_score"]
        assert "Hint:" in tests[name]["output"]  # expected-vs-seen, or the error the code raised
    training = tests["training"]
    assert "brief training: not graded yet" in training["output"]
    loop_bug = EXPECTED[rel]["fails"] == ["training"]
    assert (training["score"] < LOOP_HALF) == loop_bug, training["output"]


@needs_sandbox
def test_scores_add_up(graded):
    for rel in EXPECTED:
        results = _results(graded, rel)
        assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
