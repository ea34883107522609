"""What the sandbox shows and forbids: its command line, and the real thing where bwrap works."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.execution.cgroups import cgroup_version, cpu_shared, make_cgroups
from autograder.execution.launcher import HIDDEN_PROJECT_PARTS, PACKAGE_DIR
from autograder.execution.limits import SandboxLimits, describe_enforcement, rlimit_arguments
from autograder.execution.sandbox import (
    SANDBOX_PACKAGE_ROOT,
    UNPRIVILEGED_UID,
    PythonEnvironment,
    build_bwrap_command,
    describe_python,
    detect_sandbox,
    kernel_environment,
)
from autograder.paths import PROJECT_ROOT

SUPPORT = detect_sandbox()


def make_job(root: Path) -> Path:
    job = root / "gangrade-job-test"
    for name in ("work", "out"):
        (job / name).mkdir(parents=True)
    (job / "job.json").write_text("{}")
    return job


def command_for(job: Path, *, as_root: bool, pythons=None, hidden=None, command=("true",),
                setpriv: str = "setpriv") -> list[str]:
    environment = kernel_environment(home=job / "work", tmp=Path("/tmp"), python_path=SANDBOX_PACKAGE_ROOT,
                                     kernel_python=sys.executable, threads=1, gpu=False)
    return build_bwrap_command(
        bwrap="bwrap", command=list(command), job_dir=job, package_dir=PACKAGE_DIR,
        pythons=pythons if pythons is not None else [describe_python(sys.executable)],
        environment=environment,
        hidden_paths=hidden if hidden is not None else [PROJECT_ROOT / p for p in HIDDEN_PROJECT_PARTS],
        as_root=as_root, setpriv=setpriv)


def mounts(command: list[str], option: str) -> list[tuple[str, str]]:
    return [(command[i + 1], command[i + 2]) for i, arg in enumerate(command) if arg == option]


def test_binds_leave_out_the_repository(tmp_path):
    command = command_for(make_job(tmp_path), as_root=False)
    sources = [source for source, _ in mounts(command, "--ro-bind") + mounts(command, "--bind")]
    root = PROJECT_ROOT.resolve()
    for source in sources:
        # nothing bound is the repository or holds it; only named parts of it (its venv, autograder/) may be
        assert not root.is_relative_to(source), source
        for part in ("reference", "grading_fixtures", "assignments"):
            assert not Path(source).is_relative_to(root / part), source
    assert (str(PACKAGE_DIR), f"{SANDBOX_PACKAGE_ROOT}/autograder") in mounts(command, "--ro-bind")


def test_job_is_read_only_but_for_a_capped_scratch_work_folder(tmp_path):
    job = make_job(tmp_path)
    command = command_for(job, as_root=False)
    assert (str(job), str(job)) in mounts(command, "--ro-bind")
    assert mounts(command, "--bind") == []   # out/ too: the driver writes it through a descriptor
    work = command.index(f"{job}/work")
    assert command[work - 1] == "--tmpfs" and command[work - 3: work - 1] == ["--size", str(1024 << 20)]
    assert command[command.index("--chdir") + 1] == f"{job}/work"


def test_a_hidden_package_inside_a_bound_environment_is_covered(tmp_path):
    venv = tmp_path / "venv"
    hidden = venv / "lib" / "site-packages" / "reference"
    python = PythonEnvironment(str(venv / "bin" / "python"), (str(venv),), (str(hidden),))
    command = command_for(make_job(tmp_path), as_root=False, pythons=[python])
    position = command.index(str(hidden))
    assert command[position - 1] == "--tmpfs"
    assert position > command.index(str(venv))  # mounted after the environment, so it covers it


def test_root_drops_to_an_unprivileged_uid_and_others_use_a_user_namespace(tmp_path):
    job = make_job(tmp_path)
    as_root = command_for(job, as_root=True, command=["python", "-c", "pass"])
    after_separator = as_root[as_root.index("--") + 1:]
    assert after_separator[0] == "setpriv" and f"--reuid={UNPRIVILEGED_UID}" in after_separator
    assert after_separator[after_separator.index("--") + 1:] == ["python", "-c", "pass"]
    assert "--unshare-net" in as_root and "--unshare-pid" in as_root and "--unshare-all" not in as_root
    as_user = command_for(job, as_root=False)
    assert "--unshare-all" in as_user and "setpriv" not in as_user


def test_mount_point_parents_are_made_traversable(tmp_path):
    # bwrap run as root creates missing parents as 0700, which the unprivileged uid could not cross
    job = make_job(tmp_path)
    command = command_for(job, as_root=True)
    made = [command[i + 3] for i, arg in enumerate(command) if arg == "--perms" and command[i + 2] == "--dir"]
    assert all(command[i + 1] == "0755" for i, arg in enumerate(command) if arg == "--perms" and command[i + 2] == "--dir")
    for folder in [*Path(SANDBOX_PACKAGE_ROOT, "autograder").parents, *job.parents]:
        if str(folder) not in ("/", "/tmp"):
            assert str(folder) in made, folder


def test_environment_is_a_whitelist(tmp_path, monkeypatch):
    monkeypatch.setenv("GANGRADE_TEST_SECRET", "s3cret-token")
    environment = kernel_environment(home=tmp_path, tmp=Path("/tmp"), python_path="/opt/gangrade",
                                     kernel_python=sys.executable, threads=3, gpu=False)
    assert "s3cret-token" not in environment.values() and "GANGRADE_TEST_SECRET" not in environment
    assert environment["HOME"] == str(tmp_path) and environment["MPLBACKEND"] == "Agg"
    assert environment["OMP_NUM_THREADS"] == "3" and environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["CUDA_VISIBLE_DEVICES"] == ""
    command = command_for(make_job(tmp_path), as_root=False)
    assert "--clearenv" in command and command.index("--clearenv") < command.index("--setenv")


def test_rlimits_cover_what_cgroups_do_not():
    limits = SandboxLimits(memory_mb=1000, pids=50, file_size_mb=10)
    with_cgroups = rlimit_arguments(limits, use_cgroups=True, gpu=False, limit_processes=True)
    assert f"--fsize={10 << 20}" in with_cgroups
    assert not any(a.startswith(("--as=", "--nproc=")) for a in with_cgroups)
    without = rlimit_arguments(limits, use_cgroups=False, gpu=False, limit_processes=True)
    assert f"--as={1000 << 20}" in without and "--nproc=50" in without
    # CUDA reserves far more address space than it uses: no RLIMIT_AS with a GPU
    assert not any(a.startswith("--as=") for a in rlimit_arguments(limits, use_cgroups=False, gpu=True, limit_processes=False))
    words = describe_enforcement(limits, cgroups=None, cpu_shared=False, gpu=False, limit_processes=False,
                                 have_prlimit=True)
    assert words["memory"].startswith("RLIMIT_AS") and words["pids"] == "not limited" and words["cpu"] == "not limited"
    words = describe_enforcement(limits, cgroups="v2", cpu_shared=True, gpu=True, limit_processes=True,
                                 have_prlimit=True)
    assert words["memory"] == "cgroup v2: 1000 MB for the whole sandbox" and "equal share" in words["cpu"]


@pytest.mark.skipif(cgroup_version() is None, reason="no cgroups this process may create here")
def test_cgroups_are_created_with_the_limits_and_removed():
    version = cgroup_version()
    cgroups = make_cgroups(version, SandboxLimits(memory_mb=300, pids=40, cpus=1.5))
    cgroups.create()
    try:
        folders = cgroups.folders
        if version == "v1":
            assert set(folders) == {"memory", "pids"} | ({"cpu"} if cpu_shared("v1") else set())
            memory, pids, cpu = folders["memory"], folders["pids"], folders.get("cpu")
            assert int((memory / "memory.limit_in_bytes").read_text()) == 300 << 20
            quota = cpu and (cpu / "cpu.cfs_quota_us").read_text().strip()
        else:
            memory = pids = cpu = folders["unified"]
            assert int((memory / "memory.max").read_text()) == 300 << 20
            quota = cpu_shared("v2") and (cpu / "cpu.max").read_text().split()[0]
        assert int((pids / "pids.max").read_text()) == 40
        assert quota in ("150000", None, False)   # its own cpu group, with the quota asked for
        assert cgroups.oom_killed() is False
    finally:
        assert cgroups.kill_and_remove() == 0
    assert not any(folder.exists() for folder in folders.values())


PROBE_SCRIPT = """
import json, os, socket, sys
report = {"uid": os.getuid(), "home": os.environ.get("HOME")}
try:
    import reference
    report["import_reference"] = "imported"
