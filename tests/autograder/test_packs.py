"""Pack specs: the rubrics of ASSIGNMENTS.md, and clear errors for broken pack files."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.errors import PackError, UsageError
from autograder.packs import discover_packs, get_pack, load_pack

# Rubric item ids and points, transcribed from ASSIGNMENTS.md (the contract).
CONTRACT_RUBRICS = {
    "cs231n_gan": {
        "leaky_relu": 5, "sample_noise": 5, "discriminator": 10, "generator": 10, "gan_loss": 15,
        "get_optimizer": 10, "lsgan_loss": 10, "dc_discriminator": 10, "dc_generator": 10,
        "training": 10, "inline_minimax": 5,
    },
    "cs501r_dcgan": {
        "discriminator": 20, "generator": 20, "loss_functions": 20, "variable_sharing": 20,
        "training_subsets": 10, "final_image": 10,
    },
    "cs501r_wgan_gp": {
        "discriminator": 20, "generator": 20, "gradient_penalty": 20, "wgan_losses": 10,
        "training_subsets": 10, "training_loop": 10, "final_image": 5, "interpolation": 5,
    },
    "dcgan_tutorial": {
        "discriminator": 20, "generator": 20, "loss_functions": 20, "variable_separation": 20,
        "training": 10, "final_image": 10,
    },
    "mlp_gan": {
        "weight_init": 10, "generator": 15, "discriminator": 15, "objectives": 20,
        "variable_separation": 20, "training": 10, "final_image": 10,
    },
}


def test_the_five_packs_carry_the_contract_rubrics():
    packs = {pack.id: pack for pack in discover_packs()}
    assert set(packs) == set(CONTRACT_RUBRICS)
    for pack_id, rubric in CONTRACT_RUBRICS.items():
        assert {item.id: item.points for item in packs[pack_id].items} == rubric
        assert packs[pack_id].total_points == 100


@pytest.mark.parametrize("pack_id", sorted(CONTRACT_RUBRICS))
def test_each_pack_names_an_importable_reference_module(pack_id):
    module = get_pack(pack_id).reference()
    assert callable(module.public_fixtures)
    assert isinstance(module.FIXTURE_SEED, int)


def test_unknown_pack_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown assignment 'nope'"):
        get_pack("nope")


def _write_pack(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pack.toml").write_text(text)
    return folder


GOOD_HEADER = 'id = "{id}"\ntitle = "t"\nseed = "000"\ndata = "mnist"\nreference = "reference.packs.mlp_gan"\n'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[[items]]\nid = "a"\npoints = 60\ndescription = "d"\n', "add up to 60, not 100"),
        ('[[items]]\nid = "a"\npoints = 50\ndescription = "d"\n[[items]]\nid = "a"\npoints = 50\ndescription = "d"\n', "repeated: a"),
        ('[[items]]\nid = "a"\npoints = -100\ndescription = "d"\n', "positive integer"),
        ('[[items]]\nid = "a"\ndescription = "d"\n', "needs id, points and description"),
    ],
)
def test_inconsistent_rubrics_name_the_file_and_problem(tmp_path, body, problem):
    folder = _write_pack(tmp_path / "p", GOOD_HEADER.format(id="p") + body)
    with pytest.raises(PackError, match=problem) as raised:
        load_pack(folder)
    assert raised.value.path == folder / "pack.toml"


def test_pack_id_must_match_its_folder(tmp_path):
    folder = _write_pack(tmp_path / "p", GOOD_HEADER.format(id="q") + '[[items]]\nid="a"\npoints=100\ndescription="d"\n')
    with pytest.raises(PackError, match="does not match its folder name 'p'"):
        load_pack(folder)


def test_invalid_toml_is_reported(tmp_path):
    folder = _write_pack(tmp_path / "p", "id = [unclosed")
    with pytest.raises(PackError, match="not valid TOML"):
        load_pack(folder)
