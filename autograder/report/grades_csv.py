"""OUT/grades.csv: one row per submission, one column per rubric item, for an LMS gradebook.

Columns: submission_id, assignment, state (graded, incomplete: some items not
graded yet, or not_graded), score, max_score, then every
rubric item id (the packs' items in rubric order; a batch of several packs
gets the union, blank where an item is not the row's pack's).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from autograder.gradebook import StoredGrade
from autograder.report.summary import format_points

FIXED_COLUMNS = ["submission_id", "assignment", "state", "score", "max_score"]


def grades_csv(grades: Iterable[StoredGrade]) -> str:
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
    writer.writerow(FIXED_COLUMNS + item_columns)
    for fixed, items in rows:
        writer.writerow(fixed + [format_points(items[name]) if name in items else "" for name in item_columns])
    return buffer.getvalue()
