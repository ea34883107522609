"""The `gangrade` command line (the contract of GRADER.md).

Exit status: 0 success, 1 when something could not be done (a fixture
drifted, data was unreadable), 2 for bad usage. User mistakes print one
clear line, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from autograder.errors import GangradeError, UsageError
from autograder.packs import Pack, discover_packs, get_pack
from autograder.paths import fixtures_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gangrade", description="Grade GAN assignment notebooks against a reference.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="packs, their rubric items and points")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    fixtures = commands.add_parser("fixtures", help="TA: regenerate grading_fixtures/ or detect drift")
    fixtures.add_argument("action", choices=["build", "verify"])
    fixtures.add_argument("--assignment", metavar="ID", help="only this pack (skips the classifier)")
    fixtures.add_argument("--data", type=Path, metavar="DIR", help="MNIST IDX folder (default: GANGRADE_DATA or the bundled subset)")
    fixtures.add_argument("--classifier-epochs", type=int, metavar="N", help=argparse.SUPPRESS)

    for name, help_text in (
        ("check", "student pre-check: public checks only"),
        ("grade", "grade submissions"),
        ("report", "regenerate reports from a gradebook"),
    ):
        later = commands.add_parser(name, help=f"{help_text} (not in this version yet)")
        later.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            return list_packs(args.json)
        if args.command == "fixtures":
            return run_fixtures(args, argv)
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
        "total_points": pack.total_points,
        "items": [{"id": item.id, "points": item.points, "description": item.description} for item in pack.items],
    }


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
        print(f"fixtures drifted: {len(problems)} problem(s); rebuild with `gangrade fixtures build` if the change is intended", file=sys.stderr)
        return EXIT_FAILED
    print("fixtures verified: everything matches")
    return EXIT_OK
