"""One graded submission, and the Gradescope `results.json` that records it.

The file follows Gradescope's autograder specification (the "Output format"
of gradescope-autograders.readthedocs.io/en/latest/specs/). The fields we
write mean, there:
- `score`: the submission's total; when present it overrides the sum of the
  tests' scores (we write both, and they agree).
- `execution_time`: seconds.
- `output`: text about the whole submission, shown above the tests.
- `output_format`: `text`, at the top and on every test: messages quote
  student code and names, which Gradescope would otherwise render as HTML.
- `visibility`: `visible`, the results as a whole (each test has its own).
- `stdout_visibility`: whether the autograder's stdout is shown to students;
  ours stays `hidden` (the default), since a grader log may describe hidden checks.
- `tests[]`: `name`, `score`, `max_score`, `output` (shown collapsed under
  the test), `status` (`passed`/`failed`, overriding Gradescope's own rule of
  full marks = passed), `visibility` (`hidden`, `after_due_date`,
  `after_published` or `visible`, the default), `number` and `tags`; the last
  three from the item in pack.toml (`number` defaults to its position).
- `extra_data`: data stored with the result and not shown; gangrade keeps its
  own record there, under `gangrade` (versions, sandboxed or not, graded or not).

An item the grader could not judge (its own trouble: brief training switched
off, no sandbox, a check of its own that failed) is "not graded". Gradescope
knows only passed and failed, so such an item is written with `status`
`failed`, its provisional score (the points of the checks that were judged)
and an `output` that begins "Not graded"; `extra_data.gangrade.not_graded_items`
lists them and `incomplete` is true. Those whose cause may pass (no sandbox,
an unusable kernel Python) are also in `retry_items`, and the next `gangrade
grade` of the same submission grades them again; a setting (brief training
switched off) would only give the same again.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import autograder
from autograder.packs import VISIBILITIES, Pack

RESULTS_FILE = "results.json"
STATUSES = ("passed", "failed", "not_graded")
# Messages quote student code and text: shown as plain text, never rendered as HTML or Markdown.
OUTPUT_FORMAT = "text"
NOT_GRADED_PREFIX = "Not graded (the grader's own trouble, not your code): "
# Keys of extra_data.gangrade that GradeResult fills itself; `extra` may not reuse them.
RESERVED_KEYS = frozenset({"submission_id", "graded", "sandboxed", "versions", "incomplete", "not_graded_items",
                           "retry_items"})


def grader_versions() -> dict[str, str]:
    """Versions that decide a grade, recorded so a regrade can explain a difference."""
    versions = {"gangrade": autograder.__version__, "python": platform.python_version()}
    for package in ("torch", "numpy", "nbformat", "nbclient"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one rubric item."""

    name: str  # the rubric item id
    score: float
    max_score: float
    status: str  # "passed", "failed" (the code failed a judged check) or "not_graded" (some checks not judged)
    output: str = ""  # what went wrong, in words a student can act on
    visibility: str = "visible"
    number: str = ""        # Gradescope's test number, e.g. "3"
    tags: tuple[str, ...] = ()
    complete: bool = True  # False when some of its checks were not judged (status failed or not_graded)
    retry: bool = False    # ... and the next run should judge them again (the cause may pass)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {VISIBILITIES}, not {self.visibility!r}")
        if not 0 <= self.score <= self.max_score:  # also refuses NaN, which JSON cannot carry
            raise ValueError(f"item {self.name!r}: score {self.score} is outside [0, {self.max_score}]")


