"""Starting the sandbox: where it may run, the command line, and one launch of it per attempt.

`resolve_launch` settles, once per submission, how its kernel is run (the
sandbox found on this machine, the kernel's Python, the limits, a GPU, a
dropped uid). A `Launcher` then starts the sandbox for each attempt on one
job folder: cgroups made for it, the limits applied, the driver run. The
driver starts its kernel at once and waits for the grader's "go" on its
stdin, so a sandbox can be started before its job is written (`standby`)
and the wall limit counts from the "go".

The launcher holds a descriptor of out/ open for the driver, which inherits
it: in the sandbox out/ is read-only, so that descriptor is the only way
anything is written there (driver.Outbox).
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.execution.attempts import Attempt, read_attempt
from autograder.execution.cells import CellPlan
from autograder.execution.cgroups import cpu_shared, make_cgroups
from autograder.execution.job_folder import write_launch_file
from autograder.execution.limits import SandboxLimits, describe_enforcement, launcher_prefix, rlimit_arguments
from autograder.execution.sandbox import (
    HIDDEN_PACKAGES,
    SANDBOX_PACKAGE_ROOT,
    UNPRIVILEGED_UID,
    PythonEnvironment,
    SandboxSupport,
    build_bwrap_command,
    describe_python,
    detect_sandbox,
    drop_privileges_prefix,
    kernel_environment,
)
from autograder.packs import reference_packages
from autograder.paths import PROJECT_ROOT, assignments_dir, fixtures_dir

PACKAGE_DIR = Path(autograder.__file__).resolve().parent
# Parts of a source checkout that student code must never see.
HIDDEN_PROJECT_PARTS = ("reference", "grading_fixtures", "assignments", "tests", ".git")
# Parts of the engine student code must not read: `gangrade new-pack`'s worked example has a reference.
HIDDEN_ENGINE_PARTS = ("pack_template",)


@dataclass(frozen=True)
class LaunchSettings:
    """How a submission's kernel is run; two submissions with equal settings may swap sandboxes."""

    support: SandboxSupport | None   # None: --no-sandbox
    kernel_python: str
    kernel_env: PythonEnvironment
    limits: SandboxLimits
    gpu: bool
    as_root: bool                     # the kernel runs under a uid of its own (a root grader dropped to it)


class CannotLaunch(Exception):
    """This machine cannot run the kernel as asked: the grader's trouble, never the submission's."""

    def __init__(self, reason: str, sandboxed: bool):
        super().__init__(reason)
        self.sandboxed = sandboxed   # whether the run would have been sandboxed


def resolve_launch(limits: SandboxLimits, kernel_python: str, sandbox: bool, gpu: bool) -> LaunchSettings:
    support = detect_sandbox() if sandbox else None
    if support is not None and not support.available:
        raise CannotLaunch(f"the sandbox is not available: {support.reason}", sandboxed=False)
    try:
        kernel_env = describe_python(kernel_python, hidden_packages())
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        raise CannotLaunch(f"the kernel's Python {kernel_python} could not be used: {exc}", sandbox) from None
    # Without bubblewrap (no namespaces, e.g. in some containers) a root grader still runs the kernel as an
    # unprivileged user, so the files only root may read (the reference, the course) stay out of its reach.
    as_root = bool(support and support.as_root) or (support is None and _can_drop_privileges(kernel_python))
    return LaunchSettings(support, kernel_python, kernel_env, limits, gpu, as_root)


def hidden_packages() -> tuple[str, ...]:
    """The packages no student kernel may import: the reference, the bundled course, every pack's reference."""
    return tuple(dict.fromkeys(HIDDEN_PACKAGES + reference_packages()))


