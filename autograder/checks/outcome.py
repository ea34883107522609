"""One sub-check's verdict, with the words a student can act on."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Measure:
    """The figure a sub-check judged and the bar it had to clear (brief training's judges report these)."""

    seen: float
    bar: float
    higher_is_better: bool

    @property
    def margin(self) -> float:
        """How far the figure clears its bar, as a fraction of the bar; negative when it misses it."""
        gap = self.seen - self.bar if self.higher_is_better else self.bar - self.seen
        return gap / abs(self.bar) if self.bar else gap


@dataclass(frozen=True)
class Outcome:
    """A sub-check's verdict; `graded=False` when the grader could not judge it (its trouble, not the code's)."""

    check: str
    passed: bool
    message: str = ""
    graded: bool = True
    retry: bool = False    # not graded for a passing reason (no sandbox): grade it again on the next run
    measure: Measure | None = None

    def __str__(self) -> str:
        if not self.graded:
            return f"{self.check}: not graded: {self.message}"
        return f"{self.check}: {'ok' if self.passed else self.message}"


def not_graded(check: str, reason: str, retry: bool = False) -> Outcome:
    """A sub-check the grader could not judge: brief training switched off, a check of its own that failed.

    retry: the cause may pass (the sandbox was not available), so the next run grades it again; a
    setting (brief training switched off) or the grader's own code would give the same again.
    """
    return Outcome(check, False, reason, graded=False, retry=retry)


def failed(check: str, expected: str, seen: str, hint: str) -> Outcome:
    return Outcome(check, False, f"expected {expected}, saw {seen}. Hint: {hint}")


def holds(check: str, condition: bool, expected: str, seen: str, hint: str) -> Outcome:
    return Outcome(check, True) if condition else failed(check, expected, seen, hint)


def measured(outcome: Outcome, seen: float, bar: float, higher_is_better: bool) -> Outcome:
    """`outcome` with the figure it judged and its bar attached."""
    return replace(outcome, measure=Measure(float(seen), float(bar), higher_is_better))


def equal(check: str, expected, seen, hint: str) -> Outcome:
    return holds(check, expected == seen, repr(expected), repr(seen), hint)


def close(check: str, expected: np.ndarray, seen: np.ndarray | None, rtol: float, atol: float, hint: str) -> Outcome:
    """Arrays equal within tolerance, with shapes compared first and the worst element reported."""
    expected = np.asarray(expected, dtype=np.float64)
    if seen is None:
        return failed(check, f"an array of shape {expected.shape}", "nothing", hint)
    seen = np.asarray(seen, dtype=np.float64)
    if seen.shape != expected.shape:
        if seen.size == expected.size:
            seen = seen.reshape(expected.shape)
        else:
            return failed(check, f"shape {expected.shape}", f"shape {seen.shape}", hint)
    if np.allclose(seen, expected, rtol=rtol, atol=atol):
        return Outcome(check, True)
    if not np.all(np.isfinite(seen)):
        return failed(check, "finite values", "nan or inf", hint)
    worst = int(np.argmax(np.abs(seen - expected) - rtol * np.abs(expected)))
    index = tuple(int(i) for i in np.unravel_index(worst, expected.shape))
    where = "" if expected.size == 1 else f" at index {index}"
    return failed(check, f"{expected.flat[worst]:.6g}{where}", f"{seen.flat[worst]:.6g}", hint)
