"""Judging optimizers and training loops from what the training spies recorded.

See autograder.observe.training_spies for the reports: each optimizer's
class, settings and the parameter indices it steps per network, and the
loop's events (steps with the parameters each changed, zero_grads, changes
outside any step).
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


def cross_update_outcomes(events: list[dict], role_of_optimizer: dict[int, str]) -> list[Outcome]:
    """Every step changes only its own network's parameters, and nothing changes outside the steps."""
    cross, outside = [], []
    for event in events:
        if event["kind"] == "step":
            own = role_of_optimizer.get(event["optimizer"])
            touched = sorted(role for role, n in event["changed"].items() if n and role != own)
            if touched:
                cross.append(f"a {own} step changed {', '.join(touched)}")
        elif event["kind"] == "changed_outside_step":
            outside.append(", ".join(sorted(role for role, n in event["changed"].items() if n)))
    steps = [e for e in events if e["kind"] == "step"]
    return [
        holds("the optimizers passed in are the ones stepped", bool(steps), "steps of the optimizers passed to the loop",
              "no step of them", "step the optimizers the function is given; do not make new ones inside it"),
        holds("each step changes only its own network", not cross, "D steps leave G unchanged and G steps leave D unchanged",
              "; ".join(sorted(set(cross))), "each optimizer must hold only its own network's parameters"),
        holds("no updates outside the optimizers' steps", not outside, "parameters change only in the optimizers' steps",
              "changes of " + "; ".join(sorted(set(outside))) if outside else "",
              "update the networks only through the optimizers passed in"),
    ]


def steps_per_round(events: list[dict], optimizer: int) -> list[int]:
    """How many consecutive steps of `optimizer` come between steps of any other optimizer."""
    runs: list[int] = []
    previous = None
    for event in (e for e in events if e["kind"] == "step"):
        if event["optimizer"] == optimizer and previous == optimizer:
            runs[-1] += 1
        elif event["optimizer"] == optimizer:
            runs.append(1)
        previous = event["optimizer"]
    return runs


def cleared_gradients_outcome(events: list[dict]) -> Outcome:
    """No step ran on gradients left over from the previous step of the same optimizer."""
    stale = [e for e in events if e["kind"] == "step" and e.get("stale_gradients")]
    return holds("gradients cleared before each step", not stale, "each step on the gradients of its own backward pass",
                 f"{len(stale)} step(s) on gradients accumulated over earlier steps",
                 "call zero_grad() on each optimizer (or network) before its backward pass")
