"""Running small generated notebooks end to end: definitions, probes and every way a run can go wrong.

A kernel takes a second or two to start, so each scenario runs once per
module and several tests read its result.
"""
from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.execution import launcher
from autograder.execution.probes_protocol import Probe, read_probe_outputs, validate_probes
from autograder.execution.runner import run_submission
from autograder.execution.sandbox import UNPRIVILEGED_UID, SandboxLimits, SandboxSupport, detect_sandbox

SUPPORT = detect_sandbox()
SKIP = ["run_a_gan", "show_images", "plt.show"]
FAST = SandboxLimits(cell_timeout_s=2.0, interrupt_grace_s=3.0, output_per_cell_bytes=2000,
                     output_total_bytes=3000, wall_s=60)


def notebook(*sources: str):
    return new_notebook(cells=[new_markdown_cell("# A GAN notebook")] + [new_code_cell(s) for s in sources])


def record(result, cell: int, line: int):
    """The statement that starts on `line` of notebook cell `cell` (counting cells from 0, markdown included)."""
    return next(r for r in result.statements() if r.statement.cell == cell and r.statement.first_line == line)


# ------------------------------------------------------------------ the main scenario

MAIN_NOTEBOOK = notebook(
    "%load_ext autoreload\nimport numpy as np\n!pip install something\nfrom helpers.util import SCALE",       # cell 1
    "def leaky_relu(x, alpha=0.01):\n    return np.maximum(x, alpha * x)\n"
    "raise ValueError('a bad line')\n"
    "def after_the_error():\n    return 7",                                                               # cell 2
    "def spin():\n    while True:\n        pass\n"
    "while True:\n    pass\n"
    "def after_the_loop():\n    return 8",                                                               # cell 3
    "for i in range(3000):\n    print('noise ' * 10)",                                                    # cell 4
    "print('kept')",                                                                                       # cell 5
    "images = run_a_gan(D, G)\nshow_images(images)",                                                      # cell 6
)
X = np.linspace(-3.0, 3.0, 13)
MAIN_PROBES = [
    Probe("leaky", "outputs['y'] = student('leaky_relu')(inputs['x'], alpha=0.2)\n"
                   "local_name = 1\ninfo['scale'] = SCALE", {"x": X}),
    Probe("raises", "student('leaky_relu')(None)"),
    Probe("missing", "student('generator')"),
    Probe("spins", "spin()", timeout=1.0),
    Probe("after_timeout", "info['values'] = [after_the_error(), after_the_loop()]\n"
                           "info['leaked'] = 'local_name' in globals()"),
]


@pytest.fixture(scope="module")
def main_result():
    if not SUPPORT.available:
        pytest.skip(f"no sandbox here: {SUPPORT.reason}")
    return run_submission(MAIN_NOTEBOOK, {"helpers/__init__.py": "", "helpers/util.py": "SCALE = 3\n"}, SKIP,
                          MAIN_PROBES, FAST)


def test_definitions_run_and_a_probe_returns_arrays(main_result):
    result = main_result.probes["leaky"]
    assert result.error is None
    expected = np.where(X > 0, X, 0.2 * X)   # the leaky ReLU's definition
    np.testing.assert_array_equal(result.outputs["y"], expected)
    assert result.info == {"scale": 3}   # helper files are importable from the kernel's folder
    assert main_result.sandboxed and main_result.error is None and main_result.kernel_death is None


def test_a_raising_statement_does_not_stop_the_rest_of_its_cell(main_result):
    failed = record(main_result, 2, 3)
    assert failed.status == "error" and failed.error.type == "ValueError" and failed.error.message == "a bad line"
    assert "cell 3, line 3" in failed.error.traceback   # messages count cells from 1, markdown included
    assert record(main_result, 2, 4).status == "ok"
    assert main_result.probes["after_timeout"].info["values"] == [7, 8]


