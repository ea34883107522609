"""The program that runs inside the sandbox: `python -m autograder.execution.driver JOB_DIR`.

It reads `JOB_DIR/launch.json` and starts an IPython kernel with
jupyter_client. A sandbox started ahead of its submission (`standby`) then
warms the kernel up (torch's first optimizer step) without binding a name in
the notebook. The driver waits for the grader's word on its stdin ("go",
once the job is written; end of input: the grader gave it up), reads
`JOB_DIR/job.json`, runs the notebook's statements one at a time (a timeout
interrupts the kernel and the next statement runs), then the grader's
probes, and writes what happened to its event log (`execution-N.jsonl`, N
the attempt): one JSON record per line, flushed as it goes, so a run killed
at the wall limit still leaves the records up to that point.

Everything the driver hands back goes through the outbox: a descriptor of
the grader's output folder, inherited from the grader (`out_fd` in
job.json), which is not otherwise writable in the sandbox. The driver makes
itself non-dumpable first, so the kernel, running as the same user, can
neither open that descriptor through /proc nor trace the driver: the
kernel cannot forge the event log or write on the grader's disk. A probe
writes its arrays and info into the kernel's own scratch folder
(`probe_runtime.run_probe`); the driver copies them, size-capped, into the
outbox.

Output that ipykernel sends after an execution reported idle (it flushes
from a thread) is still credited to that statement or probe
(`late_output` records; the kernel itself is driven by `kernel_session`).

A dead kernel (os._exit, a segfault, the OOM killer) or one that ignores an
interrupt ends the run: the death is recorded with the statement or probe
it happened in, and the grader launches a fresh sandbox without it
(`attempts`).

jupyter_client is used directly rather than nbclient because the driver
needs to cap output while it streams in and to decide per statement what
to do after a timeout.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import time
from pathlib import Path

from autograder.execution.kernel_session import KernelSession, Outcome, OutputBudget
from autograder.execution.probes_protocol import WALL_BACKSTOP_FACTOR, info_filename, outputs_filename


def kernel_module(name: str) -> str:
    """An expression for one of gangrade's kernel-side modules that binds no name in the notebook."""
    return f"__import__('autograder.execution.{name}', fromlist=['_'])"


IN_KERNEL = kernel_module("probe_runtime")
MAX_MODULE_EVENTS = 500      # the kernel's word on its modules: read as untrusted, and capped
STAGED_MNIST = "MNIST_data"   # staged_data.MNIST_FOLDER (the driver imports nothing of the grader's side)
PR_SET_DUMPABLE = 4


def make_undumpable() -> None:
    """Keep processes of the same user (the kernel) out of /proc/<driver>/fd and away from ptrace."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: there is no sandbox to keep it in either
        pass


class Outbox:
    """Files handed to the grader, created through the inherited descriptor of its output folder."""

    def __init__(self, fd: int):
        self.fd = fd

    def open(self, name: str, mode: str):
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if "a" in mode else os.O_TRUNC)
        return os.fdopen(os.open(name, flags, 0o644, dir_fd=self.fd), mode)

    def take(self, source: Path, name: str, max_bytes: int) -> bool:
        """Copy a file the kernel wrote into the outbox; False when it is missing or over max_bytes."""
        try:   # not through a link the kernel planted
            with os.fdopen(os.open(source, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError:
            return False
        if len(data) > max_bytes:
            return False
        with self.open(name, "wb") as handle:
            handle.write(data)
        return True


class EventLog:
    """The event log: one flushed JSON object per line."""

    def __init__(self, outbox: Outbox, name: str):
        self.handle = outbox.open(name, "a")

    def write(self, event: str, **fields) -> None:
        self.handle.write(json.dumps({"event": event, "time": time.time(), **fields}) + "\n")
        self.handle.flush()


# Seeded before the notebook runs: networks and weights a notebook makes at top level (module
# instances, weight globals) then start the same on every grade, and so does their brief training.
SEED_RANDOMNESS = "import random, numpy, torch; random.seed(0); numpy.random.seed(0); torch.manual_seed(0)"


def seed_randomness(session: KernelSession) -> None:
    session.execute("", 60.0, "seed", "gangrade", user_expressions={"seed": f"exec({SEED_RANDOMNESS!r}, {{}})"})


def evaluate(session: KernelSession, label: str, expression: str, timeout: float = 30.0):
    """The value of a gangrade expression evaluated in the kernel (a Python literal), or None.

    The kernel runs student code, so its answer is parsed as a literal, never trusted further.
    """
    outcome = session.execute("", timeout, label, "gangrade", user_expressions={"value": expression})
    answer = outcome.user_expressions.get("value", {})
    if answer.get("status") != "ok":
        return None
    try:
        return ast.literal_eval(answer.get("data", {}).get("text/plain", "None"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def install_import_hooks(session: KernelSession, job: dict, work_dir: Path) -> None:
    """The submission's modules run statement by statement; torchvision and its MNIST work offline."""
    mnist_dir = str(work_dir / STAGED_MNIST)
    scratch = os.environ.get("TMPDIR", "/tmp")
    evaluate(session, "hooks", f"({kernel_module('kernel_imports')}.install({str(work_dir)!r}, "
                               f"{json.dumps(job['modules'])!r}), "
                               f"{kernel_module('kernel_offline')}.install({mnist_dir!r}, {scratch!r}))", timeout=60.0)


