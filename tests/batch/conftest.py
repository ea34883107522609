"""Cheap real submissions for batch tests: copies of a pack's starter notebook (stubs raise NotImplementedError)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.execution.sandbox import detect_sandbox
from autograder.packs import get_pack

PACK = "mlp_gan"


def sandbox_flags() -> list[str]:
    """Grade in the sandbox where there is one (CI); the batch's behaviour is the same either way."""
    return [] if detect_sandbox().available else ["--no-sandbox"]


@pytest.fixture
def starter_class(tmp_path) -> callable:
    """make(n) -> a folder of n student notebooks, each a copy of the starter."""

    def make(count: int, name: str = "class") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for index in range(count):
            shutil.copy(get_pack(PACK).folder / "starter.ipynb", folder / f"student{index:02d}.ipynb")
        return folder

    return make
