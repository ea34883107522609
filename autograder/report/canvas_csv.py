"""OUT/canvas.csv: the batch's scores as a CSV that Canvas's gradebook import accepts.

Canvas matches a row to one of its students by "SIS User ID" (or "SIS Login
ID", or its own "ID", which gangrade does not know). The columns are Canvas's
five fixed ones (Student, ID, SIS User ID, SIS Login ID, Section), then one
per assignment, headed "<title> (<pack id>)"; the second row gives each
assignment's points possible. The names, SIDs and emails come from the roster
of a Gradescope export (`submission_metadata.yml`), so there is one row per
student (each member of a group gets the group's score) and a submission
without one cannot be matched and is left out.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from autograder.gradebook import StoredGrade
from autograder.packs import Pack
from autograder.report.summary import format_points
from autograder.roster import Student

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"


def canvas_csv(grades: Iterable[StoredGrade], roster: dict[str, list[Student]], packs: dict[str, Pack]) -> str:
    graded = [grade for grade in grades if grade.pack and grade.state == "graded" and grade.id in roster]
    pack_ids = sorted({grade.pack for grade in graded})
    headers = [f"{packs[p].title} ({p})" if p in packs else p for p in pack_ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CANVAS_COLUMNS + headers)
    writer.writerow([POINTS_POSSIBLE, "", "", "", ""] + [str(packs[p].total_points) if p in packs else "" for p in pack_ids])
    for grade in graded:
        for student in roster[grade.id]:
            scores = [format_points(grade.score) if p == grade.pack else "" for p in pack_ids]
            writer.writerow([student.name, "", student.sid, student.email, ""] + scores)
    return buffer.getvalue()
