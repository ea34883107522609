"""The contract between a pack's Python files and the engine, loaded and validated once.

A pack's `checks.py` gives the engine

    plan(rng, brief_context=None) -> Plan   the hidden checks, one entry per rubric item of pack.toml
    BRIEF = BriefTraining(...)              optional: its brief-training run (autograder.checks.brief)

and its `public_checks.py`, when it has one,

    public_plan(fixtures) -> Plan           the checks students may see, on the committed fixtures

(docs/writing-a-pack.md is the author's side of this contract).
`load_checks` and `load_public_checks` read them into the typed objects
below; `validate_pack` also runs the plans once and compares them with
pack.toml. A mistake of the pack's author is a PackError that names the file
and the field, raised before anything is graded: a plan that leaves out an
item would score it 0 on every submission, and a recipe that names a function
the reference lacks would fail only when the first submission trains.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from autograder.checks.brief import BriefContext, BriefTraining
from autograder.checks.plan import CheckGroup
from autograder.errors import PackError
from autograder.packs import CHECKS_FILE, PUBLIC_CHECKS_FILE, Pack

Plan = dict[str, list[CheckGroup]]
Fixtures = dict[str, np.ndarray]


@dataclass(frozen=True)
class HiddenChecks:
    """checks.py: the hidden plan and the brief-training run."""

    pack: Pack
    make_plan: Callable[[np.random.Generator, BriefContext | None], Plan]
    brief: BriefTraining | None = None

    def plan(self, rng: np.random.Generator, brief_context: BriefContext | None = None) -> Plan:
        """One grade's checks; `brief_context` is None where brief training is not run (in-process, tests)."""
        return self.make_plan(rng, brief_context)


@dataclass(frozen=True)
class PublicChecks:
    """public_checks.py: the checks students run on their own notebook."""

    pack: Pack
    make_plan: Callable[[Fixtures], Plan]

    def plan(self, fixtures: Fixtures) -> Plan:
        return self.make_plan(fixtures)


def load_checks(pack: Pack) -> HiddenChecks:
    """The pack's checks.py, its shape checked (not yet run: see validate_pack)."""
    path = pack.folder / CHECKS_FILE
    module = pack.checks_module()
    if module is None:
        raise PackError(path, "missing: every pack grades its items with a checks.py")
    make_plan = getattr(module, "plan", None)
    if not callable(make_plan):
        raise PackError(path, "defines no plan(rng, brief_context=None) function")
    brief = getattr(module, "BRIEF", None)
    if brief is not None and not isinstance(brief, BriefTraining):
        raise PackError(path, f"BRIEF must be an autograder.checks.brief.BriefTraining, not {type(brief).__name__}")
    return HiddenChecks(pack, make_plan, brief)


def load_public_checks(pack: Pack) -> PublicChecks | None:
    """The pack's public_checks.py, if it has one (the student kit ships it; never checks.py)."""
    module = pack.public_checks_module()
    if module is None:
        return None
    make_plan = getattr(module, "public_plan", None)
    if not callable(make_plan):
        raise PackError(pack.folder / PUBLIC_CHECKS_FILE, "defines no public_plan(fixtures) function")
    return PublicChecks(pack, make_plan)


def validate_pack(pack: Pack) -> HiddenChecks:
    """Load the pack's checks and validate them (with its public fixtures, when they are there)."""
    from autograder.fixtures.npz import read_npz
    from autograder.paths import fixtures_dir, pack_fixture_path

    checks = load_checks(pack)
    fixture = pack_fixture_path(fixtures_dir(), pack.id)
    validate_checks(checks, load_public_checks(pack), read_npz(fixture) if fixture.exists() else None)
    return checks


