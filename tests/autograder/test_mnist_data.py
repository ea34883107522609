"""MNIST IDX reading/writing, the folder rules of load_mnist, and the bundled subset."""
from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.data.mnist import (
    BUNDLED_SOURCE,
    MnistSplit,
    load_mnist,
    read_idx,
    stratified_split,
    write_idx,
)
from autograder.errors import DataError


def random_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    return images, labels


def write_mnist_folder(folder: Path, train_count: int, test_count: int | None,
                       suffix: str = ".gz") -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = random_digits(train_count, seed=1)
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", labels)
    arrays = {"train_images": images, "train_labels": labels}
    if test_count is not None:
        test_images, test_labels = random_digits(test_count, seed=2)
        write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", test_images)
        write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", test_labels)
        arrays |= {"test_images": test_images, "test_labels": test_labels}
    return arrays


@contextmanager
def raises_data_error(path: Path, *fragments: str) -> Iterator[None]:
    """Expect a DataError about `path` whose message contains each fragment."""
    with pytest.raises(DataError) as info:
        yield
    message = str(info.value)
    assert info.value.path == path, message
    assert message.startswith(f"{path}: "), message
    for fragment in fragments:
        assert fragment in message, message


# --------------------------------------------------------------------------
# IDX round trip and format


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("count", [0, 1, 7])
def test_idx_round_trip(tmp_path, suffix, count):
    images, labels = random_digits(count, seed=count)
    write_idx(tmp_path / f"images{suffix}", images)
    write_idx(tmp_path / f"labels{suffix}", labels)
    read_images = read_idx(tmp_path / f"images{suffix}")
    read_labels = read_idx(tmp_path / f"labels{suffix}")
    assert read_images.dtype == np.uint8 and read_images.shape == (count, 28, 28)
    assert read_labels.dtype == np.uint8 and read_labels.shape == (count,)
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)


def test_written_file_follows_the_idx_layout(tmp_path):
    images, labels = random_digits(3)
    write_idx(tmp_path / "images", images)
    write_idx(tmp_path / "labels", labels)
    image_bytes = (tmp_path / "images").read_bytes()
    label_bytes = (tmp_path / "labels").read_bytes()
    # LeCun's format: 00 00 08 03, then big-endian sizes, then row-major pixels.
    assert image_bytes[:16] == bytes([0, 0, 8, 3]) + struct.pack(">III", 3, 28, 28)
    assert image_bytes[16:] == images.tobytes()
    assert label_bytes[:8] == bytes([0, 0, 8, 1]) + struct.pack(">I", 3)
    assert label_bytes[8:] == labels.tobytes()


def test_gzip_output_is_deterministic(tmp_path):
    images, _ = random_digits(5)
    write_idx(tmp_path / "a.gz", images)
    write_idx(tmp_path / "b.gz", images)
    first = (tmp_path / "a.gz").read_bytes()
    assert first == (tmp_path / "b.gz").read_bytes()
    assert first[4:8] == b"\0\0\0\0"  # gzip header MTIME field (RFC 1952)


# --------------------------------------------------------------------------
# Bad files


def test_truncated_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, random_digits(4)[0])
    path.write_bytes(path.read_bytes()[:16 + 1234])
    with raises_data_error(path, "truncated", "header says 4 images of 28x28",
                           "1234 bytes of pixels"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0]))
    with raises_data_error(path, "truncated"):
        read_idx(path)


def test_trailing_garbage(tmp_path):
    path = tmp_path / "labels"
    write_idx(path, random_digits(4)[1])
    path.write_bytes(path.read_bytes() + b"extra")
    with raises_data_error(path, "trailing garbage", "5 more bytes"):
        read_idx(path)


def test_label_file_where_images_expected(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, random_digits(4)[1])
    with raises_data_error(path, "wrong magic number 0x00000801",
                           "expected 0x00000803 for an image file"):
        read_idx(path, expect="images")


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "digits"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with raises_data_error(path, "wrong magic number 0x89504E47"):
        read_idx(path)


