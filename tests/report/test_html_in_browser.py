"""The HTML reports open in a real headless browser (Debian's chromium): they render, images load, links resolve.

The reports are built from a gradebook the way `gangrade report` builds
them; each page is opened through a copy that adds a script which, once the
page has loaded, writes what the browser saw (images decoded, links as the
browser resolved them, the visible text) into the DOM that chromium dumps.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from autograder.batch.identity import GradeIdentity
from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.packs import get_pack
from autograder.report import figures
from autograder.report.results import GradeResult, ItemResult, failed_submission_result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup.sh installs it as root)")

PACK = get_pack("mlp_gan")
HOSTILE = '<img src="x" onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
REPORTER = """<script>
window.addEventListener("load", () => {
  const seen = {
    title: document.title,
    images: [...document.images].map(image => ({alt: image.alt, loaded: image.complete && image.naturalWidth > 0})),
    links: [...document.links].map(link => link.href),
    text: document.body.innerText,
    svgBars: document.querySelectorAll("svg rect").length,
  };
  const out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify(seen);
  document.body.appendChild(out);
});
</script>"""


def open_in_browser(page: Path) -> dict:
    """What chromium saw of the page once loaded."""
    probe = page.with_name(f".browser-check-{page.name}")  # beside it: relative links resolve the same
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", REPORTER + "</body>"), encoding="utf-8")
    try:
        done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                               "--virtual-time-budget=5000", probe.as_uri()],
                              capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"chromium did not render {page.name} (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def _result(submission_id: str, failing_output: str, pictures: bool) -> GradeResult:
    items = [ItemResult(item.id, item.points, item.points, "passed") for item in PACK.items]
    items[1] = ItemResult(items[1].name, 0, items[1].max_score, "failed", failing_output)
    files = {}
    if pictures:
        rng = np.random.default_rng(0)
        files["samples.png"] = figures.sample_grid_png(rng.random((64, 784)))
        files["loss_curves.png"] = figures.loss_curves_png({"d_loss": np.linspace(1.4, 0.6, 50), "g_loss": np.linspace(0.7, 2, 50)})
    return GradeResult(submission_id, items, "ran in a bubblewrap sandbox", 12.5, True, files=files)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    identity = GradeIdentity(PACK.id, "v", "f", "{}")
    with Gradebook.in_folder(out) as book:
        run = book.start_run("gangrade grade class/")
        book.record(run, "class/alice.ipynb", _result("alice", "generator: expected 1024 units, saw 512", True), identity, "a")
        book.record(run, "class/mallory.ipynb", _result("mallory", HOSTILE, False), identity, "m")
        book.record(run, "class/broken.ipynb", failed_submission_result(PACK, "broken", "invalid JSON at line 1", 0.1),
                    identity, "b")
        book.record_unknown_pack(run, "class/who.ipynb", "who", "cannot tell which assignment it is")
    assert main(["report", str(out)]) == 0
    return out


def test_the_index_renders_with_its_histogram_and_every_link_resolves(reports):
    seen = open_in_browser(reports / "index.html")
    assert seen["title"] == "gangrade: 4 submissions"
    assert seen["svgBars"] == 10
    assert "generator" in seen["text"] and "cannot tell which assignment" in seen["text"]
    targets = {Path(link.removeprefix("file://")) for link in seen["links"]}
    assert {target.parent.name for target in targets} == {"alice", "mallory", "broken"}
    assert all(link.startswith("file://") and Path(link.removeprefix("file://")).is_file() for link in seen["links"])


def test_a_feedback_page_shows_items_messages_and_its_pictures(reports):
    seen = open_in_browser(reports / "alice" / "feedback.html")
    assert seen["title"].startswith("alice: ")
    assert "expected 1024 units, saw 512" in seen["text"] and f"{PACK.total_points - 15} / 100" in seen["text"]
    assert [image["alt"] for image in seen["images"]] == [
        "Samples of your generator after the grader's brief training", "Losses during the brief training"]
    assert all(image["loaded"] for image in seen["images"])


def test_a_students_own_text_is_shown_not_run(reports):
    seen = open_in_browser(reports / "mallory" / "feedback.html")
    assert seen["title"] != "pwned" and seen["images"] == []
    assert HOSTILE in seen["text"]


def test_an_ungraded_submission_gets_a_page_that_says_why(reports):
    seen = open_in_browser(reports / "broken" / "feedback.html")
    assert "could not be graded" in seen["text"] and "invalid JSON at line 1" in seen["text"]
