"""Write each pack's starter notebook, sample submissions and expected.toml.

    python -m tools.make_samples [PACK_ID ...]     (default: every pack with samples)

For a pack, writes into assignments/<id>/:

- starter.ipynb: the notebook students get (TODO stubs);
- samples/solution.ipynb: the complete notebook;
- samples/valid/*.ipynb, *.zip: correct submissions in other students' styles;
- samples/buggy/*.ipynb: the solution with one bug each;
- samples/expected.toml: for every sample, what a fair grader must make of it.

Everything is built from the solution's cells (samples/notebook_cells.py)
plus each sample's edits (samples/valid_samples.py, buggy_samples.py): to
change a sample, edit its record there and re-run. The records are the one
source of truth: tests/tools/test_make_samples.py rebuilds every pack into a
scratch folder and compares it with what is committed. The output is
deterministic (see tools.samplekit.writer), and notebooks or zips in valid/
and buggy/ that no record produces any more are removed.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

from tools.samplekit.writer import write_pack_samples

ASSIGNMENTS = Path(__file__).resolve().parents[1] / "assignments"


def packs_with_samples(assignments: Path = ASSIGNMENTS) -> list[Path]:
    return sorted(path.parent.parent for path in assignments.glob("*/samples/notebook_cells.py"))


def sample_records(pack_dir: Path) -> tuple:
    """The pack's (cells, valid, buggy) records: its samples/ folder imported as a package of its own.

    The record modules import one another relatively (`from .notebook_cells import code`), so every
    pack's modules keep their own names and nothing is added to sys.path.
    """
    package = f"gangrade_samples_{pack_dir.name}"
    if package not in sys.modules:
        spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
        spec.submodule_search_locations = [str(pack_dir / "samples")]
        sys.modules[package] = importlib.util.module_from_spec(spec)
    return (importlib.import_module(f"{package}.notebook_cells").CELLS,
            importlib.import_module(f"{package}.valid_samples").VALID_SAMPLES,
            importlib.import_module(f"{package}.buggy_samples").BUGGY_SAMPLES)


def make_pack(pack_dir: Path, out_dir: Path | None = None) -> None:
    """Write the pack's starter and samples into `out_dir` (default: the pack's own folder)."""
    write_pack_samples(out_dir or pack_dir, pack_dir.name, *sample_records(pack_dir))


def main(pack_ids: list[str]) -> None:
    packs = packs_with_samples()
    known = {pack.name for pack in packs}
    unknown = sorted(set(pack_ids) - known)
    if unknown:
        raise SystemExit(f"no samples for {', '.join(unknown)}; packs with samples: {', '.join(sorted(known))}")
    for pack in packs:
        if not pack_ids or pack.name in pack_ids:
            make_pack(pack)


if __name__ == "__main__":
    main(sys.argv[1:])
