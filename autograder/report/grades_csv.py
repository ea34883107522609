"""OUT/grades.csv: one row per submission, one column per rubric item, for an LMS gradebook.

Columns: submission_id, assignment, state (graded, incomplete: some items not
graded yet, or not_graded), score, max_score, then every
rubric item id (the packs' items in rubric order; a batch of several packs
gets the union, blank where an item is not the row's pack's). When the batch
came with a roster (a Gradescope export's submission_metadata.yml), three
last columns name the submitters: students, emails, sids (a group's joined
with "; ").
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from autograder.gradebook import StoredGrade
from autograder.report.summary import format_points
from autograder.roster import Student

FIXED_COLUMNS = ["submission_id", "assignment", "state", "score", "max_score"]


ROSTER_COLUMNS = ["students", "emails", "sids"]


def grades_csv(grades: Iterable[StoredGrade], roster: dict[str, list[Student]] | None = None) -> str:
    rows = []
    item_columns: list[str] = []  # first seen first: each stored grade lists its items in rubric order
    for grade in grades:
        items = {test["name"]: test["score"] for test in (grade.document or {}).get("tests", [])}
        for name in items:
            if name not in item_columns:
                item_columns.append(name)
        fixed = [grade.id, grade.pack or "", grade.shown_state, format_points(grade.score), format_points(grade.max_score)]
        rows.append((fixed, items))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIXED_COLUMNS + item_columns + (ROSTER_COLUMNS if roster else []))
    for fixed, items in rows:
        names = [] if not roster else ["; ".join(getattr(s, field) for s in roster.get(fixed[0], []))
                                       for field in ("name", "email", "sid")]
        writer.writerow(fixed + [format_points(items[name]) if name in items else "" for name in item_columns] + names)
    return buffer.getvalue()
