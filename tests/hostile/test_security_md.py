"""SECURITY.md names, for each defence, the tests that prove it.

Those tests must exist, and every hostile case must be named.
"""
from __future__ import annotations

import re

from autograder.paths import PROJECT_ROOT

from .cases import CASES

SECURITY = (PROJECT_ROOT / "SECURITY.md").read_text(encoding="utf-8")
BROKEN_FILES = ("ten_thousand_cells", "deeply_nested_json", "zip_slip", "zip_symlink", "zip_bomb")


def _table_rows() -> list[str]:
    return [line for line in SECURITY.splitlines() if line.startswith("| ") and not line.startswith("| defence")]


def _named_tests(row: str) -> list[tuple[str, str]]:
    """(file, function) for `tests/x.py::name` and the `::name` that follow it in the same row."""
    named, current = [], None
    for path, function in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", row):
        current = path or current
        if function:
            named.append((current, function))
    return named


def test_every_test_named_in_security_md_exists():
    named = [pair for row in _table_rows() for pair in _named_tests(row)]
    assert len(named) > 10
    for path, function in named:
        source = (PROJECT_ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {function}\(", source, re.MULTILINE), f"SECURITY.md names {path}::{function}"


def test_every_hostile_case_is_named_in_security_md():
    cited = r"test_hostile_batch\.py(?:::\w+)?` \(([^)]*)\)"   # `tests/hostile/test_hostile_batch.py` (`case`, ...)
    named = {name for row in _table_rows() for group in re.findall(cited, row)
             for name in re.findall(r"`(\w+)`", group)}
    known = {case.name for case in CASES} | set(BROKEN_FILES)
    assert named <= known, f"SECURITY.md names cases that do not exist: {sorted(named - known)}"
    assert known <= named, f"cases SECURITY.md does not name: {sorted(known - named)}"
