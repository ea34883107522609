"""The `gangrade` command line (a stable contract: README, "Command line").

Exit status: 0 success, 1 when something could not be done (a fixture
drifted, data was unreadable), 2 for bad usage. User mistakes print one
clear line, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from autograder.errors import GangradeError, UsageError
from autograder.packs import Pack, discover_packs, get_pack
from autograder.paths import ASSIGNMENTS_ENV, FIXTURES_ENV, fixtures_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gangrade", description="Grade GAN assignment notebooks against a reference.")
    parser.add_argument("--packs", type=Path, metavar="DIR",
                        help=f"a course's own folder of packs (default: {ASSIGNMENTS_ENV} or the bundled packs)")
    parser.add_argument("--fixtures", type=Path, metavar="DIR",
                        help=f"that course's grading fixtures (default: {FIXTURES_ENV} or the bundled fixtures)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="packs, their rubric items and points")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    fixtures = commands.add_parser("fixtures", help="TA: regenerate grading_fixtures/ or detect drift")
    fixtures.add_argument("action", choices=["build", "verify"])
    fixtures.add_argument("--assignment", metavar="ID", help="only this pack (skips the classifier)")
    fixtures.add_argument("--data", type=Path, metavar="DIR", help="MNIST IDX folder (default: GANGRADE_DATA or the bundled subset)")
    fixtures.add_argument("--classifier-epochs", type=int, metavar="N", help=argparse.SUPPRESS)

    grade = commands.add_parser("grade", help="grade submissions (notebooks, zips, folders of them)")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    grade.add_argument("--assignment", metavar="ID", help="the pack (default: from each notebook's metadata)")
    grade.add_argument("--out", type=Path, default=Path("gangrade-results"), metavar="DIR")
    grade.add_argument("--workers", type=int, metavar="N",
                       help="submissions graded at once (default: what this machine's cores and memory allow)")
    grade.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786) to grade on instead")
    grade.add_argument("--force", action="store_true", help="regrade submissions whose stored grade is current")
    grade.add_argument("--timeout", type=float, default=600.0, metavar="S", help="wall-clock limit per submission (default 600)")
    grade.add_argument("--memory-mb", type=int, default=4096, metavar="M", help="memory limit per submission (default 4096)")
    grade.add_argument("--output-mb", type=int, default=4, metavar="M",
                       help="printed output kept per submission, at most 1 MB of it per cell (default 4)")
    grade.add_argument("--train-steps", type=int, metavar="N",
                       help="brief-training budget for every pack (default: each pack's, by device; 0 skips it)")
    grade.add_argument("--data", metavar="DIR", help="MNIST IDX folder for brief training (default: GANGRADE_DATA or the bundled subset)")
    grade.add_argument("--celeba", metavar="DIR", help="CelebA image folder (default: GANGRADE_CELEBA or generated faces)")
    grade.add_argument("--seed", type=int, metavar="N", help="hidden inputs' seed (default: fresh each run)")
    grade.add_argument("--no-sandbox", action="store_true", help="run student code without bubblewrap (unsafe)")
    grade.add_argument("--python", metavar="PATH", help="interpreter of the student kernels' environment")

    check = commands.add_parser("check", help="student pre-check: the public checks on your own notebook")
    check.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    check.add_argument("--assignment", metavar="ID", help="the pack (default: from the notebook's metadata)")
    check.add_argument("--json", action="store_true", help="print the verdicts as JSON (exit status as without)")

    handout = commands.add_parser("handout", help="instructor: write the student kit of one assignment")
    handout.add_argument("--assignment", metavar="ID", required=True)
    handout.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="where the starter notebook, the kit's package and its README go")

    gradescope = commands.add_parser("gradescope", help="instructor: write a Gradescope autograder zip")
    gradescope.add_argument("--assignment", metavar="ID", required=True)
    gradescope.add_argument("--out", type=Path, default=Path("autograder.zip"), metavar="ZIP")
    gradescope.add_argument("--wheel", type=Path, metavar="FILE", help="gangrade's wheel (default: built from this checkout)")
    gradescope.add_argument("--timeout", type=float, default=480.0, metavar="S",
                            help="wall-clock limit per submission (default 480, inside Gradescope's 10 minutes)")
    gradescope.add_argument("--memory-mb", type=int, default=4096, metavar="M")
    gradescope.add_argument("--train-steps", type=int, metavar="N", help="brief-training budget (default: the pack's)")

    prepare = commands.add_parser("prepare", help="train and cache the reference's brief-training runs of a pack")
    prepare.add_argument("--assignment", metavar="ID", required=True)
    prepare.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    prepare.add_argument("--train-steps", type=int, metavar="N", help="the budget to prepare (default: the pack's)")

    new_pack = commands.add_parser("new-pack", help="pack author: scaffold a pack (docs/writing-a-pack.md)")
    new_pack.add_argument("id", metavar="ID", help="the new pack's id: lowercase letters, digits, underscores")

    report = commands.add_parser("report", help="regenerate a batch's reports from its gradebook")
    report.add_argument("out", type=Path, metavar="OUT_DIR")
    report.add_argument("--format", choices=["csv", "html", "gradescope", "canvas"], action="append",
                        help="grades.csv, the HTML pages, results.json files, or canvas.csv for Canvas's "
                             "gradebook import (repeatable; default: all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    # The course folders travel to worker processes in the environment, as if set by the user.
    for variable, folder in ((ASSIGNMENTS_ENV, args.packs), (FIXTURES_ENV, args.fixtures)):
        if folder is not None:
            os.environ[variable] = str(folder.resolve())
    try:
        if args.command == "list":
            return list_packs(args.json)
        if args.command == "fixtures":
            return run_fixtures(args, argv)
        if args.command == "grade":
            return run_grade(args, argv)
        if args.command == "check":
            return run_check(args)
        if args.command == "report":
            return run_report(args)
        if args.command == "handout":
            return run_handout(args)
        if args.command == "gradescope":
            return run_gradescope(args)
        if args.command == "prepare":
            return run_prepare(args)
        if args.command == "new-pack":
            return run_new_pack(args)
        raise UsageError(f"`gangrade {args.command}` is not available in this version yet")
    except UsageError as exc:
        print(f"gangrade: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GangradeError as exc:
        print(f"gangrade: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def list_packs(as_json: bool) -> int:
    packs = discover_packs()
    if as_json:
        print(json.dumps([_pack_summary(pack) for pack in packs], indent=2))
        return EXIT_OK
    for pack in packs:
        print(f"{pack.id}  ({pack.total_points} points)  {pack.title}")
        for item in pack.items:
            print(f"  {item.id:<22}{item.points:>4}  {item.description}")
        print()
    return EXIT_OK


def _pack_summary(pack: Pack) -> dict:
    return {
        "id": pack.id,
        "title": pack.title,
        "source": pack.source,
        "total_points": pack.total_points,
        "items": [{"id": item.id, "points": item.points, "description": item.description} for item in pack.items],
    }


def run_new_pack(args: argparse.Namespace) -> int:
    from autograder.paths import assignments_dir
    from autograder.scaffold import create_pack

    folder = create_pack(assignments_dir(), args.id)
    course = f"--packs {shlex.quote(str(folder.parent))} --fixtures DIR"
    print(f"wrote {folder}: the worked example of docs/writing-a-pack.md under the id {args.id}. Next:")
    print(f"  gangrade {course} fixtures build --assignment {args.id}")
    print(f"  gangrade {course} grade {shlex.quote(str(folder / 'samples'))} --assignment {args.id}")
    return EXIT_OK


def run_fixtures(args: argparse.Namespace, argv: list[str]) -> int:
    # Imported here: `gangrade list` must not pay for torch and the reference.
    from autograder.fixtures.build import ClassifierRecipe, build_fixtures
    from autograder.fixtures.verify import verify_fixtures

    packs = [get_pack(args.assignment)] if args.assignment else discover_packs()
    with_classifier = args.assignment is None
    target = fixtures_dir()
    if args.action == "build":
        recipe = ClassifierRecipe(epochs=args.classifier_epochs, data=args.data) if with_classifier else None
        build_fixtures(target, packs, recipe, command=shlex.join(["gangrade", *argv]))
        return EXIT_OK
    problems = verify_fixtures(target, packs, check_classifier=with_classifier, data=args.data)
    if problems:
        print(
            f"fixtures drifted: {len(problems)} problem(s); rebuild with `gangrade fixtures build` if the change is intended",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print("fixtures verified: everything matches")
    return EXIT_OK


def run_grade(args: argparse.Namespace, argv: list[str]) -> int:
    from autograder.batch.grade import BatchSettings, grade_paths
    from autograder.batch.jobs import AUTO_THREADS
    from autograder.execution.limits import SandboxLimits
    from autograder.execution.sandbox import require_sandbox
    from autograder.grading import GradeOptions
    from autograder.training_setup import TrainingOptions

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers is for this machine; with --scheduler the cluster's workers grade")
    if args.timeout <= 0 or args.memory_mb <= 0 or args.output_mb <= 0:
        raise UsageError("--timeout, --memory-mb and --output-mb must be positive")
    if args.train_steps is not None and args.train_steps < 0:
        raise UsageError("--train-steps must be 0 (no brief training) or more")
    if not args.no_sandbox:
        try:
            require_sandbox()
        except GangradeError as exc:
            raise UsageError(f"{exc}; or pass --no-sandbox to run student code unprotected") from None
    output_bytes = args.output_mb << 20
    limits = SandboxLimits(memory_mb=args.memory_mb, wall_s=args.timeout, cell_timeout_s=min(60.0, args.timeout),
                           output_total_bytes=output_bytes, output_per_cell_bytes=min(1 << 20, output_bytes),
                           threads=AUTO_THREADS)
    training = TrainingOptions(device=args.device, steps=args.train_steps, mnist_dir=args.data, celeba_dir=args.celeba)
    options = GradeOptions(seed=args.seed, limits=limits, sandbox=not args.no_sandbox, kernel_python=args.python,
                           training=training)
    settings = BatchSettings(workers=args.workers, scheduler=args.scheduler, force=args.force,
                             command=shlex.join(["gangrade", *argv]))
    outcome = grade_paths(args.paths, args.assignment, args.out, options, settings)
    print(f"graded {outcome.graded}, not graded {outcome.not_graded}, unchanged {outcome.unchanged}; results in {args.out}")
    return EXIT_OK if outcome.not_graded == 0 else EXIT_FAILED


def run_report(args: argparse.Namespace) -> int:
    from autograder.gradebook import OutFolderLock
    from autograder.report.outputs import FORMATS, has_roster, regenerate

    if not args.out.is_dir():
        raise UsageError(f"{args.out}: no such folder (the --out folder of a `gangrade grade` run)")
    formats = tuple(args.format) if args.format else FORMATS
    with OutFolderLock(args.out):
        if "canvas" in (args.format or ()) and not has_roster(args.out):
            raise UsageError(f"{args.out}: its submissions came with no roster (a Gradescope export's "
                             "submission_metadata.yml), so Canvas could not match them to students")
        written = regenerate(args.out, formats)
    print(f"wrote {len(written)} files in {args.out} ({', '.join(formats)})")
    return EXIT_OK


def run_handout(args: argparse.Namespace) -> int:
    from autograder.shipping.handout import write_handout

    package = write_handout(get_pack(args.assignment), args.out)
    print(f"wrote the student kit of {args.assignment} to {args.out}: the starter notebook, README.md and {package.name}/")
    return EXIT_OK


def run_gradescope(args: argparse.Namespace) -> int:
    from autograder.shipping.gradescope import GradescopeSettings, write_bundle

    if args.timeout <= 0 or args.memory_mb <= 0 or (args.train_steps is not None and args.train_steps < 0):
        raise UsageError("--timeout and --memory-mb must be positive, --train-steps 0 or more")
    pack = get_pack(args.assignment)
    settings = GradescopeSettings(pack.id, timeout_s=args.timeout, memory_mb=args.memory_mb,
                                  train_steps=args.train_steps)
    out = write_bundle(pack, args.out, settings, args.wheel)
    print(f"wrote {out}: upload it as the assignment's autograder (Ubuntu 24.04 base image)")
    return EXIT_OK


def run_prepare(args: argparse.Namespace) -> int:
    """Train and cache a pack's reference runs, one seed per core, so a batch's first grade waits for nothing."""
    from autograder.batch.references import prepare_references
    from autograder.training_setup import BriefTrainingSetup, TrainingOptions, brief_spec

    pack = get_pack(args.assignment)
    spec = brief_spec(pack)
    if spec is None:
        print(f"{pack.id}: no brief training, nothing to prepare")
        return EXIT_OK
    setup = BriefTrainingSetup(TrainingOptions(device=args.device, steps=args.train_steps))
    if setup.steps_for(spec) <= 0:
        print(f"{pack.id}: brief training is off (0 steps), nothing to prepare")
        return EXIT_OK
    prepare_references(pack, setup, lambda line: print(line, flush=True))
    missing = setup.missing_reference_seeds(pack, spec)
    if missing:
        print(f"{pack.id}: the reference runs of seeds {missing} could not be trained (see above)", file=sys.stderr)
        return EXIT_FAILED
    print(f"{pack.id}: reference runs ready in {setup.references.cache_dir}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Public checks only: needs the committed fixtures, never the reference."""
    from autograder.execution.launcher import CannotLaunch, resolve_launch
    from autograder.execution.limits import SandboxLimits
    from autograder.execution.sandbox import detect_sandbox
    from autograder.execution.standby import KernelStandby

    # The kernel starts first, and loads torch while this process reads the notebook and the checks.
    sandboxed = detect_sandbox().available  # your own code on your own machine: the sandbox is a courtesy here
    standby = KernelStandby(only_sandboxed=False)
    try:
        standby.start_next(resolve_launch(SandboxLimits(), sys.executable, sandboxed, gpu=False))
    except CannotLaunch:
        pass   # run_submission says why, as the result of the run
    standby.keep_warm = False
    try:
        return _check(args, sandboxed, standby)
    finally:
        standby.close()


