"""Grader side of running a submission: write the job, run the sandbox, read what came back.

`run_submission` turns a loaded notebook, its helper files and the grader's
probes into an `ExecutionResult`. Whatever the submission does (raise,
loop, print without end, exhaust memory, kill its kernel, outlive the wall
limit), the answer is a field of the result, never an exception in the
grader. Only a mistake of the grader's own (a malformed probe) raises.

The job folder:
    job.json          statements to run, probes, limits, kernel interpreter
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

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import autograder
from autograder.execution import records
from autograder.execution.attempts import (
    MIN_WALL_FOR_A_RESTART_S,
    Attempt,
    merge_events,
    read_attempt,
)
from autograder.execution.cells import CellPlan, plan_notebook
from autograder.execution.cgroups import cpu_shared, make_cgroups
from autograder.execution.job_folder import write_job, write_job_file
from autograder.execution.limits import (
    SandboxLimits,
    describe_enforcement,
    launcher_prefix,
    rlimit_arguments,
)
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
from autograder.execution.sandbox import (
    HIDDEN_PACKAGES,
    SANDBOX_PACKAGE_ROOT,
    UNPRIVILEGED_UID,
    PythonEnvironment,
    SandboxSupport,
    build_bwrap_command,
    describe_python,
    detect_sandbox,
    drop_privileges_prefix,
    kernel_environment,
)
from autograder.packs import reference_packages
from autograder.paths import PROJECT_ROOT, assignments_dir, fixtures_dir

PACKAGE_DIR = Path(autograder.__file__).resolve().parent
# Parts of a source checkout that student code must never see.
HIDDEN_PROJECT_PARTS = ("reference", "grading_fixtures", "assignments", "tests", ".git")


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
) -> ExecutionResult:
    """Run a notebook's definitions and then the probes in a sandboxed kernel.

    notebook: a loaded nbformat notebook. helper_files: relative path ->
    content, placed in the kernel's cwd (`cs231n/gan_pytorch.py`). skip_calls:
    the pack's training/plotting entry points (see cells.py). sandbox=False
    runs without bubblewrap (`--no-sandbox`) and says so in the result.
    workdir: an empty or missing folder to use and keep for the job; by
    default a temporary one is removed afterwards. datasets: the data sets
    ("mnist", "celeba") whose grading data is staged in the kernel's folder.
    """
    limits = limits or SandboxLimits()
    probes = [limited_in_work(probe, limits.threads) for probe in probes]
    validate_probes(probes)
    plans = plan_notebook(notebook, skip_calls)
    modules = plan_modules(helper_files or {}, skip_calls)
    started = time.time()
    keep = workdir is not None
    job_dir = Path(workdir).resolve() if workdir is not None else Path(tempfile.mkdtemp(prefix="gangrade-job-"))
    try:
        return _run(plans, modules, helper_files or {}, probes, limits, kernel_python or sys.executable, sandbox,
                    job_dir, gpu, datasets, started)
    finally:
        if not keep:
            shutil.rmtree(job_dir, ignore_errors=True)


def _run(plans: list[CellPlan], modules: dict[str, list[ModuleStatement]], helper_files: Mapping[str, str | bytes],
         probes: list[Probe], limits: SandboxLimits, kernel_python: str, sandbox: bool, job_dir: Path, gpu: bool,
         datasets: tuple[str, ...], started: float) -> ExecutionResult:
    support = detect_sandbox() if sandbox else None
    if support is not None and not support.available:
        return _nothing_ran(plans, probes, limits, started, f"the sandbox is not available: {support.reason}", False,
                            graders_trouble=True)
    try:
        kernel_env = describe_python(kernel_python, _hidden_packages())
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        reason = f"the kernel's Python {kernel_python} could not be used: {exc}"
        return _nothing_ran(plans, probes, limits, started, reason, sandbox, graders_trouble=True)
    problem = write_job(job_dir, helper_files, probes, datasets)
    if problem:
        return _nothing_ran(plans, probes, limits, started, problem, sandbox)

    # Without bubblewrap (no namespaces, e.g. in some containers) a root grader still runs the kernel as an
    # unprivileged user, so the files only root may read (the reference, the course) stay out of its reach.
    as_root = bool(support and support.as_root) or (support is None and _can_drop_privileges(kernel_python))
    cgroups = support.cgroups if support else None
    enforcement = describe_enforcement(limits, cgroups=cgroups, cpu_shared=bool(cgroups) and cpu_shared(cgroups),
                                       gpu=gpu, limit_processes=as_root,
                                       have_prlimit=shutil.which("prlimit") is not None)
    attempts: list[Attempt] = []
    left_out: set[str] = set()          # statements that killed a kernel
    answered: set[str] = set()          # probes answered (or that killed a kernel) in an earlier attempt
    try:
        with _Launcher(support, job_dir, kernel_python, kernel_env, limits, gpu, cgroups, as_root,
                       enforcement) as launch:
            while True:
                write_job_file(job_dir, plans, modules, probes, limits, kernel_python, launch.out_fd,
                                len(attempts), left_out, answered)
                attempt = launch(len(attempts), plans, limits.wall_s - (time.time() - started))
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
        return _nothing_ran(plans, probes, limits, started, reason, support is not None, enforcement,
                            graders_trouble=True)
    return _collect(plans, modules, probes, limits, job_dir, support is not None, enforcement, started, attempts)


class _Launcher:
    """Launches attempts: cgroups made for each, the sandbox (or the bare driver) run, its log read.

    It holds a descriptor of out/ open for the driver, which inherits it: in the sandbox out/ is
    read-only, so that descriptor is the only way anything is written there (driver.Outbox).
    """

    def __init__(self, support: SandboxSupport | None, job_dir: Path, kernel_python: str,
                 kernel_env: PythonEnvironment, limits: SandboxLimits, gpu: bool, cgroups: str | None, as_root: bool,
                 enforcement: dict[str, str]):
        self.support, self.job_dir, self.limits, self.cgroups = support, job_dir, limits, cgroups
        self.enforcement = enforcement
        self.as_root = as_root
        if support is not None:
            self.command, self.environment = _sandboxed_command(support, job_dir, kernel_python, kernel_env,
                                                                limits, gpu)
            enforcement["isolation"] = f"bubblewrap: {support.reason}"
        else:
            self.command, self.environment = _unsandboxed_command(job_dir, kernel_python, limits, gpu)
            if as_root:
                self.command = [*drop_privileges_prefix(shutil.which("setpriv")), *self.command]
            enforcement["isolation"] = ("no sandbox; the kernel runs as an unprivileged user (uid "
                                        f"{UNPRIVILEGED_UID}) under rlimits" if as_root
                                        else "none: no sandbox, and the kernel runs as the grader's own user")
        self.rlimits = rlimit_arguments(limits, use_cgroups=bool(cgroups), gpu=gpu, limit_processes=as_root)
        self.out_fd = -1

    def __enter__(self) -> _Launcher:
        self.out_fd = os.open(self.job_dir / "out", os.O_RDONLY | os.O_DIRECTORY)
        return self

    def __exit__(self, *exc_info) -> None:
        os.close(self.out_fd)

    def __call__(self, number: int, plans: list[CellPlan], wall_left: float) -> Attempt:
        cgroups = make_cgroups(self.cgroups, self.limits) if self.cgroups else None
        launched = time.time()
        try:
            if cgroups is not None:
                cgroups.create()
            if self.as_root:
                _give_to_sandbox_user(self.job_dir)
            command = launcher_prefix(cgroups.procs_files() if cgroups else [], self.rlimits) + self.command
            exit_status, wall_hit = _launch(command, self.environment, self.job_dir, wall_left, self.out_fd)
            return read_attempt(number, self.job_dir, plans, self.limits, launched, exit_status, wall_hit, cgroups)
        finally:
            if cgroups is not None:
                leftover = cgroups.kill_and_remove()
                if leftover:
                    self.enforcement["cleanup"] = f"{leftover} processes were still running and were killed"


def _hidden_packages() -> tuple[str, ...]:
    """The packages no student kernel may import: the reference, the bundled course, every pack's reference."""
    return tuple(dict.fromkeys(HIDDEN_PACKAGES + reference_packages()))