def take_module_events(session: KernelSession, log: EventLog) -> None:
    """Record what the submission's modules did when the notebook imported them."""
    text = evaluate(session, "modules", f"{kernel_module('kernel_imports')}.take_events()")
    try:
        events = json.loads(text) if isinstance(text, str) else []
    except ValueError:
        return
    for event in events[:MAX_MODULE_EVENTS] if isinstance(events, list) else []:
        if isinstance(event, dict):
            log.write("module_statement" if "index" in event else "module_imported", **{
                key: event[key] for key in ("module", "index", "status", "error") if key in event})


def fix_cuda_dtype(session: KernelSession, log: EventLog) -> None:
    """Swap a torch.cuda tensor type in `dtype` for its CPU type when CUDA is missing."""
    note = evaluate(session, "dtype-fix", f"{IN_KERNEL}.fix_cuda_dtype(globals())")
    if isinstance(note, str):
        log.write("note", text=note)


def run_job(job_dir: Path) -> int:
    make_undumpable()
    launch = json.loads((job_dir / "launch.json").read_text(encoding="utf-8"))
    outbox = Outbox(launch["out_fd"])
    log = EventLog(outbox, launch["event_log"])
    log.write("driver_started", pid=os.getpid())
    limits = launch["limits"]
    budget = OutputBudget(limits["output_per_cell_bytes"], limits["output_total_bytes"])
    tmp_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    work_dir = job_dir / launch["work_dir"]
    session = start_kernel(launch, work_dir, tmp_dir, budget, log)
    if session is None:
        return 0
    try:
        if launch.get("warm_up"):
            warm_up(session)
            if not session.alive():   # ended here, it is thrown away (standby.take), never blamed on a submission
                log.write("kernel_death", during={"kernel_start": True}, reason=session.death_reason(), detail="")
                return 0
            log.write("warmed_up")
        if sys.stdin.buffer.readline().strip() != b"go":
            return 0   # the grader gave this sandbox up before it had a job
        run_statements_and_probes(job_dir, work_dir, tmp_dir, session, log, outbox, limits)
    finally:
        session.shutdown()
    log.write("finished")
    return 0


def start_kernel(launch: dict, work_dir: Path, tmp_dir: Path, budget: OutputBudget,
                 log: EventLog) -> KernelSession | None:
    """A started kernel, or None when it did not start (the event log says why)."""
    limits = launch["limits"]
    session = None
    try:
        session = KernelSession(launch["kernel_python"], work_dir, tmp_dir, budget, limits["interrupt_grace_s"])
        session.start(limits["kernel_start_timeout_s"])
    except Exception as exc:  # any failure to start is the run's result, not a crash
        started = session is not None and session.client is not None
        reason = session.death_reason() if started and not session.alive() else f"the kernel did not start: {exc}"
        detail = session.stderr_tail() if session is not None else ""
        if detail.strip():  # the kernel's own last words say why, e.g. "No module named ipykernel_launcher"
            reason += f": {detail.strip().splitlines()[-1]}"
        log.write("kernel_death", during={"kernel_start": True}, reason=reason, detail=detail)
        if session is not None:
            session.shutdown()
        return None
    log.write("kernel_ready")
    session.on_late_output = lambda owner, stream, text, dropped: log.write(
        "late_output", owner=owner, stream=stream, text=text, dropped_bytes=dropped)
    return session


# What graded notebooks pay first: torch's import, its first optimizer (which imports torch's
# compiler stack, about 1 s) and pyplot (on the sandbox's Agg backend, as a notebook would get it).
# Run in a scratch namespace, before the notebook's seed is set.
WARM_UP = ("import numpy, torch\n"
           "layer = torch.nn.Linear(2, 2)\n"
           "optimizer = torch.optim.Adam(layer.parameters())\n"
           "layer(torch.zeros(1, 2)).sum().backward()\n"
           "optimizer.step()\n"
           "try:\n"
           "    import matplotlib.pyplot\n"
           "except Exception:\n"
           "    pass\n")


def warm_up(session: KernelSession) -> None:
    session.execute("", 120.0, "warm-up", "gangrade", user_expressions={"warm": f"exec({WARM_UP!r}, {{}})"})


