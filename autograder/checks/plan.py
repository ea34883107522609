"""A rubric item as probes plus the checks on what they observed, and its points.

Each `CheckGroup` is one probe (one run of student code in the kernel) and a
judge that turns the probe's result into outcomes. A group's share of the
item is its `weight`; inside a group every outcome counts the same. A probe
that raised, timed out or never ran fails its whole group with that reason.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.checks.outcome import Outcome
from autograder.execution.probes_protocol import Probe, ProbeResult

Judge = Callable[[ProbeResult], list[Outcome]]


def kernel_call(primitive: str, module: str = "kernel_side", **arguments) -> str:
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
        return self.points >= self.max_points

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
        if result is None or result.error:
            reason = "it did not run" if result is None else result.error
            verdict.outcomes.append(Outcome(group.probe.name, False, f"{reason}. Hint: {group.hint_on_error}"))
            continue
        try:
            outcomes = group.judge(result)
        except Exception as exc:  # an observation of the wrong shape or type is the submission's failure
            outcomes = [Outcome(group.probe.name, False, f"could not read what the code returned ({type(exc).__name__}: {exc})")]
        verdict.outcomes.extend(outcomes)
        if outcomes:
            earned += group.weight * sum(o.passed for o in outcomes) / len(outcomes)
    verdict.points = round(max_points * earned / total_weight, 2) if total_weight else 0.0
    return verdict
