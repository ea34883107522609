"""One Jupyter kernel, driven statement by statement: start it, run code with a timeout, notice its death.

Used by the driver inside the sandbox. Output is capped as it streams in
(`OutputBudget`), tracebacks are rewritten to name notebook cells and probes
instead of IPython's "Cell In[12]", and output that ipykernel flushes after
an execution reported idle is still credited to that execution.
"""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

KERNEL_NAME = "gangrade-python"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
IPYTHON_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
PADDING_LINE = re.compile(r"^\s+\d+ #?$")  # context lines of the blank padding in front of a statement
TRACEBACK_LINES = 25
TRACEBACK_CHARS = 4000
POLL_S = 0.05
CPU_LOOK_S = 0.5                               # how often a CPU-limited execution's CPU time is read
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class OutputBudget:
    """Caps captured output per notebook cell (or probe) and over the whole run."""

    def __init__(self, per_key: int, total: int):
        self.per_key, self.total = per_key, total
        self.used: dict[str, int] = {}
        self.used_total = 0

    def take(self, key: str, text: str) -> tuple[str, int]:
        """The part of `text` that fits, and how many bytes were dropped."""
        data = text.encode("utf-8", errors="replace")
        room = max(0, min(self.per_key - self.used.get(key, 0), self.total - self.used_total))
        kept = data[:room]
        self.used[key] = self.used.get(key, 0) + len(kept)
        self.used_total += len(kept)
        return kept.decode("utf-8", errors="ignore"), len(data) - len(kept)


@dataclass
class Outcome:
    """How one execution in the kernel ended."""

    status: str                       # ok | error | timeout | died | hung
    seconds: float = 0.0
    cpu_seconds: float | None = None  # the kernel's CPU time during it, when it ran under a CPU limit
    limit: str | None = None          # which limit ended it: "wall" or "cpu"
    error: dict | None = None         # {"type", "message", "traceback"}
    stdout: str = ""
    stderr: str = ""
    dropped_bytes: int = 0
    user_expressions: dict = field(default_factory=dict)

    def record(self) -> dict:
        record = {"status": self.status, "seconds": round(self.seconds, 4), "error": self.error,
                  "stdout": self.stdout, "stderr": self.stderr, "dropped_bytes": self.dropped_bytes}
        if self.cpu_seconds is not None:
            record.update(cpu_seconds=round(self.cpu_seconds, 3), limit=self.limit)
        return record


