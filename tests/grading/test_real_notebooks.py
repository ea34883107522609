"""A submission written on Colab grades on its code alone: the same verdicts as the same code without Colab.

The 2020+ CS231n layout (a notebook plus `cs231n/gan_pytorch.py`) as a
student hands it in: the module starts with the course's own imports,
torchvision among them; the notebook mounts Drive, changes folder into it,
runs the course's dataset script, downloads MNIST through torchvision and
asks for the GPU's name; the notebook sits in a sub-folder of the zip with
`cs231n/` at the zip's root. Graded beside the same code without any of
that, every item gets the same verdict and score.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch.grade import BatchSettings, grade_paths
from autograder.cli import main
from autograder.execution.limits import SandboxLimits
from autograder.grading import GradeOptions
from autograder.packs import get_pack
from autograder.training_setup import TrainingOptions

PACK = get_pack("cs231n_gan")
PLAIN_ZIP = PACK.folder / "samples" / "valid" / "layout_2020_zip.zip"
OPTIONS = GradeOptions(limits=SandboxLimits(threads=1), training=TrainingOptions(device="cpu", steps=0))

COURSE_IMPORTS = """\
import numpy as np

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as T
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler
import torchvision.datasets as dset
import PIL

"""
COLAB_SETUP = """\
from google.colab import drive
drive.mount('/content/drive', force_remount=True)

FOLDERNAME = 'cs231n/assignments/assignment3/'
assert FOLDERNAME is not None, "[!] Enter the foldername."

import sys
sys.path.append('/content/drive/My Drive/{}'.format(FOLDERNAME))

%cd /content/drive/My\\ Drive/$FOLDERNAME/cs231n/datasets/
!bash get_datasets.sh
%cd /content/drive/My\\ Drive/$FOLDERNAME
%load_ext autoreload
%autoreload 2
"""
TORCHVISION_DATA = """\
import torch
import torchvision.datasets as dset
import torchvision.transforms as T
from torch.utils.data import DataLoader, sampler

pytestmark = pytest.mark.slow

NUM_TRAIN = 3000
mnist_train = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True, transform=T.ToTensor())
loader_train = DataLoader(mnist_train, batch_size=128, sampler=sampler.SubsetRandomSampler(range(NUM_TRAIN)))
first_batch = next(iter(loader_train))[0]
print(torch.cuda.get_device_name(0))
"""


def colab_variant(plain: Path, target: Path) -> Path:
    """The plain sample with the Colab lines added, the notebook moved into assignment3/."""
    with zipfile.ZipFile(plain) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    notebook_name = next(name for name in members if name.endswith(".ipynb"))
    notebook = nbformat.reads(members.pop(notebook_name).decode(), as_version=4)
    imports = next(i for i, cell in enumerate(notebook.cells) if "from cs231n.gan_pytorch import" in cell.source)
    notebook.cells.insert(imports + 1, nbformat.v4.new_code_cell(TORCHVISION_DATA))
    notebook.cells.insert(imports, nbformat.v4.new_code_cell(COLAB_SETUP))
    members["assignment3/" + notebook_name] = nbformat.writes(notebook).encode()
    members["cs231n/gan_pytorch.py"] = COURSE_IMPORTS.encode() + members["cs231n/gan_pytorch.py"]
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("class")
    plain = folder / "plain.zip"
    plain.write_bytes(PLAIN_ZIP.read_bytes())
    colab = colab_variant(PLAIN_ZIP, folder / "colab.zip")
    out = tmp_path_factory.mktemp("out")
    outcome = grade_paths([plain, colab], PACK.id, out, OPTIONS, BatchSettings(workers=2), stream=io.StringIO())
    assert outcome.not_graded == 0
    return out, colab


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


@pytest.mark.sandbox
def test_colab_lines_cost_nothing(graded):
    out, _ = graded
    plain, colab = results(out, "plain"), results(out, "colab")
    assert [(t["name"], t["status"], t["score"]) for t in colab["tests"]] == \
           [(t["name"], t["status"], t["score"]) for t in plain["tests"]]
    assert colab["score"] == plain["score"]
    assert all(t["status"] == "passed" for t in colab["tests"] if t["name"] != "training")   # switched off here


@pytest.mark.sandbox
def test_what_did_not_run_is_listed_apart_from_the_students_errors(graded):
    out, _ = graded
    record = results(out, "colab")["extra_data"]["gangrade"]["execution"]
    listed = {entry["code"]: entry for entry in record["did_not_run_on_grader"]}
    assert "from google.colab import drive" in listed and "drive.mount('/content/drive', force_remount=True)" in listed
    assert "!bash get_datasets.sh" in listed and "%cd /content/drive/My\\ Drive/$FOLDERNAME" in listed
    assert "GPU" in listed["print(torch.cuda.get_device_name(0))"]["why"]
    # torchvision imports, and MNIST is there without a download: neither is listed
    assert not any("torchvision" in code or "MNIST" in code or "first_batch" in code for code in listed)
    assert record["module_statements"] == []
    output = results(out, "colab")["output"]
    assert output.index("Did not run on the grader") < output.index("drive.mount")
    page = (out / "colab" / "feedback.html").read_text()
    assert 'id="not-run"' in page and "drive.mount" in page
    assert 'id="not-run"' not in (out / "plain" / "feedback.html").read_text()


@pytest.mark.sandbox
def test_gangrade_check_shows_the_same_on_a_students_machine(graded, capsys):
    _, colab = graded
    assert main(["check", str(colab), "--assignment", PACK.id]) == 0
    printed = capsys.readouterr().out
    assert "FAILED" not in printed and "passed" in printed
    assert "did not run here" in printed and "drive.mount" in printed
