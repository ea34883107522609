"""The grader's own trouble is "not graded", never a deduction: items, results.json, summaries and retries."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.batch.grade import merge_retry
from autograder.checks.brief import skipped_group
from autograder.checks.outcome import Outcome, not_graded
from autograder.checks.plan import CheckGroup, grade_item
from autograder.execution.probes_protocol import Probe, ProbeResult
from autograder.packs import get_pack
from autograder.report.results import GradeResult, ItemResult, from_gradescope, to_gradescope
from autograder.report.summary import terminal_summary

PACK = get_pack("mlp_gan")


def group(name: str, outcomes=None, raises: Exception | None = None) -> CheckGroup:
    def judge(result):
        if raises is not None:
            raise raises
        return outcomes
    return CheckGroup(Probe(name, "pass", {"x": np.zeros(1)}), judge)


def test_brief_training_switched_off_is_not_graded_and_not_retried():
    verdict = grade_item("training", 10, [group("loop", [Outcome("loop", True)]),
                                          skipped_group("brief training was switched off for this run")],
                         {"loop": ProbeResult("loop")})
    assert verdict.status == "not_graded" and not verdict.graded and not verdict.retry
    assert verdict.points == 5.0
    assert "brief training: not graded: not run: brief training was switched off" in verdict.message()


def test_a_judge_that_raises_is_the_graders_trouble():
    verdict = grade_item("gan_loss", 15, [group("loss", raises=IndexError("index 3 is out of bounds"))],
                         {"loss": ProbeResult("loss")})
    assert verdict.status == "not_graded" and verdict.points == 0
    assert "the grader could not judge it (IndexError: index 3 is out of bounds)" in verdict.message()


def test_a_probe_the_grader_never_ran_is_not_graded_and_one_without_a_sandbox_is_retried():
    missing = grade_item("noise", 5, [group("noise", [])], {})
    assert missing.status == "not_graded" and not missing.retry
    no_sandbox = grade_item("noise", 5, [group("noise", [])], {"noise": ProbeResult(
        "noise", error="not run: the sandbox is not available: bubblewrap is missing", graders_trouble=True)})
    assert no_sandbox.status == "not_graded" and no_sandbox.retry
    students = grade_item("noise", 5, [group("noise", [])], {"noise": ProbeResult("noise", error="ValueError: bad")})
    assert students.status == "failed" and students.graded


def test_a_judged_failure_fails_the_item_even_beside_checks_not_graded():
    verdict = grade_item("training", 10, [group("loop", [Outcome("loop", False, "expected 3, saw 2")]),
                                          skipped_group("switched off")], {"loop": ProbeResult("loop")})
    assert verdict.status == "failed" and not verdict.graded


OUTCOMES = st.lists(st.sampled_from(["pass", "fail", "not graded"]), min_size=1, max_size=6)


@given(st.lists(OUTCOMES, min_size=1, max_size=4))
def test_only_a_judged_failure_fails_an_item(groups):
    kinds = {"pass": Outcome("c", True), "fail": Outcome("c", False, "wrong"), "not graded": not_graded("c", "why")}
    checks = [group(f"g{i}", [kinds[kind] for kind in outcomes]) for i, outcomes in enumerate(groups)]
    verdict = grade_item("item", 10, checks, {f"g{i}": ProbeResult(f"g{i}") for i in range(len(groups))})
    every = [kind for outcomes in groups for kind in outcomes]
    expected = "failed" if "fail" in every else "not_graded" if "not graded" in every else "passed"
    assert verdict.status == expected
    assert 0 <= verdict.points <= 10 and (verdict.points == 10) == (set(every) == {"pass"})


def result_with(items: list[ItemResult], seed: int = 7) -> GradeResult:
    return GradeResult("alice", items, "ran", 1.0, True, extra={"hidden_seed": seed})


ITEMS = [ItemResult(item.id, item.points, item.points, "passed") for item in PACK.items]


def with_item(items: list[ItemResult], name: str, **changes) -> list[ItemResult]:
    return [ItemResult(**{**vars(item), **changes}) if item.name == name else item for item in items]


def test_results_json_says_not_graded_in_gradescopes_words_and_reads_back():
    items = with_item(ITEMS, "training", score=5.0, status="not_graded", output="brief training: not graded: no sandbox",
                      complete=False, retry=True)
    document = to_gradescope(result_with(items))
    test = next(t for t in document["tests"] if t["name"] == "training")
    assert test["status"] == "failed" and test["output"].startswith("Not graded (the grader's own trouble")
    record = document["extra_data"]["gangrade"]
    assert record["incomplete"] is True and record["not_graded_items"] == record["retry_items"] == ["training"]
    back = from_gradescope(document)
    assert back.items == items and back.incomplete and [i.name for i in back.retry_items] == ["training"]


def test_the_summary_counts_items_not_graded_apart_from_failed_ones():
    items = with_item(with_item(ITEMS, "training", score=5.0, status="not_graded", complete=False,
                                output="brief training: not graded: not run: brief training was switched off"),
                      "objectives", score=0.0, status="failed", output="d_loss: expected 1, saw 2")
    lines = terminal_summary(result_with(items), PACK).splitlines()
    assert lines[0] == "alice: 75/100 (1 item failed, 1 item not graded)"
    assert [line.split()[0] for line in lines[1:]] == [i.id for i in PACK.items if i.id in ("training", "objectives")]


def test_a_retry_takes_new_verdicts_for_the_retried_items_only():
    earlier = result_with(with_item(with_item(ITEMS, "training", score=0.0, status="not_graded", complete=False, retry=True),
                                    "objectives", score=3.0, status="failed", output="earlier"))
    again = result_with(with_item(with_item(ITEMS, "training", score=10.0), "objectives", score=5.0, output="again"))
    merged = merge_retry(earlier, again)
    by_name = {item.name: item for item in merged.items}
    assert by_name["training"].score == 10.0 and by_name["training"].complete
    assert by_name["objectives"].output == "earlier"         # judged before: kept
    assert merged.extra["retried_items"] == ["training"] and not merged.incomplete
