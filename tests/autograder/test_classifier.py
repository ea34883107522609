"""The scoring classifier: shapes, deterministic training, prediction helpers, weight files.

The full training (about 98.5% held-out accuracy) is too slow for the suite;
the committed weights are checked elsewhere. Here training runs a few steps.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from autograder.data.mnist import MnistSplit, load_bundled
from autograder.errors import FixtureError
from autograder.scoring.classifier import (
    MnistClassifier,
    accuracy,
    load_classifier,
    predict_features,
    predict_logits,
    random_affine,
    save_classifier,
    train_classifier,
)


@pytest.fixture(scope="module")
def bundled():
    return load_bundled()


@pytest.fixture(scope="module")
def small_train(bundled) -> MnistSplit:
    """30 digits of each class from the bundled training split."""
    keep = np.concatenate([np.flatnonzero(bundled.train.labels == digit)[:30]
                           for digit in range(10)])
    return bundled.train.subset(np.sort(keep))


def tiny_model(train: MnistSplit, seed: int = 0, threads: int = 1) -> MnistClassifier:
    # One thread by default: quick, and not slowed to a crawl when other work shares the CPU.
    return train_classifier(train, seed=seed, max_steps=3, batch_size=32, threads=threads)


def test_shapes():
    model = MnistClassifier().eval()
    digits = torch.rand(5, 1, 28, 28)
    features = model.features(digits)
    assert features.ndim == 2 and features.shape[0] == 5
    assert 64 <= features.shape[1] <= 128
    assert model(digits).shape == (5, 10)


@pytest.mark.parametrize("threads", [1, 2])
def test_tiny_training_is_deterministic(small_train, threads):
    first = tiny_model(small_train, seed=3, threads=threads).state_dict()
    second = tiny_model(small_train, seed=3, threads=threads).state_dict()
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_seed_matters(small_train):
    first = tiny_model(small_train, seed=3)
    other = tiny_model(small_train, seed=4)
    assert not torch.equal(first.state_dict()["fc.weight"], other.state_dict()["fc.weight"])
    assert not first.training


def test_training_leaves_global_state_alone(small_train):
    torch.manual_seed(123)
    rng_before = torch.get_rng_state()
    threads_before = torch.get_num_threads()
    train_classifier(small_train, max_steps=1, batch_size=8, threads=1)
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert torch.get_num_threads() == threads_before


def test_training_changes_the_weights_and_logs(small_train):
    lines: list[str] = []
    torch.manual_seed(0)  # the untrained model below starts from the seed's initialisation
    untrained = MnistClassifier()
    trained = train_classifier(small_train, seed=0, max_steps=3, batch_size=16, threads=1,
                               log=lines.append)
    assert not torch.equal(untrained.state_dict()["conv1.weight"],
                           trained.state_dict()["conv1.weight"])
    assert lines and "3/3" in lines[-1]


def test_a_short_run_learns_digits(bundled):
    # 40 steps of 64 digits (under one epoch): far better than the 10% of chance.
    model = train_classifier(bundled.train, seed=0, max_steps=40, batch_size=64, threads=1)
    assert accuracy(model, bundled.heldout) > 0.6


def test_save_and_load_round_trip(small_train, tmp_path):
    model = tiny_model(small_train)
    digits = small_train.as_unit_float()[:20]
    save_classifier(model, tmp_path / "a.safetensors")
    loaded = load_classifier(tmp_path / "a.safetensors")
    assert not loaded.training
    torch.testing.assert_close(predict_logits(loaded, digits), predict_logits(model, digits),
                               atol=0, rtol=0)
    # Same weights, same bytes: saving the loaded copy reproduces the file exactly.
    save_classifier(loaded, tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()


def test_load_missing_file(tmp_path):
    path = tmp_path / "classifier.safetensors"
    with pytest.raises(FixtureError) as info:
        load_classifier(path)
    assert str(info.value).startswith(f"{path}: ") and "not found" in str(info.value)


@pytest.mark.parametrize("content", [b"", b"not a safetensors file", b"\xff" * 8 + b"{}"])
def test_load_corrupt_file(tmp_path, content):
    path = tmp_path / "classifier.safetensors"
    path.write_bytes(content)
    with pytest.raises(FixtureError) as info:
        load_classifier(path)
    assert str(info.value).startswith(f"{path}: ")


def test_load_truncated_file(tmp_path):
    path = tmp_path / "classifier.safetensors"
    save_classifier(MnistClassifier(), path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(FixtureError, match="classifier.safetensors"):
        load_classifier(path)


def test_load_weights_of_another_network(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "classifier.safetensors"
    save_file({"fc.weight": torch.zeros(128, 3136), "something.else": torch.zeros(3)}, str(path))
    with pytest.raises(FixtureError, match="do not fit MnistClassifier"):
        load_classifier(path)


def test_predict_accepts_the_usual_digit_layouts(small_train):
    model = MnistClassifier().eval()
    images = small_train.images[:7]
    from_unit = predict_logits(model, small_train.as_unit_float()[:7])
    torch.testing.assert_close(predict_logits(model, images), from_unit)
    torch.testing.assert_close(predict_logits(model, small_train.as_flat_unit()[:7]), from_unit)
    assert predict_features(model, images).shape == (7, model.fc.out_features)
    # Batching does not change the answer.
    torch.testing.assert_close(predict_logits(model, images, batch_size=3), from_unit)


def test_predict_restores_training_mode(small_train):
    model = MnistClassifier().train()
    predict_logits(model, small_train.images[:2])
    assert model.training


class AlwaysSays(nn.Module):
    """A stand-in model that predicts one fixed digit for every image."""

    def __init__(self, digit: int):
        super().__init__()
        self.digit = digit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(torch.full((len(x),), self.digit), 10).float()


def test_accuracy_counts_correct_predictions():
    labels = np.array([3, 3, 1, 3, 0], dtype=np.int64)
    split = MnistSplit(np.zeros((5, 28, 28), dtype=np.uint8), labels)
    assert accuracy(AlwaysSays(3), split) == pytest.approx(3 / 5)
    assert accuracy(AlwaysSays(7), split) == 0.0


def test_affine_augmentation_with_no_range_is_the_identity(small_train):
    digits = small_train.as_unit_float()[:8]
    generator = torch.Generator().manual_seed(0)
    same = random_affine(digits, generator, max_degrees=0, max_zoom=0, max_shift=0)
    torch.testing.assert_close(same, digits, atol=1e-5, rtol=0)


def test_affine_augmentation_moves_digits_a_little(small_train):
    digits = small_train.as_unit_float()[:64]
    moved = random_affine(digits, torch.Generator().manual_seed(0))
    again = random_affine(digits, torch.Generator().manual_seed(0))
    assert moved.shape == digits.shape and torch.equal(moved, again)
    assert not torch.allclose(moved, digits)
    # Small moves keep the ink: a zoom within 10% scales its area by 0.81..1.21
    # (rotations and shifts keep it), so total brightness stays within about that.
    ratio = moved.sum(dim=(1, 2, 3)) / digits.sum(dim=(1, 2, 3))
    assert float(ratio.min()) > 0.75 and float(ratio.max()) < 1.3
