"""MNIST in the standard IDX format: reading, writing and choosing which copy to use.

The grader needs MNIST for two things: real digits to train students' GANs on
briefly, and labelled digits to train and check the scoring classifier. It
reads the four files LeCun's site distributed (`train-images-idx3-ubyte[.gz]`
and friends) from a folder the user names, or from `GANGRADE_DATA`; with
neither it uses the 5,000-digit subset of real MNIST bundled in
`autograder/data/bundled/` (see NOTICE.md there), so nothing is ever
downloaded.

IDX layout (big-endian): a 4-byte magic number -- two zero bytes, a data-type
code (0x08 = unsigned byte) and the number of dimensions -- then one 4-byte
size per dimension, then the values. Images are 0x00000803 (N, 28, 28) and
labels 0x00000801 (N,).
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from autograder.errors import DataError

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
DIGIT_SIDE = 28
NUM_CLASSES = 10

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
BUNDLED_IMAGES = BUNDLED_DIR / "mnist5k-images-idx3-ubyte.gz"
BUNDLED_LABELS = BUNDLED_DIR / "mnist5k-labels-idx1-ubyte.gz"
BUNDLED_SOURCE = "bundled 5,000-digit subset"

_GZIP_SIGNATURE = b"\x1f\x8b"
_UNSIGNED_BYTE = 0x08
_IDX_TYPE_NAMES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
                   0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}
_KIND_OF_MAGIC = {IMAGE_MAGIC: "images", LABEL_MAGIC: "labels"}
_MAGIC_OF_KIND = {"images": IMAGE_MAGIC, "labels": LABEL_MAGIC}

IdxKind = Literal["images", "labels"]


# --------------------------------------------------------------------------
# IDX files


def _file_bytes(path: Path) -> bytes:
    """The file's contents, decompressed when its name ends in .gz."""
    if not path.exists():
        raise DataError(path, "file not found")
    if not path.is_file():
        raise DataError(path, "not a file")
    raw = path.read_bytes()
    if not raw:
        raise DataError(path, "empty file (0 bytes)")
    if path.suffix != ".gz":
        if raw.startswith(_GZIP_SIGNATURE):
            raise DataError(path, "file is gzip-compressed but its name does not end in .gz; "
                                  "rename it to end in .gz or decompress it")
        return raw
    if not raw.startswith(_GZIP_SIGNATURE):
        raise DataError(path, "not gzip data: the name ends in .gz but the file does not start "
                              "with the gzip signature 1f 8b (was it already decompressed? "
                              "then drop the .gz from its name)")
    try:
        data = gzip.decompress(raw)
    except EOFError:
        raise DataError(path, "corrupt gzip data: the compressed stream ends early "
                              "(incomplete download?)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise DataError(path, f"corrupt gzip data: {error}") from None
    if not data:
        raise DataError(path, "empty file (0 bytes after decompression)")
    return data


def read_idx(path: str | Path, expect: IdxKind | None = None) -> np.ndarray:
    """Read an MNIST IDX file (plain or .gz).

    Returns uint8 images (N, 28, 28) or uint8 labels (N,). `expect` names the
    kind the caller needs; without it either kind is accepted. Every problem
    with the file raises DataError naming the file and what is wrong.
    """
    path = Path(path)
    data = _file_bytes(path)
    if len(data) < 4:
        raise DataError(path, f"truncated: {len(data)} bytes, too short for the 4-byte "
                              "IDX magic number")
    (magic,) = struct.unpack(">I", data[:4])
    if expect is not None and magic != _MAGIC_OF_KIND[expect]:
        found = {IMAGE_MAGIC: ", which marks an image file",
                 LABEL_MAGIC: ", which marks a label file"}.get(magic, "")
        raise DataError(path, f"wrong magic number 0x{magic:08X}{found} "
                              f"(expected 0x{_MAGIC_OF_KIND[expect]:08X} for "
                              f"{'an image' if expect == 'images' else 'a label'} file)")
    if magic not in _KIND_OF_MAGIC:
        if magic >> 16 == 0 and (magic >> 8) & 0xFF != _UNSIGNED_BYTE:
            code = (magic >> 8) & 0xFF
            type_name = _IDX_TYPE_NAMES.get(code, "unknown type")
            raise DataError(path, f"IDX data type 0x{code:02X} ({type_name}) is not supported; "
                                  "MNIST files hold unsigned bytes (0x08)")
        raise DataError(path, f"wrong magic number 0x{magic:08X} (expected 0x{IMAGE_MAGIC:08X} "
                              f"for an image file or 0x{LABEL_MAGIC:08X} for a label file)")

    kind = _KIND_OF_MAGIC[magic]
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(path, f"truncated: {len(data)} bytes, too short for the "
                              f"{header_size}-byte header of an IDX {kind} file")
    dims = struct.unpack(f">{ndim}I", data[4:header_size])
    if kind == "images" and dims[1:] != (DIGIT_SIDE, DIGIT_SIDE):
        raise DataError(path, f"images are {dims[1]}x{dims[2]}; expected "
                              f"{DIGIT_SIDE}x{DIGIT_SIDE} MNIST digits")

    count = dims[0]
    expected_size = int(np.prod(dims, dtype=np.int64))
    payload_size = len(data) - header_size
    what = (f"{count} images of {DIGIT_SIDE}x{DIGIT_SIDE}" if kind == "images"
            else f"{count} labels")
    unit = "bytes of pixels" if kind == "images" else "bytes of labels"
    if payload_size < expected_size:
        raise DataError(path, f"truncated: header says {what} but file holds {payload_size} "
                              f"{unit} (expected {expected_size})")
    if payload_size > expected_size:
        raise DataError(path, f"trailing garbage: header says {what} ({expected_size} {unit}) "
                              f"but {payload_size - expected_size} more bytes follow them")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims).copy()


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write uint8 images (N, 28, 28) or labels (N,) as IDX; gzip when the name ends in .gz."""
    path = Path(path)
    path.write_bytes(idx_bytes(array, gzipped=path.suffix == ".gz"))


def idx_bytes(array: np.ndarray, gzipped: bool = False) -> bytes:
    """uint8 images (N, 28, 28) or labels (N,) as the bytes of an IDX file.

    A gzip header's timestamp is 0, so the same array always gives the same bytes.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"write_idx needs a uint8 array, got {array.dtype}")
    if array.ndim == 3 and array.shape[1:] == (DIGIT_SIDE, DIGIT_SIDE):
        magic = IMAGE_MAGIC
    elif array.ndim == 1:
        magic = LABEL_MAGIC
    else:
        raise ValueError(f"write_idx writes images (N, 28, 28) or labels (N,), "
                         f"got shape {array.shape}")
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    data = header + np.ascontiguousarray(array).tobytes()
    return gzip.compress(data, compresslevel=9, mtime=0) if gzipped else data


