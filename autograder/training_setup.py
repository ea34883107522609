"""What a batch's brief training needs: budget, device, training data, scorers, the reference's runs.

One `BriefTrainingSetup` serves a whole batch: it loads the data and the
classifier once and caches the reference's runs, so a class of any size
pays for each once. `context(pack, spec)` gives a pack's checks what they
need to plan and judge its brief training (see autograder.checks.brief).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from autograder.checks.brief import REFERENCE_SEEDS, BriefContext, BriefTraining, weakest_reference
from autograder.errors import UsageError
from autograder.packs import Pack
from autograder.paths import fixtures_dir
from autograder.scoring.reference_runs import ReferenceRuns, default_cache_dir

MAX_MNIST_IMAGES = 10_000   # enough for a brief run; keeps the probe's input file small
MAX_FACES = 2_000
CLASSIFIER_FILE = Path("classifier") / "mnist_classifier.safetensors"


def brief_spec(pack: Pack) -> BriefTraining | None:
    """The pack's brief training (its checks' BRIEF), or None when it has none."""
    from autograder.pack_checks import load_checks

    return load_checks(pack).brief


def resolve_device(requested: str) -> str:
    """auto -> cuda when this machine has a usable GPU, else cpu; cuda without one is a usage error."""
    if requested not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {requested!r}")
    if requested == "cpu":
        return "cpu"
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        raise UsageError("--device cuda: no CUDA device is available on this machine (use --device auto or cpu)")
    return "cuda" if available else "cpu"


@dataclass(frozen=True)
class TrainingOptions:
    device: str = "auto"              # auto | cpu | cuda
    steps: int | None = None          # --train-steps; None: each pack's default for the device; 0: skip
    mnist_dir: str | None = None      # else $GANGRADE_DATA, else the bundled digits
    celeba_dir: str | None = None     # else $GANGRADE_CELEBA, else generated faces
    cache_dir: Path | None = None     # reference runs; None: default_cache_dir()
    seed: int | None = None           # the student's brief-training seed; None: the pack's (calibration varies it)


class BriefTrainingSetup:
    def __init__(self, options: TrainingOptions) -> None:
        self.options = options
        self.device = resolve_device(options.device)
        self.references = ReferenceRuns(options.cache_dir or default_cache_dir())
        self._images: dict[str, np.ndarray] = {}
        self._scorers: dict[str, object] = {}
        self._bars: dict[tuple[str, int], dict] = {}  # the reference's runs combined, per pack and budget
        # Folders the user named are read now, so a wrong path is one clear error, not one per submission.
        if options.mnist_dir:
            self.images("mnist")
        if options.celeba_dir:
            self.images("celeba")

    def steps_for(self, spec: BriefTraining) -> int:
        if self.options.steps is not None:
            return self.options.steps
        return spec.steps[self.device]

    def context(self, pack: Pack, spec: BriefTraining) -> BriefContext:
        steps = self.steps_for(spec)
        if steps <= 0:
            return BriefContext(0, self.device, None, None, None)
        key = (pack.id, steps)
        if key not in self._bars:
            runs = [self.reference_run(pack, spec, seed) for seed in REFERENCE_SEEDS]
            self._bars[key] = weakest_reference(runs, self.scorer(spec.data))
        seed = spec.seed if self.options.seed is None else self.options.seed
        return BriefContext(steps, self.device, self.images(spec.data), self._bars[key], self.scorer(spec.data),
                            seed=seed)

    def missing_reference_seeds(self, pack: Pack, spec: BriefTraining) -> list[int]:
        """The reference seeds whose run is not yet cached, at this setup's budget and device."""
        steps = self.steps_for(spec)
        if steps <= 0:
            return []
        images = self.images(spec.data)
        return [seed for seed in REFERENCE_SEEDS
                if not self.references.is_stored(pack, spec.recipe, steps, self.device, seed, images)]

    def reference_run(self, pack: Pack, spec: BriefTraining, seed: int) -> dict:
        """One of the reference's runs, trained (and cached) when it is not cached yet."""
        return self.references.get(pack, spec.recipe, self.steps_for(spec), self.device, seed, self.images(spec.data))

    def images(self, data: str) -> np.ndarray:
        """uint8 training images: MNIST (N, 28, 28) or faces (N, 3, 64, 64)."""
        if data not in self._images:
            self._images[data] = self._load_images(data)
        return self._images[data]

    def _load_images(self, data: str) -> np.ndarray:
        if data == "mnist":
            from autograder.data.mnist import load_mnist
            return load_mnist(self.options.mnist_dir).train.images[:MAX_MNIST_IMAGES]
        from autograder.data.celeba import load_celeba
        faces = load_celeba(self.options.celeba_dir, limit=MAX_FACES)  # float in [-1, 1]
        return ((faces + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()

    def scorer(self, data: str):
        if data not in self._scorers:
            self._scorers[data] = self._make_scorer(data)
        return self._scorers[data]

    def _make_scorer(self, data: str):
        from autograder.scoring import sample_quality
        if data != "mnist":
            return sample_quality.FaceScorer()
        from autograder.data.mnist import load_mnist
        from autograder.scoring.classifier import load_classifier
        classifier = load_classifier(fixtures_dir() / CLASSIFIER_FILE)
        return sample_quality.DigitScorer(classifier, load_mnist(self.options.mnist_dir).heldout.images)
