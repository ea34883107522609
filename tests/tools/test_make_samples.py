"""The sample records are the one source of truth: rebuilding them gives exactly what is committed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.make_samples import make_pack, packs_with_samples

PACKS = packs_with_samples()


def generated_files(pack_dir: Path) -> dict[str, bytes]:
    """What make_samples writes for a pack: the starter and the samples folder's notebooks, zips and expected.toml."""
    samples = pack_dir / "samples"
    paths = [pack_dir / "starter.ipynb", samples / "solution.ipynb", samples / "expected.toml",
             *(path for folder in ("valid", "buggy") for path in (samples / folder).glob("*")
               if path.suffix in (".ipynb", ".zip"))]
    return {path.relative_to(pack_dir).as_posix(): path.read_bytes() for path in paths if path.exists()}


def test_every_pack_with_samples_is_found():
    assert [pack.name for pack in PACKS] == ["cs231n_gan", "cs501r_dcgan", "cs501r_wgan_gp", "dcgan_tutorial", "mlp_gan"]


@pytest.mark.parametrize("pack_dir", PACKS, ids=lambda path: path.name)
def test_committed_samples_are_what_the_records_build(pack_dir, tmp_path):
    path_before = list(sys.path)
    make_pack(pack_dir, tmp_path)
    assert sys.path == path_before

    built, committed = generated_files(tmp_path), generated_files(pack_dir)
    hint = "edit the records in samples/*.py and run `python -m tools.make_samples`"
    assert sorted(built) == sorted(committed), f"committed samples differ from the records' ({hint})"
    stale = sorted(name for name in built if built[name] != committed[name])
    assert stale == [], f"{pack_dir.name}: {', '.join(stale)} differ from what the records build ({hint})"
