"""What running a submission produced, read back from the sandbox's event log.

`ExecutionResult` is the one object the rest of the grader sees: per cell
and statement what ran, raised, timed out or was skipped; each probe's
result; the kernel's death if it died; how the run was confined; timings.

The event logs (`out/execution-N.jsonl`, one per attempt) and everything else under `out/` was
written by processes running student code, so it is read as untrusted
data: size-capped, parsed line by line, every field type-checked, and a
record that does not fit is dropped rather than trusted.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.execution.cells import CellPlan, Statement
from autograder.execution.limits import SandboxLimits
from autograder.execution.module_plan import ModuleStatement
from autograder.execution.probes_protocol import ProbeResult

MAX_TEXT = 1 << 20   # one string field of a record, after the driver's own caps
NOTEBOOK_FRAME = re.compile(r"cell \d+, line \d+(?:, in \w+)?")   # a traceback frame, as the driver names it


@dataclass
class ErrorInfo:
    type: str
    message: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclass
class StatementRecord:
    """One statement of the notebook and what happened to it.

    status: ok | error | timeout | skipped | syntax_error | kernel_died | not_run
    """

    statement: Statement
    status: str
    reason: str = ""                 # why it was skipped or not run, in words
    error: ErrorInfo | None = None
    stdout: str = ""
    stderr: str = ""
    dropped_bytes: int = 0           # output beyond the caps, not kept
    seconds: float = 0.0


@dataclass
class ModuleStatementRecord:
    """A top-level statement of an imported helper module that did not run: it raised, or does not parse.

    status: error | syntax_error
    """

    statement: ModuleStatement
    status: str
    error: ErrorInfo
    reason: str = ""


@dataclass
class CellRecord:
    index: int                       # position in the notebook's cells, from 0
    statements: list[StatementRecord] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The first status other than ok/skipped, else ok (or skipped when nothing ran)."""
        for record in self.statements:
            if record.status not in ("ok", "skipped"):
                return record.status
        return "ok" if any(r.status == "ok" for r in self.statements) or not self.statements else "skipped"

    @property
    def stdout(self) -> str:
        return "".join(r.stdout for r in self.statements)


@dataclass
class KernelDeath:
    reason: str                      # "the kernel exited with status 1", ...
    where: str                       # "cell 5, line 3", "probe leaky_relu", "kernel start"
    cell: int | None = None
    probe: str | None = None
    detail: str = ""                 # the kernel's own stderr, last lines
    statement: str | None = None     # the id of the statement it died in
    restarted: bool = False          # the rest ran in a fresh kernel, without what killed this one

    def describe(self) -> str:
        if self.where == "kernel start":
            return f"the kernel could not start ({self.reason})"
        after = "; it was left out and the rest ran in a fresh kernel" if self.restarted else ""
        return f"the kernel died in {self.where} ({self.reason}){after}"


@dataclass
class Timings:
    sandbox_start_s: float | None = None   # launch until the driver ran inside
    kernel_start_s: float | None = None
    statements_s: float | None = None
    probes_s: float | None = None
    total_s: float = 0.0
    warm_start: bool = False               # the sandbox was started ahead, before this grade began


