"""Grader side of running a submission: write the job, run the sandbox, read what came back.

`run_submission` turns a loaded notebook, its helper files and the grader's
probes into an `ExecutionResult`. Whatever the submission does (raise,
loop, print without end, exhaust memory, kill its kernel, outlive the wall
limit), the answer is a field of the result, never an exception in the
grader. Only a mistake of the grader's own (a malformed probe) raises.

The job folder:
    launch.json       what the driver needs to start the kernel: interpreter, limits, event log
    job.json          statements to run, probes (written before the driver is told "go")
    inputs/           probe inputs (.npz, written here)
    helpers/          the submission's helper .py files, copied into work/ by the driver
    data/             the grading data in the layouts data cells look for (staged_data), copied into work/
    work/             the kernel's cwd and HOME (in the sandbox a tmpfs of limits.scratch_mb)
    out/              execution-N.jsonl (N: the attempt) and the probes' .npz/.json, written by the
                      driver through an inherited descriptor (read-only in the sandbox)
    tmp/              TMPDIR when unsandboxed (the sandbox has its own tmpfs /tmp)
    driver.log        the driver's own stdout/stderr (host side)
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.execution import records
from autograder.execution.attempts import MIN_WALL_FOR_A_RESTART_S, Attempt, merge_events
from autograder.execution.cells import CellPlan, plan_notebook
from autograder.execution.job_folder import lay_out_job, write_job, write_job_file
from autograder.execution.launcher import CannotLaunch, Launcher, LaunchSettings, resolve_launch
from autograder.execution.limits import SandboxLimits
from autograder.execution.module_plan import ModuleStatement, plan_modules
from autograder.execution.probes_protocol import (
    Probe,
    ProbeResult,
    blocked_reason,
    limited_in_work,
    read_probe_outputs,
    validate_probes,
)
from autograder.execution.records import ExecutionResult
from autograder.execution.standby import KernelStandby


def run_submission(
    notebook,
    helper_files: Mapping[str, str | bytes] | None = None,
    skip_calls: Iterable[str] = (),
    probes: Iterable[Probe] = (),
    limits: SandboxLimits | None = None,
    kernel_python: str | None = None,
    sandbox: bool = True,
    workdir: Path | None = None,
    gpu: bool = False,
    datasets: tuple[str, ...] = (),
    standby: KernelStandby | None = None,
) -> ExecutionResult:
    """Run a notebook's definitions and then the probes in a sandboxed kernel.

    notebook: a loaded nbformat notebook. helper_files: relative path ->
    content, placed in the kernel's cwd (`cs231n/gan_pytorch.py`). skip_calls:
    the pack's training/plotting entry points (see cells.py). sandbox=False
    runs without bubblewrap (`--no-sandbox`) and says so in the result.
    workdir: an empty or missing folder to use and keep for the job; by
    default a temporary one is removed afterwards. datasets: the data sets
    ("mnist", "celeba") whose grading data is staged in the kernel's folder.
    standby: a batch worker's sandbox started ahead; this run takes it when
    it suits, and starts the one for the next submission.
    """
    limits = limits or SandboxLimits()
    probes = [limited_in_work(probe, limits.threads) for probe in probes]
    validate_probes(probes)
    plans = plan_notebook(notebook, skip_calls)
    modules = plan_modules(helper_files or {}, skip_calls)
    started = time.time()
    try:
        settings = resolve_launch(limits, kernel_python or sys.executable, sandbox, gpu)
    except CannotLaunch as exc:
        return _nothing_ran(plans, probes, limits, started, str(exc), exc.sandboxed, graders_trouble=True)
    warm = standby.take(settings) if standby is not None and workdir is None else None
    if standby is not None:
        standby.start_next(settings)   # it starts while this submission grades
    keep = workdir is not None
    if warm is not None:
        job_dir = warm.job_dir
    else:
        job_dir = Path(workdir).resolve() if workdir is not None else Path(tempfile.mkdtemp(prefix="gangrade-job-"))
        lay_out_job(job_dir)
    job = Job(plans, modules, helper_files or {}, probes, datasets)
    try:
        return _run(job, RunContext(settings, job_dir, started), warm.launcher if warm else None)
    finally:
        if warm is not None:
            warm.launcher.close()
        if not keep:
            shutil.rmtree(job_dir, ignore_errors=True)


@dataclass(frozen=True)
class Job:
    """What one submission's run executes: its planned cells and helper modules, and the pack's probes."""

    plans: list[CellPlan]
    modules: dict[str, list[ModuleStatement]]
    helper_files: Mapping[str, str | bytes]
    probes: list[Probe]
    datasets: tuple[str, ...]    # the data sets whose grading data is staged in the kernel's folder


@dataclass(frozen=True)
class RunContext:
    """Where and how a job runs: the launch settings, its folder, and when it started (time.time())."""

    settings: LaunchSettings
    job_dir: Path
    started: float

    @property
    def sandboxed(self) -> bool:
        return self.settings.support is not None


def _run(job: Job, run: RunContext, launcher: Launcher | None) -> ExecutionResult:
    plans, probes, limits, started, job_dir = job.plans, job.probes, run.settings.limits, run.started, run.job_dir
    problem = write_job(job_dir, job.helper_files, probes, job.datasets)
    if problem:
        return _nothing_ran(plans, probes, limits, started, problem, run.sandboxed)
    attempts: list[Attempt] = []
    left_out: set[str] = set()          # statements that killed a kernel
    answered: set[str] = set()          # probes answered (or that killed a kernel) in an earlier attempt
    enforcement: dict[str, str] = {}
    try:
        launcher = launcher or Launcher(run.settings, job_dir)
        with launcher:
            enforcement = launcher.enforcement
            while True:
                write_job_file(job_dir, plans, job.modules, probes, left_out, answered)
                attempt = launcher(len(attempts), plans, limits.wall_s - (time.time() - started))
                attempts.append(attempt)
                killer = attempt.killer()
                wall_left = limits.wall_s - (time.time() - started)
                if (attempt.wall_hit or killer is None or len(attempts) > limits.kernel_restarts
                        or wall_left < MIN_WALL_FOR_A_RESTART_S):
                    break
                attempt.death.restarted = True
                kind, name = killer
                if kind == "statement":
                    left_out.add(name)
                else:
                    answered |= attempt.answered_probes() | {name}
    except OSError as exc:  # cgroups, files or the launch itself
        reason = f"the sandbox could not be run: {exc}"
        return _nothing_ran(plans, probes, limits, started, reason, run.sandboxed, enforcement, graders_trouble=True)
    return _collect(job, run, enforcement, attempts)


def _nothing_ran(plans: list[CellPlan], probes: list[Probe], limits: SandboxLimits, started: float, reason: str,
                 sandboxed: bool, enforcement: dict[str, str] | None = None,
                 graders_trouble: bool = False) -> ExecutionResult:
    """The result of a run that never reached the kernel: every statement and probe not run, and why.

    `graders_trouble`: the cause is the grading machine's (no sandbox, a kernel Python that cannot be
    used), so the probes' checks are not graded rather than failed.
    """
    not_run = f"not run: {reason}"
    result = ExecutionResult(records.build_records(plans, [], [], not_run),
                             {p.name: ProbeResult(p.name, error=not_run, graders_trouble=graders_trouble)
                              for p in probes},
                             [], sandboxed, limits, enforcement or {}, error=reason)
    result.timings.total_s = time.time() - started
    return result


def _collect(job: Job, run: RunContext, enforcement: dict[str, str], attempts: list[Attempt]) -> ExecutionResult:
    limits, out_dir = run.settings.limits, run.job_dir / "out"
    last = attempts[-1]
    events = merge_events(attempts)
    deaths = [attempt.death for attempt in attempts if attempt.death is not None]
    error = f"stopped at the wall limit of {limits.wall_s:g} s" if last.wall_hit else last.early_end
    pending = records.running_when_stopped(last.events) if last.wall_hit else None
    if last.death is not None:
        not_run = f"not run: {last.death.describe()}"
    else:
        not_run = f"not run: {error}" if error else "not run"

    cells = records.build_records(job.plans, events, deaths, not_run)
    if pending and pending[0] == "statement":
        for record in (r for cell in cells for r in cell.statements):
            if record.statement.id == pending[1]:
                record.status, record.reason = "timeout", f"was running when {error}"
                record.error = records.ErrorInfo("Timeout", record.reason)
    starved = _mark_starved_statements(cells, events)
    probe_events = {e.get("name"): e for e in events if e["event"] == "probe"}
    killed_by = {death.probe: death for death in deaths if death.probe is not None}
    results = {}
    for probe in job.probes:
        if pending == ("probe", probe.name):   # a probe limited in work that the wall limit cut short was starved
            results[probe.name] = ProbeResult(probe.name, error=f"was running when {error}",
                                              graders_trouble=probe.cpu_timeout is not None)
            continue
        late_stdout = "".join(text for stream, text, _ in records.late_output(events, "probe", probe.name)
                              if stream == "stdout")
        result = _probe_result(probe, probe_events.get(probe.name), late_stdout, out_dir, limits,
                               killed_by.get(probe.name), not_run)
        # Checks the machine kept from running, or that ran without definitions a starved statement
        # never made, are its trouble: not graded, and graded again by the next run.
        unjudged = last.wall_hit and probe.name not in probe_events
        if result.error and not result.graders_trouble and (unjudged or starved):
            why = "the run reached its wall limit" if unjudged else "a statement was starved of CPU by a busy machine"
            result = ProbeResult(probe.name, error=f"{result.error} ({why})", stdout=result.stdout,
                                 seconds=result.seconds, graders_trouble=True)
        results[probe.name] = result

    notes = list(dict.fromkeys(records.text_field(e, "text") for e in events if e["event"] == "note"))
    dropped = sum(r.dropped_bytes for cell in cells for r in cell.statements)
    if dropped:
        notes.append(f"{dropped} bytes of printed output were over the limits and not kept")
    if any(attempt.damaged for attempt in attempts):
        notes.append("part of the sandbox's event log was unreadable and was ignored")
    peaks = [attempt.peak_memory_mb for attempt in attempts if attempt.peak_memory_mb is not None]
    result = ExecutionResult(cells, results, deaths, run.sandboxed, limits, enforcement, notes=notes, error=error,
                             wall_limit_hit=last.wall_hit, peak_memory_mb=max(peaks) if peaks else None,
                             modules=records.build_module_records(job.modules, events))
    _fill_timings(result.timings, attempts[0], last, run.started)
    return result


def _mark_starved_statements(cells: list, events: list[dict]) -> bool:
    """Statements stopped by the wall backstop: blocked (the student's timeout) or starved (the machine's).

    Returns whether any was starved; its record then says so, in place of a timeout.
    """
    stopped = {e.get("id"): e for e in events if e["event"] == "statement" and e.get("status") == "timeout"
               and e.get("limit") == "wall"}
    starved = False
    for record in (r for cell in cells for r in cell.statements if r.statement.id in stopped):
        event = stopped[record.statement.id]
        used, seconds = records.number_field(event, "cpu_seconds"), records.number_field(event, "seconds")
        waiting = blocked_reason(used, seconds)
        starved = starved or waiting is None
        record.reason = waiting or (
            f"the grading machine was too busy: {seconds:.0f} s went by while it used {used:.1f} CPU seconds")
        record.error = records.ErrorInfo("Timeout", record.reason)
    return starved


def _probe_result(probe: Probe, event: dict | None, late_stdout: str, out_dir: Path, limits: SandboxLimits,
                  death: records.KernelDeath | None, not_run: str) -> ProbeResult:
    if event is None:   # not run; or the whole sandbox ended while it ran (`death`), leaving no record
        return ProbeResult(probe.name, error=f"kernel died: {death.reason}" if death else not_run)
    stdout, seconds = records.text_field(event, "stdout") + late_stdout, records.number_field(event, "seconds")
    status = event.get("status")
    if status == "ok":
        outputs, info, error = read_probe_outputs(out_dir, probe.name, limits.probe_output_mb << 20)
        return ProbeResult(probe.name, outputs, info, error, stdout, seconds)
    if status == "timeout" and probe.cpu_timeout is not None:
        used = records.number_field(event, "cpu_seconds")
        waiting = blocked_reason(used, seconds) if event.get("limit") == "wall" else None
        if waiting:
            error = waiting
        elif event.get("limit") == "wall":   # the budget is work: running out of wall time first is the machine's
            error = (f"the grading machine was too busy: {probe.timeout:g} s went by while the code used "
                     f"{used:.2f} of its {probe.cpu_timeout:g} CPU seconds")
            return ProbeResult(probe.name, error=error, stdout=stdout, seconds=seconds, graders_trouble=True)
        else:
            error = f"timed out: used its whole budget of {probe.cpu_timeout:g} CPU seconds"
    elif status == "timeout":
        error = f"timed out after {probe.timeout:g} s"
    elif status == "hung":
        error = death.reason if death else f"timed out after {probe.timeout:g} s and the kernel was stopped"
    elif status == "died":
        error = f"kernel died: {death.reason if death else 'unknown cause'}"
    else:
        error = _probe_error(records.error_field(event))
    return ProbeResult(probe.name, error=error, stdout=stdout, seconds=seconds)


def _probe_error(error: records.ErrorInfo | None) -> str:
    """"Type: message", with the notebook line it came from when the traceback names one."""
    if error is None:
        return "the probe failed"
    frames = records.NOTEBOOK_FRAME.findall(error.traceback)
    return f"{error} (at {frames[-1]})" if frames else str(error)


def _fill_timings(timings: records.Timings, first: Attempt, last: Attempt, started: float) -> None:
    """Sandbox and kernel start from the first attempt; statements and probes from the one that ran last.

    A sandbox started ahead (`standby`) started before this grade did: its start is reported, and
    `warm_start` says that this grade did not wait for it.
    """
    driver = records.event_time(first.events, "driver_started")
    kernel = records.event_time(first.events, "kernel_ready")
    if driver is not None:
        timings.sandbox_start_s = driver - first.launched
    if kernel is not None and driver is not None:
        timings.kernel_start_s = kernel - driver
    timings.warm_start = first.launched < started
    job = records.event_time(last.events, "job_started")
    statements = records.event_time(last.events, "statements_done")
    probes = records.event_time(last.events, "probes_done")
    if statements is not None and job is not None:
        timings.statements_s = statements - job
    if probes is not None and statements is not None:
        timings.probes_s = probes - statements
    timings.total_s = time.time() - started
