#!/usr/bin/env bash
# The main job on the embedded default: verify the committed fixtures, list
# the packs, grade every pack's solution with brief training (the default
# budget; the first run also trains and caches each pack's reference), then
# grade every bundled sample submission (solution, valid variants, one-bug
# submissions) with brief training off, into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gangrade fixtures verify
.venv/bin/gangrade list
for pack in assignments/*/; do
    id=$(basename "$pack")
    [ -f "$pack/pack.toml" ] || continue
    samples="$pack/samples"
    .venv/bin/gangrade grade "$samples/solution.ipynb" --assignment "$id" --out "out/solutions/$id"
    .venv/bin/gangrade grade "$samples/solution.ipynb" "$samples/valid" "$samples/buggy" \
        --assignment "$id" --train-steps 0 --out "out/samples/$id"
done
