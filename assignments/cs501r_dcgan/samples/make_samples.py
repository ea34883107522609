"""Write the cs501r_dcgan starter notebook, the sample submissions and expected.toml.

    python assignments/cs501r_dcgan/samples/make_samples.py

writes, next to this script and one folder up:

- ../starter.ipynb: the notebook students get (TODO stubs);
- solution.ipynb: the complete notebook;
- valid/*.ipynb: correct submissions in other students' styles;
- buggy/*.ipynb: the solution with one bug each;
- expected.toml: for every sample, the rubric items a fair grader must fail.

Everything is built from the solution's cells (notebook_cells.py) plus each
sample's edits (valid_samples.py, buggy_samples.py): to change a sample,
edit its record there and re-run. The output is deterministic (no
execution counts, no outputs, cell ids from the cell index, fixed zip
timestamps), and notebooks or zips in valid/ and buggy/ that no record
produces any more are removed.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]  # the sibling modules and samplekit, also when imported

from buggy_samples import BUGGY_SAMPLES  # noqa: E402
from notebook_cells import CELLS  # noqa: E402
from samplekit.writer import write_pack_samples  # noqa: E402
from valid_samples import VALID_SAMPLES  # noqa: E402

if __name__ == "__main__":
    write_pack_samples(HERE, "cs501r_dcgan", CELLS, VALID_SAMPLES, BUGGY_SAMPLES)
