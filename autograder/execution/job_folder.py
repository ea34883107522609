"""The job folder the driver reads: laid out and written by the grader before each launch.

See `runner` for the folder's parts. Everything here is the grader's own
writing; nothing the sandbox wrote is read.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from autograder.execution import staged_data
from autograder.execution.attempts import event_log_name
from autograder.execution.cells import CellPlan
from autograder.execution.limits import SandboxLimits
from autograder.execution.module_plan import ModuleStatement
from autograder.execution.probes_protocol import Probe, inputs_filename, write_arrays


def lay_out_job(job_dir: Path) -> None:
    """The job folder's empty parts; a sandbox may be started on it before the job is written."""
    job_dir.mkdir(parents=True, exist_ok=True)
    if any(job_dir.iterdir()):
        raise ValueError(f"the job folder {job_dir} is not empty")
    job_dir.chmod(0o755)
    for name in ("inputs", "helpers", "data", "work", "out", "tmp"):
        (job_dir / name).mkdir()


def write_job(job_dir: Path, helper_files: Mapping[str, str | bytes], probes: list[Probe],
              datasets: tuple[str, ...]) -> str | None:
    """Fill the laid-out folder; a helper file with a bad path is the submission's problem (returned)."""
    staged_data.stage(job_dir / "data", datasets)
    for relative, content in helper_files.items():
        path = PurePosixPath(relative)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            return f"the helper file path {relative!r} leaves the submission's folder"
        target = job_dir / "helpers" / Path(*path.parts)  # the driver copies them into work/
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    for probe in probes:
        write_arrays(job_dir / "inputs" / inputs_filename(probe.name), probe.inputs)
    return None


def write_launch_file(job_dir: Path, kernel_python: str, limits: SandboxLimits, out_fd: int, attempt: int,
                      warm_up: bool) -> None:
    """launch.json: what the driver needs to start the kernel, before it has a job."""
    launch = {
        "version": 1,
        "kernel_python": kernel_python,
        "work_dir": "work",
        "out_fd": out_fd,
        "event_log": event_log_name(attempt),
        "limits": limits.as_dict(),
        "warm_up": warm_up,
    }
    (job_dir / "launch.json").write_text(json.dumps(launch), encoding="utf-8")


def write_job_file(job_dir: Path, plans: list[CellPlan], modules: dict[str, list[ModuleStatement]],
                   probes: list[Probe], left_out: set[str], answered: set[str]) -> None:
    """job.json for one attempt: what the driver runs, without what killed an earlier kernel."""
    statements = [
        {"id": s.id, "cell": s.cell, "code": s.padded_code(), "defines": list(s.defines)}
        for plan in plans for s in plan.statements if s.runs and s.id not in left_out
    ]
    job = {
        "version": 1,
        "helpers_dir": "helpers",
        "data_dir": "data",
        "modules": {relative: [{"index": s.index, "code": s.padded_code(), "runs": s.runs} for s in statements]
                    for relative, statements in modules.items()},
        "statements": statements,
        "probes": [{"name": p.name, "code": p.code, "timeout": p.timeout, "cpu_timeout": p.cpu_timeout,
                    "inputs": f"inputs/{inputs_filename(p.name)}"}
                   for p in probes if p.name not in answered],
    }
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
