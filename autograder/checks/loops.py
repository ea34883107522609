"""Judging a student's training loop from the training spies' events, the same way in every pack.

Whatever order of steps an assignment asks for, every GAN loop must
- keep the networks apart: a D (critic) step changes no G parameter, a G
  step no D parameter, and nothing changes outside the optimizers' steps
  (`separation_outcomes`);
- move each network with its own gradients: every step changes its
  network (none runs before a backward pass reached it, `moved_outcome`)
  and no step runs on gradients left over from an earlier step, whether
  nothing cleared them or the other network's optimizer was cleared
  instead (`cleared_gradients_outcome`).
A pack adds only what its own loop must do (the order and count of steps).
See autograder.observe.training_spies for the events.
"""
from __future__ import annotations

from autograder.checks.outcome import Outcome, holds


def separation_outcomes(events: list[dict], role_of_optimizer: dict[int, str]) -> list[Outcome]:
    """The optimizers passed in are stepped; each step changes only its own network; nothing changes outside them."""
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
    roles = sorted(set(role_of_optimizer.values()))
    return [
        holds("the optimizers passed in are the ones stepped", bool(steps), "steps of the optimizers passed to the loop",
              "no step of them", "step the optimizers the function is given; do not make new ones inside it"),
        holds("each step changes only its own network", not cross,
              f"each network's steps leave the other network ({' and '.join(roles)}) unchanged",
              "; ".join(sorted(set(cross))), "each optimizer must hold only its own network's parameters"),
        holds("no updates outside the optimizers' steps", not outside, "parameters change only in the optimizers' steps",
              "changes of " + "; ".join(sorted(set(outside))) if outside else "",
              "update the networks only through the optimizers passed in"),
    ]


def moved_outcome(events: list[dict], role_of_optimizer: dict[int, str]) -> Outcome:
    """Every step changed some network: none ran before any backward pass had reached its parameters.

    Only the steps of an optimizer that holds its own network's parameters count: one that moved the
    other network, or holds it (optimizers returned in the wrong order), fails the optimizer checks.
    """
    idle: dict[str, int] = {}
    for event in events:
        role = role_of_optimizer.get(event.get("optimizer"))
        if (event["kind"] == "step" and role in event.get("holds", [role])
                and not any(event["changed"].values())):
            idle[role] = idle.get(role, 0) + 1
    return holds("each step changes its own network", not idle, "every step to change the parameters of its network",
                 ", ".join(f"{count} {role} step(s) that left {role} unchanged" for role, count in sorted(idle.items())),
                 "call backward() on the network's loss before its optimizer's step(), and let that loss reach the "
                 "network (do not detach what it is computed from)")


def cleared_gradients_outcome(events: list[dict], role_of_optimizer: dict[int, str]) -> Outcome:
    """No step ran on gradients left over from an earlier step of the same network (see GradientLedger)."""
    stale: dict[str, int] = {}
    for event in events:
        if event["kind"] == "step" and event.get("stale_gradients"):
            role = role_of_optimizer.get(event["optimizer"], f"optimizer {event['optimizer']}")
            stale[role] = stale.get(role, 0) + 1
    return holds("gradients cleared before each step", not stale, "each step on the gradients of its own backward pass",
                 ", ".join(f"{count} {role} step(s)" for role, count in sorted(stale.items()))
                 + " on gradients accumulated over earlier steps",
                 "clear each network's gradients (its optimizer's zero_grad(), or the network's) before its "
                 "backward pass; clearing the other network's optimizer leaves this one's gradients growing")


def stepping_outcomes(events: list[dict], role_of_optimizer: dict[int, str]) -> list[Outcome]:
    """Each step moves its network, on the gradients of its own backward pass."""
    return [moved_outcome(events, role_of_optimizer), cleared_gradients_outcome(events, role_of_optimizer)]


def loop_outcomes(events: list[dict], role_of_optimizer: dict[int, str]) -> list[Outcome]:
    """The checks every pack's loop item makes: networks kept apart, each step moving its network on clean
    gradients (a pack whose rubric splits the two, as WGAN-GP's does, uses the halves)."""
    return separation_outcomes(events, role_of_optimizer) + stepping_outcomes(events, role_of_optimizer)


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
