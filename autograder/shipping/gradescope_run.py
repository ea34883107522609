"""What run_autograder does on Gradescope: grade ROOT/submission into ROOT/results/results.json.

    python -m autograder.shipping.gradescope_run --root /autograder --config /autograder/source/gangrade.json

The submission folder holds what the student uploaded: a notebook, a zip, or
a notebook with its helper modules; it is graded as one submission, as by
`gangrade grade`. A results.json is always written. When the grader itself
fails, it says so, scores nothing as failed (every item is "not graded",
score 0 until a regrade) and exits 0, so Gradescope shows the message rather
than "the autograder failed to produce any output".

Where bubblewrap cannot create namespaces (some containers), the kernel runs
without the sandbox as an unprivileged user under rlimits, with the reference
and the hidden checks readable by root alone (setup.sh); results.json's
`extra_data.gangrade.execution.limits.isolation` says which.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path

from autograder.errors import GangradeError
from autograder.packs import Pack, get_pack
from autograder.report.results import (
    GradeResult,
    ItemResult,
    atomic_write_text,
    failed_submission_result,
    presentation,
    to_gradescope,
)
from autograder.shipping.gradescope import GradescopeSettings

GRADERS_TROUBLE = ("The autograder could not grade this submission: {reason}. This is the grader's own trouble, "
                   "not a mark against your work: nothing was scored. Ask the course staff to regrade it.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--config", type=Path, default=Path("/autograder/source/gangrade.json"))
    args = parser.parse_args(argv)
    target = args.root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    pack = None
    try:
        settings = GradescopeSettings(**json.loads(args.config.read_text(encoding="utf-8")))
        pack = get_pack(settings.assignment)
        document = grade_submission(args.root / "submission", pack, settings)
    except Exception as exc:  # noqa: BLE001  whatever failed, Gradescope must get a results.json
        traceback.print_exc()
        reason = str(exc) if isinstance(exc, GangradeError) else f"{type(exc).__name__}: {exc}"
        document = graders_trouble(pack, reason)
    atomic_write_text(target, json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    print(f"wrote {target}: score {document['score']}")
    return 0


def grade_submission(folder: Path, pack: Pack, settings: GradescopeSettings) -> dict:
    """Grade the one submission in `folder` as `gangrade grade` would; its results.json document."""
    from autograder.batch.grade import BatchSettings, grade_paths
    from autograder.discovery import find_submissions
    from autograder.execution.limits import SandboxLimits
    from autograder.execution.sandbox import detect_sandbox
    from autograder.grading import GradeOptions
    from autograder.training_setup import TrainingOptions

    if not folder.is_dir():
        raise GangradeError(f"{folder}: no submission folder")
    found, _ = find_submissions([folder])
    if len(found) != 1:
        names = ", ".join(entry.path.name for entry in found) or "none"
        reason = f"upload exactly one notebook (.ipynb), or one zip of it with its modules; found {names}"
        return to_gradescope(failed_submission_result(pack, "submission", reason, 0.0))
    limits = SandboxLimits(memory_mb=settings.memory_mb, wall_s=settings.timeout_s,
                           cell_timeout_s=min(60.0, settings.timeout_s), threads=0)
    options = GradeOptions(limits=limits, sandbox=detect_sandbox().available,
                           training=TrainingOptions(device="cpu", steps=settings.train_steps))
    with tempfile.TemporaryDirectory(prefix="gangrade-gradescope-") as out:
        grade_paths([folder], pack.id, Path(out), options, BatchSettings(workers=1, command="run_autograder"),
                    stream=sys.stdout)
        written = sorted(Path(out).glob("*/results.json"))
        if len(written) != 1:
            raise GangradeError(f"expected one graded submission in {folder}, found {len(written)}")
        return json.loads(written[0].read_text(encoding="utf-8"))   # its pictures stay behind: Gradescope shows text


def graders_trouble(pack: Pack | None, reason: str) -> dict:
    """A results.json that says the grader failed and scores nothing (every item not graded, 0 for now)."""
    message = GRADERS_TROUBLE.format(reason=reason.rstrip("."))
    items = [ItemResult(item.id, 0.0, item.points, "not_graded", message, complete=False, retry=True,
                        **presentation(item)) for item in (pack.items if pack else [])]
    return to_gradescope(GradeResult("submission", items, message, 0.0, sandboxed=False, graded=False))


if __name__ == "__main__":
    sys.exit(main())
