"""Which statements of a run did not run because of the grading machine, not because of the student.

A real notebook carries the machine it was written on: a Colab Drive
mount, `!pip install`, `%cd` into Drive, a package the grader's kernel
lacks, a dataset download (the sandbox has no network), a CUDA call on a
CPU machine, a file on the student's disk. None of that is graded, and
none of it costs anything by itself (definitions after it still run); but a
student reading their feedback must be able to tell these apart from their
own errors. So every statement that was skipped as a magic or shell
command, or that failed for one of these reasons, is listed as "did not run
on the grader" with why; a NameError for a name that such a statement
would have bound (`drive.mount(...)` after `from google.colab import
drive` failed) is one of them too.

A missing module is the machine's unless the submission should have
carried it itself: a top-level name of its own helper files, or the
course's own `cs231n` package.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from autograder.execution.cells import SKIP_MAGIC, SKIP_SHELL, PlannedStatement, as_written
from autograder.execution.records import ErrorInfo, ExecutionResult

COURSE_PACKAGES = frozenset({"cs231n"})
MISSING_MODULE = re.compile(r"No module named '([^']+)'")
CANNOT_IMPORT = re.compile(r"cannot import name '[^']+' from '([^']+)'")
UNDEFINED_NAME = re.compile(r"name '([^']+)' is not defined")
NETWORK_TYPES = frozenset({"URLError", "HTTPError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
                           "gaierror", "timeout", "SSLError", "MaxRetryError", "NewConnectionError", "ReadTimeout",
                           "ConnectTimeout", "ContentTooShortError", "RemoteDisconnected"})
NETWORK_WORDS = ("Temporary failure in name resolution", "Name or service not known", "Network is unreachable",
                 "No route to host", "Failed to establish a new connection", "Error downloading",
                 "nodename nor servname", "getaddrinfo failed", "Connection refused")
CUDA_WORDS = ("Torch not compiled with CUDA enabled", "Found no NVIDIA driver", "no CUDA GPUs are available",
              "CUDA driver", "CUDA is not available", "torch.cuda.is_available() is False", "NVIDIA driver on your system",
              "Invalid device id", "CUDA error", "cuda runtime error", "CUDA unknown error")
FILE_TYPES = frozenset({"FileNotFoundError", "NotADirectoryError", "PermissionError", "IsADirectoryError"})
FILE_WORDS = ("[Errno 30] Read-only file system", "Dataset not found", "No such file or directory")
SHELL_OR_MAGIC = (SKIP_SHELL, SKIP_MAGIC)


@dataclass(frozen=True)
class NotRunOnGrader:
    """One statement that did not run on the grading machine, and why that is the machine's doing."""

    where: str     # "cell 2, line 1" or "cs231n/gan_pytorch.py, line 3"
    code: str      # its first line
    what: str      # the error, or "skipped"
    why: str       # in words a student understands

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "code": self.code, "what": self.what, "why": self.why}

    def describe(self) -> str:
        return f"{self.where}: `{self.code}`: {self.what} ({self.why})"


def machine_cause(error: ErrorInfo | None, lost_names: dict[str, str], own_names: frozenset[str]) -> str | None:
    """Why this error is the grading machine's doing, or None when it is the student's own.

    `lost_names`: names that statements which did not run on the grader would have bound, and where.
    """
    if error is None:
        return None
    text = f"{error.type}: {error.message}"
    missing = MISSING_MODULE.search(error.message) if error.type in ("ModuleNotFoundError", "ImportError") else None
    if missing is None and error.type == "ImportError":
        missing = CANNOT_IMPORT.search(error.message)
    if missing is not None:
        top = missing.group(1).split(".")[0]
        if top in own_names:
            return None
        if top == "google":
            return "Google Colab's own modules exist only on Colab"
        return (f"the package {top} is not installed on the grading machine; if it is a file of yours, "
                "include it in the submission")
    undefined = UNDEFINED_NAME.search(error.message) if error.type in ("NameError", "UnboundLocalError") else None
    if undefined is not None and undefined.group(1) in lost_names:
        return f"{undefined.group(1)} would have come from {lost_names[undefined.group(1)]}, which did not run here"
    if error.type in NETWORK_TYPES or any(word in text for word in NETWORK_WORDS):
        return "the grading machine has no network: nothing is downloaded (grading brings its own data)"
    if any(word in text for word in CUDA_WORDS):
        return "the grading machine has no GPU here"
    if error.type in FILE_TYPES or any(word in text for word in FILE_WORDS):
        return "only the submission's own files are on the grading machine"
    return None


def did_not_run_on_grader(result: ExecutionResult, own_files: list[str]) -> tuple[list[NotRunOnGrader], set[str]]:
    """The statements that did not run because of the machine, in order; and the ids of those that failed.

    Module statements come first: a module runs when the notebook imports it, before what uses it.
    """
    own_names = frozenset(COURSE_PACKAGES | {part.removesuffix(".py") for name in own_files
                                             for part in name.split("/")[:1]})
    lost: dict[str, str] = {}
    found: list[NotRunOnGrader] = []
    failed_ids: set[str] = set()

    def consider(statement: PlannedStatement, error: ErrorInfo | None, skipped: str | None) -> None:
        if skipped is not None:
            cause = "shell commands and IPython magics are not run when grading"
            what = "skipped"
        else:
            cause = machine_cause(error, lost, own_names)
            what = str(error)
        if cause is None:
            return
        found.append(NotRunOnGrader(statement.where(), _first_line(as_written(statement.code)), what, cause))
        if skipped is None:
            failed_ids.add(statement.id)
        for name in statement.defines:
            lost[name] = statement.where()

    def defined(statement: PlannedStatement) -> None:
        for name in statement.defines:
            lost.pop(name, None)

    for module_record in result.modules:
        if module_record.status == "error":
            consider(module_record.statement, module_record.error, None)
    for record in result.statements():
        if record.status == "skipped" and record.statement.skip_kind in SHELL_OR_MAGIC:
            consider(record.statement, None, record.reason)
        elif record.status == "skipped":   # the pack's training call: what it returns is the grader's to lose
            for name in record.statement.defines:
                lost[name] = f"{record.statement.where()} (training is not re-run when grading)"
        elif record.status == "error":
            consider(record.statement, record.error, None)
        elif record.status == "ok":
            defined(record.statement)
    return found, failed_ids


def _first_line(code: str, limit: int = 80) -> str:
    line = next((text.strip() for text in code.splitlines() if text.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."
