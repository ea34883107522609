"""Telling the grading machine's failures from the student's own: what "did not run on the grader" lists."""
from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from autograder.execution import environment
from autograder.execution.cells import plan_cell
from autograder.execution.environment import did_not_run_on_grader, machine_cause
from autograder.execution.limits import SandboxLimits
from autograder.execution.module_plan import plan_module
from autograder.execution.records import (
    CellRecord,
    ErrorInfo,
    ExecutionResult,
    ModuleStatementRecord,
    StatementRecord,
)

OWN = frozenset({"cs231n"})

COLAB_CELL = """\
from google.colab import drive
drive.mount('/content/drive')
%cd /content/drive/MyDrive/cs231n/assignments/assignment3
!bash get_datasets.sh
files = !ls
print(files)
G = make_generator().cuda()
G.apply(init)
dataset = torchvision.datasets.MNIST('MNIST_data', download=True)
data = np.load('/content/drive/MyDrive/celeba.npy')
x = undefined_by_the_student + 1
losses = run_a_gan(D, G)
plot(losses)
"""
ERRORS = {
    1: ErrorInfo("ModuleNotFoundError", "No module named 'google'"),
    2: ErrorInfo("NameError", "name 'drive' is not defined"),
    6: ErrorInfo("NameError", "name 'files' is not defined"),
    7: ErrorInfo("AssertionError", "Torch not compiled with CUDA enabled"),
    8: ErrorInfo("NameError", "name 'G' is not defined"),
    9: ErrorInfo("RuntimeError", "Error downloading train-images-idx3-ubyte.gz"),
    10: ErrorInfo("FileNotFoundError", "[Errno 2] No such file or directory: '/content/drive/MyDrive/celeba.npy'"),
    11: ErrorInfo("NameError", "name 'undefined_by_the_student' is not defined"),
    13: ErrorInfo("NameError", "name 'losses' is not defined"),
}


def run_of(cell_source: str, errors: dict[int, ErrorInfo], modules: list[ModuleStatementRecord] = ()) -> ExecutionResult:
    """A run in which the statement starting on each line of `errors` raised it and the rest ran."""
    records = []
    for statement in plan_cell(cell_source, 0, ["run_a_gan"]):
        if not statement.runs:
            records.append(StatementRecord(statement, "skipped", reason=statement.skip_reason or ""))
        elif statement.first_line in errors:
            records.append(StatementRecord(statement, "error", error=errors[statement.first_line]))
        else:
            records.append(StatementRecord(statement, "ok"))
    return ExecutionResult([CellRecord(0, records)], {}, [], True, SandboxLimits(), modules=list(modules))


def test_a_colab_notebook_is_told_apart_from_its_own_errors():
    listed, failed = did_not_run_on_grader(run_of(COLAB_CELL, ERRORS), [])
    where = {entry.where: entry for entry in listed}
    assert list(where) == [f"cell 1, line {n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13)]
    assert "Colab" in where["cell 1, line 1"].why
    assert "drive would have come from cell 1, line 1" in where["cell 1, line 2"].why
    assert where["cell 1, line 3"].code == "%cd /content/drive/MyDrive/cs231n/assignments/assignment3"
    assert where["cell 1, line 3"].what == "skipped" and where["cell 1, line 4"].code == "!bash get_datasets.sh"
    assert "cell 1, line 5" in where["cell 1, line 6"].why     # what a skipped shell command would have returned
    assert "GPU" in where["cell 1, line 7"].why and "cell 1, line 7" in where["cell 1, line 8"].why
    assert "network" in where["cell 1, line 9"].why and "files" in where["cell 1, line 10"].why
    assert "training is not re-run" in where["cell 1, line 13"].why
    assert "cell 1, line 11" not in where        # the student's own NameError is theirs
    assert "0.6" in failed and "0.10" not in failed and "0.2" not in failed   # skipped ones did not fail


def test_a_name_defined_again_is_no_longer_lost():
    source = "from google.colab import drive\ndrive = None\ndrive.mount('x')\n"
    errors = {1: ErrorInfo("ModuleNotFoundError", "No module named 'google'"),
              3: ErrorInfo("NameError", "name 'drive' is not defined")}
    listed, _ = did_not_run_on_grader(run_of(source, errors), [])
    assert [entry.where for entry in listed] == ["cell 1, line 1"]


def test_a_missing_module_of_the_submission_is_the_students():
    source = "from cs231n.gan_pytorch import *\nfrom helpers import thing\nimport torchsummary\n"
    errors = {1: ErrorInfo("ModuleNotFoundError", "No module named 'cs231n'"),
              2: ErrorInfo("ImportError", "cannot import name 'thing' from 'helpers' (helpers.py)"),
              3: ErrorInfo("ModuleNotFoundError", "No module named 'torchsummary'")}
    listed, _ = did_not_run_on_grader(run_of(source, errors), ["helpers.py"])
    assert [entry.where for entry in listed] == ["cell 1, line 3"]
    assert "torchsummary is not installed" in listed[0].why


def test_module_statements_come_first_and_bind_names():
    module = plan_module("import torchvision_missing as tv\nT = tv.transforms\n", "cs231n/gan_pytorch.py", [])
    records = [ModuleStatementRecord(module[0], "error", ErrorInfo("ModuleNotFoundError", "No module named 'torchvision_missing'")),
               ModuleStatementRecord(module[1], "error", ErrorInfo("NameError", "name 'tv' is not defined"))]
    listed, failed = did_not_run_on_grader(run_of("x = 1\n", {}, records), ["cs231n/gan_pytorch.py"])
    assert [entry.where for entry in listed] == ["cs231n/gan_pytorch.py, line 1", "cs231n/gan_pytorch.py, line 2"]
    assert failed == {"cs231n/gan_pytorch.py:0", "cs231n/gan_pytorch.py:1"}


STUDENT_ERRORS = st.sampled_from(["ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
                                  "AttributeError", "RuntimeError", "AssertionError", "NameError"])


@given(STUDENT_ERRORS, st.text(alphabet=string.ascii_letters + string.digits + " ,.()'_-", max_size=80))
def test_an_ordinary_error_is_never_the_machines(kind, message):
    # Only messages that quote one of the machine's own phrases (network, GPU, files) make an error the machine's.
    machine_phrases = environment.NETWORK_WORDS + environment.CUDA_WORDS + environment.FILE_WORDS
    assert machine_cause(ErrorInfo(kind, message), {}, OWN) is None or any(
        phrase in message for phrase in machine_phrases)