@dataclass
class ExecutionResult:
    cells: list[CellRecord]
    probes: dict[str, ProbeResult]
    kernel_deaths: list[KernelDeath]  # in order; each but an unrecovered last one was followed by a restart
    sandboxed: bool
    limits: SandboxLimits
    enforcement: dict[str, str] = field(default_factory=dict)
    timings: Timings = field(default_factory=Timings)
    notes: list[str] = field(default_factory=list)
    error: str | None = None         # the run as a whole failed: sandbox, wall limit, driver crash
    wall_limit_hit: bool = False
    peak_memory_mb: float | None = None
    modules: list[ModuleStatementRecord] = field(default_factory=list)   # of the modules the notebook imported

    def statements(self) -> list[StatementRecord]:
        return [record for cell in self.cells for record in cell.statements]

    @property
    def kernel_death(self) -> KernelDeath | None:
        """The first time the kernel died, if it did."""
        return self.kernel_deaths[0] if self.kernel_deaths else None

    def summary(self) -> str:
        """A few lines for a report: how it ran and what went wrong as a whole."""
        counts: dict[str, int] = {}
        for record in self.statements():
            counts[record.status] = counts.get(record.status, 0) + 1
        lines = ["ran in a bubblewrap sandbox" if self.sandboxed else "ran WITHOUT a sandbox (--no-sandbox)",
                 "statements: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))]
        if self.modules:
            lines.append(f"statements of the submission's modules that failed: {len(self.modules)}")
        lines += [death.describe() for death in self.kernel_deaths]
        if self.error:
            lines.append(self.error)
        return "\n".join(lines + self.notes)


# ----------------------------------------------------------------- reading the log

def read_events(path: Path, max_bytes: int) -> tuple[list[dict], bool]:
    """Parsed records of the event log (up to max_bytes), and whether some were unreadable."""
    if not path.is_file():
        return [], False
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    damaged = len(data) > max_bytes
    events = []
    for line in data[:max_bytes].splitlines():
        try:
            event = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            damaged = True
            continue
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            events.append(event)
        else:
            damaged = True
    return events, damaged


def text_field(event: dict, key: str) -> str:
    value = event.get(key)
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def number_field(event: dict, key: str) -> float:
    value = event.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def error_field(event: dict) -> ErrorInfo | None:
    error = event.get("error")
    if not isinstance(error, dict):
        return None
    return ErrorInfo(text_field(error, "type") or "Error", text_field(error, "message"), text_field(error, "traceback"))


def build_records(plans: list[CellPlan], events: list[dict], deaths: list[KernelDeath],
                  not_run_reason: str) -> list[CellRecord]:
    """Cell records from the plan, the driver's statement events and the statements the kernel died in."""
    finished = {e.get("id"): e for e in events if e["event"] == "statement" and isinstance(e.get("id"), str)}
    killers = {death.statement: death for death in deaths if death.statement is not None}
    cells = []
    for plan in plans:
        cell = CellRecord(plan.index)
        for statement in plan.statements:
            record = _statement_record(statement, finished.get(statement.id), killers.get(statement.id),
                                       not_run_reason)
            for stream, text, dropped in late_output(events, "statement", statement.id):
                if stream == "stderr":
                    record.stderr += text
                else:
                    record.stdout += text
                record.dropped_bytes += dropped
            cell.statements.append(record)
        cells.append(cell)
    return cells


def build_module_records(modules: dict[str, list[ModuleStatement]], events: list[dict]) -> list[ModuleStatementRecord]:
    """The statements of imported modules that raised (from the driver's events) or do not parse (from the plan)."""
    imported = {e.get("module") for e in events if e["event"] == "module_imported"}
    raised = {(e.get("module"), e.get("index")): e for e in events if e["event"] == "module_statement"}
    found = []
    for relative, statements in modules.items():
        if relative not in imported:
            continue
        for statement in statements:
            event = raised.get((relative, statement.index))
            if statement.syntax_error:
                message = statement.syntax_error.removeprefix("SyntaxError: ")
                found.append(ModuleStatementRecord(statement, "syntax_error", ErrorInfo("SyntaxError", message)))
            elif event is not None:
                found.append(ModuleStatementRecord(statement, "error", error_field(event) or ErrorInfo("Error", "")))
    return found


def late_output(events: list[dict], kind: str, name: str) -> list[tuple[str, str, int]]:
    """(stream, text, dropped bytes) of output that reached the driver after its execution ended."""
    found = []
    for event in events:
        owner = event.get("owner")
        if event["event"] == "late_output" and isinstance(owner, dict) and owner.get(kind) == name:
            found.append((text_field(event, "stream"), text_field(event, "text"), int(number_field(event, "dropped_bytes"))))
    return found


def _statement_record(statement: Statement, event: dict | None, death: KernelDeath | None,
                      not_run_reason: str) -> StatementRecord:
    if statement.syntax_error:
        return StatementRecord(statement, "syntax_error", reason=statement.syntax_error,
                               error=ErrorInfo("SyntaxError", statement.syntax_error.removeprefix("SyntaxError: ")))
    if statement.skip_reason:
        return StatementRecord(statement, "skipped", reason=statement.skip_reason)
    if event is None and death is not None:   # the whole sandbox ended while it ran: no record of its own
        return StatementRecord(statement, "kernel_died", reason=death.reason)
    if event is None:
        return StatementRecord(statement, "not_run", reason=not_run_reason)
    status = event.get("status")
    if status == "died":
        status, reason = "kernel_died", death.reason if death else "the kernel died"
    elif status == "hung":
        status, reason = "timeout", death.reason if death else "timed out"
    elif status in ("ok", "error", "timeout"):
        reason = ""
    else:
        status, reason = "not_run", "the sandbox wrote an unreadable record for it"
    error = error_field(event)
    if status == "timeout" and error is None:
        error = ErrorInfo("Timeout", reason)
    return StatementRecord(statement, status, reason, error, text_field(event, "stdout"), text_field(event, "stderr"),
                           int(number_field(event, "dropped_bytes")), number_field(event, "seconds"))


def find_death(events: list[dict], plans: list[CellPlan]) -> KernelDeath | None:
    event = next((e for e in events if e["event"] == "kernel_death"), None)
    if event is None:
        return None
    during = event.get("during") if isinstance(event.get("during"), dict) else {}
    reason, detail = text_field(event, "reason") or "the kernel died", text_field(event, "detail")[-4000:]
    if _statement_by_id(plans, during.get("statement")) is not None:
        return death_in(plans, ("statement", during["statement"]), reason, detail)
    if isinstance(during.get("probe"), str):
        return death_in(plans, ("probe", during["probe"]), reason, detail)
    return KernelDeath(reason, "kernel start", detail=detail)


def death_in(plans: list[CellPlan], running: tuple[str, str], reason: str, detail: str = "") -> KernelDeath:
    """The kernel's death while `running` ("statement", id) or ("probe", name) ran."""
    kind, name = running
    statement = _statement_by_id(plans, name) if kind == "statement" else None
    if statement is not None:
        return KernelDeath(reason, statement.where(), cell=statement.cell, detail=detail, statement=statement.id)
    return KernelDeath(reason, f"probe {name}", probe=name, detail=detail)


def _statement_by_id(plans: list[CellPlan], statement_id) -> Statement | None:
    for plan in plans:
        for statement in plan.statements:
            if statement.id == statement_id:
                return statement
    return None


def running_when_stopped(events: list[dict]) -> tuple[str, str] | None:
    """("statement", id) or ("probe", name) that had started and not finished, if any."""
    pending = None
    for event in events:
        kind = event["event"]
        if kind == "statement_started":
            pending = ("statement", event.get("id"))
        elif kind == "probe_started":
            pending = ("probe", event.get("name"))
        elif kind in ("statement", "probe", "kernel_death"):
            pending = None
    return pending


def event_time(events: list[dict], name: str) -> float | None:
    for event in events:
        if event["event"] == name and isinstance(event.get("time"), (int, float)):
            return float(event["time"])
    return None
