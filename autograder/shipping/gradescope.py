"""The Gradescope autograder of one pack: `gangrade gradescope --assignment ID --out autograder.zip`.

The zip holds what Gradescope's "zip file upload" autograder needs at its top level:

    setup.sh          run once when Gradescope builds the image: a venv with torch's CPU build and
                      gangrade (from the wheel in the zip), then `gangrade prepare`, so the reference's
                      brief-training runs are cached and no submission waits for them
    run_autograder    run per submission (Gradescope copies it to /autograder): grades /autograder/submission, writes
                      /autograder/results/results.json (always, also when grading fails)
    gangrade.json     the assignment and the grading settings
    wheels/           gangrade's wheel (the instructor's: reference and hidden checks are in it, and
                      setup.sh makes them readable to root only)
    pins.txt          the exact versions gangrade is tested with (pip constraints)

Gradescope unpacks the zip into /autograder/source. The paths are Gradescope's (/autograder/...);
`GANGRADE_ROOT` moves them, and `GANGRADE_VENV` names an environment to install into, which is how the
tests run a bundle in a scratch folder.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.errors import GangradeError, UsageError
from autograder.packs import Pack
from autograder.paths import PROJECT_ROOT

CONFIG_FILE = "gangrade.json"
PINS = PROJECT_ROOT / "requirements" / "pins.txt"
TORCH_PIN = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class GradescopeSettings:
    """What run_autograder grades with. Gradescope's default container has 2 CPUs and 3 GB of memory, and
    stops an autograder after 40 minutes; one submission gets well inside that."""
    assignment: str
    timeout_s: float = 1200.0
    memory_mb: int = 2048
    train_steps: int | None = None     # None: the pack's default CPU budget


def write_bundle(pack: Pack, out: Path, settings: GradescopeSettings, wheel: Path | None = None) -> Path:
    """Write the autograder zip for `pack`; `wheel` is gangrade's wheel (built from the checkout if None)."""
    if out.suffix != ".zip":
        raise UsageError(f"{out}: the Gradescope autograder must be a .zip file")
    with tempfile.TemporaryDirectory() as scratch:
        wheel = wheel or _build_wheel(Path(scratch))
        if not wheel.is_file():
            raise UsageError(f"{wheel}: no such wheel")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            budget = "" if settings.train_steps is None else f"--train-steps {settings.train_steps}"
            setup = SETUP_SH.replace("@ASSIGNMENT@", pack.id).replace("@TRAIN_STEPS@", budget)
            _add_text(bundle, "setup.sh", setup, executable=True)
            _add_text(bundle, "run_autograder", RUN_AUTOGRADER, executable=True)
            _add_text(bundle, CONFIG_FILE, json.dumps(asdict(settings), indent=2) + "\n")
            _add_text(bundle, "pins.txt", PINS.read_text() if PINS.exists() else f"{TORCH_PIN}\n")
            bundle.write(wheel, f"wheels/{wheel.name}")
    return out


def _build_wheel(folder: Path) -> Path:
    if not (PROJECT_ROOT / "pyproject.toml").exists():
        raise UsageError("this gangrade is not a checkout, so it cannot build its own wheel; pass --wheel FILE")
    # setuptools packs whatever its build/ folder holds, stale files of earlier builds too.
    shutil.rmtree(PROJECT_ROOT / "build", ignore_errors=True)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "--disable-pip-version-check", "-w", str(folder), str(PROJECT_ROOT)],
                           capture_output=True, text=True, timeout=600)
    wheels = list(folder.glob("gangrade-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        raise GangradeError(f"building gangrade's wheel failed: {built.stderr.strip()[-2000:]}")
    return wheels[0]


def _add_text(bundle: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${GANGRADE_ROOT:-/autograder}
venv=${GANGRADE_VENV:-$root/gangrade-venv}
export GANGRADE_CACHE=${GANGRADE_CACHE:-$root/gangrade-cache}

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ -z "${GANGRADE_SKIP_APT:-}" ]; then
  # bubblewrap sandboxes student code where the container allows namespaces; setpriv (util-linux) drops
  # to an unprivileged user where it does not.
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    python3 python3-venv bubblewrap util-linux || echo "note: apt-get failed; going on with what is installed"
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "gangrade needs Python 3.11 or later; choose Gradescope's Ubuntu 24.04 base image" >&2; exit 1; }
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
# torch's CPU build first, so nothing pulls the multi-GB CUDA wheels onto a CPU-only grader.
if ! "$py" -c "import torch" 2>/dev/null; then
  "$py" -m pip install --quiet --disable-pip-version-check "$(grep '^torch==' "$here/pins.txt")" \
    --index-url "${GANGRADE_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
fi
"$py" -m pip install --quiet --disable-pip-version-check -c "$here/pins.txt" "$here"/wheels/gangrade-*.whl

# The reference's brief-training runs, computed now so that no submission pays for them.
"$py" -m autograder prepare --assignment @ASSIGNMENT@ --device cpu @TRAIN_STEPS@

# The solutions, the hidden checks and the cached runs: root's alone. Student code runs as another user.
site=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
mkdir -p "$GANGRADE_CACHE"
chmod -R go-rwx "$site/reference" "$site/gangrade_course" "$GANGRADE_CACHE" "$here"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope copies this to /autograder/run_autograder and runs it for every submission; it always
# leaves a results.json.
root=${GANGRADE_ROOT:-/autograder}
venv=${GANGRADE_VENV:-$root/gangrade-venv}
export GANGRADE_CACHE=${GANGRADE_CACHE:-$root/gangrade-cache}
exec "$venv/bin/python" -m autograder.shipping.gradescope_run --root "$root" --config "$root/source/gangrade.json"
"""
