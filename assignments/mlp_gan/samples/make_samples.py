"""Write the mlp_gan starter notebook, the sample submissions and expected.toml.

    python assignments/mlp_gan/samples/make_samples.py

writes ../starter.ipynb, solution.ipynb, valid/, buggy/ and expected.toml next
to this script, from the solution's cells (notebook_cells.py) plus each
sample's edits (valid_samples.py, buggy_samples.py); see samplekit.writer.
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
    write_pack_samples(HERE, "mlp_gan", CELLS, VALID_SAMPLES, BUGGY_SAMPLES)