# --------------------------------------------------------------------------
# Splits


@dataclass(frozen=True)
class MnistSplit:
    """Digits and their labels: images uint8 (N, 28, 28) in 0..255, labels int64 (N,)."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.shape[1:] != (DIGIT_SIDE, DIGIT_SIDE):
            raise ValueError(f"images must be uint8 (N, 28, 28), got {self.images.dtype} "
                             f"{self.images.shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != self.images.shape[:1]:
            raise ValueError(f"labels must be int64 ({len(self.images)},), got "
                             f"{self.labels.dtype} {self.labels.shape}")

    def __len__(self) -> int:
        return len(self.labels)

    def as_unit_float(self) -> torch.Tensor:
        """Images as float32 (N, 1, 28, 28) in [0, 1]."""
        return torch.from_numpy(self.images).float().div_(255.0).unsqueeze(1)

    def as_flat_unit(self) -> torch.Tensor:
        """Images as float32 (N, 784) in [0, 1]."""
        return self.as_unit_float().reshape(len(self), DIGIT_SIDE * DIGIT_SIDE)

    def subset(self, indices: np.ndarray) -> MnistSplit:
        return MnistSplit(self.images[indices], self.labels[indices])


@dataclass(frozen=True)
class MnistData:
    """A training split, a held-out split, and where they came from."""

    train: MnistSplit
    heldout: MnistSplit
    source: str


def stratified_split(labels: np.ndarray, heldout_numerator: int,
                     heldout_denominator: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held-out): the last numerator/denominator of each class, in file order.

    Deterministic (no randomness at all) and class-balanced; both index
    arrays come back in ascending order.
    """
    heldout_mask = np.zeros(len(labels), dtype=bool)
    for digit in np.unique(labels):
        members = np.flatnonzero(labels == digit)
        n_heldout = len(members) * heldout_numerator // heldout_denominator
        if n_heldout:
            heldout_mask[members[-n_heldout:]] = True
    return np.flatnonzero(~heldout_mask), np.flatnonzero(heldout_mask)


