"""The reference's brief-training runs, computed once and cached on disk.

A class pays for the reference's run once: it is stored under the cache
folder by a key made of everything that decides it (pack, recipe, budget,
device, seed, torch version, the reference's source, the training data).
A changed reference or a torch upgrade gives a new key, never a stale run.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from autograder.fixtures.npz import write_npz
from autograder.observe import brief_training
from autograder.observe.brief_training import train_briefly
from autograder.packs import Pack

RUN_FORMAT = 2   # what a cached run records (2: its CPU seconds too); older caches are run again

def default_cache_dir() -> Path:
    """$GANGRADE_CACHE, else $XDG_CACHE_HOME/gangrade, else ~/.cache/gangrade."""
    if os.environ.get("GANGRADE_CACHE"):
        return Path(os.environ["GANGRADE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gangrade"


def _source_digest(pack: Pack) -> str:
    """The pack's reference and the brief-training code that runs it: a change to either trains again."""
    root, files = pack.reference_sources()
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(Path(brief_training.__file__).read_bytes())
    return digest.hexdigest()


def run_key(pack: Pack, recipe: dict, steps: int, device: str, seed: int, images: np.ndarray) -> str:
    decided_by = {
        "format": RUN_FORMAT, "pack": pack.id, "recipe": recipe, "steps": steps, "device": device, "seed": seed,
        "torch": torch.__version__, "reference": _source_digest(pack),
        "data": hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(decided_by, sort_keys=True).encode()).hexdigest()[:24]


def reference_namespace(pack: Pack) -> dict:
    module = pack.reference()
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("__")}


class ReferenceRuns:
    """Reference runs by key, in memory and under `cache_dir` (None: memory only)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self.memory: dict[str, dict] = {}

    def get(self, pack: Pack, recipe: dict, steps: int, device: str, seed: int, images: np.ndarray) -> dict:
        """{"samples", "initial_samples", "curves", "seconds", "steps"} of the reference's run."""
        key = run_key(pack, recipe, steps, device, seed, images)
        if key not in self.memory:
            with self._only_one_runs(pack.id, key):
                self.memory[key] = self._load(pack.id, key) or self._run_and_store(pack, recipe, steps, device, seed, images, key)
        return self.memory[key]

    def is_stored(self, pack: Pack, recipe: dict, steps: int, device: str, seed: int, images: np.ndarray) -> bool:
        """Whether this run is in memory or complete in the cache (no training needed to get it)."""
        key = run_key(pack, recipe, steps, device, seed, images)
        return key in self.memory or self._load(pack.id, key) is not None

    @contextlib.contextmanager
    def _only_one_runs(self, pack_id: str, key: str) -> Iterator[None]:
        """Workers of one batch that miss the cache together: the first trains, the others wait and read."""
        if self.cache_dir is None:
            yield
            return
        lock_path = self._paths(pack_id, key)[0].with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    def _paths(self, pack_id: str, key: str) -> tuple[Path, Path]:
        stem = self.cache_dir / "reference-runs" / f"{pack_id}-{key}"
        return stem.with_suffix(".npz"), stem.with_suffix(".json")

    def _load(self, pack_id: str, key: str) -> dict | None:
        if self.cache_dir is None:
            return None
        arrays_path, meta_path = self._paths(pack_id, key)
        try:
            meta = json.loads(meta_path.read_text())
            with np.load(arrays_path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, KeyError):
            return None  # missing or damaged: run again
        curves = {name.removeprefix("curve."): value for name, value in arrays.items() if name.startswith("curve.")}
        return {"samples": arrays["samples"], "initial_samples": arrays["initial_samples"], "curves": curves, **meta}

    def _run_and_store(self, pack: Pack, recipe: dict, steps: int, device: str, seed: int, images: np.ndarray,
                       key: str) -> dict:
        run = train_briefly(reference_namespace(pack), images, recipe, steps, seed, device)
        run["curves"] = {name: np.asarray(values, dtype=np.float64) for name, values in run["curves"].items()}
        if self.cache_dir is not None:
            arrays_path, meta_path = self._paths(pack.id, key)
            # Written to temporary names and renamed, arrays first: a reader that finds the
            # metadata finds complete arrays, also with several graders sharing the cache.
            partial = arrays_path.with_name(f"{arrays_path.name}.{os.getpid()}.partial")
            write_npz(partial, {"samples": run["samples"], "initial_samples": run["initial_samples"],
                                **{f"curve.{name}": values for name, values in run["curves"].items()}})
            os.replace(partial, arrays_path)
            partial = meta_path.with_name(f"{meta_path.name}.{os.getpid()}.partial")
            partial.write_text(json.dumps({"seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"],
                                           "steps": run["steps"]}))
            os.replace(partial, meta_path)
        return run
