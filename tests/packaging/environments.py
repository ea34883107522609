"""Fresh environments for the packaging tests, without downloading anything.

A venv made here has nothing installed; the grader's dependencies (torch,
numpy, nbclient...) are visible through a .pth line naming this environment's
site folder. Python reads no .pth file inside a folder added that way, so a
checkout's editable install of gangrade stays out of it: what the venv can
import of gangrade is only what a test installs into it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path


def fresh_venv(folder: Path) -> Path:
    """A venv in `folder` that sees this environment's dependencies; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def install(venv_python: Path, target: Path) -> None:
    """pip-install a wheel or a project folder into the venv of `venv_python`, without its dependencies."""
    prefix = venv_python.parent.parent
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
                           "--disable-pip-version-check", "--prefix", str(prefix), str(target)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def run_in(python: Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python args...` with none of gangrade's or Python's path variables from this process."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("GANGRADE_", "PYTHON"))}
    environment.update(env or {})
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=600)
