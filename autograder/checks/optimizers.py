"""Judging a student's optimizers from what the training spies recorded.

See autograder.observe.training_spies for the reports: each optimizer's
class, settings and the parameter indices it steps per network. The loop's
events are judged in autograder.checks.loops.
"""
from __future__ import annotations

from autograder.checks.outcome import Outcome, holds

Settings = tuple[float, tuple[float, ...]]  # (lr, betas)


def settings_of(report: dict) -> set[Settings]:
    return {(group["lr"], tuple(group["betas"] or ())) for group in report["groups"]}


def describe_settings(settings: set[Settings]) -> str:
    return ", ".join(f"lr={lr}, betas={betas}" for lr, betas in sorted(settings, key=repr)) or "no parameter groups"


def optimizer_outcomes(report: dict, role: str, accepted: list[Settings], hint: str, label: str | None = None) -> list[Outcome]:
    """Adam, with one of the accepted (lr, betas), over exactly the parameters of network `role`."""
    label = label or f"{role} optimizer"
    settings = settings_of(report)
    accepted_text = " or ".join(f"lr={lr}, betas={betas}" for lr, betas in accepted)
    own = report["own_counts"][role]
    others = {r: len(indices) for r, indices in report["owned"].items() if r != role and indices}
    exact = (report["owned"][role] == list(range(own)) and not others
             and not report["foreign"] and not report["duplicates"])
    return [
        holds(f"{label}: Adam", report["is_adam"], "torch.optim.Adam", report["class"], "use torch.optim.Adam"),
        holds(f"{label}: lr and betas", len(settings) == 1 and settings <= {(lr, tuple(b)) for lr, b in accepted},
              accepted_text, describe_settings(settings), hint),
        holds(f"{label}: exactly {role}'s parameters", exact,
              f"all {own} parameter tensors of {role} and nothing else",
              f"{len(report['owned'][role])} of {role}'s"
              + "".join(f", {n} of {r}'s" for r, n in others.items())
              + f", {report['foreign']} other tensors, {report['duplicates']} repeated",
              f"build the {role} optimizer over {role}'s parameters only"),
    ]
