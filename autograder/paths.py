"""Where gangrade finds its packs and fixtures.

In order:
1. `GANGRADE_ASSIGNMENTS` / `GANGRADE_FIXTURES` (the command line's
   `--packs DIR` / `--fixtures DIR` set them): a course's own folders, and how
   tests build fixtures into a scratch folder;
2. a checkout: `assignments/` and `grading_fixtures/` beside the `autograder`
   package;
3. an installed wheel: the same folders inside the bundled `gangrade_course`
   package (package data, see pyproject.toml).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_COURSE_PACKAGE = "gangrade_course"
ASSIGNMENTS_ENV, FIXTURES_ENV = "GANGRADE_ASSIGNMENTS", "GANGRADE_FIXTURES"


def assignments_dir() -> Path:
    return _course_folder(ASSIGNMENTS_ENV, "assignments")


def fixtures_dir() -> Path:
    return _course_folder(FIXTURES_ENV, "grading_fixtures")


def bundled_course_dir() -> Path | None:
    """The installed `gangrade_course` package's folder, if one is installed."""
    spec = importlib.util.find_spec(BUNDLED_COURSE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _course_folder(variable: str, name: str) -> Path:
    if os.environ.get(variable):
        return Path(os.environ[variable])
    if (PROJECT_ROOT / name).is_dir():
        return PROJECT_ROOT / name
    bundled = bundled_course_dir()
    return bundled / name if bundled is not None else PROJECT_ROOT / name


def pack_fixture_path(fixtures_folder: Path, pack_id: str) -> Path:
    """A pack's public fixture file (the inputs and expected outputs of its public checks)."""
    return fixtures_folder / pack_id / "public.npz"
