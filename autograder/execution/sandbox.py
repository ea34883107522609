"""The bubblewrap sandbox a submission's kernel runs in.

bwrap shows the sandbox only the paths bound into it: the system's /usr,
the Python environments of the driver and the kernel (read-only), a
read-only copy of the `autograder` package at /opt/gangrade/autograder, and
the job folder (read-only, but for `work/`, which is a size-capped tmpfs of
its own; the driver writes `out/` through a descriptor it inherits). The repository
is not bound: `reference/`, `grading_fixtures/` and the packs' hidden checks
stay out of reach, and where a bound Python environment holds the
`reference` package (a non-editable install) that folder is covered with an
empty tmpfs. Network is loopback only (`--unshare-net`), process ids,
IPC and hostname are private, and when the grader runs as root the
command drops to an unprivileged uid with `setpriv`, so file permissions
apply and RLIMIT_NPROC counts.

`build_bwrap_command` is a pure function of its arguments, so what the
sandbox can see is testable without running it. The limits themselves
(`SandboxLimits`, cgroups, rlimits) live in `limits`.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.execution.cgroups import cgroup_version
from autograder.execution.limits import SandboxLimits

__all__ = ["SandboxLimits", "SandboxSupport", "PythonEnvironment", "detect_sandbox", "require_sandbox",
           "describe_python", "build_bwrap_command", "kernel_environment", "drop_privileges_prefix"]

SANDBOX_PACKAGE_ROOT = "/opt/gangrade"   # PYTHONPATH inside; the package is bound below it
UNPRIVILEGED_UID = 65534                  # "nobody" on Debian and most distributions
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "passwd", "group",
             "nsswitch.conf", "hosts", "localtime")
# Never importable in a student kernel: the reference solutions and the bundled course (packs, fixtures);
# the runner adds the top-level package of every pack's `reference` setting.
HIDDEN_PACKAGES = ("reference", "gangrade_course")
SITE_DIR_NAMES = ("site-packages", "dist-packages")   # package folders the kernel may import from
NVIDIA_DEVICE_PREFIX = "nvidia"


@dataclass(frozen=True)
class SandboxSupport:
    """Whether this machine can run the sandbox, and with which enforcement."""

    available: bool
    reason: str                      # why not, or which bubblewrap
    bwrap: str | None = None
    as_root: bool = False            # drop to UNPRIVILEGED_UID inside
    cgroups: str | None = None       # "v1" or "v2": the cgroups it may create, if any


@dataclass(frozen=True)
class PythonEnvironment:
    """An interpreter and the folders it needs, as seen from outside the sandbox."""

    executable: str
    roots: tuple[str, ...]                                   # sys.prefix, sys.base_prefix and site folders on the path, resolved
    hidden_package_dirs: tuple[str, ...] = field(default=())  # folders of the hidden packages it would import


@functools.cache
def detect_sandbox() -> SandboxSupport:
    """Probe once: Linux, bwrap on PATH, and namespaces that work (`bwrap ... true`)."""
    if not sys.platform.startswith("linux"):
        return SandboxSupport(False, f"bubblewrap sandboxes need Linux; this is {sys.platform}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxSupport(False, "bubblewrap (bwrap) is not installed; run scripts/setup.sh as root "
                                     "or `apt-get install bubblewrap`")
    as_root = os.geteuid() == 0
    command = [bwrap, *namespace_options(as_root), "--die-with-parent", "--ro-bind", "/", "/", "true"]
    try:
        probe = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxSupport(False, f"bwrap could not start: {exc}", bwrap)
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit status {probe.returncode}"
        return SandboxSupport(False, f"bwrap cannot create namespaces here ({detail}); "
                                     "user namespaces may be disabled", bwrap)
    if as_root and shutil.which("setpriv") is None:
        return SandboxSupport(False, "running as root needs setpriv (util-linux) to drop privileges", bwrap)
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.strip()
    return SandboxSupport(True, version or "bubblewrap", bwrap, as_root, cgroup_version() if as_root else None)


def require_sandbox() -> SandboxSupport:
    """The sandbox support, or SandboxUnavailableError for the command line to report before a batch starts."""
    from autograder.errors import SandboxUnavailableError

    support = detect_sandbox()
    if not support.available:
        raise SandboxUnavailableError(support.reason)
    return support


def namespace_options(as_root: bool) -> list[str]:
    """Every namespace bwrap offers; as root without a user namespace, so setpriv can drop to a real uid."""
    if as_root:
        return ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    return ["--unshare-all"]


@functools.cache
def describe_python(executable: str, hidden_packages: tuple[str, ...] = HIDDEN_PACKAGES) -> PythonEnvironment:
    """Where an interpreter's files live, and where it would find the hidden packages.

    The grader's own interpreter is read from `sys`; another one is asked in
    a subprocess started from / with an empty environment, so neither the
    current folder nor PYTHONPATH adds to what it finds.
    """
    if Path(executable).resolve() == Path(sys.executable).resolve():
        import importlib.util

        roots = [sys.prefix, sys.base_prefix, *(entry for entry in sys.path if _is_site_dir(entry))]
        hidden = []
        for name in hidden_packages:
            spec = importlib.util.find_spec(name) if name not in sys.modules else sys.modules[name].__spec__
            if spec is not None and spec.submodule_search_locations:
                hidden.extend(spec.submodule_search_locations)
    else:
        script = (
            "import importlib.util, json, sys\n"
            "hidden = []\n"
            f"for name in {list(hidden_packages)!r}:\n"
            "    spec = importlib.util.find_spec(name)\n"
            "    if spec is not None and spec.submodule_search_locations:\n"
            "        hidden.extend(spec.submodule_search_locations)\n"
            f"sites = [p for p in sys.path if p.rstrip('/').rsplit('/', 1)[-1] in {list(SITE_DIR_NAMES)!r}]\n"
            "print(json.dumps({'roots': [sys.prefix, sys.base_prefix, *sites], 'hidden': hidden}))\n"
        )
        done = subprocess.run([executable, "-I", "-c", script], capture_output=True, text=True, cwd="/", env={},
                              timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{executable} did not run: {done.stderr.strip()[-500:]}")
        answer = json.loads(done.stdout)
        roots, hidden = answer["roots"], answer["hidden"]
    resolved = _outermost([Path(root).resolve() for root in roots if Path(root).is_dir()])
    return PythonEnvironment(executable, resolved, tuple(str(Path(h).resolve()) for h in hidden))


def _is_site_dir(entry: str) -> bool:
    """A package folder on the path (a .pth file can add one outside the prefixes), never a working folder."""
    return Path(entry).name in SITE_DIR_NAMES and Path(entry).is_dir()


def _outermost(folders: list[Path]) -> tuple[str, ...]:
    """The folders none of the others holds, in order (binding both would only mount one twice)."""
    unique = list(dict.fromkeys(folders))
    return tuple(str(f) for f in unique if not any(f != other and f.is_relative_to(other) for other in unique))


def build_bwrap_command(
    *,
    bwrap: str,
    command: list[str],
    job_dir: Path,
    package_dir: Path,
    pythons: list[PythonEnvironment],
    environment: dict[str, str],
    hidden_paths: list[Path],
    as_root: bool,
    tmp_size_mb: int = 1024,
    scratch_size_mb: int = 1024,
    gpu: bool = False,
    device_names: list[str] | None = None,
    setpriv: str = "setpriv",
) -> list[str]:
    """The bwrap argv that runs `command` in the sandbox.

    The job folder keeps its host path inside, so paths in job.json mean the
    same on both sides. `hidden_paths` (the repository, the hidden packages)
    are covered with an empty tmpfs wherever a bind would show them.
    """
    args = [bwrap, *namespace_options(as_root), "--die-with-parent", "--new-session"]

    binds: list[tuple[str, str]] = []   # (source, destination), mounted in order
    for directory in SYSTEM_DIRS:
        path = Path(directory)
        if path.is_symlink():  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), directory]
        elif path.is_dir():
            binds.append((directory, directory))
    # /tmp is the sandbox's own, in memory (charged to its memory cgroup), writable by anyone like a real /tmp;
    # so is /dev/shm, where multiprocessing and torch's DataLoader workers share memory.
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(tmp_size_mb << 20), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(tmp_size_mb << 20), "--tmpfs", "/dev/shm"]
    for name in ETC_FILES:
        if Path("/etc", name).exists():
            binds.append((f"/etc/{name}", f"/etc/{name}"))
    for root in sorted({root for python in pythons for root in python.roots}):
        if not any(Path(root).is_relative_to(system) for system in SYSTEM_DIRS):
            binds.append((root, root))
    binds.append((str(package_dir), f"{SANDBOX_PACKAGE_ROOT}/{package_dir.name}"))

    covered = [Path(p) for p in hidden_paths] + [Path(d) for python in pythons for d in python.hidden_package_dirs]
    mounted: set[str] = set()   # bound host folders: their subfolders exist already
    created = {"/tmp", "/proc", "/dev"}   # mounted above, not bound from the host
    for source, destination in binds:
        args += _parent_folders(destination, mounted, created) + ["--ro-bind", source, destination]
        mounted.add(destination)
        for hidden in covered:   # where the bind shows it: the package is bound under another name
            if hidden.is_relative_to(source):
                args += ["--tmpfs", str(Path(destination) / hidden.relative_to(source))]

    job = str(job_dir)
    args += _parent_folders(job, mounted, created)
    # work/ is the kernel's own, in memory and capped, so no submission can fill the grader's disk from it.
    # out/ stays read-only: the driver writes there only through a descriptor the kernel cannot reach.
    args += ["--ro-bind", job, job, "--perms", "1777", "--size", str(scratch_size_mb << 20), "--tmpfs", f"{job}/work"]
    if gpu:
        for name in device_names if device_names is not None else nvidia_devices():
            args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    args += ["--chdir", f"{job}/work", "--clearenv"]
    for key, value in sorted(environment.items()):
        args += ["--setenv", key, value]
    args.append("--")
    if as_root:
        args += drop_privileges_prefix(setpriv)
    return args + command


def _parent_folders(destination: str, mounted: set[str], created: set[str]) -> list[str]:
    """Create the missing parents of a mount point as 0755 (bwrap run as root makes them 0700).

    Parents inside a folder already mounted exist already and are left alone.
    """
    args = []
    for parent in reversed(Path(destination).parents):
        folder = str(parent)
        if folder == "/" or folder in created or any(parent.is_relative_to(m) for m in mounted):
            continue
        args += ["--perms", "0755", "--dir", folder]
        created.add(folder)
    return args


def nvidia_devices() -> list[str]:
    try:
        return sorted(name for name in os.listdir("/dev") if name.startswith(NVIDIA_DEVICE_PREFIX))
    except OSError:
        return []


def kernel_environment(*, home: Path, tmp: Path, python_path: str, kernel_python: str, threads: int,
                       gpu: bool) -> dict[str, str]:
    """The whole environment of the driver and kernel: a whitelist, nothing inherited.

    No variable of the grader's environment (tokens, keys, proxies) reaches
    student code.
    """
    bin_dir = str(Path(kernel_python).parent)
    environment = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": python_path,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(tmp / "matplotlib"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(home / ".jupyter-runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "TORCH_HOME": str(tmp / "torch"),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        # Idle OpenMP threads sleep instead of spinning: on a busy machine a spinning thread waiting
        # for its partner burns CPU seconds that are not work, and budgets are counted in CPU seconds.
        "OMP_WAIT_POLICY": "PASSIVE",
        "OPENBLAS_NUM_THREADS": str(threads),
    }
    if not gpu:
        environment["CUDA_VISIBLE_DEVICES"] = ""
    return environment


def drop_privileges_prefix(setpriv: str | None) -> list[str]:
    """The setpriv words that run the rest of a command as the unprivileged uid, with no capabilities."""
    uid = str(UNPRIVILEGED_UID)
    return [setpriv or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
