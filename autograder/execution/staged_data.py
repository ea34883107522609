"""The data a notebook's own data cells look for, staged in the kernel's folder (no network in the sandbox).

A notebook loads its data the course's way before it defines anything: the
2016-2017 labs read `MNIST_data/train-images-idx3-ubyte.gz`, later notebooks
call `torchvision.datasets.MNIST(root, download=True)`, the WGAN-GP lab
globs `img_align_celeba/*.jpg`. The grader does not train on what these
cells load (brief training brings its own data), but a data cell that fails
takes every statement that uses its result with it. So each job gets the
bundled grading data in those layouts:

- `MNIST_data/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`: the bundled
  digits' training and held-out splits, as IDX (torchvision's MNIST is
  served from the same files by `kernel_offline`);
- `img_align_celeba/000001.jpg ...` (packs trained on CelebA): generated
  face-like pictures at CelebA's 178x218, a stand-in and nothing more;
  the same under `celeba/img_align_celeba/`, the layout
  `torchvision.datasets.ImageFolder("celeba")` reads.

The bytes are made once per process; every job gets a copy.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np

MNIST_FOLDER = "MNIST_data"
CELEBA_FOLDER = "img_align_celeba"
CELEBA_SIZE = (178, 218)     # width, height of CelebA's aligned-and-cropped photos
CELEBA_COUNT = 32


@functools.lru_cache(maxsize=1)
def mnist_files() -> dict[str, bytes]:
    """The four IDX files of the bundled digits, gzipped (deterministic bytes)."""
    from autograder.data.mnist import idx_bytes, load_bundled

    data = load_bundled()
    arrays = {"train-images-idx3-ubyte.gz": data.train.images, "train-labels-idx1-ubyte.gz": data.train.labels,
              "t10k-images-idx3-ubyte.gz": data.heldout.images, "t10k-labels-idx1-ubyte.gz": data.heldout.labels}
    return {name: idx_bytes(np.asarray(array, dtype=np.uint8), gzipped=True) for name, array in arrays.items()}


@functools.lru_cache(maxsize=1)
def celeba_files() -> dict[str, bytes]:
    """JPEGs of generated faces, CelebA's size and naming."""
    from autograder.data.celeba import draw_face

    rng = np.random.default_rng(0)
    files = {}
    for index in range(1, CELEBA_COUNT + 1):
        face = draw_face(rng, canvas=2 * CELEBA_SIZE[0]).resize(CELEBA_SIZE)
        buffer = io.BytesIO()
        face.save(buffer, format="JPEG", quality=90)
        files[f"{index:06d}.jpg"] = buffer.getvalue()
    return files


STAGERS = {"mnist": ((MNIST_FOLDER,), mnist_files),
           "celeba": ((CELEBA_FOLDER, f"celeba/{CELEBA_FOLDER}"), celeba_files)}


def stage(folder: Path, datasets: tuple[str, ...]) -> None:
    """Write each named data set's files into `folder` (MNIST always: torchvision's MNIST is served from it)."""
    for name in dict.fromkeys(("mnist", *datasets)):
        subfolders, files = STAGERS[name]
        for subfolder in subfolders:
            target = folder / subfolder
            target.mkdir(parents=True, exist_ok=True)
            for filename, content in files().items():
                (target / filename).write_bytes(content)