def _check(args: argparse.Namespace, sandboxed: bool, standby) -> int:
    from autograder.checks.plan import grade_item, plan_probes
    from autograder.execution.environment import did_not_run_on_grader
    from autograder.execution.runner import run_submission
    from autograder.public import public_plan
    from autograder.submission import load_submission

    submission = load_submission(args.notebook)
    pack_id = args.assignment or submission.assignment
    if pack_id is None:
        raise UsageError(f"{args.notebook}: cannot tell which assignment it is; pass --assignment")
    pack = get_pack(pack_id)
    plan = public_plan(pack)
    execution = run_submission(submission.notebook, submission.helper_files, skip_calls=pack.skip_calls,
                               probes=plan_probes(plan), sandbox=sandboxed, datasets=(pack.data,), standby=standby)
    not_run, _ = did_not_run_on_grader(execution, list(submission.helper_files))
    verdicts = {item.id: grade_item(item.id, item.points, plan[item.id], execution.probes)
                for item in pack.items if item.id in plan}
    if args.json:
        print(json.dumps(_check_document(args.notebook, pack, verdicts, not_run), indent=2))
    else:
        _print_check(args.notebook, pack, verdicts, not_run)
    return EXIT_FAILED if any(verdict.failed for verdict in verdicts.values()) else EXIT_OK


