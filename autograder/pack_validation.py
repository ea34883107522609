"""A pack's checks checked against its pack.toml when the pack is loaded for grading.

A plan that leaves out a rubric item would score it 0 on every submission;
one with an item pack.toml does not list would grade what nobody reads; a
brief-training recipe that names a function the reference does not define
fails only when the first submission trains. Each of these is a mistake of
the pack's author, so it is refused before anything is graded, with the
pack, the item or the name.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from autograder.errors import PackError
from autograder.packs import CHECKS_FILE, PUBLIC_CHECKS_FILE, Pack


def validate_pack(pack: Pack) -> None:
    """Load the pack's checks and validate them (with its public fixtures, when they are there)."""
    from autograder.paths import pack_fixture_path
    from autograder.fixtures.npz import read_npz
    from autograder.paths import fixtures_dir

    checks = pack.checks()
    if checks is None:
        raise PackError(pack.folder / CHECKS_FILE, "missing: every pack grades its items with a checks.py")
    fixture = pack_fixture_path(fixtures_dir(), pack.id)
    validate_checks(pack, checks, pack.public_checks(), read_npz(fixture) if fixture.exists() else None)


def validate_checks(pack: Pack, checks: ModuleType, public_checks: ModuleType | None,
                    fixtures: dict[str, np.ndarray] | None) -> None:
    """Raise PackError unless the hidden plan, the public plan and the recipe agree with the pack."""
    path = pack.folder / CHECKS_FILE
    rubric = [item.id for item in pack.items]
    try:
        hidden = checks.plan(np.random.default_rng(0), brief=None)
    except Exception as exc:  # the author's code: say where, never a traceback
        raise PackError(path, f"plan() raised {type(exc).__name__}: {exc}") from None
    _same_items(path, "plan()", list(hidden), rubric)
    for item, groups in hidden.items():
        if not groups:
            raise PackError(path, f"plan() gives item '{item}' no checks")
    if public_checks is not None and fixtures is not None:
        public_path = pack.folder / PUBLIC_CHECKS_FILE
        try:
            public = public_checks.public_plan(fixtures)
        except Exception as exc:
            raise PackError(public_path, f"public_plan() raised {type(exc).__name__}: {exc}") from None
        unknown = sorted(set(public) - set(rubric))
        if unknown:
            raise PackError(public_path, f"public_plan() has items that pack.toml does not list: {', '.join(unknown)}")
    recipe_spec = getattr(checks, "BRIEF", None)
    if recipe_spec is not None:
        missing = [name for name in recipe_names(recipe_spec.recipe) if not _defined(pack.reference(), name)]
        if missing:
            raise PackError(path, f"the brief-training recipe names {', '.join(missing)}, which the reference "
                                  f"module {pack.reference_module} does not define")


def _same_items(path, what: str, planned: list[str], rubric: list[str]) -> None:
    left_out = [item for item in rubric if item not in planned]
    extra = [item for item in planned if item not in rubric]
    if left_out:
        raise PackError(path, f"{what} has no checks for the rubric items {', '.join(left_out)} (pack.toml lists them)")
    if extra:
        raise PackError(path, f"{what} has items that pack.toml does not list: {', '.join(extra)}")


def recipe_names(recipe: dict) -> list[str]:
    """The notebook names a brief-training recipe calls or reads (see observe/brief_training.py).

    A network role that may be a class or a function (`build` or `function`) counts once, as
    "build|function": either one defined is enough.
    """
    names: list[str] = []
    for spec in [*recipe.get("networks", []), *recipe.get("roles", [])]:
        alternatives = [spec[key] for key in ("build", "function") if isinstance(spec.get(key), str)]
        if alternatives:
            names.append("|".join(alternatives))
    optimizers = recipe.get("optimizers", {})
    names += [optimizers[key] for key in ("factory", "per_network") if key in optimizers]
    loop = recipe.get("loop", {})
    names += [loop[key] for key in ("function", "step_function") if key in loop]
    arguments = [*loop.get("args", []), *loop.get("kwargs", {}).values()]
    names += [spec["notebook"] for spec in arguments if isinstance(spec, dict) and "notebook" in spec]
    names += list(recipe.get("watch", {}))
    names += [recipe["sample"]["noise_function"]] if "noise_function" in recipe.get("sample", {}) else []
    return list(dict.fromkeys(names))


def _defined(module: ModuleType, alternatives: str) -> bool:
    return any(hasattr(module, name) for name in alternatives.split("|"))