def validate_checks(checks: HiddenChecks, public: PublicChecks | None, fixtures: Fixtures | None) -> None:
    """Raise PackError unless the hidden plan, the public plan and the recipe agree with the pack."""
    pack = checks.pack
    path = pack.folder / CHECKS_FILE
    rubric = [item.id for item in pack.items]
    try:
        hidden = checks.plan(np.random.default_rng(0))
    except Exception as exc:  # the author's code: say where, never a traceback
        raise PackError(path, f"plan() raised {type(exc).__name__}: {exc}") from None
    _same_items(path, "plan()", list(hidden), rubric)
    for item, groups in hidden.items():
        if not groups:
            raise PackError(path, f"plan() gives item '{item}' no checks")
    if public is not None and fixtures is not None:
        public_path = pack.folder / PUBLIC_CHECKS_FILE
        try:
            planned = public.plan(fixtures)
        except Exception as exc:
            raise PackError(public_path, f"public_plan() raised {type(exc).__name__}: {exc}") from None
        unknown = sorted(set(planned) - set(rubric))
        if unknown:
            raise PackError(public_path, f"public_plan() has items that pack.toml does not list: {', '.join(unknown)}")
    if checks.brief is not None:
        validate_brief(pack, checks.brief)


def _same_items(path, what: str, planned: list[str], rubric: list[str]) -> None:
    left_out = [item for item in rubric if item not in planned]
    extra = [item for item in planned if item not in rubric]
    if left_out:
        raise PackError(path, f"{what} has no checks for the rubric items {', '.join(left_out)} (pack.toml lists them)")
    if extra:
        raise PackError(path, f"{what} has items that pack.toml does not list: {', '.join(extra)}")


# ------------------------------------------------------------------ the brief-training recipe

# What a recipe may hold (autograder/observe/brief_training.py describes each field).
RECIPE_FIELDS = {"networks", "roles", "optimizers", "loop", "watch", "critic_gap", "data", "sample", "batch_size"}
RECIPE_CHOICES = {
    ("data", "layout"): ("flat", "nchw"),
    ("data", "range"): ("unit", "symmetric"),
    ("sample", "noise"): ("uniform", "normal"),
    ("sample", "range"): ("tanh", "sigmoid", "unit"),
    ("sample", "mode"): ("train", "eval"),
}
DATA_SETS = ("mnist", "celeba")


def validate_brief(pack: Pack, spec: BriefTraining) -> None:
    """The recipe's fields, choices and the notebook names it calls, which the reference must define."""
    path = pack.folder / CHECKS_FILE
    recipe = spec.recipe

    def refuse(field: str, problem: str) -> PackError:
        return PackError(path, f"BRIEF.recipe{field}: {problem}")

    unknown = sorted(set(recipe) - RECIPE_FIELDS)
    if unknown:
        raise refuse("", f"unknown fields {', '.join(unknown)} (known: {', '.join(sorted(RECIPE_FIELDS))})")
    if not (recipe.get("networks") or recipe.get("roles")):
        raise refuse("", "needs 'networks' or 'roles': the networks to train")
    for field in ("optimizers", "loop", "data", "sample", "batch_size"):
        if field not in recipe:
            raise refuse("", f"missing '{field}'")
    if not ({"function", "step_function"} & set(recipe["loop"])):
        raise refuse("['loop']", "needs 'function' (the whole loop) or 'step_function' (one step)")
    for (field, key), allowed in RECIPE_CHOICES.items():
        value = recipe[field].get(key)
        if value is not None and value not in allowed:
            raise refuse(f"['{field}']['{key}']", f"{value!r} is not one of {', '.join(allowed)}")
    if spec.data not in DATA_SETS:
        raise PackError(path, f"BRIEF.data: {spec.data!r} is not one of {', '.join(DATA_SETS)}")
    if not spec.steps or not all(isinstance(steps, int) and steps > 0 for steps in spec.steps.values()):
        raise PackError(path, f"BRIEF.steps: {spec.steps!r}; expected positive step counts per device, e.g. "
                              "{'cpu': 150, 'cuda': 2000}")
    missing = [name for name in recipe_names(recipe) if not _defined(pack.reference(), name)]
    if missing:
        raise PackError(path, f"the brief-training recipe names {', '.join(missing)}, which the reference "
                              f"module {pack.reference_module} does not define")


def recipe_names(recipe: dict) -> list[str]:
    """The notebook names a brief-training recipe calls or reads.

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