def run_statements_and_probes(job_dir: Path, work_dir: Path, tmp_dir: Path, session: KernelSession, log: EventLog,
                              outbox: Outbox, limits: dict) -> None:
    job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    log.write("job_started")
    probe_dir = tmp_dir / "gangrade-probes"   # where the kernel leaves probe results for the driver to take
    probe_dir.mkdir(exist_ok=True)
    copy_helpers(job_dir / job["helpers_dir"], work_dir)
    copy_helpers(job_dir / job["data_dir"], work_dir, replace=False)
    seed_randomness(session)
    install_import_hooks(session, job, work_dir)
    if run_statements(job, session, log, limits["cell_timeout_s"], limits.get("threads", 1)):
        take_module_events(session, log)
        fix_cuda_dtype(session, log)
        log.write("statements_done")
        mailbox = ProbeMailbox(probe_dir, outbox, limits["probe_output_mb"] << 20)
        if run_probes(job, job_dir, session, log, mailbox):
            log.write("probes_done")
            session.drain_late_output()


def copy_helpers(source: Path, work_dir: Path, replace: bool = True) -> None:
    """Files into the kernel's folder (its root is the sandbox's tmpfs: left as it is).

    The submission's .py files replace what is there; staged data (`replace=False`) never replaces
    a submission's own file or folder of the same name.
    """
    for child in source.iterdir():
        target = work_dir / child.name
        if not replace and (target.exists() or target.is_symlink()):
            continue
        if child.is_dir():
            shutil.copytree(child, target, copy_function=shutil.copyfile, dirs_exist_ok=True)
        else:
            shutil.copyfile(child, target)


def run_statements(job: dict, session: KernelSession, log: EventLog, timeout: float, threads: int) -> bool:
    """Run each statement, limited in work like a probe (see probes_protocol.limited_in_work); False when
    the kernel died on one."""
    for statement in job["statements"]:
        log.write("statement_started", id=statement["id"])
        outcome = session.execute(statement["code"], timeout * WALL_BACKSTOP_FACTOR, f"cell:{statement['cell']}",
                                  f"cell {statement['cell'] + 1}", owner={"statement": statement["id"]},
                                  cpu_limit=timeout * max(1, threads))
        log.write("statement", id=statement["id"], **outcome.record())
        if outcome.status in ("died", "hung"):
            log.write("kernel_death", during={"statement": statement["id"]},
                      reason=_death_reason(session, outcome, timeout), detail=session.stderr_tail())
            return False
        if outcome.status == "ok" and "dtype" in statement.get("defines", []):
            fix_cuda_dtype(session, log)
    return True


class ProbeMailbox:
    """A probe's files: written by the kernel into its scratch folder, taken into the outbox by the driver."""

    def __init__(self, folder: Path, outbox: Outbox, max_bytes: int):
        self.folder, self.outbox, self.max_bytes = folder, outbox, max_bytes

    def deliver(self, name: str) -> str | None:
        """Move the probe's arrays and info to the outbox; why not, when they cannot be."""
        for filename in (outputs_filename(name), info_filename(name)):
            source = self.folder / filename
            taken = self.outbox.take(source, filename, self.max_bytes)
            source.unlink(missing_ok=True)
            if not taken:
                return f"its result file {filename} was missing or over {self.max_bytes >> 20} MB"
        return None


def run_probes(job: dict, job_dir: Path, session: KernelSession, log: EventLog, mailbox: ProbeMailbox) -> bool:
    """Run each probe; False when the kernel died on one."""
    for probe in job["probes"]:
        name = probe["name"]
        log.write("probe_started", name=name)
        inputs = str(job_dir / probe["inputs"])
        code = (f"{IN_KERNEL}.run_probe({name!r}, {probe['code']!r}, {inputs!r}, {str(mailbox.folder)!r}, "
                "globals())")
        outcome = session.execute(code, probe["timeout"], f"probe:{name}", f"probe {name}", owner={"probe": name},
                                  cpu_limit=probe.get("cpu_timeout"))
        if outcome.status == "ok":
            problem = mailbox.deliver(name)
            if problem:
                outcome.status = "error"
                outcome.error = {"type": "ProbeOutputError", "message": problem, "traceback": ""}
        log.write("probe", name=name, **outcome.record())
        if outcome.status in ("died", "hung"):
            log.write("kernel_death", during={"probe": name},
                      reason=_death_reason(session, outcome, probe["timeout"]), detail=session.stderr_tail())
            return False
    return True


def _death_reason(session: KernelSession, outcome: Outcome, timeout: float) -> str:
    if outcome.status == "hung":
        why = "timed out: used its whole CPU budget" if outcome.limit == "cpu" else f"timed out after {timeout:g} s"
        return (f"{why} and did not stop within {session.interrupt_grace_s:g} s "
                "of an interrupt, so the kernel was stopped")
    return session.death_reason()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m autograder.execution.driver JOB_DIR", file=sys.stderr)
        return 2
    return run_job(Path(argv[0]))


if __name__ == "__main__":
    sys.exit(main())