except ImportError as exc:
    report["import_reference"] = type(exc).__name__
try:
    open(sys.argv[1]).read()
    report["read_reference"] = "read"
except OSError as exc:
    report["read_reference"] = type(exc).__name__
report["writes"] = {}
for path in sys.argv[2:]:
    try:
        with open(path, "w") as handle:
            handle.write("x")
        report["writes"][path] = "written"
    except OSError as exc:
        report["writes"][path] = type(exc).__name__
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)
    report["tcp"] = "connected"
except OSError as exc:
    report["tcp"] = type(exc).__name__
import autograder.execution.probe_runtime
report["autograder"] = autograder.__file__
print(json.dumps(report))
"""


@pytest.mark.sandbox
def test_inside_the_sandbox(tmp_path):
    job = make_job(tmp_path)
    if SUPPORT.as_root:
        for name in ("work", "out"):
            os.chown(job / name, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
    os.chmod(tmp_path, 0o755)
    reference_file = PROJECT_ROOT / "reference" / "__init__.py"
    targets = [f"{job}/work/ok.txt", f"{job}/out/ok.txt", f"{job}/job.json", f"{job}/new.txt",
               str(Path(sys.prefix) / "pwned.txt"), "/usr/pwned.txt", str(PROJECT_ROOT / "pwned.txt")]
    command = command_for(job, as_root=SUPPORT.as_root, setpriv=shutil.which("setpriv") or "setpriv",
                          command=[sys.executable, "-c", PROBE_SCRIPT, str(reference_file), *targets])
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["import_reference"] in ("ModuleNotFoundError", "ImportError")
    assert report["read_reference"] in ("FileNotFoundError", "PermissionError")
    writes = report["writes"]
    assert writes[f"{job}/work/ok.txt"] == "written"
    assert all(writes[path] != "written" for path in targets[1:]), writes
    assert report["tcp"] != "connected"
    assert report["uid"] != 0
    assert report["home"] == f"{job}/work"
    assert report["autograder"].startswith(SANDBOX_PACKAGE_ROOT)
    assert not (PROJECT_ROOT / "pwned.txt").exists() and reference_file.is_file()
    assert not (job / "out" / "ok.txt").exists() and not (job / "work" / "ok.txt").exists()  # work/ is the sandbox's own


def test_a_v2_group_enables_the_controllers_it_needs_and_refuses_a_tree_without_them(tmp_path, monkeypatch):
    # A stand-in for /sys/fs/cgroup: plain files where the kernel would show its interface files.
    from autograder.execution import cgroups as cgroups_module

    monkeypatch.setattr(cgroups_module, "CGROUP_ROOT", tmp_path)
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("memory\n")
    group = make_cgroups("v2", SandboxLimits(memory_mb=300, pids=40), name="gangrade-test")
    group.create()
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+pids +cpu"
    folder = group.folders["unified"]
    assert (folder / "memory.max").read_text() == str(300 << 20) and (folder / "pids.max").read_text() == "40"
    assert group.procs_files() == [str(folder / "cgroup.procs")]
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.oom_killed()
    for child in folder.iterdir():   # the kernel removes interface files with the group; the stand-in cannot
        child.unlink()
    assert group.kill_and_remove() == 0 and not folder.exists()

    (tmp_path / "cgroup.controllers").write_text("cpu io\n")
    with pytest.raises(OSError, match="without memory or pids"):
        make_cgroups("v2", SandboxLimits(), name="gangrade-other").create()


def setup_installs_the_sandbox() -> bool:
    """scripts/setup.sh installs bubblewrap when it runs as root on Debian/Ubuntu (as on CI)."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


@pytest.mark.skipif(not setup_installs_the_sandbox(), reason="scripts/setup.sh installs bubblewrap only as root with apt-get")
def test_the_sandbox_that_setup_installs_works():
    """Where setup installs bubblewrap (CI), a sandbox that cannot run fails the suite rather than skipping
    every test that grades in it."""
    assert SUPPORT.available, SUPPORT.reason
