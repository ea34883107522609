"""A submission's helper modules: planned like cells, and run statement by statement when imported.

The import hook is exercised in a child Python process (it changes
`sys.meta_path`), on a folder laid out as the kernel's working folder is.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from autograder.execution.cells import as_written
from autograder.execution.module_plan import plan_module, plan_modules

COURSE_MODULE = textwrap.dedent('''\
    """The course's module: everything imported first."""
    from __future__ import annotations
    import torch_not_here
    import torchvision_not_here.transforms as T
    from google.colab import drive

    NOISE_DIM = 96
    dtype = torch_not_here.cuda.FloatTensor


    def leaky_relu(x, alpha: NotDefinedAnywhere = 0.01):
        return max(x, alpha * x)

    def broken(:
        pass

    def sample_noise(n):
        return [0.5] * n

    run_a_gan(1, 2)
    ''')


def test_a_module_is_split_into_its_top_level_statements():
    statements = plan_module(COURSE_MODULE, "cs231n/gan_pytorch.py", ["run_a_gan"])
    firsts = [s.first_line for s in statements]
    assert firsts == [1, 2, 3, 4, 5, 7, 8, 11, 14, 17, 20]
    assert [s.defines for s in statements[2:6]] == [("torch_not_here",), ("T",), ("drive",), ("NOISE_DIM",)]
    broken = statements[8]
    assert broken.syntax_error and not broken.runs and broken.where() == "cs231n/gan_pytorch.py, lines 14-16"
    assert statements[9].defines == ("sample_noise",) and statements[9].runs   # the chunk after the bad one
    assert statements[10].skip_reason and "run_a_gan" in statements[10].skip_reason
    assert statements[7].id == "cs231n/gan_pytorch.py:7"


def test_only_python_files_are_planned_and_bytes_are_decoded():
    plans = plan_modules({"a.py": b"\xef\xbb\xbfx = 1\n", "notes.txt": "x", "pkg/b.py": "y = 'caf\u00e9'\n"}, [])
    assert list(plans) == ["a.py", "pkg/b.py"]
    assert plans["a.py"][0].code == "x = 1"


def test_a_magic_is_shown_as_the_student_wrote_it():
    assert as_written("get_ipython().run_line_magic('cd', '/content/drive/MyDrive')") == "%cd /content/drive/MyDrive"
    assert as_written("get_ipython().system('pip install -q torchsummary')") == "!pip install -q torchsummary"
    assert as_written("x = f(1)") == "x = f(1)"


# ------------------------------------------------------------------ the import hook, in a child process

CHILD = textwrap.dedent('''\
    import importlib, json, sys
    from autograder.execution import kernel_imports
    from autograder.execution.module_plan import plan_modules
    root, files = sys.argv[1], json.loads(sys.argv[2])
    plans = plan_modules(files, ["run_a_gan"])
    kernel_imports.install(root, json.dumps({name: [{"index": s.index, "code": s.padded_code(), "runs": s.runs}
                                                      for s in statements] for name, statements in plans.items()}))
    sys.path.insert(0, root)
    from cs231n.gan_pytorch import leaky_relu, sample_noise, NOISE_DIM
    import cs231n.gan_pytorch as module
    first = json.loads(kernel_imports.take_events())
    importlib.reload(module)
    again = json.loads(kernel_imports.take_events())
    import json as not_planned
    print(json.dumps({"leaky": leaky_relu(-2.0), "noise": sample_noise(2), "dim": NOISE_DIM,
                      "annotations": leaky_relu.__annotations__, "events": first, "reloaded": again,
                      "json_is_stdlib": not_planned.__file__.endswith("json/__init__.py")}))
    ''')


def run_child(tmp_path: Path, files: dict[str, str]) -> dict:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path), json.dumps(files)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_failing_top_level_statements_leave_the_definitions_after_them(tmp_path):
    seen = run_child(tmp_path, {"cs231n/__init__.py": "", "cs231n/gan_pytorch.py": COURSE_MODULE})
    assert seen["leaky"] == -0.02 and seen["noise"] == [0.5, 0.5] and seen["dim"] == 96
    # Without the __future__ import carried to later statements, the annotation would raise NameError.
    assert seen["annotations"] == {"alpha": "NotDefinedAnywhere"}
    failed = [(e["module"], e["index"], e["error"]["type"]) for e in seen["events"] if "index" in e]
    assert failed == [("cs231n/gan_pytorch.py", 2, "ModuleNotFoundError"),
                      ("cs231n/gan_pytorch.py", 3, "ModuleNotFoundError"),
                      ("cs231n/gan_pytorch.py", 4, "ModuleNotFoundError"),
                      ("cs231n/gan_pytorch.py", 6, "NameError")]
    imported = [e["module"] for e in seen["events"] if e.get("imported")]
    assert imported == ["cs231n/__init__.py", "cs231n/gan_pytorch.py"]
    assert "line 3" in next(e for e in seen["events"] if e.get("index") == 2)["error"]["traceback"]
    assert len([e for e in seen["reloaded"] if "index" in e]) == 4   # a reload runs the same way
    assert seen["json_is_stdlib"]


def test_a_module_that_imports_cleanly_records_nothing_but_its_import(tmp_path):
    seen = run_child(tmp_path, {"cs231n/__init__.py": "",
                                "cs231n/gan_pytorch.py": "NOISE_DIM = 96\ndef leaky_relu(x):\n    return x\n"
                                                         "def sample_noise(n):\n    return [n]\n"})
    assert [e for e in seen["events"] if "index" in e] == []
    assert seen["dim"] == 96