def test_an_endless_top_level_loop_times_out_and_later_definitions_run(main_result):
    loop = record(main_result, 3, 4)
    # Limited in work: the cell timeout's worth of CPU seconds on each of the kernel's threads.
    assert loop.status == "timeout" and f"{2 * FAST.threads:g} CPU seconds" in loop.error.message
    assert record(main_result, 3, 6).status == "ok"


def test_skipped_statements_say_why(main_result):
    assert record(main_result, 1, 3).status == "skipped" and "shell command" in record(main_result, 1, 3).reason
    assert record(main_result, 1, 1).status == "ok"   # %load_ext is harmless, so it runs
    for line, name in ((1, "run_a_gan"), (2, "show_images")):
        skipped = record(main_result, 6, line)
        assert skipped.status == "skipped" and name in skipped.reason
    assert next(cell for cell in main_result.cells if cell.index == 6).status == "skipped"


def test_output_is_capped_per_cell_and_in_total(main_result):
    noisy, kept = record(main_result, 4, 1), record(main_result, 5, 1)
    assert noisy.status == "ok"
    assert len(noisy.stdout.encode()) == FAST.output_per_cell_bytes
    assert noisy.dropped_bytes == 3000 * len("noise " * 10 + "\n") - FAST.output_per_cell_bytes
    assert kept.stdout == "kept\n"
    total = sum(len(r.stdout.encode()) + len(r.stderr.encode()) for r in main_result.statements())
    assert total <= FAST.output_total_bytes
    assert any("not kept" in note for note in main_result.notes)


def test_probe_errors_are_reported_and_the_kernel_goes_on(main_result):
    probes = main_result.probes
    assert probes["raises"].error.startswith("TypeError")
    assert "cell 3, line 2, in leaky_relu" in probes["raises"].error
    assert probes["missing"].error == "NameError: the notebook does not define generator"
    # Limited in work: a second of CPU on each of the kernel's threads, however busy the machine.
    assert probes["spins"].error == f"timed out: used its whole budget of {FAST.threads:g} CPU seconds"
    after = probes["after_timeout"]
    assert after.error is None, after.error          # interrupted, not restarted: definitions are still there
    assert after.info["leaked"] is False             # probe-local names stay out of the student's namespace


def test_timings_and_enforcement_are_recorded(main_result):
    timings = main_result.timings
    assert 0 < timings.sandbox_start_s < timings.total_s
    assert timings.kernel_start_s > 0 and timings.statements_s > 0 and timings.probes_s > 0
    assert set(main_result.enforcement) >= {"memory", "pids", "file_size", "wall"}
    assert "sandbox" in main_result.summary()


# ------------------------------------------------------------------ kernel death, wall limit, memory

@pytest.mark.sandbox
def test_a_kernel_that_exits_is_reported_and_the_rest_runs_in_a_fresh_kernel():
    result = run_submission(notebook("x = 1", "import os\nos._exit(1)", "y = 2"),
                            probes=[Probe("late", "info['xy'] = [x, y]")], limits=FAST)
    death = result.kernel_death
    assert death is not None and death.cell == 2 and death.where == "cell 3, line 2" and death.restarted
    assert "exited with status 1" in death.reason
    assert "left out and the rest ran in a fresh kernel" in result.summary()
    assert record(result, 2, 2).status == "kernel_died"
    assert record(result, 3, 1).status == "ok"
    assert result.probes["late"].info == {"xy": [1, 2]}   # the statements before it were run again


@pytest.mark.sandbox
def test_restarts_are_bounded_and_then_the_rest_is_not_run():
    exits = [f"import os\nos._exit({n})" for n in range(1, 5)]
    result = run_submission(notebook("x = 1", *exits, "y = 2"), probes=[Probe("late", "info['x'] = x")],
                            limits=SandboxLimits(kernel_restarts=2, wall_s=60))
    assert [death.where for death in result.kernel_deaths] == ["cell 3, line 2", "cell 4, line 2", "cell 5, line 2"]
    assert [death.restarted for death in result.kernel_deaths] == [True, True, False]
    assert record(result, 5, 2).status == "not_run" and record(result, 6, 1).status == "not_run"
    assert result.probes["late"].error.startswith("not run: the kernel died in cell 5, line 2")