class KernelSession:
    """One kernel: start it, run code with a timeout, notice when it dies."""

    def __init__(self, kernel_python: str, work_dir: Path, tmp_dir: Path, budget: OutputBudget,
                 interrupt_grace_s: float):
        self.budget = budget
        self.interrupt_grace_s = interrupt_grace_s
        spec_dir = tmp_dir / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True, exist_ok=True)
        argv = [kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                "--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0"]
        spec = {"argv": argv, "display_name": "gangrade", "language": "python", "interrupt_mode": "signal"}
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        self.stderr_path = tmp_dir / "kernel-stderr.log"
        # IPC (unix sockets in the work folder): no TCP port, and no warning about unencrypted TCP.
        self.manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(work_dir / ".kernel-ipc"),
                                     kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]))
        self.work_dir = work_dir
        self.client = None
        self.labels: dict[int, str] = {}   # IPython execution count -> "cell 5" / "probe x"
        # Output can reach us after its execution's idle status (ipykernel flushes from a thread), so
        # finished executions stay known and late output goes to `on_late_output(owner, stream, text, dropped)`.
        self.finished: dict[str, tuple[dict, str]] = {}
        self.on_late_output = lambda owner, stream, text, dropped: None

    def start(self, timeout: float) -> None:
        with open(self.stderr_path, "wb") as stderr:
            self.manager.start_kernel(cwd=str(self.work_dir), stdout=stderr, stderr=stderr)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=timeout)

    def alive(self) -> bool:
        return self.manager.is_alive()

    def death_reason(self) -> str:
        process = getattr(self.manager.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "the kernel stopped responding"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            why = " (out of memory, or killed from outside)" if -code == signal.SIGKILL else ""
            return f"the kernel was killed by {name}{why}"
        return f"the kernel exited with status {code}"

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            return self.stderr_path.read_bytes()[-limit:].decode("utf-8", errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU time the kernel process has used, all its threads and its waited-for children (0 if unknown)."""
        process = getattr(self.manager.provisioner, "process", None)
        try:
            with open(f"/proc/{process.pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (AttributeError, OSError, IndexError):
            return 0.0
        return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS   # utime, stime, cutime, cstime

    def execute(self, code: str, timeout: float, output_key: str, label: str, owner: dict | None = None,
                user_expressions: dict | None = None, cpu_limit: float | None = None) -> Outcome:
        """Run code; `label` names it in tracebacks ("cell 5"), in place of IPython's "Cell In[12]".

        `owner` ({"statement": id} or {"probe": name}) is whom output arriving late belongs to.
        `cpu_limit`: CPU seconds the kernel may use for it; `timeout` (wall) then only backs it up.
        """
        started = time.monotonic()
        cpu_start = self.cpu_seconds() if cpu_limit is not None else 0.0
        next_cpu_look = started
        msg_id = self.client.execute(code, silent=False, store_history=True, allow_stdin=False,
                                     stop_on_error=False, user_expressions=user_expressions or {})
        outcome = Outcome("ok")
        deadline = started + timeout
        interrupted_at = None
        reply, idle = None, False
        while True:
            if reply is None:
                reply = self._shell_reply(msg_id, wait=0 if not idle else POLL_S)
            if reply is not None and idle:
                break
            now = time.monotonic()
            if interrupted_at is None and now > deadline:
                self.manager.interrupt_kernel()
                interrupted_at, outcome.limit = now, "wall"
            elif interrupted_at is None and cpu_limit is not None and now > next_cpu_look:
                next_cpu_look = now + CPU_LOOK_S
                if self.cpu_seconds() - cpu_start > cpu_limit:
                    self.manager.interrupt_kernel()
                    interrupted_at, outcome.limit = now, "cpu"
            elif interrupted_at is not None and now > interrupted_at + self.interrupt_grace_s:
                outcome.status = "hung"
                break
            if not idle:
                idle = self._next_iopub(msg_id, outcome, output_key)
            if not self.alive():
                outcome.status = "died"
                break
        outcome.seconds = time.monotonic() - started
        if cpu_limit is not None:
            outcome.cpu_seconds = self.cpu_seconds() - cpu_start
        if owner is not None:
            self.finished[msg_id] = (owner, output_key)
        if outcome.status in ("died", "hung"):
            return outcome
        content = reply["content"]
        if isinstance(content.get("execution_count"), int):
            self.labels[content["execution_count"]] = label
        outcome.user_expressions = content.get("user_expressions") or {}
        if interrupted_at is not None:
            outcome.status = "timeout"
            message = (f"timed out: used its budget of {cpu_limit:g} CPU seconds" if outcome.limit == "cpu"
                       else f"timed out after {timeout:g} s")
            outcome.error = {"type": "Timeout", "message": message, "traceback": ""}
        elif content.get("status") == "error":
            outcome.status = "error"
            outcome.error = _error_from(content, self.labels)
        elif content.get("status") != "ok":
            outcome.status = "error"
            outcome.error = {"type": "KernelError", "message": f"execution {content.get('status')}", "traceback": ""}
        return outcome

    def _next_iopub(self, msg_id: str, outcome: Outcome, output_key: str) -> bool:
        """Handle the next output message of this execution; True when it says the kernel is idle."""
        try:
            message = self.client.get_iopub_msg(timeout=POLL_S)
        except queue.Empty:
            return False
        kind, content = message["msg_type"], message["content"]
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            self._late(message)
            return False
        if kind == "stream":
            kept, dropped = self.budget.take(output_key, content.get("text", ""))
            if content.get("name") == "stderr":
                outcome.stderr += kept
            else:
                outcome.stdout += kept
            outcome.dropped_bytes += dropped
        return kind == "status" and content.get("execution_state") == "idle"

    def _late(self, message: dict) -> None:
        """Output of an execution that already finished goes to its owner; anything else is ignored."""
        parent = message.get("parent_header", {}).get("msg_id")
        if message["msg_type"] == "stream" and parent in self.finished:
            owner, key = self.finished[parent]
            kept, dropped = self.budget.take(key, message["content"].get("text", ""))
            self.on_late_output(owner, message["content"].get("name", "stdout"), kept, dropped)

    def _shell_reply(self, msg_id: str, wait: float) -> dict | None:
        while True:
            try:
                message = self.client.get_shell_msg(timeout=wait)
            except queue.Empty:
                return None
            if message.get("parent_header", {}).get("msg_id") == msg_id:
                return message

    def drain_late_output(self, quiet_s: float = 0.3, limit_s: float = 5.0) -> None:
        """Collect output that arrives after the last execution finished, until the kernel is quiet."""
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            try:
                self._late(self.client.get_iopub_msg(timeout=quiet_s))
            except queue.Empty:
                return

    def shutdown(self) -> None:
        try:
            if self.client is not None:
                self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)
        except Exception:  # the kernel may already be gone; nothing is left to save
            pass


def _error_from(content: dict, labels: dict[int, str]) -> dict:
    """The error of a reply, its traceback in plain text with frames named by cell or probe."""
    def frame(match: re.Match) -> str:
        return f"{labels.get(int(match.group(1)), 'notebook code')}, line {match.group(2)}"

    text = IPYTHON_FRAME.sub(frame, ANSI_ESCAPE.sub("", "\n".join(content.get("traceback", []))))
    lines = [line for line in text.splitlines() if not PADDING_LINE.match(line)]
    traceback = "\n".join(lines[-TRACEBACK_LINES:])[-TRACEBACK_CHARS:]
    return {"type": str(content.get("ename", "Error")), "message": str(content.get("evalue", ""))[:2000],
            "traceback": traceback}
