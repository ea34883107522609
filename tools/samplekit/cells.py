"""A notebook as a list of keyed cells: the solution's text and the starter's where it differs.

Each pack's `samples/notebook_cells.py` lists its cells with `md` and `code`;
a key names each cell so that a sample submission can name the cells it edits.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    key: str
    kind: str  # "markdown" or "code"
    source: str  # the solution's text
    starter: str | None = None  # the starter's text, where it differs from the solution's


def md(key: str, source: str, starter: str | None = None) -> Cell:
    return Cell(key, "markdown", source.strip("\n"), None if starter is None else starter.strip("\n"))


def code(key: str, source: str, starter: str | None = None, todo: dict[str, str] | None = None) -> Cell:
    """A code cell. `todo` names the functions the starter leaves for the student to write,
    each with the text of its TODO comment (see `stub_functions`)."""
    source = source.strip("\n")
    if todo is not None:
        starter = stub_functions(source, todo)
    return Cell(key, "code", source, None if starter is None else starter.strip("\n"))


def stub_functions(source: str, todo: dict[str, str]) -> str:
    """The starter's version of a solution cell.

    Each function named in `todo` keeps its signature, its docstring and a
    leading `if seed is not None:` statement (the seeding is given to the
    student); the rest of its body becomes a TODO comment and a
    `raise NotImplementedError`.
    """
    lines = source.split("\n")
    out: list[str] = []
    copied = 0  # lines[:copied] are done
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.FunctionDef) and node.name in todo):
            continue
        kept = 0
        if ast.get_docstring(node) is not None:
            kept = 1
        if kept < len(node.body) and _is_seed_guard(node.body[kept]):
            kept += 1
        keep_until = node.body[kept - 1].end_lineno if kept else node.body[0].lineno - 1
        indent = " " * node.body[0].col_offset
        out += lines[copied:keep_until]
        out += [f"{indent}# TODO: {todo[node.name]}", f'{indent}raise NotImplementedError("{node.name}")']
        copied = node.end_lineno
    missing = set(todo) - {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    if missing:
        raise ValueError(f"no function {sorted(missing)} in the cell")
    return "\n".join(out + lines[copied:])


def _is_seed_guard(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and ast.unparse(statement.test) == "seed is not None"


def check_cell(assignment: str, item: str) -> Cell:
    """A code cell running the public checks of one rubric item."""
    return code(f"check_{item}", f'check("{item}", globals(), assignment="{assignment}")')
