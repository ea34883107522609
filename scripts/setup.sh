#!/usr/bin/env bash
# Create .venv and install gangrade with the pinned dependencies.
# Idempotent: when pyproject.toml and the pins are unchanged it does nothing.
#
# Environment:
#   PYTHON                 interpreter to build the venv from (default python3)
#   GANGRADE_TORCH_INDEX   a pip index URL for torch and torchvision (e.g. PyTorch's
#                          CPU-only index on a machine without a GPU and without a
#                          local CPU wheel); by default pip picks torch==2.13.0 itself.
set -euo pipefail
cd "$(dirname "$0")/.."

# Student code runs in a bubblewrap sandbox (autograder/execution/sandbox.py).
# Installed here when this is root on Debian/Ubuntu (CI); elsewhere a note.
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing bubblewrap (the sandbox for student code)..." >&2
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap) >&2 \
      || echo "note: could not install bubblewrap; grading will need --no-sandbox until it is installed" >&2
  else
    echo "note: bubblewrap (bwrap) is not installed; grading uses it to sandbox student code." >&2
    echo "      Install it as root (Debian/Ubuntu: apt-get install bubblewrap), or grade with --no-sandbox." >&2
  fi
fi

# The HTML reports are checked in a real headless browser by the tests (Debian's chromium).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (the tests open the HTML reports in it)..." >&2
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium) >&2 \
    || echo "note: could not install chromium; the browser test of the reports will be skipped" >&2
fi

venv=.venv
python=$venv/bin/python
want=$(cat pyproject.toml requirements/pins.txt | sha256sum | cut -d' ' -f1)
if [ -x "$python" ] && [ "$(cat "$venv/.gangrade-setup" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

echo "setting up $venv (first run, or dependencies changed)..." >&2
[ -x "$python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$python" -m pip install --quiet --disable-pip-version-check --upgrade pip

# torch before anything that depends on it: a range that an installed torch
# satisfies pulls nothing more, so no multi-GB CUDA wheel lands on a CPU box.
# torchvision comes with it (the student's kernel imports it), from the same index: its build must
# match torch's. Beside a CPU torch, PyPI's x86_64 torchvision cannot load its C++ operators; the
# kernel then still imports its datasets, transforms and utils (autograder/execution/kernel_offline.py).
if ! "$python" -c "import torch" 2>/dev/null; then
  "$python" -m pip install --quiet --disable-pip-version-check torch==2.13.0 torchvision==0.28.0 \
    ${GANGRADE_TORCH_INDEX:+--index-url "$GANGRADE_TORCH_INDEX"}
fi
"$python" -m pip install --quiet --disable-pip-version-check -c requirements/pins.txt -e ".[test,kernel]"
echo "$want" > "$venv/.gangrade-setup"
