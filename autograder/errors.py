"""Errors a user can cause, each naming the file and the problem.

The command line turns these into a one-line message and an exit status;
anything else escaping is a bug in gangrade, not in the user's input.
"""
from __future__ import annotations

from pathlib import Path


class GangradeError(Exception):
    """Base class of every error that is the user's to fix."""


class UsageError(GangradeError):
    """The command line asked for something that does not exist."""


class DataError(GangradeError):
    """A data file or folder cannot be used."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PackError(GangradeError):
    """An assignment pack's spec file is missing or inconsistent."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class FixtureError(GangradeError):
    """grading_fixtures/ is missing, unreadable or does not match its manifest."""


class SubmissionError(GangradeError):
    """A student's submission cannot be read as a notebook (or a zip holding one).

    `problem` is written for the student: it says what is wrong and, where it
    can, what to do about it. `reason` is the one line that goes into a
    not-graded results.json.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    @property
    def reason(self) -> str:
        return f"{self.path.name}: {self.problem}"

    def __reduce__(self):  # picklable with its two arguments (a job may cross to a worker process)
        return type(self), (self.path, self.problem)


class SandboxUnavailableError(GangradeError):
    """Grading was asked to sandbox student code on a machine that cannot (no bubblewrap, not Linux)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"cannot sandbox student code: {reason}; install bubblewrap or pass --no-sandbox")
