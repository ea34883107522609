"""Running a submission: sandboxed, headless notebook execution with probes.

    from autograder.execution import run_submission, Probe, SandboxLimits

`run_submission` runs a notebook's definitions (not its training or plots;
see `cells`) in a Jupyter kernel inside a bubblewrap sandbox (`sandbox`,
`limits`, `cgroups`), then the grader's probes in that kernel
(`probes_protocol`, `probe_runtime`), driven from inside the sandbox by `driver`
(`kernel_session`), and returns an `ExecutionResult` (`records`) of plain
arrays, JSON and statuses. A kernel that dies is restarted without what
killed it (`attempts`).
"""
from __future__ import annotations

from autograder.execution.cells import Statement, plan_cell, plan_notebook
from autograder.execution.limits import SandboxLimits
from autograder.execution.probes_protocol import Probe, ProbeResult
from autograder.execution.records import CellRecord, ExecutionResult, KernelDeath, StatementRecord, Timings
from autograder.execution.runner import run_submission
from autograder.execution.sandbox import SandboxSupport, detect_sandbox, require_sandbox

__all__ = [
    "CellRecord", "ExecutionResult", "KernelDeath", "Probe", "ProbeResult", "SandboxLimits", "SandboxSupport",
    "Statement", "StatementRecord", "Timings", "detect_sandbox", "plan_cell", "plan_notebook", "require_sandbox",
    "run_submission",
]
