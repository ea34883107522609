"""Batch grading at class scale: worker throughput, regrading unchanged work, the grader's own memory.

    python bench/batch.py throughput [--pack mlp_gan] [--count 20] [--train-steps N] [--single-thread]
    python bench/batch.py cheap [--count 10]
    python bench/batch.py first-result [--pack mlp_gan]
    python bench/batch.py unchanged [--count 100]
    python bench/batch.py memory [--count 1000]

- throughput: the same submissions (the pack's samples, repeated up to
  --count) graded with brief training on by 1 worker and by 2 workers, each
  into a fresh OUT, by the real `gangrade grade`; prints submissions per
  minute and the ratio. The reference's runs are computed before timing.
  With --single-thread, one more run: 1 worker whose kernel has 1 torch
  thread (what each of 2 workers gets on 2 cores), i.e. the pool's scaling
  without torch's own use of the second core.
- cheap: --count copies of the cs231n_gan solution graded with brief
  training off, as `gangrade grade` does on this machine (workers and
  threads by its cores), once with sandboxes started ahead (the default)
  and once without; prints the total wall time of each and, per grade,
  against a bare process doing the same work (bench/grade_overhead.py).
- first-result: a fresh reference cache; the pack's solution and a copy
  graded by `gangrade grade` with the default budget, without and then after
  `gangrade prepare`; prints the time to the first graded line and that
  grade's own time.
- unchanged: --count copies of the starter notebook graded once, then the
  same command again; prints the second run's wall time (every grade kept).
- memory: the batch loop (discovery, gradebook commits, results.json,
  pictures, feedback.html, progress) over --count submissions whose grading
  is simulated by a result with realistic pictures, so that the grader
  process's own memory is measured, not a kernel's; prints its peak RSS
  after every tenth of the run.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.packs import get_pack  # noqa: E402


def _gangrade(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "grade", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def _copies(sources: list[Path], count: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        source = sources[index % len(sources)]
        shutil.copy(source, folder / f"s{index:04d}_{source.stem}.ipynb")
    return folder


def throughput(args: argparse.Namespace) -> None:
    pack = get_pack(args.pack)
    samples = pack.folder / "samples"
    sources = [samples / "solution.ipynb", *sorted((samples / "valid").glob("*.ipynb")), *sorted((samples / "buggy").glob("*.ipynb"))]
    steps = [] if args.train_steps is None else ["--train-steps", str(args.train_steps)]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = _copies(sources, args.count, scratch / "class")
        # The reference's runs are cached once per pack and budget; pay for them before any timing.
        _gangrade(str(sources[0]), "--assignment", pack.id, "--out", str(scratch / "warm"), "--workers", "1", *steps)
        rates = {}
        for workers in (1, 2):
            seconds = _gangrade(str(folder), "--assignment", pack.id, "--out", str(scratch / f"out{workers}"),
                                "--workers", str(workers), *steps)
            rates[workers] = args.count / seconds * 60
            print(f"{workers} worker(s): {args.count} submissions in {seconds:.0f} s = {rates[workers]:.2f} per minute", flush=True)
        print(f"2 workers / 1 worker throughput: {rates[2] / rates[1]:.2f}x ({os.cpu_count()} cores)", flush=True)
        if args.single_thread:
            seconds = _grade_single_thread(folder, pack.id, scratch / "out-single", args.train_steps)
            single = args.count / seconds * 60
            print(f"1 worker, 1 torch thread: {args.count} submissions in {seconds:.0f} s = {single:.2f} per minute; "
                  f"2 workers / this: {rates[2] / single:.2f}x")


def _grade_single_thread(folder: Path, pack_id: str, out: Path, train_steps: int | None) -> float:
    """`gangrade grade --workers 1` as the command line sets it up, but with one torch thread in the kernel."""
    from autograder.batch.grade import BatchSettings, grade_paths
    from autograder.execution.limits import SandboxLimits
    from autograder.grading import GradeOptions
    from autograder.training_setup import TrainingOptions

    options = GradeOptions(limits=SandboxLimits(threads=1), training=TrainingOptions(steps=train_steps))
    started = time.perf_counter()
    grade_paths([folder], pack_id, out, options, BatchSettings(workers=1), stream=io.StringIO())
    return time.perf_counter() - started


def cheap(args: argparse.Namespace) -> None:
    from autograder.batch.grade import BatchSettings, grade_paths
    from autograder.batch.pools import default_workers
    from autograder.grading import GradeOptions
    from autograder.training_setup import TrainingOptions

    pack = get_pack("cs231n_gan")
    options = GradeOptions(training=TrainingOptions(device="cpu", steps=0))
    workers = default_workers(options.limits.memory_mb)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = _copies([pack.folder / "samples" / "solution.ipynb"], args.count, scratch / "class")
        for warm in (True, False):
            started = time.perf_counter()
            grade_paths([folder], pack.id, scratch / f"out-{warm}", options,
                        BatchSettings(workers=workers, warm_starts=warm), stream=io.StringIO())
            seconds = time.perf_counter() - started
            print(f"{args.count} cheap grades, {workers} workers, sandboxes started ahead: {'yes' if warm else 'no '}: "
                  f"{seconds:.1f} s in all, {seconds / args.count:.2f} s per grade", flush=True)


def first_result(args: argparse.Namespace) -> None:
    pack = get_pack(args.pack)
    solution = pack.folder / "samples" / "solution.ipynb"
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = _copies([solution], 2, scratch / "class")
        for prepared in (False, True):
            environment = {**os.environ, "GANGRADE_CACHE": str(scratch / f"cache-{prepared}")}   # fresh each time
            if prepared:
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "autograder", "prepare", "--assignment", pack.id, "--device", "cpu"],
                               check=True, stdout=subprocess.DEVNULL, env=environment, cwd=ROOT)
                print(f"gangrade prepare: {time.perf_counter() - started:.0f} s", flush=True)
            first, grade = _time_to_first_result(folder, pack.id, scratch / f"out-{prepared}", environment)
            print(f"{'after' if prepared else 'without'} gangrade prepare: first result after {first:.0f} s; "
                  f"that grade took {grade:.0f} s", flush=True)


def _time_to_first_result(folder: Path, pack_id: str, out: Path, environment: dict) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--assignment", pack_id,
                                "--out", str(out), "--device", "cpu"], stdout=subprocess.PIPE, text=True,
                               env=environment, cwd=ROOT)
    first = None
    for line in process.stdout:
        if first is None and line.startswith("[1/"):
            first = time.perf_counter() - started
    process.wait()
    grade = min(json.loads(path.read_text())["execution_time"] for path in out.glob("*/results.json"))
    return first or float("nan"), grade


def unchanged(args: argparse.Namespace) -> None:
    pack = get_pack("mlp_gan")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = _copies([pack.folder / "starter.ipynb"], args.count, scratch / "class")
        command = [str(folder), "--out", str(scratch / "out"), "--train-steps", "0"]
        first = _gangrade(*command)
        second = _gangrade(*command)
    print(f"{args.count} submissions: first grade {first:.0f} s; the same command again (all unchanged) {second:.2f} s")


def memory(args: argparse.Namespace) -> None:
    import numpy as np
    import psutil

    from autograder.batch.grade import BatchSettings, grade_paths
    from autograder.batch.jobs import JobOutcome
    from autograder.grading import GradeOptions
    from autograder.report import figures
    from autograder.report.results import GradeResult, ItemResult
    from autograder.training_setup import TrainingOptions

    pack = get_pack("mlp_gan")
    rng = np.random.default_rng(0)
    pictures = {"samples.png": figures.sample_grid_png(rng.random((64, 784))),
                "loss_curves.png": figures.loss_curves_png({"d": rng.random(200), "g": rng.random(200)})}
    process = psutil.Process()
    graded = 0
    marks: list[tuple[int, float]] = []  # (submissions done, RSS in MiB)

    def simulated_grade(job):
        nonlocal graded
        graded += 1
        if graded % max(1, args.count // 10) == 0:
            marks.append((graded, process.memory_info().rss / 2**20))
        items = [ItemResult(item.id, item.points / 2, item.points, "failed", "expected 0.5, saw 0.25. " * 20)
                 for item in pack.items]
        return JobOutcome(GradeResult(job.candidate.id, items, "ran in a bubblewrap sandbox", 1.0, True, files=dict(pictures)))

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = _copies([pack.folder / "starter.ipynb"], args.count, scratch / "class")
        options = GradeOptions(sandbox=False, training=TrainingOptions(device="cpu", steps=0))
        # --workers 1 grades in this process, through pools.grade_job: the one thing simulated here.
        with mock.patch("autograder.batch.pools.grade_job", simulated_grade):
            grade_paths([folder], pack.id, scratch / "out", options, BatchSettings(workers=1), stream=io.StringIO())
    for done, rss in marks:
        print(f"after {done:5d} submissions: grader RSS {rss:7.1f} MiB")
    growth = marks[-1][1] - marks[0][1]
    per_submission = growth / (marks[-1][0] - marks[0][0]) * 1024
    print(f"from the first tenth to the end: {growth:+.1f} MiB ({per_submission:+.1f} KiB per submission)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    first = commands.add_parser("throughput")
    first.add_argument("--pack", default="mlp_gan")
    first.add_argument("--count", type=int, default=20)
    first.add_argument("--train-steps", type=int)
    first.add_argument("--single-thread", action="store_true")
    commands.add_parser("cheap").add_argument("--count", type=int, default=10)
    commands.add_parser("first-result").add_argument("--pack", default="mlp_gan")
    commands.add_parser("unchanged").add_argument("--count", type=int, default=100)
    commands.add_parser("memory").add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    {"throughput": throughput, "cheap": cheap, "first-result": first_result, "unchanged": unchanged,
     "memory": memory}[args.command](args)


if __name__ == "__main__":
    main()
