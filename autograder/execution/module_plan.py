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

from autograder.execution.cells import Piece, classify, padded, parse_recovering


@dataclass(frozen=True)
class ModuleStatement:
    """One top-level statement of a helper module of the submission, and whether it runs.

    `module` is the file's path in the submission (`cs231n/gan_pytorch.py`);
    line numbers are the file's, from 1.
    """

    module: str
    index: int
    first_line: int
    last_line: int
    code: str
    skip_reason: str | None = None
    syntax_error: str | None = None
    defines: tuple[str, ...] = ()
    skip_kind: str | None = None

    @property
    def id(self) -> str:
        return f"{self.module}:{self.index}"

    @property
    def runs(self) -> bool:
        return self.skip_reason is None and self.syntax_error is None

    def where(self) -> str:
        lines = f"line {self.first_line}" if self.first_line == self.last_line else f"lines {self.first_line}-{self.last_line}"
        return f"{self.module}, {lines}"

    def padded_code(self) -> str:
        return padded(self.code, self.first_line)


def plan_module(source: str, module: str, skip_calls: Iterable[str]) -> list[ModuleStatement]:
    """The top-level statements of a helper module's source (plain Python), numbered in order.

    A syntax error costs only the top-level chunk it is in, as in a cell.
    """
    skip = frozenset(skip_calls)
    source = source.removeprefix("\ufeff")
    lines = source.splitlines(keepends=True)
    pieces: list[Piece] = []
    for first, last, tree_or_error in parse_recovering(source):
        if isinstance(tree_or_error, str):
            pieces.append(Piece(first, last, "".join(lines[first - 1:last]), syntax_error=tree_or_error))
            continue
        for node in tree_or_error.body:
            pieces.extend(classify(node, lines, 0, skip))
    return [
        ModuleStatement(module=module, index=i, first_line=p.first_line, last_line=p.last_line, code=p.code,
                        skip_reason=p.skip_reason, syntax_error=p.syntax_error, defines=p.defines,
                        skip_kind=p.skip_kind)
        for i, p in enumerate(pieces)
    ]




def plan_modules(helper_files: Mapping[str, str | bytes], skip_calls: Iterable[str]) -> dict[str, list[ModuleStatement]]:
    """Each helper .py file of the submission (path -> content), planned."""
    modules = {}
    for relative, content in sorted(helper_files.items()):
        if relative.endswith(".py"):
            text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
            modules[relative] = plan_module(text, relative, skip_calls)
    return modules
