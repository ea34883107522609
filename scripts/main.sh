#!/usr/bin/env bash
# The main job on the embedded default: check that the committed fixtures
# still match the reference, then list the packs and their rubrics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gangrade fixtures verify
.venv/bin/gangrade list
