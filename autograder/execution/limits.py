"""Resource limits of one graded submission: what they are and how they are enforced.

Memory, process counts and the CPU share are enforced with cgroups when the
grader may create them (as root on most Linux machines; see `cgroups`).
Without them, per-process rlimits are used instead and the result says so.
File size is always an rlimit; the wall limit is the runner's SIGKILL.

The limits are applied by a launcher prefix: a shell that moves itself into
the cgroups and then execs `prlimit ... -- <command>`, so nothing runs
between fork and exec in the grader's (possibly multi-threaded) process.
"""
from __future__ import annotations

import math
import shutil
from dataclasses import asdict, dataclass

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


def describe_enforcement(limits: SandboxLimits, *, cgroups: str | None, cpu_shared: bool, gpu: bool,
                         limit_processes: bool, have_prlimit: bool) -> dict[str, str]:
    """How each limit is enforced, in words for the report; `cgroups` is "v1", "v2" or None."""
    rlimit = have_prlimit
    if cgroups:
        memory = f"cgroup {cgroups}: {limits.memory_mb} MB for the whole sandbox"
        pids = f"cgroup {cgroups}: {limits.pids} processes and threads"
    else:
        memory = (f"RLIMIT_AS: {limits.memory_mb} MB per process" if rlimit and not gpu else "not limited")
        pids = f"RLIMIT_NPROC: {limits.pids}" if rlimit and limit_processes else "not limited"
    if cgroups and cpu_shared:
        cpu = f"cgroup {cgroups}: an equal share of a busy CPU with every other submission"
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
