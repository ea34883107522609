"""The reference stands alone: it imports torch, numpy, the standard library and itself, nothing of the grader."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
ALLOWED_TOP_LEVEL = {"torch", "numpy", "reference", "__future__"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(REFERENCE.rglob("*.py")), ids=lambda p: p.relative_to(REFERENCE).as_posix())
def test_a_reference_module_imports_only_torch_numpy_and_the_standard_library(path):
    outside = imported_top_levels(path) - ALLOWED_TOP_LEVEL - set(sys.stdlib_module_names)
    assert not outside, f"{path.relative_to(REFERENCE.parent)} imports {sorted(outside)}"


def test_the_import_scan_sees_a_grader_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import numpy as np\nfrom autograder import probe_networks\nfrom . import sibling\n")
    assert imported_top_levels(module) == {"numpy", "autograder"}
