"""Where gangrade finds its packs and fixtures.

The repository root holds `assignments/` and `grading_fixtures/`. Both can be
pointed elsewhere with environment variables, which is how tests build
fixtures into a scratch folder and how a course keeps its own packs.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def assignments_dir() -> Path:
    return Path(os.environ.get("GANGRADE_ASSIGNMENTS", PROJECT_ROOT / "assignments"))


def fixtures_dir() -> Path:
    return Path(os.environ.get("GANGRADE_FIXTURES", PROJECT_ROOT / "grading_fixtures"))
