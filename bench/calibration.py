"""Brief training's calibration: does it fail the bugs that stop learning, and never a valid submission?

    python bench/calibration.py [--pack ID ...] [--part corpus|repeats|both] [--seeds 5] [--threads 1 2]
                                [--rows FILE] [--report-only]

corpus   every sample of the pack graded once (brief-training seed 0, 2 torch
         threads, the pack's default CPU budget); per sample the items brief
         training failed against expected.toml's `training_fails` / `may_fail`.
repeats  the solution and every valid sample, graded under each brief-training
         seed 0..N-1 and each torch thread count; per judged figure, its bar
         and the weakest valid run's margin over it.

Every grade is one row of a JSON-lines file (default:
bench/calibration-rows.jsonl, the rows the README's tables come from), and
rows already there are not graded again, so a long calibration can be
stopped and resumed; delete the file after changing brief training. The report is printed as Markdown tables (the
README's calibration section is this output). Grading is sandboxed as in
`gangrade grade`; the brief training's verdict is limited in CPU seconds, so
running this on a busy machine measures the same figures, only slower.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.batch.grade import BatchSettings, grade_paths  # noqa: E402
from autograder.checks.brief import CHECK_NAMES, PROBE_NAME  # noqa: E402
from autograder.execution.limits import SandboxLimits  # noqa: E402
from autograder.grading import GradeOptions  # noqa: E402
from autograder.packs import discover_packs  # noqa: E402
from autograder.training_setup import TrainingOptions  # noqa: E402

HIDDEN_SEED = 0   # the other items' hidden inputs; brief training does not use them
CORPUS_SEED, CORPUS_THREADS = 0, 2
BRIEF_CHECKS = {*CHECK_NAMES, PROBE_NAME}   # an item's output lines that brief training wrote


def expected_records(pack) -> dict[str, dict]:
    return tomllib.loads((pack.folder / "samples" / "expected.toml").read_text())


def kind_of(sample: str) -> str:
    return "solution" if sample == "solution.ipynb" else sample.split("/", 1)[0]


def brief_failures(results: dict) -> list[str]:
    """The items with a failed brief-training check."""
    return sorted(t["name"] for t in results["tests"]
                  if any(line.split(":")[0] in BRIEF_CHECKS and ": not graded" not in line
                         for line in t["output"].splitlines()))


def grade_rows(pack, samples: list[str], seed: int, threads: int) -> list[dict]:
    """Grade `samples` of `pack` with this brief-training seed and thread count; one row per sample."""
    options = GradeOptions(seed=HIDDEN_SEED, limits=SandboxLimits(threads=threads),
                           training=TrainingOptions(device="cpu", seed=seed))
    folder = pack.folder / "samples"
    rows = []
    with tempfile.TemporaryDirectory() as out:
        grade_paths([folder / s for s in samples], pack.id, Path(out), options,
                    BatchSettings(workers=max(1, 2 // threads)), stream=io.StringIO())
        for sample in samples:
            results = json.loads((Path(out) / Path(sample).stem / "results.json").read_text())
            gangrade = results["extra_data"]["gangrade"]
            brief = gangrade.get("brief_training", {})
            failed = brief_failures(results)
            rows.append({"pack": pack.id, "sample": sample, "kind": kind_of(sample), "seed": seed, "threads": threads,
                         "steps": brief.get("steps"), "seconds": brief.get("seconds"),
                         "brief_failed": failed, "not_graded": gangrade.get("not_graded_items", []),
                         "figures": brief.get("figures", {}),
                         "why": {t["name"]: t["output"][:300] for t in results["tests"] if t["name"] in failed}})
    return rows


class Rows:
    """The JSON-lines file of graded rows; a (pack, sample, seed, threads) already there is not graded again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []

    def has(self, pack: str, sample: str, seed: int, threads: int) -> bool:
        return any((r["pack"], r["sample"], r["seed"], r["threads"]) == (pack, sample, seed, threads) for r in self.rows)

    def add(self, rows: list[dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as file:
            for row in rows:
                file.write(json.dumps(row) + "\n")
        self.rows += rows

    def of(self, pack: str) -> list[dict]:
        return [r for r in self.rows if r["pack"] == pack]


def run(pack, rows: Rows, samples: list[str], seeds: range, thread_counts: list[int]) -> None:
    for threads in thread_counts:
        for seed in seeds:
            todo = [s for s in samples if not rows.has(pack.id, s, seed, threads)]
            if todo:
                print(f"  grading {len(todo)} samples of {pack.id}, seed {seed}, {threads} threads", file=sys.stderr)
                rows.add(grade_rows(pack, todo, seed, threads))


# ------------------------------------------------------------------ report

def corpus_table(pack, rows: list[dict]) -> list[str]:
    expected = expected_records(pack)
    lines = ["| sample | expected to fail | may fail | failed | verdict |", "|---|---|---|---|---|"]
    tally = defaultdict(int)
    for row in sorted((r for r in rows if (r["seed"], r["threads"]) == (CORPUS_SEED, CORPUS_THREADS)),
                      key=lambda r: r["sample"]):
        record = expected.get(row["sample"])
        if record is None:
            continue
        must, may, failed = set(record["training_fails"]), set(record["may_fail"]), set(row["brief_failed"])
        verdict = "not graded" if set(row["not_graded"]) & (must | may | failed) else (
            "ok" if must <= failed <= must | may else "DIFFERS")
        tally[verdict] += 1
        lines.append(f"| {row['sample']} | {', '.join(sorted(must)) or '-'} | {', '.join(sorted(may)) or '-'} | "
                     f"{', '.join(sorted(failed)) or '-'} | {verdict} |")
    return [f"{pack.id}: {dict(tally)}"] + lines


def repeats_table(rows: list[dict]) -> list[str]:
    valid = [r for r in rows if r["kind"] in ("solution", "valid")]
    failing = [r for r in valid if r["brief_failed"]]
    weakest: dict[tuple[str, str], tuple[float, dict, dict]] = {}
    for row in valid:
        for item, checks in row["figures"].items():
            for check, figure in checks.items():
                key = (item, check)
                if key not in weakest or figure["margin"] < weakest[key][0]:
                    weakest[key] = (figure["margin"], figure, row)
    lines = [f"{len(valid)} valid runs ({len({r['sample'] for r in valid})} submissions x seeds "
             f"{sorted({r['seed'] for r in valid})} x threads {sorted({r['threads'] for r in valid})}); "
             f"{len(failing)} failed a brief-training item"]
    lines += [f"  FAILED: {r['sample']} seed {r['seed']}, {r['threads']} threads: {', '.join(r['brief_failed'])}"
              for r in failing]
    lines += ["", "| item | check | bar | weakest valid figure | margin | weakest run |", "|---|---|---|---|---|---|"]
    for (item, check), (margin, figure, row) in sorted(weakest.items()):
        side = ">=" if figure["higher_is_better"] else "<="
        shown = f"{margin:+.0%}" if figure["bar"] else f"{margin:+.3g} (absolute)"   # a bar of 0 has no scale
        lines.append(f"| {item} | {check} | {side} {figure['bar']:.4g} | {figure['seen']:.4g} | {shown} | "
                     f"{row['sample']} (seed {row['seed']}, {row['threads']} threads) |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", action="append", help="pack id (default: every pack)")
    parser.add_argument("--part", default="both", choices=["corpus", "repeats", "both"])
    parser.add_argument("--seeds", type=int, default=5, help="brief-training seeds 0..N-1 for the repeats")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts for the repeats")
    parser.add_argument("--rows", type=Path, default=ROOT / "bench" / "calibration-rows.jsonl",
                        help="the graded rows (default: the ones the README's tables come from)")
    parser.add_argument("--report-only", action="store_true", help="print the tables of the rows already graded")
    args = parser.parse_args()

    rows = Rows(args.rows)
    for pack in discover_packs():
        if args.pack and pack.id not in args.pack:
            continue
        samples = sorted(expected_records(pack))
        valid = [s for s in samples if kind_of(s) in ("solution", "valid")]
        if not args.report_only:
            if args.part in ("corpus", "both"):
                run(pack, rows, samples, range(CORPUS_SEED, CORPUS_SEED + 1), [CORPUS_THREADS])
            if args.part in ("repeats", "both"):
                run(pack, rows, valid, range(args.seeds), args.threads)
        print(f"\n## {pack.id}\n")
        print("\n".join(corpus_table(pack, rows.of(pack.id))))
        print()
        print("\n".join(repeats_table(rows.of(pack.id))))


if __name__ == "__main__":
    main()