@dataclass(frozen=True)
class GradeResult:
    """Everything results.json says about one submission."""

    submission_id: str
    items: list[ItemResult]  # in rubric order
    output: str
    execution_time: float  # seconds
    sandboxed: bool
    extra: dict[str, Any] = field(default_factory=dict)
    graded: bool = True  # False when the submission could not be graded at all
    versions: dict[str, str] = field(default_factory=grader_versions)
    files: dict[str, bytes] = field(default_factory=dict)  # pictures written beside results.json

    def __post_init__(self) -> None:
        # The id names a folder under OUT/: nothing that could climb out of it.
        if not re.fullmatch(r"[A-Za-z0-9._-]+", self.submission_id) or set(self.submission_id) == {"."}:
            raise ValueError(f"submission id {self.submission_id!r} is not a safe folder name")
        clashes = RESERVED_KEYS & set(self.extra)
        if clashes:
            raise ValueError(f"extra may not use the keys {sorted(clashes)}")
        unsafe = [name for name in self.files if not re.fullmatch(r"[a-z0-9_]+\.png", name) or name == RESULTS_FILE]
        if unsafe:
            raise ValueError(f"file names {unsafe} are not plain .png names")

    @property
    def score(self) -> float:
        return round(sum(item.score for item in self.items), 2)

    @property
    def max_score(self) -> float:
        return round(sum(item.max_score for item in self.items), 2)

    @property
    def failed_items(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    @property
    def not_graded_items(self) -> list[ItemResult]:
        """Items with checks the grader could not judge (status not_graded, or failed with such checks too)."""
        return [item for item in self.items if not item.complete]

    @property
    def incomplete(self) -> bool:
        return self.graded and bool(self.not_graded_items)

    @property
    def retry_items(self) -> list[ItemResult]:
        return [item for item in self.items if item.retry]


def failed_submission_result(pack: Pack, submission_id: str, reason: str, execution_time: float, *, sandboxed: bool = False) -> GradeResult:
    """A score-0 result for a submission that could not be graded, every rubric item failed with the reason."""
    message = f"not graded: {reason}"
    items = [ItemResult(item.id, 0, item.points, "failed", message, **presentation(item)) for item in pack.items]
    return GradeResult(submission_id, items, message, execution_time, sandboxed, graded=False)


def presentation(item) -> dict[str, Any]:
    """How Gradescope shows a rubric item, as ItemResult's keyword arguments."""
    return {"visibility": item.visibility, "number": item.number, "tags": item.tags}


def check_rubric(result: GradeResult, pack: Pack) -> None:
    """Raise ValueError unless the result has exactly the pack's rubric items, in order, with their points."""
    expected = [(item.id, item.points) for item in pack.items]
    seen = [(item.name, item.max_score) for item in result.items]
    if seen != expected:
        raise ValueError(f"{result.submission_id}: items {seen} do not match the rubric of {pack.id} {expected}")


def to_gradescope(result: GradeResult) -> dict[str, Any]:
    """The results.json document, as plain JSON values."""
    return {
        "score": result.score,
        "execution_time": result.execution_time,
        "output": result.output,
        "output_format": OUTPUT_FORMAT,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(item) for item in result.items],
        "extra_data": {
            "gangrade": {
                "submission_id": result.submission_id,
                "graded": result.graded,
                "incomplete": result.incomplete,
                "not_graded_items": [item.name for item in result.not_graded_items],
                "retry_items": [item.name for item in result.retry_items],
                "sandboxed": result.sandboxed,
                "versions": result.versions,
                **result.extra,
            }
        },
    }


def _test(item: ItemResult) -> dict[str, Any]:
    test = {
        "name": item.name,
        "score": item.score,
        "max_score": item.max_score,
        "status": "passed" if item.status == "passed" else "failed",   # all Gradescope knows
        "output": NOT_GRADED_PREFIX + item.output if item.status == "not_graded" else item.output,
        "output_format": OUTPUT_FORMAT,
        "visibility": item.visibility,
    }
    if item.number:
        test["number"] = item.number
    if item.tags:
        test["tags"] = list(item.tags)
    return test


def from_gradescope(document: dict[str, Any], submission_id: str | None = None) -> GradeResult:
    """Read back what `to_gradescope` wrote (for `gangrade report`); `submission_id` if the record lacks one."""
    record = dict(document.get("extra_data", {}).get("gangrade", {}))
    record.pop("incomplete", None)
    not_graded, retry = set(record.pop("not_graded_items", [])), set(record.pop("retry_items", []))
    items = [_item_from_test(t, t["name"] in not_graded, t["name"] in retry) for t in document["tests"]]
    return GradeResult(
        submission_id=record.pop("submission_id", submission_id),
        items=items,
        output=document.get("output", ""),
        execution_time=document.get("execution_time", 0.0),
        sandboxed=record.pop("sandboxed", False),
        graded=record.pop("graded", True),
        versions=record.pop("versions", {}),
        extra=record,
    )


def _item_from_test(test: dict, incomplete: bool, retry: bool) -> ItemResult:
    """An item as `to_gradescope` wrote it: a not-graded one has its prefixed output and status back."""
    output, status = test.get("output", ""), test["status"]
    if incomplete and output.startswith(NOT_GRADED_PREFIX):
        output, status = output[len(NOT_GRADED_PREFIX):], "not_graded"
    return ItemResult(test["name"], test["score"], test["max_score"], status, output, test.get("visibility", "visible"),
                      number=test.get("number", ""), tags=tuple(test.get("tags", ())), complete=not incomplete, retry=retry)


def write_results(out_dir: str | Path, result: GradeResult, pack: Pack | None = None) -> Path:
    """Write OUT/<submission-id>/results.json atomically; with `pack`, check the rubric first."""
    if pack is not None:
        check_rubric(result, pack)
    folder = Path(out_dir) / result.submission_id
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / RESULTS_FILE
    for name, content in result.files.items():
        atomic_write_bytes(folder / name, content)
    text = json.dumps(to_gradescope(result), ensure_ascii=False, indent=2, allow_nan=False)
    atomic_write_text(target, text + "\n")
    return target


def load_results(path: str | Path) -> GradeResult:
    path = Path(path)
    return from_gradescope(json.loads(path.read_text(encoding="utf-8")), submission_id=path.parent.name)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text so that readers see the old file or the new one, never half of one."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, content: bytes) -> None:
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes it private; results are for the course staff to read
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
