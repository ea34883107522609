"""How far a batch is: a live bar on a terminal, plain lines in a log.

On a terminal: a tqdm bar (done/total, rate, ETA, failures so far) with each
graded submission's summary printed above it. Elsewhere (CI, a file): one
plain line per submission, led by the same counts, and no control characters.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.total = total
        self.done = 0
        self.failures = 0  # not graded at all
        self.started = time.monotonic()
        self._bar = tqdm(total=total, unit="sub", file=self.stream, dynamic_ncols=True, leave=False) if self.live else None

    def note(self, line: str) -> None:
        """A line that is not a finished submission (a warning, a skipped group)."""
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def finished(self, summary: str, graded: bool) -> None:
        """One submission is done; `summary` says how it went."""
        self.done += 1
        self.failures += 0 if graded else 1
        if self._bar is not None:
            self._bar.write(summary, file=self.stream)
            self._bar.set_postfix_str(f"not graded {self.failures}" if self.failures else "", refresh=False)
            self._bar.update(1)
            return
        print(f"[{self._counts()}] {summary}", file=self.stream, flush=True)

    def skipped(self) -> None:
        """A submission settled without grading (unchanged): counted, not printed."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)

    def _counts(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        parts = [f"{self.done}/{self.total}", f"{rate * 60:.1f}/min", f"ETA {tqdm.format_interval(left)}"]
        if self.failures:
            parts.append(f"{self.failures} not graded")
        return " ".join(parts)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