def test_unsupported_idx_data_type(tmp_path):
    path = tmp_path / "floats"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 2) + bytes(8))
    with raises_data_error(path, "0x0D", "float32"):
        read_idx(path)


def test_images_of_the_wrong_size(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">III", 1, 32, 32) + bytes(32 * 32))
    with raises_data_error(path, "32x32", "28x28"):
        read_idx(path)


def test_gz_name_without_gzip_data(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(tmp_path / "plain", random_digits(2)[0])
    path.write_bytes((tmp_path / "plain").read_bytes())
    with raises_data_error(path, "not gzip data"):
        read_idx(path)


def test_cut_off_gzip_stream(tmp_path):
    path = tmp_path / "images.gz"
    write_idx(path, random_digits(20)[0])
    path.write_bytes(path.read_bytes()[:500])
    with raises_data_error(path, "corrupt gzip data"):
        read_idx(path)


def test_gzip_data_under_a_plain_name(tmp_path):
    path = tmp_path / "images"
    write_idx(tmp_path / "images.gz", random_digits(2)[0])
    path.write_bytes((tmp_path / "images.gz").read_bytes())
    with raises_data_error(path, "gzip-compressed"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"")
    with raises_data_error(path, "empty file"):
        read_idx(path)


def test_empty_gzip_file(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(b"", mtime=0))
    with raises_data_error(path, "empty file"):
        read_idx(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere-idx1-ubyte"
    with raises_data_error(path, "not found"):
        read_idx(path)


# --------------------------------------------------------------------------
# Splits


def test_split_tensors():
    images, labels = random_digits(6)
    split = MnistSplit(images, labels.astype(np.int64))
    unit = split.as_unit_float()
    assert unit.dtype == torch.float32 and unit.shape == (6, 1, 28, 28)
    torch.testing.assert_close(unit[:, 0], torch.from_numpy(images.astype(np.float32) / 255))
    flat = split.as_flat_unit()
    assert flat.shape == (6, 784)
    torch.testing.assert_close(flat, unit.reshape(6, 784))
    assert 0.0 <= float(unit.min()) and float(unit.max()) <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=80), st.integers(1, 6))
def test_stratified_split_holds_out_the_tail_of_each_class(label_list, denominator):
    labels = np.array(label_list, dtype=np.int64)
    train_index, heldout_index = stratified_split(labels, 1, denominator)
    # A partition of all indices, each part in ascending order.
    assert sorted(np.concatenate([train_index, heldout_index]).tolist()) == list(range(len(labels)))
    assert np.all(np.diff(train_index) > 0) and np.all(np.diff(heldout_index) > 0)
    for digit in range(10):
        members = [i for i, label in enumerate(label_list) if label == digit]
        expected_heldout = members[len(members) - len(members) // denominator:]
        assert [i for i in heldout_index if labels[i] == digit] == expected_heldout


# --------------------------------------------------------------------------
# load_mnist


def test_folder_with_test_files(tmp_path):
    arrays = write_mnist_folder(tmp_path / "mnist", train_count=30, test_count=12)
    data = load_mnist(tmp_path / "mnist")
    np.testing.assert_array_equal(data.train.images, arrays["train_images"])
    np.testing.assert_array_equal(data.train.labels, arrays["train_labels"])
    np.testing.assert_array_equal(data.heldout.images, arrays["test_images"])
    np.testing.assert_array_equal(data.heldout.labels, arrays["test_labels"])
    assert data.train.labels.dtype == np.int64
    assert data.source == str(tmp_path / "mnist")


def test_folder_without_test_files_holds_out_a_sixth(tmp_path):
    arrays = write_mnist_folder(tmp_path, train_count=120, test_count=None, suffix="")
    data = load_mnist(tmp_path)
    # 12 per class (labels cycle 0..9): the last 2 of each class are held out.
    assert np.bincount(data.heldout.labels).tolist() == [2] * 10
    assert np.bincount(data.train.labels).tolist() == [10] * 10
    heldout_rows = {image.tobytes() for image in data.heldout.images}
    assert heldout_rows == {image.tobytes() for image in arrays["train_images"][100:]}


def test_torchvision_layout(tmp_path):
    arrays = write_mnist_folder(tmp_path / "MNIST" / "raw", train_count=10, test_count=10,
                                suffix="")
    data = load_mnist(tmp_path)
    np.testing.assert_array_equal(data.train.images, arrays["train_images"])


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    arrays = write_mnist_folder(tmp_path, train_count=20, test_count=10)
    monkeypatch.setenv("GANGRADE_DATA", str(tmp_path))
    data = load_mnist()
    np.testing.assert_array_equal(data.heldout.images, arrays["test_images"])
    assert data.source == str(tmp_path)


def test_image_and_label_counts_must_agree(tmp_path):
    images, labels = random_digits(10)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels[:9])
    with raises_data_error(tmp_path / "train-labels-idx1-ubyte.gz", "9 labels", "10 images"):
        load_mnist(tmp_path)


