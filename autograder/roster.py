"""Who handed in each submission: the roster in a Gradescope export's `submission_metadata.yml`.

Gradescope's "Export Submissions" zip holds one folder per submission
(`submission_12345/`) and, beside them, `submission_metadata.yml` keyed by
those folder names:

    submission_12345:
      :submitters:
      - :name: Ada Lovelace
        :email: ada@example.edu
        :sid: '1815'

The keys are Ruby symbols (a leading colon); plain keys are read as well. A
group submission has several submitters. A roster that cannot be read is a
note, never a stopped batch: grading does not need it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

METADATA_FILE = "submission_metadata.yml"


@dataclass(frozen=True)
class Student:
    name: str
    email: str
    sid: str


def read_roster(paths: list[Path]) -> tuple[dict[str, list[Student]], list[str]]:
    """Submitters by submission folder name, from every `submission_metadata.yml` in the folders of `paths`;
    and notes on files that could not be read."""
    roster: dict[str, list[Student]] = {}
    notes: list[str] = []
    for folder in (Path(p) for p in paths):
        metadata = folder / METADATA_FILE
        if not metadata.is_file():
            continue
        try:
            document = yaml.safe_load(metadata.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            notes.append(f"{metadata}: not readable as YAML ({type(exc).__name__}); grades carry no student names")
            continue
        if not isinstance(document, dict):
            notes.append(f"{metadata}: not a mapping of submissions; grades carry no student names")
            continue
        for submission, entry in document.items():
            students = _submitters(entry)
            if students:
                roster[str(submission)] = students
    return roster, notes


def _submitters(entry) -> list[Student]:
    if not isinstance(entry, dict):
        return []
    people = _field(entry, "submitters") or []
    return [Student(str(_field(person, "name") or ""), str(_field(person, "email") or ""), str(_field(person, "sid") or ""))
            for person in people if isinstance(person, dict)]


def _field(mapping: dict, name: str):
    return mapping.get(f":{name}", mapping.get(name))