class Launcher:
    """Launches the attempts of one job folder; attempt 0 may be started early (`start_first`)."""

    def __init__(self, settings: LaunchSettings, job_dir: Path):
        self.settings, self.job_dir = settings, job_dir
        support, limits = settings.support, settings.limits
        self.cgroups = support.cgroups if support else None
        self.enforcement = describe_enforcement(
            limits, cgroups=self.cgroups, cpu_shared=bool(self.cgroups) and cpu_shared(self.cgroups),
            gpu=settings.gpu, limit_processes=settings.as_root, have_prlimit=shutil.which("prlimit") is not None)
        if support is not None:
            self.command, self.environment = _sandboxed_command(support, job_dir, settings)
            self.enforcement["isolation"] = f"bubblewrap: {support.reason}"
        else:
            self.command, self.environment = _unsandboxed_command(job_dir, settings)
            if settings.as_root:
                self.command = [*drop_privileges_prefix(shutil.which("setpriv")), *self.command]
            self.enforcement["isolation"] = ("no sandbox; the kernel runs as an unprivileged user (uid "
                                             f"{UNPRIVILEGED_UID}) under rlimits" if settings.as_root
                                             else "none: no sandbox, and the kernel runs as the grader's own user")
        self.rlimits = rlimit_arguments(limits, use_cgroups=bool(self.cgroups), gpu=settings.gpu,
                                        limit_processes=settings.as_root)
        self.out_fd = os.open(job_dir / "out", os.O_RDONLY | os.O_DIRECTORY)
        self._first: _Running | None = None

    def close(self) -> None:
        if self._first is not None:   # started and never used
            self._first.stop()
            self._first = None
        if self.out_fd >= 0:
            os.close(self.out_fd)
            self.out_fd = -1

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start_first(self) -> None:
        """Start attempt 0 now, with a warm-up; it waits for its job (written before `__call__(0, ...)`)."""
        self._first = self._start(0, warm_up=True)

    def first_alive(self) -> bool:
        return self._first is not None and self._first.process.poll() is None

    def __call__(self, number: int, plans: list[CellPlan], wall_left: float) -> Attempt:
        if number == 0 and self._first is not None:
            running, self._first = self._first, None
        else:
            running = self._start(number, warm_up=False)
        exit_status, wall_hit = running.go(wall_left)
        cgroups = running.cgroups
        try:
            return read_attempt(number, self.job_dir, plans, self.settings.limits, running.launched, exit_status,
                                wall_hit, cgroups)
        finally:
            running.stop()
            if running.leftover:
                self.enforcement["cleanup"] = f"{running.leftover} processes were still running and were killed"

    def _start(self, number: int, warm_up: bool) -> _Running:
        write_launch_file(self.job_dir, self.settings.kernel_python, self.settings.limits, self.out_fd, number,
                          warm_up)
        cgroups = make_cgroups(self.cgroups, self.settings.limits) if self.cgroups else None
        if cgroups is not None:
            cgroups.create()
        try:
            if self.settings.as_root:
                _give_to_sandbox_user(self.job_dir)
            command = launcher_prefix(cgroups.procs_files() if cgroups else [], self.rlimits) + self.command
            return _Running(command, self.environment, self.job_dir, self.out_fd, cgroups)
        except BaseException:
            if cgroups is not None:
                cgroups.kill_and_remove()
            raise


class _Running:
    """One started sandbox: told "go" once, waited for up to the wall limit, then stopped."""

    def __init__(self, command: list[str], environment: dict[str, str], job_dir: Path, out_fd: int, cgroups):
        self.cgroups, self.leftover = cgroups, 0
        self.launched = time.time()
        with open(job_dir / "driver.log", "ab") as log:
            self.process = subprocess.Popen(command, env=environment, cwd=job_dir / "work", stdin=subprocess.PIPE,
                                            stdout=log, stderr=log, start_new_session=True, pass_fds=(out_fd,))

    def go(self, wall_s: float) -> tuple[int | None, bool]:
        """Tell the driver its job is written; at the wall limit SIGKILL the whole process group.

        SIGKILL, because a driver or kernel may handle SIGTERM. Inside the sandbox, bwrap's
        --die-with-parent and the pid namespace take every process with it.
        """
        try:
            self.process.stdin.write(b"go\n")
            self.process.stdin.close()
        except OSError:   # it ended before its job came (its event log says why)
            pass
        try:
            return self.process.wait(timeout=max(wall_s, 0.1)), False
        except subprocess.TimeoutExpired:
            self._kill()
            return None, True

    def stop(self) -> None:
        if self.process.poll() is None:
            self._kill()
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        if self.cgroups is not None:
            self.leftover = self.cgroups.kill_and_remove()
            self.cgroups = None

    def _kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def _driver_command(job_dir: Path) -> list[str]:
    return [sys.executable, "-m", "autograder.execution.driver", str(job_dir)]


