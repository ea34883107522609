"""Resource limits of one graded submission: what they are and how they are enforced.

Memory and process counts are enforced with cgroup v1 controllers when the
grader may write them (as root on most Linux machines): a memory cgroup
covers the kernel and every process it starts, and does not break CUDA's
large virtual reservations the way RLIMIT_AS does. A cpu cgroup per
submission shares a busy CPU equally between submissions, not between
their processes. Without writable
cgroups, per-process rlimits are used instead and the result says so.
File size is always an rlimit; the wall limit is the runner's SIGKILL.

The limits are applied by a launcher prefix: a shell that moves itself into
the cgroups and then execs `prlimit ... -- <command>`, so nothing runs
between fork and exec in the grader's (possibly multi-threaded) process.
"""
from __future__ import annotations

import math
import os
import shutil
import signal
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
MB = 1 << 20


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one submission. Defaults suit one cs231n-sized notebook on a CPU."""

    memory_mb: int = 4096                  # the kernel and everything it starts, together
    pids: int = 256                        # processes and threads
    cell_timeout_s: float = 60.0           # one statement of the notebook
    wall_s: float = 600.0                  # the whole run: sandbox, kernel, statements, probes
    file_size_mb: int = 256                # largest file any process may write
    scratch_mb: int = 1024                 # the kernel's working folder (a tmpfs in the sandbox): all its files together
    output_per_cell_bytes: int = 1 << 20   # captured stdout+stderr of one notebook cell
    output_total_bytes: int = 4 << 20      # captured output of the whole run
    probe_output_mb: int = 64              # one probe's arrays, as written
    threads: int = 2                       # OMP/MKL/torch intra-op threads in the kernel (0: the batch chooses)
    cpus: float | None = None              # CPU quota in cores (cgroup only); None: an equal share, no quota
    interrupt_grace_s: float = 5.0         # after an interrupt, how long to wait before killing the kernel
    kernel_restarts: int = 3               # fresh kernels, each without what killed the one before
    kernel_start_timeout_s: float = 60.0

    def as_dict(self) -> dict:
        return asdict(self)


def cgroup_v1_writable() -> bool:
    """True when memory and pids cgroup v1 controllers exist and this process may create groups."""
    for controller in ("memory", "pids"):
        folder = CGROUP_ROOT / controller
        if not (folder / "cgroup.procs").is_file() or not os.access(folder, os.W_OK):
            return False
    return True


def cpu_cgroup_available() -> bool:
    folder = CGROUP_ROOT / "cpu"
    return (folder / "cgroup.procs").is_file() and os.access(folder, os.W_OK)


class Cgroups:
    """One job's cgroup v1 groups (memory, pids, optionally cpu): create, watch, remove."""

    def __init__(self, limits: SandboxLimits, name: str | None = None):
        self.name = name or f"gangrade-{uuid.uuid4().hex[:12]}"
        self.limits = limits
        self.folders: dict[str, Path] = {}

    def create(self) -> None:
        memory = self._make("memory")
        (memory / "memory.limit_in_bytes").write_text(str(self.limits.memory_mb * MB))
        swap_limit = memory / "memory.memsw.limit_in_bytes"
        if swap_limit.exists():  # present only when swap accounting is on
            swap_limit.write_text(str(self.limits.memory_mb * MB))
        pids = self._make("pids")
        (pids / "pids.max").write_text(str(self.limits.pids))
        if cpu_cgroup_available():
            # A group of its own gets the sandbox an equal share of a busy CPU with every other
            # submission, however many processes or threads it starts; a quota caps it even on an idle one.
            cpu = self._make("cpu")
            if self.limits.cpus is not None:
                period = 100_000
                (cpu / "cpu.cfs_period_us").write_text(str(period))
                (cpu / "cpu.cfs_quota_us").write_text(str(int(self.limits.cpus * period)))

    def _make(self, controller: str) -> Path:
        folder = CGROUP_ROOT / controller / self.name
        folder.mkdir()
        self.folders[controller] = folder
        return folder

    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this group."""
        memory = self.folders.get("memory")
        if memory is None:
            return False
        try:
            for line in (memory / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value) > 0
            # Kernels before 4.13 have no oom_kill counter: hitting the limit is the best sign.
            return int((memory / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def peak_memory_mb(self) -> float:
        memory = self.folders.get("memory")
        try:
            return int((memory / "memory.max_usage_in_bytes").read_text()) / MB if memory else 0.0
        except (OSError, ValueError):
            return 0.0

    def kill_and_remove(self) -> int:
        """SIGKILL whatever is still in the groups, then remove them; returns how many were left."""
        leftover = set()
        for folder in self.folders.values():
            for _ in range(50):
                pids = _read_pids(folder / "cgroup.procs")
                if not pids:
                    break
                leftover.update(pids)
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                os.sched_yield()
        for folder in self.folders.values():
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY while the last killed processes are reaped
                    time.sleep(0.02)
        return len(leftover)


def _read_pids(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split()]
    except (OSError, ValueError):
        return []


def rlimit_arguments(limits: SandboxLimits, *, use_cgroups: bool, gpu: bool, limit_processes: bool) -> list[str]:
    """prlimit options for what cgroups do not cover.

    RLIMIT_NPROC counts every process of the sandbox's uid on the machine, so
    it is only set when the sandbox runs under a uid of its own
    (`limit_processes`). RLIMIT_AS breaks CUDA, so it is never set with a GPU.
    """
    arguments = [f"--fsize={limits.file_size_mb * MB}"]
    # A per-process backstop to the wall limit; threads add up CPU time.
    arguments.append(f"--cpu={math.ceil(limits.wall_s) * max(1, limits.threads) + 60}")
    if not use_cgroups:
        if not gpu:
            arguments.append(f"--as={limits.memory_mb * MB}")
        if limit_processes:
            arguments.append(f"--nproc={limits.pids}")
    return arguments


def describe_enforcement(limits: SandboxLimits, *, use_cgroups: bool, gpu: bool, limit_processes: bool,
                         have_prlimit: bool) -> dict[str, str]:
    """How each limit is enforced, in words for the report."""
    rlimit = have_prlimit
    if use_cgroups:
        memory = f"cgroup v1: {limits.memory_mb} MB for the whole sandbox"
        pids = f"cgroup v1: {limits.pids} processes and threads"
    else:
        memory = (f"RLIMIT_AS: {limits.memory_mb} MB per process" if rlimit and not gpu else "not limited")
        pids = f"RLIMIT_NPROC: {limits.pids}" if rlimit and limit_processes else "not limited"
    if use_cgroups and cpu_cgroup_available():
        cpu = "cgroup v1: an equal share of a busy CPU with every other submission"
        cpu += f", at most {limits.cpus:g} cores" if limits.cpus is not None else ""
    else:
        cpu = "not limited"
    return {
        "memory": memory,
        "pids": pids,
        "cpu": cpu,
        "file_size": f"RLIMIT_FSIZE: {limits.file_size_mb} MB" if rlimit else "not limited",
        "statement": f"interrupt after {limits.cell_timeout_s:g} s",
        "wall": f"SIGKILL of the whole sandbox after {limits.wall_s:g} s",
    }


# Moves the shell into the cgroups named by its arguments, then execs the rest.
_JOIN_CGROUPS = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"'
JOIN_CGROUPS_FAILED = 97


def launcher_prefix(cgroup_procs: list[str], rlimits: list[str]) -> list[str]:
    """The argv prefix that joins the cgroups and applies the rlimits before running a command."""
    prefix: list[str] = []
    if cgroup_procs:
        prefix += ["/bin/sh", "-c", _JOIN_CGROUPS, "gangrade-launcher", str(len(cgroup_procs)), *cgroup_procs]
    prlimit = shutil.which("prlimit")
    if prlimit and rlimits:
        prefix += [prlimit, *rlimits, "--"]
    return prefix