def test_labels_must_be_digits(tmp_path):
    images, labels = random_digits(10)
    labels[3] = 12
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    with raises_data_error(tmp_path / "train-labels-idx1-ubyte", "label 12 at index 3"):
        load_mnist(tmp_path)


def test_named_folder_without_mnist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("GANGRADE_DATA", raising=False)
    (tmp_path / "notes.txt").write_text("not digits")
    with raises_data_error(tmp_path, "train-images-idx3-ubyte[.gz]"):
        load_mnist(tmp_path)


def test_named_folder_with_only_images_is_an_error(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", random_digits(3)[0])
    with raises_data_error(tmp_path, "no train-labels-idx1-ubyte[.gz]"):
        load_mnist(tmp_path)


def test_one_t10k_file_alone_is_an_error(tmp_path):
    write_mnist_folder(tmp_path, train_count=10, test_count=None)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", random_digits(3)[0])
    with raises_data_error(tmp_path, "t10k-labels-idx1-ubyte[.gz]"):
        load_mnist(tmp_path)


def test_named_folder_that_does_not_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("GANGRADE_DATA", str(tmp_path / "missing"))
    with raises_data_error(tmp_path / "missing", "no such folder"):
        load_mnist()


def test_named_file_instead_of_folder(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(path, random_digits(3)[0])
    with raises_data_error(path, "not a folder"):
        load_mnist(path)


def test_bundled_subset_by_default(monkeypatch):
    monkeypatch.delenv("GANGRADE_DATA", raising=False)
    data = load_mnist()
    assert data.source == BUNDLED_SOURCE
    assert len(data.train) == 4000 and len(data.heldout) == 1000
    assert np.bincount(data.train.labels, minlength=10).tolist() == [400] * 10
    assert np.bincount(data.heldout.labels, minlength=10).tolist() == [100] * 10
    for split in (data.train, data.heldout):
        assert split.images.dtype == np.uint8 and split.images.shape[1:] == (28, 28)
        assert split.labels.dtype == np.int64
        assert split.images.max() == 255  # real digits use the full range
        # Every digit has ink on a mostly empty background.
        ink = (split.images > 0).mean(axis=(1, 2))
        assert np.all(ink > 0.02) and np.all(ink < 0.6)
    # The two splits share no digit.
    train_rows = {image.tobytes() for image in data.train.images}
    assert not any(image.tobytes() in train_rows for image in data.heldout.images)


def test_bundled_subset_is_deterministic(monkeypatch):
    monkeypatch.delenv("GANGRADE_DATA", raising=False)
    first, second = load_mnist(), load_mnist()
    np.testing.assert_array_equal(first.heldout.images, second.heldout.images)
    np.testing.assert_array_equal(first.train.labels, second.train.labels)