def _check_document(notebook: Path, pack: Pack, verdicts: dict, not_run: list) -> dict:
    return {
        "notebook": str(notebook), "assignment": pack.id,
        "passed": not any(verdict.failed for verdict in verdicts.values()),
        "items": [_item_document(item.id, verdicts.get(item.id)) for item in pack.items],
        "did_not_run": [entry.as_dict() for entry in not_run],
    }


def _item_document(item_id: str, verdict) -> dict:
    if verdict is None:
        return {"id": item_id, "status": "not_checked", "message": ""}
    return {"id": item_id, "status": verdict.status, "message": "" if verdict.passed else verdict.message()}


def _print_check(notebook: Path, pack: Pack, verdicts: dict, not_run: list) -> None:
    print(f"{notebook}: public checks of {pack.id}")
    if not_run:
        print(f"  did not run here ({len(not_run)}; this costs nothing by itself):")
        for entry in not_run:
            print(f"      {entry.describe()}")
    for item in pack.items:
        verdict = verdicts.get(item.id)
        if verdict is None:
            print(f"  {item.id:<20} not checked here (graded with hidden checks or brief training)")
            continue
        print(f"  {item.id:<20} {_CHECK_WORDS[verdict.status]}")
        if not verdict.passed:
            for line in verdict.message().splitlines():
                print(f"      {line}")
    print("(the public checks use the published fixtures; the grade uses hidden inputs too)")


_CHECK_WORDS = {"passed": "passed", "failed": "FAILED", "not_graded": "not checked (this machine could not run it)"}
