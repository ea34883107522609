"""Grading overhead: a sandboxed kernel against a bare Python process doing the same work.

For one notebook (default: the cs231n_gan solution), measures
  - gangrade's grade (brief training off), cold: sandbox start, kernel
    start, the definition statements, the probes, the checks;
  - the same grade, warm: on a sandbox started ahead and warmed up, as every
    grade of a batch after a worker's first finds it (execution.standby);
  - a bare process: a fresh Python process (so it pays the same imports)
    that execs the same statements, runs the same probes and the same checks;
and prints them and the ratios to the bare process (targets: cold at most
1.3x, warm at most 1.15x); then times the whole `gangrade check NOTEBOOK`
command, as a student runs it (target: under 3 s).

    python bench/grade_overhead.py [NOTEBOOK] [--repeat N]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.checks.plan import grade_item, plan_probes  # noqa: E402
from autograder.execution.cells import plan_notebook  # noqa: E402
from autograder.execution.launcher import resolve_launch  # noqa: E402
from autograder.execution.limits import SandboxLimits  # noqa: E402
from autograder.execution.runner import run_submission  # noqa: E402
from autograder.execution.standby import KernelStandby  # noqa: E402
from autograder.pack_checks import load_checks  # noqa: E402
from autograder.packs import get_pack  # noqa: E402
from autograder.public import run_probes_in_process  # noqa: E402
from autograder.submission import load_submission  # noqa: E402


def sandboxed(submission, pack, plan, warm: bool = False) -> dict[str, float]:
    standby = KernelStandby()
    if warm:
        standby.start_next(resolve_launch(SandboxLimits(), sys.executable, sandbox=True, gpu=False))
        while not standby.is_warm():
            time.sleep(0.1)
    standby.keep_warm = False
    started = time.perf_counter()
    execution = run_submission(submission.notebook, submission.helper_files, skip_calls=pack.skip_calls,
                               probes=plan_probes(plan), standby=standby)
    assert execution.timings.warm_start == warm
    ran = time.perf_counter()
    points = {item.id: item.points for item in pack.items}
    for item, groups in plan.items():
        grade_item(item, points[item], groups, execution.probes)
    done = time.perf_counter()
    t = execution.timings
    return {"sandbox start": t.sandbox_start_s or 0.0, "kernel start": t.kernel_start_s or 0.0,
            "statements": t.statements_s or 0.0, "probes": t.probes_s or 0.0,
            "checks": done - ran, "total": done - started}


def bare(submission, pack, plan) -> dict[str, float]:
    started = time.perf_counter()
    namespace: dict = {"__name__": "__main__"}
    for cell in plan_notebook(submission.notebook, pack.skip_calls):
        for statement in cell.statements:
            if not statement.runs:
                continue
            with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                exec(compile(statement.code, f"cell {statement.cell}", "exec"), namespace)
    defined = time.perf_counter()
    points = {item.id: item.points for item in pack.items}
    results = run_probes_in_process(namespace, plan_probes(plan))
    probed = time.perf_counter()
    for item, groups in plan.items():
        grade_item(item, points[item], groups, results)
    done = time.perf_counter()
    return {"statements": defined - started, "probes": probed - defined, "checks": done - probed, "total": done - started}


def bare_process(notebook: Path) -> dict[str, float]:
    """`bare` in a fresh interpreter, timed from its start to its exit."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, str(notebook), "--bare-child"], capture_output=True, text=True, check=True)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {**figures, "total": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", nargs="?", type=Path, default=ROOT / "assignments/cs231n_gan/samples/solution.ipynb")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    submission = load_submission(args.notebook)
    pack = get_pack(submission.assignment or "cs231n_gan")
    plan = load_checks(pack).plan(np.random.default_rng(0))
    if args.bare_child:
        print(json.dumps(bare(submission, pack, plan)))
        return
    runs: dict[str, list[dict]] = {"cold sandbox": [], "warm sandbox": [], "bare process": []}
    for _ in range(args.repeat):   # interleaved, so that a change of the machine's load touches all three
        runs["cold sandbox"].append(sandboxed(submission, pack, plan))
        runs["warm sandbox"].append(sandboxed(submission, pack, plan, warm=True))
        runs["bare process"].append(bare_process(args.notebook))
    for name, samples in runs.items():
        parts = ", ".join(f"{key} {statistics.median(s[key] for s in samples):.2f} s" for key in samples[0])
        print(f"{name:>13}: {parts}")
    bare_total = statistics.median(s["total"] for s in runs["bare process"])
    for name, target in (("cold sandbox", 1.3), ("warm sandbox", 1.15)):
        ratio = statistics.median(s["total"] for s in runs[name]) / bare_total
        print(f"{name} / bare process (median totals): {ratio:.2f}x  (target <= {target}x)")
    checks = [check_command(args.notebook) for _ in range(args.repeat)]
    print(f"gangrade check {args.notebook.name}: median {statistics.median(checks):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in checks)}; target < 3 s)")


def check_command(notebook: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "check", str(notebook)], cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
