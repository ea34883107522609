"""Write each pack's starter notebook, sample submissions and expected.toml.

    python assignments/make_samples.py [PACK_ID ...]     (default: every pack with samples)

For a pack, writes into assignments/<id>/:

- starter.ipynb: the notebook students get (TODO stubs);
- samples/solution.ipynb: the complete notebook;
- samples/valid/*.ipynb, *.zip: correct submissions in other students' styles;
- samples/buggy/*.ipynb: the solution with one bug each;
- samples/expected.toml: for every sample, what a fair grader must make of it.

Everything is built from the solution's cells (samples/notebook_cells.py)
plus each sample's edits (samples/valid_samples.py, buggy_samples.py): to
change a sample, edit its record there and re-run. The output is
deterministic (see samplekit.writer), and notebooks or zips in valid/ and
buggy/ that no record produces any more are removed.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

ASSIGNMENTS = Path(__file__).resolve().parent
sys.path.insert(0, str(ASSIGNMENTS))  # samplekit

from samplekit.writer import write_pack_samples  # noqa: E402


def make_pack(pack_dir: Path) -> None:
    """Import the pack's sample modules (they import each other by plain name) and write its samples."""
    samples = pack_dir / "samples"
    sys.path.insert(0, str(samples))
    try:
        cells = importlib.import_module("notebook_cells").CELLS
        valid = importlib.import_module("valid_samples").VALID_SAMPLES
        buggy = importlib.import_module("buggy_samples").BUGGY_SAMPLES
        write_pack_samples(samples, pack_dir.name, cells, valid, buggy)
    finally:
        sys.path.remove(str(samples))
        for name, module in list(sys.modules.items()):  # the next pack has modules of the same names
            if str(getattr(module, "__file__", "") or "").startswith(str(samples)):
                del sys.modules[name]


def main(pack_ids: list[str]) -> None:
    packs = sorted(path.parent.parent for path in ASSIGNMENTS.glob("*/samples/notebook_cells.py"))
    known = {pack.name for pack in packs}
    unknown = sorted(set(pack_ids) - known)
    if unknown:
        raise SystemExit(f"no samples for {', '.join(unknown)}; packs with samples: {', '.join(sorted(known))}")
    for pack in packs:
        if not pack_ids or pack.name in pack_ids:
            make_pack(pack)


if __name__ == "__main__":
    main(sys.argv[1:])