def _driver_command(job_dir: Path) -> list[str]:
    return [sys.executable, "-m", "autograder.execution.driver", str(job_dir)]


def _sandboxed_command(support: SandboxSupport, job_dir: Path, kernel_python: str, kernel_env: PythonEnvironment,
                       limits: SandboxLimits, gpu: bool) -> tuple[list[str], dict[str, str]]:
    """The bwrap command line; its environment is set inside by --setenv, so bwrap itself gets none."""
    environment = kernel_environment(home=job_dir / "work", tmp=Path("/tmp"), python_path=SANDBOX_PACKAGE_ROOT,
                                     kernel_python=kernel_python, threads=limits.threads, gpu=gpu)
    hidden = [PROJECT_ROOT / part for part in HIDDEN_PROJECT_PARTS if (PROJECT_ROOT / part).exists()]
    hidden += [folder for folder in (assignments_dir(), fixtures_dir()) if folder.exists()]   # a course's own
    command = build_bwrap_command(
        bwrap=support.bwrap, command=_driver_command(job_dir), job_dir=job_dir, package_dir=PACKAGE_DIR,
        pythons=[describe_python(sys.executable, _hidden_packages()), kernel_env], environment=environment,
        hidden_paths=hidden,
        as_root=support.as_root, tmp_size_mb=limits.memory_mb, scratch_size_mb=limits.scratch_mb, gpu=gpu,
        setpriv=shutil.which("setpriv") or "setpriv")
    return command, {}


