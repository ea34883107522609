"""A run of a submission as one or more attempts: the kernel restarted without what killed it.

When a statement or a probe kills the kernel (`os._exit`, a segfault, the
memory limit, a kill of its parent, an interrupt it ignores), everything
after it would otherwise score 0 although it may be correct. So the runner
launches the sandbox again, leaving out the statement that killed it (or,
for a probe, the probes already answered and that one), up to
`SandboxLimits.kernel_restarts` times within the one wall limit. Each
attempt writes its own event log. `merge_events` makes one log of them in
which every statement's record comes from the last attempt that ran it.
"""
from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from autograder.execution import records
from autograder.execution.cells import CellPlan
from autograder.execution.cgroups import CgroupsV1, CgroupsV2
from autograder.execution.limits import JOIN_CGROUPS_FAILED, SandboxLimits
from autograder.execution.records import KernelDeath

MIN_WALL_FOR_A_RESTART_S = 5.0   # a restart with less left would only be killed at the wall


def event_log_name(number: int) -> str:
    return f"execution-{number}.jsonl"


@dataclass
class Attempt:
    """One launch of the sandbox and how it ended."""

    number: int
    events: list[dict]
    damaged: bool                    # part of its event log was unreadable
    launched: float                  # time.time() at the launch
    wall_hit: bool
    early_end: str | None            # the sandbox ended with no word from the driver, in words
    death: KernelDeath | None
    peak_memory_mb: float | None

    def killer(self) -> tuple[str, str] | None:
        """("statement", id) or ("probe", name) that ended this attempt's kernel, when one did."""
        if self.death is None:
            return None
        if self.death.statement is not None:
            return ("statement", self.death.statement)
        if self.death.probe is not None:
            return ("probe", self.death.probe)
        return None   # it died starting: running it again would not help

    def answered_probes(self) -> set[str]:
        return {event.get("name") for event in self.events if event["event"] == "probe"}


def read_attempt(number: int, job_dir: Path, plans: list[CellPlan], limits: SandboxLimits, launched: float,
                 exit_status: int | None, wall_hit: bool, cgroups: CgroupsV1 | CgroupsV2 | None) -> Attempt:
    """What one launch left in its event log, with the cause of a death put in words."""
    events, damaged = records.read_events(job_dir / "out" / event_log_name(number),
                                          2 * limits.output_total_bytes + (8 << 20))
    death = records.find_death(events, plans)
    oom = cgroups is not None and cgroups.oom_killed()
    finished = any(event["event"] == "finished" for event in events)
    early_end = None
    if not wall_hit and not finished and death is None:
        early_end = early_end_reason(exit_status, job_dir, oom, limits)
        running = records.running_when_stopped(events)
        if running is not None:
            death = records.death_in(plans, running, early_end)
            early_end = None
    if death is not None and oom:
        death.reason = memory_limit_reason(limits)
    peak = cgroups.peak_memory_mb() if cgroups is not None else None
    return Attempt(number, events, damaged, launched, wall_hit, early_end, death, peak)


def memory_limit_reason(limits: SandboxLimits) -> str:
    return f"memory limit of {limits.memory_mb} MB exceeded; the kernel was killed"


def early_end_reason(exit_status: int | None, job_dir: Path, oom: bool, limits: SandboxLimits) -> str:
    """Why the sandbox ended before its driver said it had finished."""
    if oom:
        return f"the sandbox ended early: {memory_limit_reason(limits)}"
    if exit_status == JOIN_CGROUPS_FAILED:
        return "the sandbox could not join its cgroups"
    if exit_status is not None and exit_status > 128:
        try:
            name = signal.Signals(exit_status - 128).name
        except ValueError:
            name = f"signal {exit_status - 128}"
        return (f"the sandbox ended early (exit status {exit_status}): the process driving the kernel "
                f"was killed by {name}")
    try:
        tail = (job_dir / "driver.log").read_bytes()[-1500:].decode("utf-8", errors="replace").strip()
    except OSError:
        tail = ""
    detail = f": {tail.splitlines()[-1]}" if tail else ""
    return f"the sandbox ended early (exit status {exit_status}){detail}"


def merge_events(attempts: list[Attempt]) -> list[dict]:
    """One event log: each statement's record (and late output) from the last attempt that ran it."""
    last_run: dict[str, int] = {}
    for attempt in attempts:
        for event in attempt.events:
            if event["event"] == "statement" and isinstance(event.get("id"), str):
                last_run[event["id"]] = attempt.number
    merged = []
    for attempt in attempts:
        for event in attempt.events:
            statement = _statement_of(event)
            if statement is None or last_run.get(statement, attempt.number) == attempt.number:
                merged.append(event)
    return merged


def _statement_of(event: dict) -> str | None:
    if event["event"] in ("statement", "statement_started"):
        return event.get("id") if isinstance(event.get("id"), str) else None
    owner = event.get("owner")
    if event["event"] == "late_output" and isinstance(owner, dict) and isinstance(owner.get("statement"), str):
        return owner["statement"]
    return None
