"""Planning a submission's helper modules: each `.py` file split into the statements its import runs.

A notebook of the 2020+ CS231n layout does `from cs231n.gan_pytorch import *`,
and the course's module starts with `import torchvision`. Imported the
ordinary way, one failing line at a module's top would leave the module
undefined. So each module is planned like a cell (a syntax error costs only
its top-level chunk; the pack's training calls are skipped) and run
statement by statement when the notebook imports it (`kernel_imports`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from autograder.execution.cells import PlannedStatement, python_pieces


@dataclass(frozen=True, kw_only=True)
class ModuleStatement(PlannedStatement):
    """A statement of a helper module: `module` is the file's path in the submission (`cs231n/gan_pytorch.py`)."""

    module: str

    @property
    def id(self) -> str:
        return f"{self.module}:{self.index}"

    def where(self) -> str:
        return f"{self.module}, {self.lines()}"


def plan_module(source: str, module: str, skip_calls: Iterable[str]) -> list[ModuleStatement]:
    """The top-level statements of a helper module's source (plain Python), numbered in order.

    A syntax error costs only the top-level chunk it is in, as in a cell.
    """
    pieces = python_pieces(source.removeprefix("\ufeff"), 0, frozenset(skip_calls))
    return [ModuleStatement(module=module, index=i, **vars(piece)) for i, piece in enumerate(pieces)]


def plan_modules(helper_files: Mapping[str, str | bytes], skip_calls: Iterable[str]) -> dict[str, list[ModuleStatement]]:
    """Each helper .py file of the submission (path -> content), planned."""
    modules = {}
    for relative, content in sorted(helper_files.items()):
        if relative.endswith(".py"):
            text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
            modules[relative] = plan_module(text, relative, skip_calls)
    return modules
