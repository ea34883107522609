"""Sandboxes started ahead (`standby`): the next grade takes a warm kernel, and sees nothing of the one before."""
from __future__ import annotations

import dataclasses
import os
import signal

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.execution.limits import SandboxLimits
from autograder.execution.probes_protocol import Probe
from autograder.execution.runner import run_submission
from autograder.execution.standby import KernelStandby

pytestmark = pytest.mark.sandbox
LIMITS = SandboxLimits(wall_s=120, threads=1)

# The first submission leaves every trace a kernel can leave: files in /tmp, its home and /dev/shm,
# an environment variable, a module attribute, a process that outlives its cell.
LEAVES_TRACES = """
import os, subprocess, sys, numpy
open('/tmp/trace', 'w').write('first')
open(os.path.expanduser('~/trace'), 'w').write('first')
open('trace-in-cwd', 'w').write('first')
open('/dev/shm/trace-first', 'w').write('first')
os.environ['TRACE'] = 'first'
numpy.TRACE = 'first'
sleeper = subprocess.Popen(['sleep', '300'], start_new_session=True)
open('/tmp/sleeper-pid', 'w').write(str(sleeper.pid))
"""
LOOKS_FOR_TRACES = """
import os, subprocess, numpy
info['tmp'] = os.path.exists('/tmp/trace')
info['home'] = os.path.exists(os.path.expanduser('~/trace'))
info['cwd'] = os.path.exists('trace-in-cwd')
info['shm'] = os.path.exists('/dev/shm') and any('trace' in name for name in os.listdir('/dev/shm'))
info['env'] = os.environ.get('TRACE')
info['module'] = getattr(numpy, 'TRACE', None)
info['sleepers'] = subprocess.run(['pgrep', '-x', 'sleep'], capture_output=True, text=True).stdout.split()
info['defined'] = 'sleeper' in globals()
outputs['x'] = np.asarray(x)
"""


def notebook(*sources: str):
    return new_notebook(cells=[new_code_cell(source) for source in sources])


def traces_probe() -> list[Probe]:
    return [Probe("traces", LOOKS_FOR_TRACES)]


def test_the_next_grade_takes_a_warm_kernel_that_sees_nothing_of_the_grade_before():
    standby = KernelStandby()
    try:
        first = run_submission(notebook("import numpy as np\nx = 1", LEAVES_TRACES), probes=traces_probe(),
                               limits=LIMITS, standby=standby)
        left = first.probes["traces"].info   # the traces are there for the submission that left them
        assert all(left[name] is True for name in ("tmp", "home", "cwd", "shm", "defined"))
        assert left["env"] == left["module"] == "first" and left["sleepers"]
        assert not first.timings.warm_start
        second = run_submission(notebook("import numpy as np\nx = 2"), probes=traces_probe(), limits=LIMITS,
                                standby=standby)
    finally:
        standby.close()
    assert second.timings.warm_start and standby.taken == 1
    info = second.probes["traces"].info
    assert info == {"tmp": False, "home": False, "cwd": False, "shm": False, "env": None, "module": None,
                    "sleepers": [], "defined": False}
    assert int(second.probes["traces"].outputs["x"]) == 2


def test_a_warm_kernel_binds_nothing_in_the_notebook_and_seeds_it_as_a_cold_one_does():
    draws = "import torch\ndraw = torch.rand(3).tolist()\nnames = sorted(n for n in globals() if not n.startswith('_'))"
    probe = [Probe("state", "info['draw'] = draw\ninfo['names'] = names")]
    cold = run_submission(notebook(draws), probes=probe, limits=LIMITS)
    standby = KernelStandby()
    try:
        standby.start_next(_settings_of(LIMITS))
        warm = run_submission(notebook(draws), probes=probe, limits=LIMITS, standby=standby)
    finally:
        standby.keep_warm = False
        standby.close()
    assert warm.timings.warm_start and not cold.timings.warm_start
    assert warm.probes["state"].info == cold.probes["state"].info


def test_a_sandbox_started_with_other_limits_is_thrown_away():
    standby = KernelStandby()
    try:
        standby.start_next(_settings_of(LIMITS))
        other = dataclasses.replace(LIMITS, memory_mb=LIMITS.memory_mb // 2)
        result = run_submission(notebook("import numpy as np\nx = 3"), probes=traces_probe(), limits=other,
                                standby=standby)
    finally:
        standby.keep_warm = False
        standby.close()
    assert not result.timings.warm_start and standby.taken == 0
    assert int(result.probes["traces"].outputs["x"]) == 3


def test_a_sandbox_that_died_while_it_waited_is_not_used():
    standby = KernelStandby()
    try:
        standby.start_next(_settings_of(LIMITS))
        running = standby._ready.launcher._first.process
        os.killpg(running.pid, signal.SIGKILL)
        running.wait()
        result = run_submission(notebook("import numpy as np\nx = 4"), probes=traces_probe(), limits=LIMITS,
                                standby=standby)
    finally:
        standby.keep_warm = False
        standby.close()
    assert not result.timings.warm_start and result.error is None
    assert int(result.probes["traces"].outputs["x"]) == 4


def test_without_the_sandbox_nothing_is_started_ahead():
    standby = KernelStandby()
    result = run_submission(notebook("import numpy as np\nx = 5"), probes=[Probe("x", "outputs['x'] = np.asarray(x)")],
                            limits=LIMITS, sandbox=False, standby=standby)
    assert standby.started == 0 and np.asarray(result.probes["x"].outputs["x"]) == 5


def _settings_of(limits: SandboxLimits):
    import sys

    from autograder.execution.launcher import resolve_launch
    return resolve_launch(limits, sys.executable, True, False)
