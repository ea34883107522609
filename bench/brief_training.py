"""Brief training: speed inside the grader against a bare process, and the reference's spread over seeds.
(bench/calibration.py grades the sample corpus with it.)

    python bench/brief_training.py [--pack ID ...] [--steps N] [--device cpu|cuda] [--seeds 3]

For each pack it prints:
- bare: the pack's solution notebook's definitions run in this process (no
  sandbox, no kernel), trained by the same recipe; steps per second;
- graded: the solution graded by `gangrade grade` (sandboxed kernel); the
  brief-training probe's steps per second, and the ratio to bare;
- reference seeds: the reference's scores under the same budget for
  several seeds, the spread that the judges' thresholds must sit outside.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from autograder.batch.grade import grade_paths  # noqa: E402
from autograder.execution.cells import plan_notebook  # noqa: E402
from autograder.grading import GradeOptions  # noqa: E402
from autograder.observe.brief_training import train_briefly  # noqa: E402
from autograder.pack_checks import load_checks  # noqa: E402
from autograder.packs import discover_packs  # noqa: E402
from autograder.scoring.reference_runs import reference_namespace  # noqa: E402
from autograder.training_setup import BriefTrainingSetup, TrainingOptions  # noqa: E402


def solution_namespace(pack) -> dict:
    """The solution notebook's statements, run here as the kernel would run them (skipped calls left out)."""
    notebook = nbformat.read(pack.folder / "samples" / "solution.ipynb", as_version=4)
    namespace: dict = {"__name__": "__main__"}
    statements = [s for cell in plan_notebook(notebook, pack.skip_calls) for s in cell.statements]
    for statement in statements:
        if statement.skip_reason or statement.syntax_error:
            continue
        try:
            exec(compile(statement.code, f"<{pack.id} solution>", "exec"), namespace)
        except Exception:  # plotting or a missing optional import: the definitions matter here
            continue
    return namespace


def bare_rate(pack, spec, steps: int, device: str, images: np.ndarray) -> float:
    run = train_briefly(solution_namespace(pack), images, spec.recipe, steps, spec.seed, device)
    return steps / run["seconds"]


def graded_rate(pack, steps: int, device: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        options = GradeOptions(training=TrainingOptions(device=device, steps=steps))
        grade_paths([pack.folder / "samples" / "solution.ipynb"], pack.id, Path(out), options, stream=io.StringIO())
        results = json.loads((Path(out) / "solution" / "results.json").read_text())
    brief = results["extra_data"]["gangrade"].get("brief_training", {})
    rate = brief["steps"] / brief["seconds"] if brief.get("seconds") else float("nan")
    return rate, {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]}


def reference_spread(pack, spec, steps: int, device: str, setup: BriefTrainingSetup, seeds: int) -> list[dict]:
    images, scorer = setup.images(spec.data), setup.scorer(spec.data)
    rows = []
    for seed in range(seeds):
        run = train_briefly(reference_namespace(pack), images, spec.recipe, steps, seed, device)
        rows.append({"seed": seed, "seconds": run["seconds"], "initial": scorer.score(run["initial_samples"]),
                     "final": scorer.score(run["samples"])})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", action="append", help="pack id (default: every pack)")
    parser.add_argument("--steps", type=int, help="budget (default: each pack's for the device)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    setup = BriefTrainingSetup(TrainingOptions(device=args.device, steps=args.steps))
    for pack in discover_packs():
        if args.pack and pack.id not in args.pack:
            continue
        spec = load_checks(pack).brief
        steps = setup.steps_for(spec)
        started = time.perf_counter()
        bare = bare_rate(pack, spec, steps, setup.device, setup.images(spec.data))
        graded, scores = graded_rate(pack, steps, args.device)
        print(f"\n{pack.id}: {steps} steps; bare {bare:.1f} steps/s, graded {graded:.1f} steps/s "
              f"(graded/bare {graded / bare:.2f}); solution's brief items: "
              + ", ".join(f"{name} {s:g}/{m:g}" for name, (s, m) in scores.items()))
        for row in reference_spread(pack, spec, steps, setup.device, setup, args.seeds):
            final = row["final"]
            extra = (f"frechet {row['initial'].get('frechet', float('nan')):.0f} -> {final.get('frechet', float('nan')):.0f}, "
                     f"evenness {final.get('evenness', float('nan')):.2f}" if "frechet" in final
                     else f"diversity {final['diversity']:.3f}")
            print(f"  reference seed {row['seed']}: {row['seconds']:.1f} s, spread {final['spread']:.3f}, "
                  f"roughness {final['roughness']:.3f}, {extra}")
        print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
