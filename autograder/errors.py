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
