"""`gangrade fixtures build|verify`: deterministic bytes, a clean verify, and drift caught and explained."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.cli import main
from autograder.fixtures.build import ClassifierRecipe, build_fixtures
from autograder.fixtures.npz import read_npz, write_npz
from autograder.fixtures.verify import verify_fixtures
from autograder.packs import discover_packs, get_pack
from autograder.paths import PROJECT_ROOT, pack_fixture_path

TINY_CLASSIFIER = ClassifierRecipe(max_steps=5, min_accuracy=0.0)


def _all_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fixtures")
    build_fixtures(folder, discover_packs(), TINY_CLASSIFIER, command="test build", log=lambda _: None)
    return folder


def test_building_twice_gives_identical_bytes(built, tmp_path):
    build_fixtures(tmp_path, discover_packs(), TINY_CLASSIFIER, command="test build", log=lambda _: None)
    first, second = _all_bytes(built), _all_bytes(tmp_path)
    assert first.keys() == second.keys()
    assert {name for name in first} >= {"manifest.json", "cs231n_gan/public.npz", "classifier/mnist_classifier.safetensors"}
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_manifest_records_hashes_versions_seeds_and_command(built):
    manifest = json.loads((built / "manifest.json").read_text())
    assert set(manifest["versions"]) >= {"python", "torch", "numpy"}
    entry = manifest["packs"]["cs231n_gan"]
    assert entry["seed"] == get_pack("cs231n_gan").fixture_recipe().FIXTURE_SEED
    assert entry["command"] == "test build"
    import hashlib
    assert entry["sha256"] == hashlib.sha256((built / entry["file"]).read_bytes()).hexdigest()
    assert manifest["classifier"]["weights"]["file"].endswith(".safetensors")


def test_fixture_files_hold_no_pickles(built):
    for path in built.rglob("*.npz"):
        with np.load(path, allow_pickle=False) as data:
            for name in data.files:
                assert data[name].dtype != object


def test_verify_passes_on_a_fresh_build(built):
    assert verify_fixtures(built, discover_packs(), check_classifier=True, data=None, log=lambda _: None) == []


def _copy(src: Path, dst: Path) -> Path:
    for name, content in _all_bytes(src).items():
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        (dst / name).write_bytes(content)
    return dst


def test_a_flipped_byte_is_reported_as_a_changed_file(built, tmp_path):
    folder = _copy(built, tmp_path)
    path = pack_fixture_path(folder, "mlp_gan")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = verify_fixtures(folder, [get_pack("mlp_gan")], check_classifier=False, data=None, log=lambda _: None)
    assert any("mlp_gan/public.npz: changed since it was built" in line for line in problems)


def test_an_altered_value_is_reported_with_its_size(built, tmp_path):
    folder = _copy(built, tmp_path)
    path = pack_fixture_path(folder, "cs231n_gan")
    arrays = read_npz(path)
    arrays["d_loss_true"] = arrays["d_loss_true"] + 1e-3
    write_npz(path, arrays)
    problems = verify_fixtures(folder, [get_pack("cs231n_gan")], check_classifier=False, data=None, log=lambda _: None)
    drift = [line for line in problems if "d_loss_true" in line]
    assert len(drift) == 1 and "max abs diff 0.001" in drift[0]


def test_a_missing_array_and_a_truncated_file_are_reported(built, tmp_path):
    folder = _copy(built, tmp_path)
    arrays = read_npz(pack_fixture_path(folder, "dcgan_tutorial"))
    del arrays["z"]
    write_npz(pack_fixture_path(folder, "dcgan_tutorial"), arrays)
    pack_fixture_path(folder, "mlp_gan").write_bytes(b"PK\x03\x04 truncated")
    problems = verify_fixtures(folder, [get_pack("dcgan_tutorial"), get_pack("mlp_gan")], False, None, log=lambda _: None)
    assert any("dcgan_tutorial/public.npz z: produced now but missing" in line for line in problems)
    assert any("mlp_gan/public.npz: unreadable .npz" in line for line in problems)


def test_altered_classifier_weights_are_caught(built, tmp_path):
    folder = _copy(built, tmp_path)
    weights = folder / "classifier" / "mnist_classifier.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0x40  # a byte of the last tensor's data
    weights.write_bytes(bytes(data))
    problems = verify_fixtures(folder, [], check_classifier=True, data=None, log=lambda _: None)
    assert any("mnist_classifier.safetensors: changed since it was built" in line for line in problems)


def test_cli_verify_exits_1_with_a_report_on_drift(built, tmp_path, monkeypatch, capsys):
    folder = _copy(built, tmp_path)
    arrays = read_npz(pack_fixture_path(folder, "cs501r_dcgan"))
    arrays["d_loss"] = arrays["d_loss"] * 2
    write_npz(pack_fixture_path(folder, "cs501r_dcgan"), arrays)
    monkeypatch.setenv("GANGRADE_FIXTURES", str(folder))
    assert main(["fixtures", "verify", "--assignment", "cs501r_dcgan"]) == 1
    out, err = capsys.readouterr()
    assert "cs501r_dcgan/public.npz d_loss: max abs diff" in out
    assert "fixtures drifted" in err


def test_cli_verify_without_a_manifest_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANGRADE_FIXTURES", str(tmp_path))
    assert main(["fixtures", "verify"]) == 1
    assert "manifest.json: missing; run `gangrade fixtures build`" in capsys.readouterr().err


def test_cli_build_of_one_pack_keeps_the_other_entries(built, tmp_path, monkeypatch):
    folder = _copy(built, tmp_path)
    before = json.loads((folder / "manifest.json").read_text())
    monkeypatch.setenv("GANGRADE_FIXTURES", str(folder))
    assert main(["fixtures", "build", "--assignment", "mlp_gan"]) == 0
    after = json.loads((folder / "manifest.json").read_text())
    assert after["packs"]["mlp_gan"]["command"] == "gangrade fixtures build --assignment mlp_gan"
    assert after["packs"]["cs231n_gan"] == before["packs"]["cs231n_gan"]
    assert after["classifier"] == before["classifier"]


def test_the_committed_fixtures_verify():
    """What `gangrade fixtures verify` checks on a fresh checkout."""
    folder = PROJECT_ROOT / "grading_fixtures"
    assert verify_fixtures(folder, discover_packs(), check_classifier=True, data=None, log=lambda _: None) == []


def test_npz_written_by_us_is_an_ordinary_npz(tmp_path):
    path = tmp_path / "a.npz"
    write_npz(path, {"b": np.arange(3), "a": np.eye(2)})
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["a.npy", "b.npy"]
    loaded = read_npz(path)
    assert np.array_equal(loaded["b"], np.arange(3)) and np.array_equal(loaded["a"], np.eye(2))
