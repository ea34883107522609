"""CPU sharing between submissions: a well-behaved notebook graded beside one that spins on many processes.

Runs a fixed CPU-bound probe in a "fair" notebook three ways: alone, beside a
"hog" notebook whose cell starts HOGS busy processes, and beside the hog with
the per-submission cpu cgroup switched off. Each hog process starts a
session of its own, so the kernel's session autogroups do not hold it
back: every process then competes on its own. Prints the fair notebook's probe time for each; with a cpu cgroup
per submission it should stay near its time on a machine shared by two.

    python bench/cpu_share.py [--hogs N]

Needs the sandbox with cgroups (run as root where bwrap works).
"""
from __future__ import annotations

import argparse
import threading
from unittest import mock

from nbformat.v4 import new_code_cell, new_notebook

from autograder.execution import cgroups
from autograder.execution.limits import SandboxLimits
from autograder.execution.probes_protocol import Probe
from autograder.execution.runner import run_submission
from autograder.execution.sandbox import detect_sandbox

WORK = "def work():\n    total = 0\n    for i in range(30_000_000):\n        total += i\n    return total"
TIMED = Probe("timed", "import time\nstart = time.perf_counter()\nwork()\ninfo['seconds'] = time.perf_counter() - start",
              timeout=300)
LIMITS = SandboxLimits(threads=1, pids=512, cell_timeout_s=120, wall_s=400)


def hog_notebook(hogs: int):
    spin = ("import multiprocessing, os, time\n"
            "def spin(seconds):\n    os.setsid()\n    end = time.time() + seconds\n    while time.time() < end:\n        pass\n"
            f"workers = [multiprocessing.Process(target=spin, args=(90,)) for _ in range({hogs})]\n"
            "for worker in workers:\n    worker.start()\n"
            "for worker in workers:\n    worker.join()")
    return new_notebook(cells=[new_code_cell(spin)])


def fair_seconds(beside_hog: bool, hogs: int) -> float:
    fair = new_notebook(cells=[new_code_cell(WORK)])
    if beside_hog:
        hog = threading.Thread(target=run_submission, args=(hog_notebook(hogs),), kwargs={"limits": LIMITS})
        hog.start()
        threading.Event().wait(8)   # the hog's sandbox and kernel start, and its processes spin
    result = run_submission(fair, probes=[TIMED], limits=LIMITS)
    if beside_hog:
        hog.join()
    return result.probes["timed"].info["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=8)
    args = parser.parse_args()
    support = detect_sandbox()
    if not (support.available and support.cgroups):
        raise SystemExit(f"needs the sandbox with cgroups: {support.reason}, cgroups {support.cgroups}")
    alone = fair_seconds(False, args.hogs)
    shared = fair_seconds(True, args.hogs)
    with mock.patch.object(cgroups, "cpu_cgroup_available", return_value=False):
        unshared = fair_seconds(True, args.hogs)
    print(f"cgroups {support.cgroups}; the hog spins {args.hogs} processes")
    print(f"fair notebook's probe alone:                       {alone:6.2f} s")
    print(f"beside the hog, each submission in its cpu cgroup: {shared:6.2f} s ({shared / alone:.1f}x)")
    print(f"beside the hog, no cpu cgroup:                     {unshared:6.2f} s ({unshared / alone:.1f}x)")


if __name__ == "__main__":
    main()
