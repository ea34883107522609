"""A pack whose checks disagree with its pack.toml is refused when it loads, with the pack and item named."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.errors import PackError
from autograder.pack_checks import load_checks, recipe_names, validate_pack
from autograder.packs import discover_packs, get_pack

REAL = get_pack("mlp_gan")

WRAPPER = '''
from . import real_checks as real

BRIEF = real.BRIEF


def plan(rng, brief_context=None):
    planned = real.plan(rng, brief_context)
{mutation}
    return planned
'''


def broken_pack(tmp_path: Path, mutation: str, brief: str = "") -> Path:
    """A course folder holding a copy of mlp_gan whose checks.py wraps the real one, changed by `mutation`."""
    folder = tmp_path / "course" / REAL.id
    folder.mkdir(parents=True)
    for name in ("pack.toml", "public_checks.py", "fixtures.py"):
        shutil.copy(REAL.folder / name, folder / name)
    shutil.copy(REAL.folder / "checks.py", folder / "real_checks.py")
    text = WRAPPER.format(mutation=mutation) + brief
    (folder / "checks.py").write_text(text)
    return folder.parent


@pytest.mark.parametrize("mutation, problem", [
    ("    del planned['objectives']", "has no checks for the rubric items objectives"),
    ("    planned['style'] = planned['objectives']", "has items that pack.toml does not list: style"),
    ("    planned['objectives'] = []", "gives item 'objectives' no checks"),
    ("    raise KeyError('images')", "plan() raised KeyError"),
])
def test_a_plan_that_differs_from_the_rubric_is_refused(tmp_path, mutation, problem):
    course = broken_pack(tmp_path, mutation)
    with pytest.raises(PackError) as caught:
        validate_pack(discover_packs(course)[0])
    assert problem in caught.value.problem and caught.value.path == course / REAL.id / "checks.py"


def test_a_recipe_naming_what_the_reference_lacks_is_refused(tmp_path):
    brief = ("\nimport dataclasses\nBRIEF = dataclasses.replace(real.BRIEF, recipe={**real.BRIEF.recipe, "
             "'loop': {**real.BRIEF.recipe['loop'], 'function': 'train_gan_for_ever'}})\n")
    course = broken_pack(tmp_path, "", brief)
    with pytest.raises(PackError, match="names train_gan_for_ever, which the reference module"):
        validate_pack(discover_packs(course)[0])


def test_grade_refuses_a_broken_pack_in_one_line(tmp_path, monkeypatch, capsys):
    course = broken_pack(tmp_path, "    del planned['training']")
    monkeypatch.setenv("GANGRADE_ASSIGNMENTS", str(course))
    status = main(["grade", str(REAL.folder / "samples" / "solution.ipynb"), "--assignment", REAL.id,
                   "--out", str(tmp_path / "out"), "--train-steps", "0"])
    err = capsys.readouterr().err
    assert status == 1 and "checks.py: plan() has no checks for the rubric items training" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("pack", discover_packs(), ids=lambda pack: pack.id)
def test_every_bundled_pack_is_valid(pack):
    validate_pack(pack)
    assert recipe_names(load_checks(pack).brief.recipe)


def _with_recipe(change: str) -> str:
    return f"\nimport dataclasses\nBRIEF = dataclasses.replace(real.BRIEF, {change})\n"


@pytest.mark.parametrize("brief, problem", [
    ("\nBRIEF = {'recipe': {}}\n", "BRIEF must be an autograder.checks.brief.BriefTraining, not dict"),
    (_with_recipe("recipe={**real.BRIEF.recipe, 'schedule': 'cosine'}"), "BRIEF.recipe: unknown fields schedule"),
    (_with_recipe("recipe={k: v for k, v in real.BRIEF.recipe.items() if k != 'roles'}"), "needs 'networks' or 'roles'"),
    (_with_recipe("recipe={**real.BRIEF.recipe, 'loop': {'args': []}}"), "BRIEF.recipe['loop']: needs 'function'"),
    (_with_recipe("recipe={**real.BRIEF.recipe, 'sample': {**real.BRIEF.recipe['sample'], 'noise': 'gaussian'}}"),
     "BRIEF.recipe['sample']['noise']: 'gaussian' is not one of uniform, normal"),
    (_with_recipe("data='cifar10'"), "BRIEF.data: 'cifar10' is not one of mnist, celeba"),
    (_with_recipe("steps={'cpu': 0}"), "BRIEF.steps: {'cpu': 0}; expected positive step counts"),
])
def test_a_brief_training_the_engine_cannot_run_is_refused_naming_the_field(tmp_path, brief, problem):
    course = broken_pack(tmp_path, "", brief)
    with pytest.raises(PackError) as caught:
        validate_pack(discover_packs(course)[0])
    assert problem in caught.value.problem and caught.value.path == course / REAL.id / "checks.py"


def test_checks_without_a_plan_function_are_refused(tmp_path):
    course = broken_pack(tmp_path, "")
    (course / REAL.id / "checks.py").write_text("PLAN = {}\n")
    with pytest.raises(PackError, match=r"defines no plan\(rng, brief_context=None\) function"):
        load_checks(discover_packs(course)[0])