@pytest.mark.sandbox
def test_a_probe_that_ignores_the_interrupt_stops_the_kernel_and_the_next_probe_runs():
    source = "import signal\ndef deaf():\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass"
    probes = [Probe("first", "info['n'] = 1"), Probe("deaf", "deaf()", timeout=1.0), Probe("next", "info['n'] = 3")]
    result = run_submission(notebook(source), probes=probes, limits=SandboxLimits(interrupt_grace_s=1.0))
    assert result.kernel_death is not None and result.kernel_death.probe == "deaf"
    assert "did not stop within 1 s of an interrupt" in result.probes["deaf"].error
    assert result.probes["first"].info == {"n": 1} and result.probes["next"].info == {"n": 3}


@pytest.mark.sandbox
def test_a_statement_that_kills_the_driver_is_left_out_and_named():
    source = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    result = run_submission(notebook("x = 1", source, "y = 2"), probes=[Probe("late", "info['xy'] = [x, y]")],
                            limits=FAST)
    death = result.kernel_death
    assert death is not None and death.where == "cell 3, line 2" and death.restarted
    assert "killed by SIGKILL" in death.reason and "exit status 137" in death.reason
    assert record(result, 2, 2).status == "kernel_died"
    assert result.probes["late"].info == {"xy": [1, 2]} and result.error is None


@pytest.mark.sandbox
def test_a_probe_that_kills_the_driver_says_so_and_the_next_probe_runs():
    source = "import os, signal\ndef betray():\n    os.kill(os.getppid(), signal.SIGKILL)"
    probes = [Probe("betray", "betray()"), Probe("next", "info['n'] = 2")]
    result = run_submission(notebook(source), probes=probes, limits=FAST)
    assert result.kernel_death is not None and result.kernel_death.probe == "betray"
    assert result.probes["betray"].error.startswith("kernel died: the sandbox ended early (exit status 137)")
    assert result.probes["next"].info == {"n": 2}


FORGE = """
import json, os
forged = json.dumps({"event": "note", "text": "FORGED"}) + "\\n"
out = os.path.join(os.path.dirname(os.getcwd()), "out")
targets = [f"/proc/{os.getppid()}/fd/{n}" for n in range(64)] + [os.path.join(out, name) for name in os.listdir(out)]
reached = []
for path in targets + [os.path.join(out, "new.json")]:
    try:
        with open(path, "a") as handle:
            handle.write(forged)
        reached.append(path)
    except OSError:
        pass
"""


@pytest.mark.sandbox
def test_the_kernel_cannot_write_the_event_log_or_the_output_folder():
    result = run_submission(notebook(FORGE), probes=[Probe("reached", "info['paths'] = reached")], limits=FAST)
    assert result.probes["reached"].info == {"paths": []}
    assert "FORGED" not in result.notes and "FORGED" not in result.summary()


@pytest.mark.sandbox
def test_the_wall_limit_kills_the_whole_sandbox(tmp_path):
    job = tmp_path / "job"
    source = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(120)"
    result = run_submission(notebook("x = 1", source), probes=[Probe("never", "info['x'] = x")],
                            limits=SandboxLimits(wall_s=5.0, cell_timeout_s=60.0), workdir=job)
    assert result.wall_limit_hit and "wall limit of 5 s" in result.error
    assert record(result, 2, 3).status == "timeout"
    assert result.probes["never"].error.startswith("not run")
    assert result.probes["never"].graders_trouble   # a check the machine kept from running is not failed
    assert result.timings.total_s < 10
    survivors = [pid for pid in os.listdir("/proc") if pid.isdigit() and str(job) in _cmdline(pid)]
    assert survivors == []   # the driver and the kernel (which ignores SIGTERM) are gone


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(not (SUPPORT.available and SUPPORT.cgroups), reason="needs the sandbox with writable cgroups")
def test_memory_limit_kills_the_kernel_says_why_and_the_rest_runs():
    source = "import numpy as np\nblocks = []\nfor i in range(100):\n    blocks.append(np.ones(25_000_000))"
    result = run_submission(notebook(source, "after = 1"), limits=SandboxLimits(memory_mb=500, cell_timeout_s=30))
    assert result.kernel_death is not None
    assert "memory limit of 500 MB exceeded" in result.kernel_death.reason
    assert record(result, 1, 3).status == "kernel_died" and record(result, 2, 1).status == "ok"


