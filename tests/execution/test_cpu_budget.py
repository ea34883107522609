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
from autograder.execution.sandbox import SandboxLimits, detect_sandbox

SUPPORT = detect_sandbox()
needs_sandbox = pytest.mark.skipif(not SUPPORT.available, reason=f"no sandbox here: {SUPPORT.reason}")
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


@needs_sandbox
def test_an_endless_loop_runs_out_of_its_cpu_budget_and_fails():
    started = time.monotonic()
    result = run_submission(NOTEBOOK, probes=[Probe("endless", "work(10**6)", timeout=60, cpu_timeout=1.5)],
                            limits=LIMITS)
    probe = result.probes["endless"]
    assert probe.error == "used its whole budget of 1.5 CPU seconds" and not probe.graders_trouble
    assert time.monotonic() - started < 30   # ended by the CPU budget, not by the 60 s backstop


@needs_sandbox
def test_a_probe_starved_of_cpu_is_the_machines_trouble_not_the_students():
    result = run_submission(NOTEBOOK, probes=[Probe("starved", "time.sleep(30)", timeout=2, cpu_timeout=5)],
                            limits=LIMITS)
    probe = result.probes["starved"]
    assert probe.graders_trouble and "the grading machine was too busy" in probe.error


@needs_sandbox
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
