"""Edits that turn a solution's cells into a sample submission, and the sample record itself.

Every edit names the cell it changes by key (see notebook_cells.py) and
fails loudly when the cell or the text it replaces is not there, so that a
change to the solution cannot silently leave a sample unedited.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .cells import Cell


@dataclass(frozen=True)
class Replace:
    """Replace `old` by `new` in one cell's source; `old` must occur exactly `count` times."""

    key: str
    old: str
    new: str
    count: int = 1

    def apply(self, cells: list[Cell]) -> list[Cell]:
        index = _index(cells, self.key)
        source = cells[index].source
        found = source.count(self.old)
        if found != self.count:
            raise ValueError(f"cell {self.key!r}: expected {self.count} occurrence(s) of "
                             f"{self.old!r}, found {found}")
        cells[index] = Cell(self.key, cells[index].kind, source.replace(self.old, self.new))
        return cells


@dataclass(frozen=True)
class SetSource:
    """Replace the whole source of one cell."""

    key: str
    source: str

    def apply(self, cells: list[Cell]) -> list[Cell]:
        index = _index(cells, self.key)
        cells[index] = Cell(self.key, cells[index].kind, self.source.strip("\n"))
        return cells


@dataclass(frozen=True)
class InsertAfter:
    """Insert a new cell after the cell `key`."""

    key: str
    cell: Cell

    def apply(self, cells: list[Cell]) -> list[Cell]:
        cells.insert(_index(cells, self.key) + 1, self.cell)
        return cells


@dataclass(frozen=True)
class Drop:
    """Remove the cell `key`."""

    key: str

    def apply(self, cells: list[Cell]) -> list[Cell]:
        del cells[_index(cells, self.key)]
        return cells


Edit = Replace | SetSource | InsertAfter | Drop


def _index(cells: list[Cell], key: str) -> int:
    for index, cell in enumerate(cells):
        if cell.key == key:
            return index
    raise KeyError(f"no cell {key!r}")


def apply_edits(cells: tuple[Cell, ...], edits: tuple[Edit, ...]) -> list[Cell]:
    """The solution's cells with `edits` applied in order (the input is not changed)."""
    result = list(cells)
    for edit in edits:
        result = edit.apply(result)
    return result


@dataclass(frozen=True)
class Sample:
    """One sample submission and what a fair grader must make of it.

    path: where it is written, relative to samples/ (.ipynb, or .zip with `files`)
    summary: the bug (buggy samples) or the student's style (valid samples)
    fails: the rubric items whose checks (everything but brief training) must
        fail; every other item's checks must pass
    training_fails: the items that brief training must fail, at the default
        budget on a CPU
    may_fail: items whose brief-training outcome depends on the budget or the
        device (the note says why)
    files: for a .zip, the helper files, path (from the zip's root) -> text
    notebook_name: for a .zip, the notebook's path inside it; it may name a sub-folder
        ("assignment3/GANs-PyTorch.ipynb"), as a zip of a Drive or home folder does
    zip_folders: for a .zip, also write an entry for each folder, as `zip -r` and the
        file managers' "compress" do (the default writes the files only)
    """

    path: str
    summary: str
    edits: tuple[Edit, ...]
    fails: tuple[str, ...] = ()
    training_fails: tuple[str, ...] = ()
    may_fail: tuple[str, ...] = ()
    note: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    notebook_name: str | None = None
    zip_folders: bool = False