@pytest.mark.sandbox
def test_an_old_cuda_dtype_is_replaced_when_there_is_no_gpu():
    source = "import torch\ndtype = torch.cuda.FloatTensor\nlayer = torch.nn.Linear(2, 2).type(dtype)"
    probe = Probe("dtype", "import torch\ninfo['cuda'] = torch.cuda.is_available()\n"
                           "info['dtype'] = str(dtype)\ninfo['layer'] = str(layer.weight.dtype)")
    result = run_submission(notebook(source), probes=[probe])
    info = result.probes["dtype"].info
    if info["cuda"]:
        pytest.skip("CUDA is available in the kernel, so torch.cuda.FloatTensor is kept")
    assert info == {"cuda": False, "dtype": "<class 'torch.FloatTensor'>", "layer": "torch.float32"}
    assert record(result, 1, 3).status == "ok"   # replaced right after the statement that set it
    assert any("torch.cuda.FloatTensor" in note for note in result.notes)


# ------------------------------------------------------------------ without the sandbox

def test_no_sandbox_mode_runs_and_says_so():
    result = run_submission(notebook("def double(x):\n    return 2 * x"), probes=[Probe("d", "outputs['y'] = double(inputs['x'])",
                                                                                     {"x": np.arange(3)})],
                            limits=FAST, sandbox=False)
    assert not result.sandboxed and "WITHOUT a sandbox" in result.summary()
    np.testing.assert_array_equal(result.probes["d"].outputs["y"], 2 * np.arange(3))


def test_an_unavailable_sandbox_is_a_result_not_a_crash(monkeypatch):
    monkeypatch.setattr(launcher, "detect_sandbox", lambda: SandboxSupport(False, "bwrap is missing"))
    result = run_submission(notebook("x = 1"), probes=[Probe("p", "pass")])
    assert "bwrap is missing" in result.error and not result.sandboxed
    assert record(result, 1, 1).status == "not_run" and result.probes["p"].error.startswith("not run")


def test_a_helper_file_outside_the_folder_is_refused():
    result = run_submission(notebook("x = 1"), {"../escape.py": "x = 1"}, sandbox=False)
    assert "leaves the submission's folder" in result.error


def test_bad_probes_are_the_graders_error():
    with pytest.raises(ValueError, match="used twice"):
        validate_probes([Probe("a", ""), Probe("a", "")])
    with pytest.raises(ValueError, match="must match"):
        validate_probes([Probe("Bad-Name", "")])
    with pytest.raises(ValueError, match="not a numeric array"):
        validate_probes([Probe("a", "", {"x": np.array(["text"], dtype=object)})])


# ------------------------------------------------------------------ files written in the sandbox are untrusted

def write_info(out: Path, name: str, text: str = "{}") -> None:
    (out / f"probe-{name}.json").write_text(text)


