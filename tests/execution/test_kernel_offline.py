"""The course's own data cells in the kernel: torchvision imports, and its MNIST comes from the staged digits.

Most scenarios run in a child Python process with the hooks installed, as
the driver installs them in a kernel (they change `sys.meta_path`); the
last runs a data cell in the sandbox itself.
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.data.mnist import load_bundled, read_idx
from autograder.execution import staged_data
from autograder.execution.probes_protocol import Probe
from autograder.execution.runner import run_submission
from autograder.execution.sandbox import SandboxLimits

CHILD = textwrap.dedent('''\
    import json, os, sys
    from autograder.execution import kernel_offline
    staged, scratch, root = sys.argv[1:4]
    kernel_offline.install(os.path.join(staged, "MNIST_data"), scratch)
    import torchvision
    import torchvision.transforms as T
    import torchvision.datasets as dset
    from torchvision.utils import make_grid
    seen = {"version": torchvision.__version__}
    train = dset.MNIST(root, train=True, download=True, transform=T.ToTensor())
    image, label = train[0]
    seen["train"] = [len(train), list(image.shape), float(image.max()), int(label), train.root]
    seen["test"] = len(dset.MNIST(root, train=False, download=False))
    seen["grid"] = list(make_grid(image[None].repeat(4, 1, 1, 1)).shape)
    try:
        dset.FashionMNIST(root, download=False)
        seen["fashion"] = "served"
    except RuntimeError as exc:
        seen["fashion"] = str(exc)
    print(json.dumps(seen))
    ''')


def run_child(staged: Path, scratch: Path, root: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(staged), str(scratch), root], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("staged")
    staged_data.stage(folder, ())
    return folder


def test_torchvision_mnist_is_the_staged_digits_without_a_download(staged, tmp_path):
    root = tmp_path / "cs231n" / "datasets" / "MNIST_data"
    seen = run_child(staged, tmp_path / "scratch", str(root))
    bundled = load_bundled()
    assert seen["train"][:2] == [len(bundled.train.labels), [1, 28, 28]]
    assert seen["train"][3] == int(bundled.train.labels[0]) and seen["train"][4] == str(root)
    assert seen["test"] == len(bundled.heldout.labels)
    assert seen["grid"][0] == 3
    raw = root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    assert np.array_equal(read_idx(raw, "images"), bundled.train.images)
    assert "Dataset not found" in seen["fashion"]      # other data sets are not faked


def test_an_unwritable_root_is_served_from_the_scratch_folder(staged, tmp_path):
    seen = run_child(staged, tmp_path / "scratch", "/proc/not-writable/MNIST_data")
    assert seen["train"][0] == len(load_bundled().train.labels)
    assert seen["train"][4].startswith(str(tmp_path / "scratch"))


def test_the_staged_files_are_the_labs_idx_layout(staged):
    names = sorted(path.name for path in (staged / staged_data.MNIST_FOLDER).iterdir())
    assert names == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                     "train-labels-idx1-ubyte.gz"]
    with gzip.open(staged / staged_data.MNIST_FOLDER / "train-labels-idx1-ubyte.gz") as handle:
        assert handle.read(4) == b"\x00\x00\x08\x01"
    assert not (staged / staged_data.CELEBA_FOLDER).exists()


def test_celeba_is_staged_as_jpegs_of_celebas_size(tmp_path):
    from PIL import Image

    staged_data.stage(tmp_path, ("celeba",))
    faces = sorted((tmp_path / staged_data.CELEBA_FOLDER).glob("*.jpg"))
    assert [face.name for face in faces[:2]] == ["000001.jpg", "000002.jpg"] and len(faces) == staged_data.CELEBA_COUNT
    with Image.open(faces[0]) as image:
        assert image.size == staged_data.CELEBA_SIZE and image.mode == "RGB"
    beside = sorted((tmp_path / "celeba" / staged_data.CELEBA_FOLDER).glob("*.jpg"))   # for ImageFolder("celeba")
    assert [face.read_bytes() for face in beside] == [face.read_bytes() for face in faces]


# ------------------------------------------------------------------ in the sandbox

@pytest.mark.sandbox
def test_a_data_cell_of_the_course_runs_in_the_sandbox_with_loader_workers():
    """torchvision's MNIST from the staged digits, iterated by a DataLoader with worker processes (/dev/shm)."""
    notebook = new_notebook(cells=[new_code_cell(
        "import torch, torchvision.datasets as dset, torchvision.transforms as T\n"
        "from torch.utils.data import DataLoader\n"
        "train = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True, transform=T.ToTensor())\n"
        "loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=2)\n"
        "images, labels = next(iter(loader))\n"
        "SHAPE = list(images.shape)\n")])
    result = run_submission(notebook, probes=[Probe("shape", "info['shape'] = SHAPE")],
                            limits=SandboxLimits(threads=1, wall_s=120), datasets=("mnist",))
    assert [r.status for r in result.statements()] == ["ok"] * 6, [str(r.error) for r in result.statements()]
    assert result.probes["shape"].info == {"shape": [64, 1, 28, 28]}
