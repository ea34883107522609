"""The reference's brief-training runs of a pack, trained before its first grade: in parallel, with progress.

Every grade of a pack with brief training compares the student's run with
the reference's runs (`REFERENCE_SEEDS`), which are trained once and cached
(`scoring.reference_runs`). Left to the first grade, they would train one
after another inside it, silently, for minutes. Here the runs that are not
cached yet are sent to the pool's workers, one seed each, and each finished
run is reported, with a line every little while in between. `gangrade
prepare` does the same ahead of a batch; a batch after it finds every run
cached and starts grading at once.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from autograder.batch.jobs import pack_of, setup_for, threads_per_task
from autograder.batch.pools import InlinePool, LocalPool, machine_cores, threads_per_kernel
from autograder.packs import Pack
from autograder.training_setup import BriefTrainingSetup, TrainingOptions, brief_spec

PROGRESS_EVERY_S = 20.0


@dataclass(frozen=True)
class ReferenceJob:
    pack_id: str
    training: TrainingOptions   # with the device resolved where the training happens
    seed: int
    threads: int                # torch threads of the worker, its share of the cores (0: its Dask worker's share)


def train_reference(job: ReferenceJob) -> float:
    """One reference run, trained and stored in the cache by a worker; its seconds."""
    import torch

    started = time.perf_counter()
    torch.set_num_threads(job.threads or threads_per_task())
    pack = pack_of(job.pack_id)
    setup_for(job.training).reference_run(pack, brief_spec(pack), job.seed)
    return time.perf_counter() - started


def prepare_references(pack: Pack, setup: BriefTrainingSetup, say: Callable[[str], None], pool=None,
                       threads: int = 0) -> None:
    """Train the pack's missing reference runs, saying how far it is; return when all are done.

    They run on `pool` (a batch's) with `threads` torch threads each; when it grades one at a time (or
    there is none) and this machine's CPU has cores to spare, on a pool of their own, one run per core.
    A run that fails here is only reported: the first grade that needs it trains it itself.
    """
    spec = brief_spec(pack)
    if spec is None:
        return
    seeds = setup.missing_reference_seeds(pack, spec)
    if not seeds:
        return
    own_pool = None
    if (pool is None or pool.capacity == 1) and setup.device == "cpu" and min(len(seeds), machine_cores()) > 1:
        workers = min(len(seeds), machine_cores())
        pool = own_pool = LocalPool(workers)
        threads = threads_per_kernel(workers)
    pool = pool or InlinePool()
    try:
        _train_on(pool, pack, setup, seeds, threads, say)
    finally:
        if own_pool is not None:
            own_pool.close()


def _train_on(pool, pack: Pack, setup: BriefTrainingSetup, seeds: list[int], threads: int,
              say: Callable[[str], None]) -> None:
    say(f"training the reference for {pack.id}: {len(seeds)} runs of {setup.steps_for(brief_spec(pack))} steps "
        f"on {setup.device}, with {pool.description} (once: later grades and batches read them from the cache)")
    started = time.monotonic()
    futures = {pool.call(train_reference, ReferenceJob(pack.id, setup.options, seed, threads)): seed
               for seed in seeds}
    finished = 0
    while futures:
        done, _ = pool.wait_any(set(futures), timeout=PROGRESS_EVERY_S)
        elapsed = time.monotonic() - started
        if not done:
            say(f"training the reference for {pack.id}: {finished} of {len(seeds)} runs done, {elapsed:.0f} s")
        for future in done:
            seed = futures.pop(future)
            finished += 1
            try:
                seconds = future.result()
            except Exception as exc:  # a lost worker, a cluster's failure: the grades will train it themselves
                say(f"training the reference for {pack.id}: seed {seed} could not be trained ahead "
                    f"({type(exc).__name__}: {exc}); the first grade that needs it trains it")
                continue
            say(f"training the reference for {pack.id}: seed {seed} done ({finished} of {len(seeds)}) "
                f"in {seconds:.0f} s, {elapsed:.0f} s in all")
