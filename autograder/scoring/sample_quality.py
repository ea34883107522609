"""How digit-like a set of generated images is, measured with the fixtures' MNIST classifier.

Three figures, each with a plain meaning:

- confidence: the mean of the classifier's top class probability. Noise and
  blurs get low confidence; clear digits get high confidence.
- evenness: the normalised entropy of the predicted-class histogram, 1 when
  the ten classes are equally frequent, 0 when every sample is one class
  (mode collapse). `classes_seen` counts the classes holding at least 2% of
  the samples.
- Frechet distance: between Gaussians fitted to the classifier's
  penultimate features of the samples and of real held-out digits (the
  FID recipe on a small MNIST network instead of Inception). 0 for samples
  distributed like the real digits; it grows with any difference.

Also `spread`: the mean per-pixel standard deviation across samples, 0 when
the generator ignores its noise (a constant image); and `roughness`: the
mean absolute difference between neighbouring pixels, high for noise and
low for strokes.

Faces (the WGAN-GP pack) have no classifier: `score_faces` reports spread,
diversity (the mean distance between two samples, per pixel) and finiteness.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from autograder.scoring.classifier import MnistClassifier, predict_features, predict_logits

CLASSES = 10
SEEN_FRACTION = 0.02


def frechet_distance(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + tr(A + B - 2 (A^1/2 B A^1/2)^1/2), for symmetric positive semi-definite A, B.

    tr((AB)^1/2) equals tr((A^1/2 B A^1/2)^1/2), which needs only symmetric
    eigendecompositions (no complex square roots of a non-symmetric product).
    """
    root_a = _sqrt_psd(cov_a)
    cross = _sqrt_psd(root_a @ cov_b @ root_a)
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(cross))
    return max(distance, 0.0)  # rounding can leave a tiny negative number for equal distributions


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    symmetric = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(symmetric)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def gaussian_of(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def evenness(labels: np.ndarray) -> float:
    """Entropy of the label histogram over log(10): 1 for ten equal classes, 0 for one class."""
    counts = np.bincount(labels, minlength=CLASSES).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum() / np.log(CLASSES))


@dataclass(frozen=True)
class SampleScores:
    confidence: float
    evenness: float
    classes_seen: int
    top_class: int
    top_class_share: float
    frechet: float
    spread: float
    roughness: float
    finite: bool

    def as_dict(self) -> dict:
        return asdict(self)


def score_digits(classifier: MnistClassifier, samples: np.ndarray, real_features: np.ndarray) -> SampleScores:
    """Scores of generated digits (N, 784) or (N, 1, 28, 28), pixel values in [0, 1]."""
    samples = np.asarray(samples, dtype=np.float32).reshape(len(samples), 784)
    finite = bool(np.all(np.isfinite(samples)))
    samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=0.0).clip(0, 1)
    tensor = torch.from_numpy(samples)
    probabilities = torch.softmax(predict_logits(classifier, tensor), dim=1).numpy()
    labels = probabilities.argmax(axis=1)
    counts = np.bincount(labels, minlength=CLASSES)
    features = predict_features(classifier, tensor).numpy()
    return SampleScores(
        confidence=float(probabilities.max(axis=1).mean()),
        evenness=evenness(labels),
        classes_seen=int((counts >= SEEN_FRACTION * len(labels)).sum()),
        top_class=int(counts.argmax()),
        top_class_share=float(counts.max() / len(labels)),
        frechet=frechet_distance(*gaussian_of(features), *gaussian_of(real_features)),
        spread=float(samples.std(axis=0).mean()),
        roughness=roughness(samples.reshape(-1, 28, 28)),
        finite=finite,
    )


def roughness(images: np.ndarray) -> float:
    """Mean absolute difference between horizontally and vertically neighbouring pixels (..., H, W)."""
    images = np.asarray(images, dtype=np.float64)
    across = np.abs(np.diff(images, axis=-1)).mean()
    down = np.abs(np.diff(images, axis=-2)).mean()
    return float((across + down) / 2)


def score_faces(samples: np.ndarray) -> dict:
    """Spread, diversity and finiteness of generated images (N, C, H, W) with pixel values in [0, 1]."""
    samples = np.asarray(samples, dtype=np.float64)
    finite = bool(np.all(np.isfinite(samples)))
    samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=0.0).clip(0, 1)
    flat = samples.reshape(len(samples), -1)
    half = len(flat) // 2
    diversity = float(np.sqrt(((flat[:half] - flat[half:2 * half]) ** 2).mean(axis=1)).mean()) if half else 0.0
    return {"spread": float(samples.std(axis=0).mean()), "diversity": diversity,
            "roughness": roughness(samples), "finite": finite}


class DigitScorer:
    """Scores digits with the fixtures' classifier against real held-out digits' features."""

    def __init__(self, classifier: MnistClassifier, real_digits: np.ndarray) -> None:
        self.classifier = classifier
        self.real_features = predict_features(classifier, real_digits).numpy()

    def score(self, samples: np.ndarray) -> dict:
        return score_digits(self.classifier, samples, self.real_features).as_dict()


class FaceScorer:
    def score(self, samples: np.ndarray) -> dict:
        return score_faces(samples)
