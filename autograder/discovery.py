"""Turning the command line's PATH... into one entry per submission.

Finding is cheap and loads nothing (`find_submissions`); each submission is
loaded when its turn comes (`load_candidate`), so a batch of ten thousand
notebooks never holds more than the few being graded. One bad file becomes
a candidate with an error, never a stopped batch.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from autograder.errors import SubmissionError
from autograder.submission import (
    NOTEBOOK,
    ZIP,
    Submission,
    ignored_name,
    is_submission_file,
    load_submission,
    submission_id_for,
    walk_files,
)


class Found(NamedTuple):
    """A submission's place on disk and the id its results are filed under."""

    id: str
    path: Path


@dataclass(frozen=True)
class Candidate:
    """One submission found on disk: loaded, or the error that says why it cannot be."""

    id: str
    path: Path
    submission: Submission | None = None
    error: SubmissionError | None = None

    @property
    def ok(self) -> bool:
        return self.submission is not None


class Discovery(NamedTuple):
    candidates: list[Candidate]
    warnings: list[str]


def find_submissions(paths: Iterable[str | Path]) -> tuple[list[Found], list[str]]:
    """Expand PATH... into one entry per submission, in a deterministic order, and notes on what was odd.

    A file is one submission. A folder that directly holds exactly one
    notebook or zip, and whose subfolders hold none, is one submission named
    after the folder (a student's folder, or Gradescope's `submission_12345/`).
    Any other folder holds submissions: each notebook, zip and subfolder
    directly inside it is one, in name order.

    Two submissions with the same id (`alice.ipynb` and `alice.zip`): the
    first in that order keeps `alice`, the next becomes `alice-2`, then
    `alice-3`, never taking an id another submission has by its own name;
    ids are compared case-insensitively because results folders may land on
    a case-insensitive disk. Each renaming is reported as a note.
    """
    notes: list[str] = []
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        for path in _expand(Path(given), notes):
            key = path.resolve()
            if key in seen:
                notes.append(f"{path} was given more than once; it is graded once")
                continue
            seen.add(key)
            found.append(path)
    return [Found(submission_id, path) for path, submission_id in zip(found, _unique_ids(found, notes))], notes


def load_candidate(found: Found) -> Candidate:
    """Load one found submission; whatever goes wrong is the candidate's error, never an exception."""
    try:
        submission = replace(load_submission(found.path), id=found.id)
        return Candidate(found.id, found.path, submission=submission)
    except SubmissionError as exc:
        return Candidate(found.id, found.path, error=exc)
    except Exception as exc:  # a bug of ours must not stop the batch either
        error = SubmissionError(found.path, f"gangrade could not read it (internal error: {type(exc).__name__}: {exc})")
        return Candidate(found.id, found.path, error=error)


def discover_submissions(paths: Iterable[str | Path]) -> Discovery:
    """Find and load every submission at once (for small sets; a batch loads them one by one)."""
    found, notes = find_submissions(paths)
    return Discovery([load_candidate(entry) for entry in found], notes)


def _expand(path: Path, notes: list[str]) -> list[Path]:
    try:
        if not path.is_dir() or _is_one_submission(path):
            return [path]
        children = sorted(path.iterdir())
    except OSError:
        return [path]  # loading it reports what cannot be read
    entries = []
    for child in children:
        if ignored_name(child.name):
            continue
        if child.is_dir() or child.suffix.lower() in (NOTEBOOK, ZIP):
            entries.append(child)
        else:
            notes.append(f"ignored {child}: not a notebook, a zip or a folder")
    return entries


def _is_one_submission(folder: Path) -> bool:
    direct = [child for child in folder.iterdir() if child.is_file() and is_submission_file(child.name)]
    if len(direct) != 1:
        return False
    subfolders = [child for child in folder.iterdir() if child.is_dir() and not ignored_name(child.name)]
    return not any(is_submission_file(f.name) for sub in subfolders for f in walk_files(sub))


def _unique_ids(paths: list[Path], notes: list[str]) -> list[str]:
    natural = [submission_id_for(path) for path in paths]
    taken = {name.lower() for name in natural}
    first_holder: dict[str, Path] = {}
    ids = []
    for path, name in zip(paths, natural):
        if name.lower() not in first_holder:
            first_holder[name.lower()] = path
            ids.append(name)
            continue
        n = 2
        while f"{name}-{n}".lower() in taken:
            n += 1
        renamed = f"{name}-{n}"
        taken.add(renamed.lower())
        ids.append(renamed)
        notes.append(f"{path} and {first_holder[name.lower()]} both have the id '{name}'; {path.name} is graded as '{renamed}'")
    return ids
