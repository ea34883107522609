"""One submission's control groups: memory, processes and CPU for the whole sandbox.

Two kinds of machine: cgroup v1 (a hierarchy per controller, as in many
containers) and cgroup v2 (one unified tree, the default of current
distributions). Either way the sandbox's launcher joins the groups before
anything runs, so the kernel and every process it starts are counted
together. A memory cgroup, unlike RLIMIT_AS, does not break CUDA's large
virtual reservations. A group per submission also shares a busy CPU
equally between submissions rather than between their processes.

`cgroup_version()` says which kind this process may create, trying it once
(a v2 tree whose controllers cannot be delegated falls back to rlimits).
"""
from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from pathlib import Path

from autograder.execution.limits import MB, SandboxLimits

CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
V2_CONTROLLERS = ("memory", "pids")


@functools.cache
def cgroup_version() -> str | None:
    """"v1" or "v2" when this process may create a submission's groups here, else None."""
    if cgroup_v1_writable():
        return "v1"
    if cgroup_v2_writable():
        return "v2"
    return None


def cpu_shared(version: str) -> bool:
    """Whether a submission's groups include the cpu controller (an equal share of a busy CPU)."""
    if version == "v1":
        return cpu_cgroup_available()
    try:
        return "cpu" in (CGROUP_ROOT / "cgroup.controllers").read_text().split()
    except OSError:
        return False


def make_cgroups(version: str, limits: SandboxLimits, name: str | None = None) -> CgroupsV1 | CgroupsV2:
    return (CgroupsV1 if version == "v1" else CgroupsV2)(limits, name)


# ------------------------------------------------------------------ v1

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


class _Groups:
    """A job's groups: named once, each folder's cgroup.procs joined by the launcher."""

    def __init__(self, limits: SandboxLimits, name: str | None = None):
        self.name = name or f"gangrade-{uuid.uuid4().hex[:12]}"
        self.limits = limits
        self.folders: dict[str, Path] = {}

    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]


class CgroupsV1(_Groups):
    """One job's cgroup v1 groups (memory, pids, cpu): create, watch, remove."""

    def create(self) -> None:
        memory = self._make("memory")
        (memory / "memory.limit_in_bytes").write_text(str(self.limits.memory_mb * MB))
        swap_limit = memory / "memory.memsw.limit_in_bytes"
        if swap_limit.exists():  # present only when swap accounting is on
            swap_limit.write_text(str(self.limits.memory_mb * MB))
        pids = self._make("pids")
        (pids / "pids.max").write_text(str(self.limits.pids))
        if cpu_cgroup_available():
            cpu = self._make("cpu")   # a group of its own: an equal share of a busy CPU
            if self.limits.cpus is not None:
                (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (cpu / "cpu.cfs_quota_us").write_text(str(int(self.limits.cpus * CPU_PERIOD_US)))

    def _make(self, controller: str) -> Path:
        folder = CGROUP_ROOT / controller / self.name
        folder.mkdir()
        self.folders[controller] = folder
        return folder


    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this group."""
        memory = self.folders.get("memory")
        if memory is None:
            return False
        try:
            kills = _keyed_counts(memory / "memory.oom_control").get("oom_kill")
            if kills is not None:
                return kills > 0
            # Kernels before 4.13 have no oom_kill counter: hitting the limit is the best sign.
            return int((memory / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def peak_memory_mb(self) -> float:
        memory = self.folders.get("memory")
        return _read_int(memory / "memory.max_usage_in_bytes") / MB if memory else 0.0

    def kill_and_remove(self) -> int:
        """SIGKILL whatever is still in the groups, then remove them; returns how many were left."""
        leftover = set()
        for folder in self.folders.values():
            leftover |= _kill_members(folder)
        for folder in self.folders.values():
            _remove(folder)
        return len(leftover)


# ------------------------------------------------------------------ v2

def cgroup_v2_writable() -> bool:
    """True on a unified (v2) tree where a child group with memory and pids limits can be made here.

    Tried for real, once: the controllers must be enabled for children of the root, which a
    container's root group may refuse while it holds processes.
    """
    if not (CGROUP_ROOT / "cgroup.controllers").is_file() or not os.access(CGROUP_ROOT, os.W_OK):
        return False
    trial = CgroupsV2(SandboxLimits(memory_mb=64, pids=8), name=f"gangrade-trial-{uuid.uuid4().hex[:8]}")
    try:
        trial.create()
        return True
    except OSError:
        return False
    finally:
        trial.kill_and_remove()


class CgroupsV2(_Groups):
    """One job's cgroup v2 group, with the memory, pids and cpu controllers: create, watch, remove."""

    def create(self) -> None:
        available = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
        wanted = [c for c in (*V2_CONTROLLERS, "cpu") if c in available]
        if not set(V2_CONTROLLERS) <= set(wanted):
            raise OSError(f"the cgroup v2 tree offers {available}, without memory or pids")
        enabled = (CGROUP_ROOT / "cgroup.subtree_control").read_text().split()
        missing = [c for c in wanted if c not in enabled]
        if missing:
            (CGROUP_ROOT / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
        folder = CGROUP_ROOT / self.name
        folder.mkdir()
        self.folders["unified"] = folder
        (folder / "memory.max").write_text(str(self.limits.memory_mb * MB))
        if (folder / "memory.swap.max").exists():
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(self.limits.pids))
        if self.limits.cpus is not None and (folder / "cpu.max").exists():
            (folder / "cpu.max").write_text(f"{int(self.limits.cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")


    def oom_killed(self) -> bool:
        folder = self.folders.get("unified")
        try:
            return bool(folder) and _keyed_counts(folder / "memory.events").get("oom_kill", 0) > 0
        except (OSError, ValueError):
            return False

    def peak_memory_mb(self) -> float:
        folder = self.folders.get("unified")
        return _read_int(folder / "memory.peak") / MB if folder else 0.0   # Linux 5.19 and later

    def kill_and_remove(self) -> int:
        folder = self.folders.get("unified")
        if folder is None:
            return 0
        leftover = set(_read_pids(folder / "cgroup.procs"))
        if (folder / "cgroup.kill").exists():   # Linux 5.14 and later: the whole group at once
            try:
                (folder / "cgroup.kill").write_text("1")
            except OSError:
                pass
        leftover |= _kill_members(folder)
        _remove(folder)
        return len(leftover)


# ------------------------------------------------------------------ both

def _kill_members(folder: Path) -> set[int]:
    killed: set[int] = set()
    for _ in range(50):
        pids = _read_pids(folder / "cgroup.procs")
        if not pids:
            break
        killed.update(pids)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.sched_yield()
    return killed


def _remove(folder: Path) -> None:
    for _ in range(100):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # EBUSY while the last killed processes are reaped
            time.sleep(0.02)


def _read_pids(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split()]
    except (OSError, ValueError):
        return []


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return 0


def _keyed_counts(path: Path) -> dict[str, int]:
    """"key value" lines, as in memory.events and memory.oom_control."""
    counts = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            counts[key] = int(value)
    return counts
