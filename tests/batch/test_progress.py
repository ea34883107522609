"""Progress: a live bar on a terminal, plain counted lines in a log."""
from __future__ import annotations

import io
import time

from autograder.batch.progress import Progress


def test_progress_off_a_terminal_is_one_plain_line_per_submission():
    stream = io.StringIO()
    progress = Progress(3, stream, live=False)
    progress.finished("alice: 100/100", graded=True)
    progress.skipped()
    time.sleep(0.01)
    progress.finished("bob: 0/100 (not graded)", graded=False)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/3 ") and lines[0].endswith("] alice: 100/100") and "ETA" in lines[0]
    assert lines[1].startswith("[3/3 ") and "1 not graded" in lines[1]
    assert "\r" not in stream.getvalue() and "\033" not in stream.getvalue()


def test_progress_on_a_terminal_is_a_bar_with_the_summaries_above_it():
    stream = io.StringIO()
    progress = Progress(2, stream, live=True)
    progress.finished("alice: 100/100", graded=True)
    progress.finished("bob: 0/100 (not graded)", graded=False)
    progress.close()
    text = stream.getvalue()
    assert "alice: 100/100\n" in text and "bob: 0/100 (not graded)\n" in text
    assert "/2 [" in text and "sub/s" in text and "\r" in text  # the bar (done/total, rate) redraws in place