def _sandboxed_command(support: SandboxSupport, job_dir: Path,
                       settings: LaunchSettings) -> tuple[list[str], dict[str, str]]:
    """The bwrap command line; its environment is set inside by --setenv, so bwrap itself gets none."""
    limits = settings.limits
    environment = kernel_environment(home=job_dir / "work", tmp=Path("/tmp"), python_path=SANDBOX_PACKAGE_ROOT,
                                     kernel_python=settings.kernel_python, threads=limits.threads, gpu=settings.gpu)
    hidden = [PROJECT_ROOT / part for part in HIDDEN_PROJECT_PARTS if (PROJECT_ROOT / part).exists()]
    hidden += [folder for folder in (assignments_dir(), fixtures_dir()) if folder.exists()]   # a course's own
    hidden += [PACKAGE_DIR / part for part in HIDDEN_ENGINE_PARTS if (PACKAGE_DIR / part).exists()]
    command = build_bwrap_command(
        bwrap=support.bwrap, command=_driver_command(job_dir), job_dir=job_dir, package_dir=PACKAGE_DIR,
        pythons=[describe_python(sys.executable, hidden_packages()), settings.kernel_env], environment=environment,
        hidden_paths=hidden, as_root=support.as_root, tmp_size_mb=limits.memory_mb,
        scratch_size_mb=limits.scratch_mb, gpu=settings.gpu, setpriv=shutil.which("setpriv") or "setpriv")
    return command, {}


def _unsandboxed_command(job_dir: Path, settings: LaunchSettings) -> tuple[list[str], dict[str, str]]:
    """The driver run directly (--no-sandbox), with the same whitelisted environment."""
    (job_dir / "pkg").mkdir(exist_ok=True)
    link = job_dir / "pkg" / PACKAGE_DIR.name
    if not link.is_symlink():
        link.symlink_to(PACKAGE_DIR)
    environment = kernel_environment(home=job_dir / "work", tmp=job_dir / "tmp", python_path=str(job_dir / "pkg"),
                                     kernel_python=settings.kernel_python, threads=settings.limits.threads,
                                     gpu=settings.gpu)
    return _driver_command(job_dir), environment


@functools.cache
def _can_drop_privileges(kernel_python: str) -> bool:
    """Root, setpriv, and an unprivileged user that can run the driver and the kernel's Python.

    The last fails where an interpreter lives below a private folder (a pyenv under /root): then
    there is no user to drop to, and the kernel runs as the grader does (the report says so).
    """
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return False
    # As the driver does: import it, then start the kernel's Python from it.
    driver = (f"import subprocess, sys; sys.path.insert(0, {str(PACKAGE_DIR.parent)!r}); "
              "import autograder.execution.driver; "
              f"sys.exit(subprocess.run([{kernel_python!r}, '-c', 'import ipykernel']).returncode)")
    try:
        done = subprocess.run([*drop_privileges_prefix(setpriv), sys.executable, "-c", driver], cwd="/",
                              capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _give_to_sandbox_user(job_dir: Path) -> None:
    """work/, out/ and tmp/ belong to the sandbox's uid; the rest stays root's and read-only to it."""
    for name in ("work", "out", "tmp"):
        for folder, _, files in os.walk(job_dir / name):
            os.chown(folder, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
            for file in files:
                os.chown(os.path.join(folder, file), UNPRIVILEGED_UID, UNPRIVILEGED_UID)
