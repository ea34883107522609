"""A rubric item as probes plus the checks on what they observed, and its points.

Each `CheckGroup` is one probe (one run of student code in the kernel) and a
judge that turns the probe's result into outcomes. A group's share of the
item is its `weight`; inside a group every outcome counts the same. A probe
that raised or timed out in the student's code fails its whole group with
that reason. What is the grader's own trouble (a probe it never ran, a
judge of its own that raised, brief training switched off) is "not graded":
it earns nothing yet and fails nothing; when its cause may pass (no sandbox,
a starved run: `retry`), the next run grades it again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.checks.outcome import Outcome, not_graded
from autograder.execution.probes_protocol import Probe, ProbeResult

Judge = Callable[[ProbeResult], list[Outcome]]


def kernel_call(primitive: str, module: str = "primitives", **arguments) -> str:
    """Probe code calling one primitive of `autograder.observe.<module>` on the notebook's namespace."""
    args = "".join(f", {key}={value!r}" for key, value in arguments.items())
    return (
        f"import autograder.observe.{module} as _observe\n"
        f"_observe.{primitive}(globals(), inputs=inputs, outputs=outputs, info=info{args})\n"
    )


@dataclass
class CheckGroup:
    probe: Probe | None          # None: a group judged without running anything (e.g. brief training not run)
    judge: Judge
    weight: float = 1.0
    hint_on_error: str = "make sure the function runs on the inputs the notebook describes"


@dataclass
class ItemVerdict:
    item: str
    points: float
    max_points: int
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.graded and self.points >= self.max_points

    @property
    def graded(self) -> bool:
        """False when some of the item's checks could not be judged by the grader."""
        return all(outcome.graded for outcome in self.outcomes)

    @property
    def retry(self) -> bool:
        """True when a check was not judged for a reason that may pass by the next run."""
        return any(outcome.retry for outcome in self.outcomes)

    @property
    def failed(self) -> bool:
        """True when the code failed a check the grader did judge."""
        return any(outcome.graded and not outcome.passed for outcome in self.outcomes)

    @property
    def status(self) -> str:
        """passed, failed (the code failed a judged check) or not_graded (nothing failed, some not judged)."""
        if self.failed:
            return "failed"
        return "passed" if self.passed else "not_graded"

    def message(self) -> str:
        """The failed checks, one a line, each distinct hint said once after the lines it explains."""
        lines: list[str] = []
        for outcome in (o for o in self.outcomes if not o.passed):
            text, _, hint = str(outcome).partition(" Hint: ")
            if lines and hint and lines[-1] == f"Hint: {hint}":
                lines.insert(len(lines) - 1, text)
            else:
                lines += [text, f"Hint: {hint}"] if hint else [text]
        return "\n".join(lines) if lines else "all checks passed"


def plan_probes(plan: dict[str, list[CheckGroup]]) -> list[Probe]:
    """Every probe a plan runs, in item order; a probe shared by several items (brief training) runs once."""
    probes: dict[str, Probe] = {}
    for groups in plan.values():
        for group in groups:
            if group.probe is not None:
                probes.setdefault(group.probe.name, group.probe)
    return list(probes.values())


def grade_item(item: str, max_points: int, groups: list[CheckGroup], results: dict[str, ProbeResult]) -> ItemVerdict:
    """Points for one item from its groups' outcomes (rounded to 2 decimals)."""
    verdict = ItemVerdict(item, 0.0, max_points)
    total_weight = sum(group.weight for group in groups)
    earned = 0.0
    for group in groups:
        result = results.get(group.probe.name) if group.probe else ProbeResult("none")
        if result is None:
            verdict.outcomes.append(not_graded(group.probe.name, "the grader did not run this check"))
            continue
        if result.error and result.graders_trouble:
            verdict.outcomes.append(not_graded(group.probe.name, result.error, retry=True))
            continue
        if result.error:
            verdict.outcomes.append(Outcome(group.probe.name, False, f"{result.error}. Hint: {group.hint_on_error}"))
            continue
        try:
            outcomes = group.judge(result)
        except Exception as exc:  # the grader's own judge failed: not the submission's to lose
            name = group.probe.name if group.probe else item
            outcomes = [not_graded(name, f"the grader could not judge it ({type(exc).__name__}: {exc})")]
        verdict.outcomes.extend(outcomes)
        if outcomes:
            earned += group.weight * sum(o.passed for o in outcomes) / len(outcomes)
    verdict.points = round(max_points * earned / total_weight, 2) if total_weight else 0.0
    return verdict