# --------------------------------------------------------------------------
# Loading


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_pair(images_path: Path, labels_path: Path) -> MnistSplit:
    images = read_idx(images_path, expect="images")
    labels = read_idx(labels_path, expect="labels")
    if len(images) != len(labels):
        raise DataError(labels_path, f"holds {len(labels)} labels but {images_path.name} "
                                     f"holds {len(images)} images; they must match")
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if len(bad):
        raise DataError(labels_path, f"label {labels[bad[0]]} at index {bad[0]} is not a "
                                     f"digit 0..9")
    return MnistSplit(images, labels.astype(np.int64))


def _mnist_folder(folder: Path) -> Path:
    """The folder that holds the IDX files: the named one, or torchvision's MNIST/raw inside it."""
    if not folder.exists():
        raise DataError(folder, "no such folder (named as the MNIST data folder)")
    if not folder.is_dir():
        raise DataError(folder, "not a folder; name the folder that holds "
                                "train-images-idx3-ubyte[.gz]")
    torchvision_layout = folder / "MNIST" / "raw"
    if _find_idx(folder, "train-images-idx3-ubyte") is None and torchvision_layout.is_dir():
        return torchvision_layout
    return folder


def _load_folder(folder: Path) -> MnistData:
    folder = _mnist_folder(folder)
    train_images = _find_idx(folder, "train-images-idx3-ubyte")
    train_labels = _find_idx(folder, "train-labels-idx1-ubyte")
    missing = [name for name, found in (("train-images-idx3-ubyte[.gz]", train_images),
                                        ("train-labels-idx1-ubyte[.gz]", train_labels))
               if found is None]
    if missing:
        raise DataError(folder, f"no {' or '.join(missing)} in this folder (an MNIST folder "
                                "holds train-images-idx3-ubyte[.gz] and "
                                "train-labels-idx1-ubyte[.gz], optionally t10k-* too)")
    train = _read_pair(train_images, train_labels)

    test_images = _find_idx(folder, "t10k-images-idx3-ubyte")
    test_labels = _find_idx(folder, "t10k-labels-idx1-ubyte")
    if (test_images is None) != (test_labels is None):
        lacking = "t10k-labels-idx1-ubyte[.gz]" if test_labels is None else \
            "t10k-images-idx3-ubyte[.gz]"
        raise DataError(folder, f"has one t10k file but no {lacking}; supply both or neither")
    if test_images is not None and test_labels is not None:
        return MnistData(train, _read_pair(test_images, test_labels), str(folder))
    # No test files: hold out the last sixth of each class, as 10k of 60k would be.
    train_index, heldout_index = stratified_split(train.labels, 1, 6)
    return MnistData(train.subset(train_index), train.subset(heldout_index), str(folder))


def load_bundled() -> MnistData:
    """The bundled 5,000 real digits: 400 per class to train, 100 per class held out."""
    digits = _read_pair(BUNDLED_IMAGES, BUNDLED_LABELS)
    train_index, heldout_index = stratified_split(digits.labels, 1, 5)
    return MnistData(digits.subset(train_index), digits.subset(heldout_index), BUNDLED_SOURCE)


def load_mnist(folder: str | Path | None = None) -> MnistData:
    """MNIST from `folder`, else from $GANGRADE_DATA, else the bundled subset.

    A folder that was named but does not hold the IDX files is an error: the
    grader never silently swaps in the small bundled set for the data the
    user asked for.
    """
    if folder is None:
        folder = os.environ.get("GANGRADE_DATA") or None
    if folder is None:
        return load_bundled()
    return _load_folder(Path(folder))
