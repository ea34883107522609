#!/usr/bin/env bash
# The main job on the embedded default: verify the committed fixtures, list
# the packs, and grade the bundled cs231n_gan sample submissions (the
# solution, the valid variants and the one-bug submissions) into out/samples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gangrade fixtures verify
.venv/bin/gangrade list
samples=assignments/cs231n_gan/samples
.venv/bin/gangrade grade "$samples/solution.ipynb" "$samples/valid" "$samples/buggy" --out out/samples
