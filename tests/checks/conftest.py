"""Fixtures of the check tests (their shared helpers are in in_process.py)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The probes run many small tensor operations: on a shared CPU a second thread only contends."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
