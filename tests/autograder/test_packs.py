"""Pack specs: the rubrics each assignment publishes, and clear errors for broken pack files."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.errors import PackError, UsageError
from autograder.packs import discover_packs, get_pack, load_pack

# Rubric item ids and points, transcribed from each assignment's published rubric (the contract).
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
def test_each_pack_names_an_importable_reference_module_and_a_fixture_recipe(pack_id):
    pack = get_pack(pack_id)
    assert callable(getattr(pack.reference(), "train", None) or getattr(pack.reference(), "train_step", None)
                    or getattr(pack.reference(), "run_a_gan", None))
    recipe = pack.fixture_recipe()
    assert callable(recipe.public_fixtures)
    assert isinstance(recipe.FIXTURE_SEED, int)


def test_unknown_pack_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown assignment 'nope'"):
        get_pack("nope")


def _write_pack(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pack.toml").write_text(text)
    return folder


GOOD_HEADER = 'id = "{id}"\ntitle = "t"\nsource = "000"\ndata = "mnist"\nreference = "reference.packs.mlp_gan"\n'


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


def test_a_pack_without_a_fixture_recipe_names_the_missing_file(tmp_path):
    folder = _write_pack(tmp_path / "p", GOOD_HEADER.format(id="p") + '[[items]]\nid="a"\npoints=100\ndescription="d"\n')
    with pytest.raises(PackError, match=r"fixtures\.py.*missing"):
        load_pack(folder).fixture_recipe()
    (folder / "fixtures.py").write_text("FIXTURE_SEED = 'one'\ndef public_fixtures():\n    return {}\n")
    with pytest.raises(PackError, match="integer FIXTURE_SEED"):
        load_pack(folder).fixture_recipe()


def test_a_packs_files_import_one_another_relatively(tmp_path):
    folder = _write_pack(tmp_path / "p", GOOD_HEADER.format(id="p") + '[[items]]\nid="a"\npoints=100\ndescription="d"\n')
    (folder / "fixtures.py").write_text("FIXTURE_SEED = 7\ndef public_fixtures():\n    return {'seed': FIXTURE_SEED}\n")
    (folder / "checks.py").write_text("def plan(rng, brief_context=None):\n    from .fixtures import public_fixtures\n"
                                      "    return public_fixtures()\n")
    assert load_pack(folder).checks_module().plan(None) == {"seed": 7}
