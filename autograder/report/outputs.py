"""Writing a batch's reports into OUT, as grades land and again from the gradebook alone.

Per submission: OUT/<id>/results.json (Gradescope), its pictures and
feedback.html. For the batch: OUT/grades.csv and OUT/index.html.
`regenerate` is `gangrade report`: everything rebuilt from the gradebook.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from autograder.gradebook import Gradebook, StoredGrade
from autograder.packs import Pack, discover_packs
from autograder.report.canvas_csv import canvas_csv
from autograder.report.grades_csv import grades_csv
from autograder.report.html import IndexRow, feedback_html, index_html
from autograder.report.results import RESULTS_FILE, GradeResult, atomic_write_text, write_results
from autograder.roster import Student

FEEDBACK_FILE = "feedback.html"
GRADES_FILE = "grades.csv"
INDEX_FILE = "index.html"
CANVAS_FILE = "canvas.csv"
FORMATS = ("csv", "html", "gradescope", "canvas")   # canvas only where the batch came with a roster


def write_submission_outputs(out_dir: Path, result: GradeResult, pack: Pack, graded_at: str = "") -> None:
    """results.json and pictures (checked against the rubric), then the feedback page."""
    write_results(out_dir, result, pack)
    write_feedback(out_dir, result, pack, graded_at)


def write_feedback(out_dir: Path, result: GradeResult, pack: Pack | None, graded_at: str = "") -> Path:
    folder = Path(out_dir) / result.submission_id
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / FEEDBACK_FILE, feedback_html(result, pack, result.files, graded_at))
    return folder / FEEDBACK_FILE


def restore_submission_outputs(out_dir: Path, book: Gradebook, submission_id: str, pack: Pack) -> None:
    """For a grade kept from an earlier run: rewrite its files if they went missing."""
    folder = Path(out_dir) / submission_id
    if (folder / RESULTS_FILE).exists() and (folder / FEEDBACK_FILE).exists():
        return
    stored = book.grade(submission_id)
    if stored is not None and stored.document is not None:
        result = _with_files(stored, book)
        write_submission_outputs(out_dir, result, pack, stored.graded_at)


def write_batch_reports(out_dir: Path, book: Gradebook, formats: tuple[str, ...] = ("csv", "html")) -> list[Path]:
    """grades.csv, index.html and (with a roster) canvas.csv over every grade in the gradebook."""
    out_dir = Path(out_dir)
    written = []
    roster = book.students()
    packs = {pack.id: pack for pack in discover_packs()}
    if "csv" in formats:
        atomic_write_text(out_dir / GRADES_FILE, grades_csv(book.grades(), roster))
        written.append(out_dir / GRADES_FILE)
    if "html" in formats:
        rows = [_index_row(grade, roster.get(grade.id, [])) for grade in book.grades()]
        atomic_write_text(out_dir / INDEX_FILE, index_html(rows, packs, book.item_failure_rates()))
        written.append(out_dir / INDEX_FILE)
    if "canvas" in formats and roster:
        atomic_write_text(out_dir / CANVAS_FILE, canvas_csv(book.grades(), roster, packs))
        written.append(out_dir / CANVAS_FILE)
    return written


def regenerate(out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """`gangrade report`: rebuild the asked reports of OUT from its gradebook alone."""
    out_dir = Path(out_dir)
    packs = {pack.id: pack for pack in discover_packs()}
    written = []
    with Gradebook.in_folder(out_dir, create=False) as book:
        for stored in book.grades():
            if stored.document is None:
                continue  # its pack is unknown: no rubric, nothing per submission to write
            result = _with_files(stored, book)
            pack = packs.get(stored.pack)
            if "gradescope" in formats:
                written.append(write_results(out_dir, result))
            if "html" in formats:
                written.append(write_feedback(out_dir, result, pack, stored.graded_at))
        written += write_batch_reports(out_dir, book, formats)
    return written


def _with_files(stored: StoredGrade, book: Gradebook) -> GradeResult:
    return dataclasses.replace(stored.result(), files=book.files(stored.id))


def _index_row(grade: StoredGrade, students: list[Student]) -> IndexRow:
    has_page = grade.document is not None
    return IndexRow(grade.id, grade.pack, grade.shown_state, grade.score, grade.max_score, grade.execution_time,
                    grade.output, grade.graded_at, f"{grade.id}/{FEEDBACK_FILE}" if has_page else None,
                    tuple(grade.not_graded_items), ", ".join(f"{s.name} ({s.sid})" if s.sid else s.name for s in students))


def has_roster(out_dir: Path) -> bool:
    with Gradebook.in_folder(Path(out_dir), create=False) as book:
        return bool(book.students())
