"""A sandbox started ahead of its submission, so that the next grade finds its kernel ready.

While a worker grades one submission, the sandbox for its next one starts:
bubblewrap, the driver, the kernel, torch's import, its first optimizer and
pyplot (the driver's warm-up).
The next grade then writes its job into that sandbox's folder and says "go".

Isolation is that of a cold start. Each sandbox has its own job folder,
namespaces, tmpfs and kernel; it is started before any submission's code
exists, runs nothing of one until "go", and serves exactly one submission
(its launcher is closed with the grade). A sandbox started with other
settings than the grade's (limits, kernel, GPU), or one that ended while it
waited, is thrown away and the grade starts cold.

In a batch, only bubblewrap sandboxes are started ahead: without one
(`--no-sandbox`, or a root grader's dropped uid), a submission's processes
could reach a kernel that waits beside them under the same user. A
student's own `gangrade check` grades one notebook, so nothing waits beside
it (`only_sandboxed=False`).
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.execution.attempts import event_log_name
from autograder.execution.job_folder import lay_out_job
from autograder.execution.launcher import Launcher, LaunchSettings


@dataclass
class WarmSandbox:
    settings: LaunchSettings
    job_dir: Path
    launcher: Launcher

    def discard(self) -> None:
        self.launcher.close()
        shutil.rmtree(self.job_dir, ignore_errors=True)


class KernelStandby:
    """At most one sandbox started ahead; `keep_warm` says whether another grade is expected after this one."""

    def __init__(self, only_sandboxed: bool = True) -> None:
        self.only_sandboxed = only_sandboxed
        self.keep_warm = True
        self._ready: WarmSandbox | None = None
        self.started = 0   # sandboxes started ahead, and of them, taken by a grade
        self.taken = 0

    def take(self, settings: LaunchSettings) -> WarmSandbox | None:
        """The sandbox started ahead, if it suits `settings` and is still waiting; it is the caller's now."""
        ready, self._ready = self._ready, None
        if ready is None:
            return None
        if ready.settings != settings or not ready.launcher.first_alive():
            ready.discard()
            return None
        self.taken += 1
        return ready

    def start_next(self, settings: LaunchSettings) -> None:
        """Start the sandbox for the next grade (when one is expected), replacing any waiting one."""
        self.close()
        if not self.keep_warm or (self.only_sandboxed and settings.support is None):
            return
        job_dir = Path(tempfile.mkdtemp(prefix="gangrade-job-"))
        launcher = None
        try:
            lay_out_job(job_dir)
            launcher = Launcher(settings, job_dir)
            launcher.start_first()
        except OSError:   # the next grade starts cold, and meets the same trouble in its own run
            if launcher is not None:
                launcher.close()
            shutil.rmtree(job_dir, ignore_errors=True)
            return
        self._ready = WarmSandbox(settings, job_dir, launcher)
        self.started += 1

    def is_warm(self) -> bool:
        """Whether the waiting sandbox's kernel has warmed up (it then only waits for its job)."""
        if self._ready is None:
            return False
        log = self._ready.job_dir / "out" / event_log_name(0)
        try:
            return b'"event": "warmed_up"' in log.read_bytes()
        except OSError:
            return False

    def close(self) -> None:
        if self._ready is not None:
            self._ready.discard()
            self._ready = None
