"""The gradebook: a batch's grades in an SQLite database inside OUT.

Each finished submission is committed in one transaction as soon as its
result arrives, so a grader killed mid-batch loses only the submissions it
was still grading; running the same command again grades those and skips
the rest (`is_current`). Reports are regenerated from here alone
(`gangrade report`): the results.json document and the pictures are stored
with the scores.

One writer at a time: `OutFolderLock` refuses a second grader on the same
OUT folder instead of letting two interleave their files.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder.batch.identity import GradeIdentity
from autograder.errors import GangradeError
from autograder.report.results import GradeResult, from_gradescope, to_gradescope
from autograder.roster import Student

GRADEBOOK_FILE = "gradebook.sqlite"
LOCK_FILE = ".gangrade.lock"
SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    graded INTEGER,
    not_graded INTEGER,
    unchanged INTEGER
);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT,
    pack TEXT,
    grader_version TEXT,
    fixtures_version TEXT,
    settings TEXT,
    state TEXT NOT NULL CHECK (state IN ('graded', 'not_graded')),
    retry INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    execution_time REAL NOT NULL,
    output TEXT NOT NULL,
    document TEXT,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    graded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    item TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    output TEXT NOT NULL,
    PRIMARY KEY (submission_id, item)
);
CREATE TABLE IF NOT EXISTS students (
    submission_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    sid TEXT NOT NULL,
    PRIMARY KEY (submission_id, position)
);
CREATE TABLE IF NOT EXISTS files (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (submission_id, name)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class OutFolderLock:
    """An exclusive lock on OUT for the life of one grader (released by the kernel even on kill -9)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / LOCK_FILE
        self._handle = None

    def __enter__(self) -> OutFolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise GangradeError(f"{self.path.parent}: another gangrade (pid {holder}) is writing to this folder; "
                                "wait for it to finish or use another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None


@dataclass(frozen=True)
class StoredGrade:
    """One submission's row of the gradebook."""

    id: str
    source: str
    pack: str | None
    state: str
    score: float
    max_score: float
    execution_time: float
    output: str
    run_id: int
    graded_at: str
    document: dict | None  # the results.json document; None when not even the pack is known

    def result(self) -> GradeResult | None:
        return None if self.document is None else from_gradescope(self.document, self.id)

    @property
    def gangrade_record(self) -> dict:
        """gangrade's own record in the results.json document (extra_data.gangrade); {} without one."""
        return (self.document or {}).get("extra_data", {}).get("gangrade", {})

    @property
    def shown_state(self) -> str:
        """graded, incomplete (graded, with items the grader could not judge yet) or not_graded."""
        return "incomplete" if self.state == "graded" and self.not_graded_items else self.state

    @property
    def not_graded_items(self) -> list[str]:
        return list(self.gangrade_record.get("not_graded_items", []))


GRADE_COLUMNS = "id, source, pack, state, score, max_score, execution_time, output, run_id, graded_at, document"


def _stored_grade(row: tuple) -> StoredGrade:
    return StoredGrade(*row[:10], document=None if row[10] is None else json.loads(row[10]))


@dataclass(frozen=True)
class SubmissionRow:
    """One submission's stored grade as the tables hold it (see SCHEMA)."""

    submission_id: str
    source: str
    identity: GradeIdentity | None    # None: graded by no pack (its pack could not be told)
    sha256: str | None
    retry: bool
    state: str                        # graded | not_graded
    score: float
    max_score: float
    execution_time: float
    output: str
    document: dict | None             # results.json
    items: list[tuple]                # (position, name, score, max_score, status, output)
    files: dict[str, bytes]


class Gradebook:
    """The SQLite gradebook at OUT/gradebook.sqlite."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise GangradeError(f"{self.path.parent}: no gradebook here ({GRADEBOOK_FILE}); "
                                f"run `gangrade grade ... --out {self.path.parent}` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
            version = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise GangradeError(f"{self.path}: not a readable gangrade gradebook ({exc})") from None
        if version is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif version[0] != SCHEMA_VERSION:
            raise GangradeError(f"{self.path}: gradebook schema {version[0]}, this gangrade reads {SCHEMA_VERSION}; use another --out")

    @classmethod
    def in_folder(cls, out_dir: Path, create: bool = True) -> Gradebook:
        return cls(Path(out_dir) / GRADEBOOK_FILE, create=create)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ------------------------------------------------------------ runs

    def start_run(self, command: str) -> int:
        cursor = self.db.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, _now()))
        return cursor.lastrowid

    def finish_run(self, run_id: int, graded: int, not_graded: int, unchanged: int) -> None:
        self.db.execute("UPDATE runs SET finished_at = ?, graded = ?, not_graded = ?, unchanged = ? WHERE id = ?",
                        (_now(), graded, not_graded, unchanged, run_id))

    # ------------------------------------------------------------ grades

    def is_current(self, submission_id: str, sha256: str, identity: GradeIdentity) -> bool:
        """True when a grade of this very content under this very grader is stored (and needs no retry)."""
        row = self.db.execute(
            "SELECT 1 FROM submissions WHERE id = ? AND sha256 = ? AND pack = ? AND grader_version = ? "
            "AND fixtures_version = ? AND settings = ? AND retry = 0",
            (submission_id, sha256, identity.pack, identity.grader_version, identity.fixtures_version, identity.settings),
        ).fetchone()
        return row is not None

    def incomplete_grade(self, submission_id: str, sha256: str, identity: GradeIdentity) -> StoredGrade | None:
        """The stored grade of this very content under this very grader when some of its items wait for a retry."""
        row = self.db.execute(
            f"SELECT {GRADE_COLUMNS} FROM submissions WHERE id = ? AND sha256 = ? AND pack = ? AND grader_version = ? "
            "AND fixtures_version = ? AND settings = ? AND state = 'graded'",
            (submission_id, sha256, identity.pack, identity.grader_version, identity.fixtures_version, identity.settings),
        ).fetchone()
        grade = None if row is None else _stored_grade(row)
        return grade if grade is not None and grade.gangrade_record.get("retry_items") else None

    def record(self, run_id: int, source: str, result: GradeResult, identity: GradeIdentity | None,
               sha256: str | None, retry: bool = False) -> None:
        """Store one submission's grade, its items and pictures, replacing any earlier grade, in one transaction."""
        items = [(i, item.name, item.score, item.max_score, item.status, item.output) for i, item in enumerate(result.items)]
        self._replace(run_id, SubmissionRow(
            result.submission_id, source, identity, sha256, retry, state="graded" if result.graded else "not_graded",
            score=result.score, max_score=result.max_score, execution_time=result.execution_time, output=result.output,
            document=to_gradescope(result), items=items, files=result.files))

    def record_unknown_pack(self, run_id: int, source: str, submission_id: str, reason: str) -> None:
        """A submission whose pack cannot be told: no rubric, so no items and no results.json."""
        self._replace(run_id, SubmissionRow(
            submission_id, source, None, None, True, state="not_graded", score=0.0, max_score=0.0,
            execution_time=0.0, output=f"not graded: {reason}", document=None, items=[], files={}))

    def _replace(self, run_id: int, row: SubmissionRow) -> None:
        identity, document = row.identity, row.document
        with self._transaction():
            self.db.execute("DELETE FROM submissions WHERE id = ?", (row.submission_id,))
            self.db.execute(
                "INSERT INTO submissions (id, source, sha256, pack, grader_version, fixtures_version, settings, state, "
                "retry, score, max_score, execution_time, output, document, run_id, graded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.submission_id, row.source, row.sha256,
                 identity.pack if identity else None,
                 identity.grader_version if identity else None,
                 identity.fixtures_version if identity else None,
                 identity.settings if identity else None,
                 row.state, int(row.retry), row.score, row.max_score, row.execution_time, row.output,
                 None if document is None else json.dumps(document, ensure_ascii=False, allow_nan=False),
                 run_id, _now()),
            )
            self.db.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(row.submission_id, *item) for item in row.items])
            self.db.executemany("INSERT INTO files VALUES (?, ?, ?)",
                                [(row.submission_id, name, content) for name, content in row.files.items()])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------ reading

    def grades(self) -> Iterator[StoredGrade]:
        """Every stored grade, in submission id order (streamed: a class of any size)."""
        for row in self.db.execute(f"SELECT {GRADE_COLUMNS} FROM submissions ORDER BY id"):
            yield _stored_grade(row)

    def grade(self, submission_id: str) -> StoredGrade | None:
        row = self.db.execute(f"SELECT {GRADE_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        return None if row is None else _stored_grade(row)

    # ------------------------------------------------------------ roster

    def set_students(self, roster: dict[str, list[Student]]) -> None:
        """Record who handed in each submission (from a Gradescope export), replacing what was known."""
        with self._transaction():
            for submission_id, students in roster.items():
                self.db.execute("DELETE FROM students WHERE submission_id = ?", (submission_id,))
                self.db.executemany("INSERT INTO students VALUES (?, ?, ?, ?, ?)",
                                    [(submission_id, i, s.name, s.email, s.sid) for i, s in enumerate(students)])

    def students(self) -> dict[str, list[Student]]:
        roster: dict[str, list[Student]] = {}
        for row in self.db.execute("SELECT submission_id, name, email, sid FROM students ORDER BY submission_id, position"):
            roster.setdefault(row[0], []).append(Student(*row[1:]))
        return roster

    def files(self, submission_id: str) -> dict[str, bytes]:
        rows = self.db.execute("SELECT name, content FROM files WHERE submission_id = ? ORDER BY name", (submission_id,))
        return {name: bytes(content) for name, content in rows}

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM submissions").fetchone()[0]

    def item_failure_rates(self) -> list[tuple[str, str, int, int]]:
        """(pack, item, failed, judged) over graded submissions, in rubric order (items not graded left out)."""
        return self.db.execute(
            "SELECT s.pack, i.item, sum(i.status = 'failed'), sum(i.status != 'not_graded') FROM items i "
            "JOIN submissions s "
            "ON s.id = i.submission_id WHERE s.state = 'graded' GROUP BY s.pack, i.item "
            "ORDER BY s.pack, min(i.position)").fetchall()