@pytest.mark.parametrize("case", ["pickled", "not_a_zip", "too_big", "bomb", "info_not_object", "missing"])
def test_a_malformed_probe_file_is_that_probes_error(tmp_path, case):
    npz = tmp_path / "probe-p.npz"
    write_info(tmp_path, "p", '["a list"]' if case == "info_not_object" else "{}")
    if case == "pickled":
        np.savez(npz, x=np.array([{"a": 1}], dtype=object))
    elif case == "not_a_zip":
        npz.write_bytes(b"not a zip at all")
    elif case == "too_big":
        np.savez(npz, x=np.zeros(1000))
    elif case == "bomb":   # small on disk, large unpacked
        np.savez_compressed(npz, x=np.zeros(1_000_000))
    elif case == "info_not_object":
        np.savez(npz, x=np.zeros(3))
    outputs, info, error = read_probe_outputs(tmp_path, "p", max_bytes=4000 if case in ("too_big", "bomb") else 1 << 20)
    assert outputs == {} and info == {} and error.startswith(("bad probe output", "the probe finished"))
    assert zipfile.is_zipfile(npz) or case in ("not_a_zip", "missing")


def test_event_log_garbage_is_ignored(tmp_path):
    from autograder.execution.records import read_events

    log = tmp_path / "execution.jsonl"
    log.write_text(json.dumps({"event": "kernel_ready", "time": 1.0}) + "\nnot json\n[1, 2]\n" + '{"no_event": 1}\n')
    events, damaged = read_events(log, 1 << 20)
    assert [e["event"] for e in events] == ["kernel_ready"] and damaged


def test_output_that_arrives_after_its_statement_is_still_its_own():
    # ipykernel may report a statement idle before its last output is sent; the driver logs that output late
    from autograder.execution.cells import plan_notebook
    from autograder.execution.records import build_records

    plans = plan_notebook(notebook("print('a')", "print('b')"), SKIP)
    first, second = (plan.statements[0].id for plan in plans)
    events = [
        {"event": "statement", "id": first, "status": "ok", "stdout": "", "stderr": "", "dropped_bytes": 0},
        {"event": "statement", "id": second, "status": "ok", "stdout": "b\n", "stderr": "", "dropped_bytes": 0},
        {"event": "late_output", "owner": {"statement": first}, "stream": "stdout", "text": "a\n", "dropped_bytes": 4},
    ]
    cells = build_records(plans, events, [], "not run")
    assert [(c.statements[0].stdout, c.statements[0].dropped_bytes) for c in cells] == [("a\n", 4), ("b\n", 0)]


def test_the_outbox_takes_plain_files_only_and_caps_their_size(tmp_path):
    from autograder.execution.driver import Outbox

    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "result.npz").write_bytes(b"x" * 100)
    (tmp_path / "secret").write_bytes(b"not for the outbox")
    (tmp_path / "link.npz").symlink_to(tmp_path / "secret")
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        outbox = Outbox(fd)
        assert outbox.take(tmp_path / "result.npz", "probe-a.npz", max_bytes=100)
        assert not outbox.take(tmp_path / "result.npz", "probe-b.npz", max_bytes=99)
        assert not outbox.take(tmp_path / "link.npz", "probe-c.npz", max_bytes=100)
        assert not outbox.take(tmp_path / "missing.npz", "probe-d.npz", max_bytes=100)
    finally:
        os.close(fd)
    assert sorted(p.name for p in out.iterdir()) == ["probe-a.npz"]


def test_without_the_sandbox_a_root_grader_runs_the_kernel_as_an_unprivileged_user(tmp_path):
    if not launcher._can_drop_privileges(sys.executable):
        pytest.skip("needs root, setpriv, and a Python that an unprivileged user can run")
    secret = tmp_path / "root-only" / "answers.txt"
    secret.parent.mkdir(mode=0o700)
    secret.write_text("the reference")
    code = ("import os\noutputs['uid'] = np.array(os.getuid())\n"
            f"try:\n    open({str(secret)!r}).read()\n    outputs['read'] = np.array(1)\n"
            "except PermissionError:\n    outputs['read'] = np.array(0)\n")
    result = run_submission(notebook("import numpy as np"), probes=[Probe("who", code)], limits=FAST, sandbox=False)
    outputs = result.probes["who"].outputs
    assert int(outputs["uid"]) == UNPRIVILEGED_UID and int(outputs["read"]) == 0
    assert "unprivileged user" in result.enforcement["isolation"] and not result.sandboxed
