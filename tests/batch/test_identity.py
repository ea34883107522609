"""A grade's identity changes with what decides it: the pack's files and the reference its setting names."""
from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from autograder.batch.identity import pack_version
from autograder.packs import get_pack


@pytest.fixture
def course_reference(tmp_path, monkeypatch):
    """A course's own reference package, importable as `course_solutions`."""
    package = tmp_path / "course_solutions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "my_gan.py").write_text("def generator_loss(x):\n    return -x.mean()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    sys.modules.pop("course_solutions", None)


def test_a_pack_version_follows_the_reference_its_setting_names(course_reference):
    pack = replace(get_pack("mlp_gan"), reference_module="course_solutions.my_gan")
    before = pack_version(pack)
    assert before != pack_version(get_pack("mlp_gan"))
    (course_reference / "my_gan.py").write_text("def generator_loss(x):\n    return x.mean()\n")
    assert pack_version(pack) != before


def test_a_pack_version_is_stable_and_follows_the_packs_own_files(tmp_path):
    pack = get_pack("mlp_gan")
    assert pack_version(pack) == pack_version(pack)
    copy = tmp_path / "mlp_gan"
    copy.mkdir()
    for name in ("pack.toml", "checks.py", "public_checks.py", "fixtures.py"):
        (copy / name).write_bytes((pack.folder / name).read_bytes())
    moved = replace(pack, folder=copy)
    assert pack_version(moved) == pack_version(pack)
    (copy / "checks.py").write_text((copy / "checks.py").read_text() + "\n# a change\n")
    assert pack_version(moved) != pack_version(pack)
