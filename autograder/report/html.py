"""The HTML reports: a self-contained feedback page per submission, an index for the staff.

Rendered with Jinja2 with autoescaping on, since every message may quote a
student's own text. Pictures are embedded as data: URIs, so a feedback page
is one file that can be mailed or uploaded on its own.
"""
from __future__ import annotations

import base64
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

import jinja2

import autograder
from autograder.packs import Pack
from autograder.report.results import GradeResult
from autograder.report.summary import format_points

PICTURE_CAPTIONS = {
    "samples.png": "Samples of your generator after the grader's brief training",
    "loss_curves.png": "Losses during the brief training",
    "notebook_final_image.png": "The last image your notebook drew",
}
HISTOGRAM_BINS = 10
SLOWEST = 10

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals.update(points=format_points, version=autograder.__version__)


@dataclass(frozen=True)
class Picture:
    caption: str
    data: str  # base64 PNG


def feedback_html(result: GradeResult, pack: Pack | None, files: dict[str, bytes], graded_at: str = "") -> str:
    order = list(PICTURE_CAPTIONS)  # known pictures in this order, any other after them
    names = sorted(files, key=lambda name: order.index(name) if name in order else len(order))
    pictures = [Picture(PICTURE_CAPTIONS.get(name, name), base64.b64encode(files[name]).decode("ascii")) for name in names]
    return _templates.get_template("feedback.html").render(
        result=result,
        pack_title=pack.title if pack else "gangrade",
        descriptions={item.id: item.description for item in pack.items} if pack else {},
        pictures=pictures,
        graded_at=graded_at,
    )


@dataclass(frozen=True)
class IndexRow:
    id: str
    pack: str | None
    state: str
    score: float
    max_score: float
    execution_time: float
    output: str
    graded_at: str
    link: str | None  # the feedback page, relative to OUT
    not_graded_items: tuple[str, ...] = ()
    students: str = ""        # who handed it in, when the batch came with a roster


def index_html(rows: list[IndexRow], packs: dict[str, Pack], failure_rates: list[tuple[str, str, int, int]]) -> str:
    sections = []
    for pack_id in sorted({row.pack for row in rows if row.pack}):
        graded = [row for row in rows if row.pack == pack_id and row.state == "graded"]
        pack = packs.get(pack_id)
        max_score = pack.total_points if pack else max((row.max_score for row in graded), default=0)
        scores = [row.score for row in graded]
        sections.append({
            "id": pack_id,
            "title": pack.title if pack else pack_id,
            "count": len(graded),
            "mean": statistics.fmean(scores) if scores else 0.0,
            "median": statistics.median(scores) if scores else 0.0,
            "max_score": max_score,
            "histogram": _histogram(scores, max_score),
            "failure_rates": [{"item": item, "failed": failed, "graded": count, "rate": failed / count}
                              for pack_of, item, failed, count in failure_rates if pack_of == pack_id and count],
        })
    return _templates.get_template("index.html").render(
        total=len(rows),
        packs=sections,
        not_graded=[row for row in rows if row.state == "not_graded"],
        incomplete=[row for row in rows if row.state == "incomplete"],
        slowest=sorted((row for row in rows if row.link), key=lambda row: -row.execution_time)[:SLOWEST],
        rows=rows,
        with_students=any(row.students for row in rows),
        written_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _histogram(scores: list[float], max_score: float, width: int = 420, height: int = 140) -> dict:
    """Bars of an SVG histogram over [0, max_score] in HISTOGRAM_BINS bins (the last one closed)."""
    counts = [0] * HISTOGRAM_BINS
    for score in scores:
        position = int(score / max_score * HISTOGRAM_BINS) if max_score else 0
        counts[min(max(position, 0), HISTOGRAM_BINS - 1)] += 1
    tallest = max(counts) or 1
    bar_width = width / HISTOGRAM_BINS
    plot_height = height - 16  # room for the tick labels
    bars = []
    for index, count in enumerate(counts):
        low = max_score * index / HISTOGRAM_BINS
        high = max_score * (index + 1) / HISTOGRAM_BINS
        bar_height = plot_height * count / tallest
        bars.append({
            "x": round(index * bar_width + 1, 1), "y": round(plot_height - bar_height, 1),
            "width": round(bar_width - 2, 1), "height": round(bar_height, 1), "count": count,
            "label": f"{format_points(low)}–{format_points(high)}", "tick": format_points(low),
        })
    return {"width": width, "height": height, "bars": bars}
