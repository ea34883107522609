"""A few lines per graded submission for the terminal.

    alice: 85/100 (3 items failed)
      gan_loss        0/15  discriminator_loss: expected 1.8424, got 0.9212
      ...
    bob: 95/100 (1 item not graded)
      training        5/10  brief training: not graded: not run: brief training was switched off ...

Plain text unless `color` is asked for (the command line asks only on a terminal).
"""
from __future__ import annotations

from autograder.packs import Pack
from autograder.report.results import GradeResult

BOLD, RED, GREEN, YELLOW, RESET = "\033[1m", "\033[31m", "\033[32m", "\033[33m", "\033[0m"


def terminal_summary(result: GradeResult, pack: Pack, color: bool = False) -> str:
    """The headline score, then one line per failed item: its points and the first line of its output."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    score = f"{format_points(result.score)}/{format_points(pack.total_points)}"
    if not result.graded:
        return f"{paint(result.submission_id, BOLD)}: {paint(score, RED)} ({_first_line(result.output)})"

    failed, not_graded = result.failed_items, [item for item in result.items if item.status == "not_graded"]
    shown = [item for item in result.items if item in failed or item in not_graded]   # rubric order
    if not shown:
        return f"{paint(result.submission_id, BOLD)}: {paint(score, GREEN)} (all items passed)"

    counts = []
    if failed:
        counts.append(f"{len(failed)} item{'s' if len(failed) > 1 else ''} failed")
    if not_graded:
        counts.append(f"{len(not_graded)} item{'s' if len(not_graded) > 1 else ''} not graded")
    lines = [f"{paint(result.submission_id, BOLD)}: {paint(score, RED if failed else YELLOW)} ({', '.join(counts)})"]
    name_width = max(len(item.name) for item in shown)
    points_width = max(len(_item_points(item.score, item.max_score)) for item in shown)
    for item in shown:
        name = paint(item.name.ljust(name_width), RED if item in failed else YELLOW)
        points = _item_points(item.score, item.max_score).rjust(points_width)
        lines.append(f"  {name}  {points}  {_first_line(item.output)}".rstrip())
    return "\n".join(lines)


def _item_points(score: float, max_score: float) -> str:
    return f"{format_points(score)}/{format_points(max_score)}"


def format_points(value: float) -> str:
    """85.0 -> '85', 85.5 -> '85.5', 3.333... -> '3.33'."""
    return f"{round(value, 2):g}"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return lines[0] if lines else ""
