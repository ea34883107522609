"""Markers shared by the whole suite: tests that need the sandbox, a GPU, or minutes of grading.

    pytest -m "not slow"      the quick suite (no end-to-end grading of the sample corpora)
    pytest -m sandbox         only what runs student code in bubblewrap

A `sandbox` test is skipped where bubblewrap cannot run, except where
scripts/setup.sh installs it (root with apt-get, as on CI): there a missing
sandbox fails tests/execution/test_sandbox.py instead of skipping quietly.
"""
from __future__ import annotations

import pytest
import torch

from autograder.execution.sandbox import detect_sandbox


def pytest_collection_modifyitems(config, items):
    needs = {marker for item in items for marker in ("sandbox", "gpu") if marker in item.keywords}
    if "sandbox" in needs and not (support := detect_sandbox()).available:
        skip = pytest.mark.skip(reason=f"no sandbox here: {support.reason}")
        for item in items:
            if "sandbox" in item.keywords:
                item.add_marker(skip)
    if "gpu" in needs and not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="no CUDA device on this machine")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
