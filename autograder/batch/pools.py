"""Where jobs run: in this process, in a local pool of processes, or on a Dask cluster.

Every pool runs the same function (`jobs.grade_job`, or `references.train_reference`
before a pack's first grade) on the same job and hands back a future; the
batch waits on them through `wait_any`, so it is the same loop whichever
pool grades.
"""
from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

from autograder.batch.jobs import GradeJob, close_worker_standby, grade_job
from autograder.errors import GangradeError, UsageError

GRADER_OVERHEAD_MB = 1024  # a worker process of the grader itself: torch, the reference, the scorers
STANDBY_KERNEL_MB = 512    # the kernel a worker starts ahead for its next submission, torch loaded (standby)
PR_SET_PDEATHSIG = 1

# A pool failure that loses the job, not the submission's fault: the job is tried again once.
WORKER_LOST = (BrokenProcessPool,)


def machine_cores() -> int:
    return len(os.sched_getaffinity(0))


def available_memory_mb() -> int:
    import psutil
    return psutil.virtual_memory().available // (1 << 20)


def default_workers(memory_mb: int) -> int:
    """As many submissions at once as the cores allow and the memory holds (each kernel may use memory_mb)."""
    by_memory = available_memory_mb() // (memory_mb + STANDBY_KERNEL_MB + GRADER_OVERHEAD_MB)
    return max(1, min(machine_cores(), by_memory))


def threads_per_kernel(workers: int) -> int:
    """Cores shared out among the kernels that run at once (more threads than cores slow them all)."""
    return max(1, machine_cores() // workers)


class InlinePool:
    """One at a time, in this process (--workers 1): nothing to start, nothing to pickle."""

    description = "one at a time, in this process"
    capacity = 1

    def submit(self, job: GradeJob) -> cf.Future:
        return self.call(grade_job, job)

    def call(self, function: Callable, argument) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(function(argument))
        except Exception as exc:  # as a pool would hand it back
            future.set_exception(exc)
        return future

    def wait_any(self, futures: set, timeout: float | None = None) -> tuple[set, set]:
        return set(futures), set()

    def restart(self) -> None:
        pass

    def close(self) -> None:
        close_worker_standby()   # a sandbox started ahead for a job that never came


def _die_with_parent() -> None:
    """Runs first in each pool process: if the grader is killed (even kill -9), its workers go too."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: a killed grader's workers finish their current job and exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle


class LocalPool:
    """N processes on this machine; each grades one submission at a time in its own sandboxed kernel."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.capacity = workers
        self.description = f"{workers} local worker processes"
        self._executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: this process may hold torch's threads, which fork does not copy safely.
        context = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(self.workers, mp_context=context, initializer=_die_with_parent)

    def submit(self, job: GradeJob) -> cf.Future:
        return self.call(grade_job, job)

    def call(self, function: Callable, argument) -> cf.Future:
        return self._executor.submit(function, argument)

    def wait_any(self, futures: set, timeout: float | None = None) -> tuple[set, set]:
        done, pending = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done, pending

    def restart(self) -> None:
        """After a worker process died: a fresh pool (the broken one fails every job it holds)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class DaskPool:
    """A Dask distributed cluster (--scheduler tcp://host:port); the gradebook stays here, with the client."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask distributed (pip install distributed)") from None
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise GangradeError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
        self.resources: dict | None = None
        self.description = f"the Dask cluster at {address}"
        self.capacity = max(1, sum(self.client.nthreads().values()))

    def ask_for_gpu(self, gpu: bool) -> None:
        """Each job asks for one GPU (workers started with `--resources GPU=1`)."""
        self.resources = {"GPU": 1} if gpu else None

    def workers_with_gpu(self) -> int:
        workers = self.client.scheduler_info().get("workers", {}).values()
        return sum(1 for worker in workers if worker.get("resources", {}).get("GPU", 0) >= 1)

    def submit(self, job: GradeJob):
        return self.call(grade_job, job, f"grade-{job.candidate.id}")

    def call(self, function: Callable, argument, name: str | None = None):
        # pure=False: grading the same notebook twice (--force) is two tasks, never one cached result.
        key = f"{name or function.__name__}-{os.urandom(4).hex()}"
        return self.client.submit(function, argument, pure=False, resources=self.resources, key=key)

    def wait_any(self, futures: set, timeout: float | None = None) -> tuple[set, set]:
        from distributed import wait
        try:
            done, pending = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set(), set(futures)
        return set(done), set(pending)

    def restart(self) -> None:
        pass  # Dask reschedules a lost worker's tasks itself

    def close(self) -> None:
        self.client.close()