def _unsandboxed_command(job_dir: Path, kernel_python: str, limits: SandboxLimits,
                         gpu: bool) -> tuple[list[str], dict[str, str]]:
    """The driver run directly (--no-sandbox), with the same whitelisted environment."""
    (job_dir / "pkg").mkdir()
    (job_dir / "pkg" / PACKAGE_DIR.name).symlink_to(PACKAGE_DIR)
    environment = kernel_environment(home=job_dir / "work", tmp=job_dir / "tmp", python_path=str(job_dir / "pkg"),
                                     kernel_python=kernel_python, threads=limits.threads, gpu=gpu)
    return _driver_command(job_dir), environment


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


@functools.cache
def _can_drop_privileges(kernel_python: str) -> bool:
    """Root, setpriv, and an unprivileged user that can run the driver and the kernel's Python.

    The last fails where an interpreter lives below a private folder (a pyenv under /root): then
    there is no user to drop to, and the kernel runs as the grader does (the report says so).
    """
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return False
    # As the driver does: import it, then start the kernel's Python from it.
    driver = (f"import subprocess, sys; sys.path.insert(0, {str(PACKAGE_DIR.parent)!r}); "
              "import autograder.execution.driver; "
              f"sys.exit(subprocess.run([{kernel_python!r}, '-c', 'import ipykernel']).returncode)")
    try:
        done = subprocess.run([*drop_privileges_prefix(setpriv), sys.executable, "-c", driver], cwd="/",
                              capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _give_to_sandbox_user(job_dir: Path) -> None:
    """work/, out/ and tmp/ belong to the sandbox's uid; the rest stays root's and read-only to it."""
    for name in ("work", "out", "tmp"):
        for folder, _, files in os.walk(job_dir / name):
            os.chown(folder, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
            for file in files:
                os.chown(os.path.join(folder, file), UNPRIVILEGED_UID, UNPRIVILEGED_UID)


def _launch(command: list[str], env: dict[str, str], job_dir: Path, wall_s: float,
            out_fd: int) -> tuple[int | None, bool]:
    """Run the command in its own process group; at the wall limit SIGKILL the group.

    SIGKILL, because a driver or kernel may handle SIGTERM. Inside the
    sandbox, bwrap's --die-with-parent and the pid namespace take every
    process with it.
    """
    with open(job_dir / "driver.log", "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=job_dir / "work", stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, start_new_session=True, pass_fds=(out_fd,))
        try:
            return process.wait(timeout=max(wall_s, 0.1)), False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            return None, True


def _collect(plans: list[CellPlan], modules: dict[str, list[ModuleStatement]], probes: list[Probe],
             limits: SandboxLimits, job_dir: Path, sandboxed: bool, enforcement: dict[str, str], started: float,
             attempts: list[Attempt]) -> ExecutionResult:
    out_dir = job_dir / "out"
    last = attempts[-1]
    events = merge_events(attempts)
    deaths = [attempt.death for attempt in attempts if attempt.death is not None]
    error = f"stopped at the wall limit of {limits.wall_s:g} s" if last.wall_hit else last.early_end
    pending = records.running_when_stopped(last.events) if last.wall_hit else None
    if last.death is not None:
        not_run = f"not run: {last.death.describe()}"
    else:
        not_run = f"not run: {error}" if error else "not run"

    cells = records.build_records(plans, events, deaths, not_run)
    if pending and pending[0] == "statement":
        for record in (r for cell in cells for r in cell.statements):
            if record.statement.id == pending[1]:
                record.status, record.reason = "timeout", f"was running when {error}"
                record.error = records.ErrorInfo("Timeout", record.reason)
    starved = _mark_starved_statements(cells, events)
    probe_events = {e.get("name"): e for e in events if e["event"] == "probe"}
    killed_by = {death.probe: death for death in deaths if death.probe is not None}
    results = {}
    for probe in probes:
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
    result = ExecutionResult(cells, results, deaths, sandboxed, limits, enforcement, notes=notes, error=error,
                             wall_limit_hit=last.wall_hit, peak_memory_mb=max(peaks) if peaks else None,
                             modules=records.build_module_records(modules, events))
    _fill_timings(result.timings, attempts[0], last, started)
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
    """Sandbox and kernel start from the first attempt; statements and probes from the one that ran last."""
    driver = records.event_time(first.events, "driver_started")
    kernel = records.event_time(first.events, "kernel_ready")
    if driver is not None:
        timings.sandbox_start_s = driver - first.launched
    if kernel is not None and driver is not None:
        timings.kernel_start_s = kernel - driver
    kernel = records.event_time(last.events, "kernel_ready")
    statements = records.event_time(last.events, "statements_done")
    probes = records.event_time(last.events, "probes_done")
    if statements is not None and kernel is not None:
        timings.statements_s = statements - kernel
    if probes is not None and statements is not None:
        timings.probes_s = probes - statements
    timings.total_s = time.time() - started
