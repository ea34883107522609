"""A probe limited in work (CPU seconds) ends the same on a busy machine; only running out of work fails it.

Each scenario runs a small notebook in the sandbox with probes whose budget
is CPU time; the busy one runs beside eight processes spinning on the CPU.
"""
from __future__ import annotations

import multiprocessing
import time

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.execution.probes_protocol import Probe
from autograder.execution.runner import run_submission
from autograder.execution.sandbox import SandboxLimits

LIMITS = SandboxLimits(threads=1, wall_s=120)
NOTEBOOK = new_notebook(cells=[new_code_cell(
    "import time\n"
    "def work(seconds):\n"
    "    end = time.process_time() + seconds\n"
    "    while time.process_time() < end:\n"
    "        pass\n"
    "    return seconds\n")])


def spin(stop) -> None:
    while not stop.is_set():
        pass


@pytest.mark.sandbox
def test_an_endless_loop_runs_out_of_its_cpu_budget_and_fails():
    started = time.monotonic()
    result = run_submission(NOTEBOOK, probes=[Probe("endless", "work(10**6)", timeout=60, cpu_timeout=1.5)],
                            limits=LIMITS)
    probe = result.probes["endless"]
    assert probe.error == "timed out: used its whole budget of 1.5 CPU seconds" and not probe.graders_trouble
    assert time.monotonic() - started < 30   # ended by the CPU budget, not by the 60 s backstop


@pytest.mark.sandbox
def test_a_probe_starved_of_cpu_is_the_machines_trouble_not_the_students():
    # A wall backstop shorter than the work stands in for a machine too busy to give the work its time.
    result = run_submission(NOTEBOOK, probes=[Probe("starved", "work(20)", timeout=2, cpu_timeout=30)],
                            limits=LIMITS)
    probe = result.probes["starved"]
    assert probe.graders_trouble and "the grading machine was too busy" in probe.error


@pytest.mark.sandbox
def test_a_probe_that_blocks_without_computing_is_the_students():
    result = run_submission(NOTEBOOK, probes=[Probe("blocked", "time.sleep(30)", timeout=2, cpu_timeout=5)],
                            limits=LIMITS)
    probe = result.probes["blocked"]
    assert not probe.graders_trouble and "the code blocks" in probe.error


@pytest.mark.sandbox
def test_every_probe_is_limited_in_work():
    """A probe given only a wall timeout gets that many CPU seconds per thread, and eight times the wall time."""
    result = run_submission(NOTEBOOK, probes=[Probe("endless", "work(10**6)", timeout=1.0)], limits=LIMITS)
    assert result.probes["endless"].error == f"timed out: used its whole budget of {LIMITS.threads:g} CPU seconds"


@pytest.mark.sandbox
def test_the_same_work_passes_beside_eight_spinning_processes():
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(8)]
    for process in spinners:
        process.start()
    try:
        # 2 CPU seconds of work against a budget of 3: on 2 busy cores that is far more than 3 s of wall time.
        result = run_submission(NOTEBOOK, probes=[Probe("work", "info['done'] = work(2.0)", timeout=120,
                                                        cpu_timeout=3.0)], limits=LIMITS, sandbox=True)
    finally:
        stop.set()
        for process in spinners:
            process.join(timeout=10)
    probe = result.probes["work"]
    assert probe.ok, probe.error
    assert probe.info == {"done": 2.0}


def test_a_statement_stopped_by_the_wall_backstop_is_blocked_or_starved():
    """Blocked (hardly any CPU used) is the student's timeout; starved (computing all along) is the machine's."""
    from autograder.execution.cells import plan_notebook
    from autograder.execution.records import build_records
    from autograder.execution.runner import _mark_starved_statements

    plans = plan_notebook(new_notebook(cells=[new_code_cell("a = 1\nb = 2")]), ())
    ids = [s.id for s in plans[0].statements]
    events = [{"event": "statement", "id": ids[0], "status": "timeout", "limit": "wall", "seconds": 480.0,
               "cpu_seconds": 0.1, "error": {"type": "Timeout", "message": "timed out", "traceback": ""}},
              {"event": "statement", "id": ids[1], "status": "ok", "seconds": 0.1}]
    cells = build_records(plans, events, [], "not run")
    assert _mark_starved_statements(cells, events) is False
    assert "the code blocks" in cells[0].statements[0].reason

    events[0]["cpu_seconds"] = 90.0
    cells = build_records(plans, events, [], "not run")
    assert _mark_starved_statements(cells, events) is True
    assert "too busy" in cells[0].statements[0].reason
