"""Assignment packs: each is a folder under assignments/ with a `pack.toml`.

A pack is data: its id, title, the source assignment it ports, the data set
it trains on, the reference that implements its student API (a module of an
installed package, or a `.py` file of the pack's own folder), and its rubric
items with points (docs/writing-a-pack.md).
The engine reads packs through this module only, so adding a pack never
touches the engine.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from autograder.errors import PackError, UsageError
from autograder.paths import assignments_dir

PACK_FILE = "pack.toml"
CHECKS_FILE = "checks.py"
PUBLIC_CHECKS_FILE = "public_checks.py"
FIXTURES_FILE = "fixtures.py"
TOTAL_POINTS = 100


# Who sees an item's result on Gradescope (its `visibility`), the one vocabulary of pack.toml and results.json.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class RubricItem:
    id: str
    points: int
    description: str
    # How Gradescope shows the item (pack.toml's optional `visibility`, `number`, `tags`).
    visibility: str = "visible"
    number: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pack:
    id: str
    title: str
    source: str                    # the source assignment this pack ports, e.g. "001" (the README's pack table)
    data: str
    reference_module: str
    items: tuple[RubricItem, ...]
    folder: Path
    # Top-level calls the grader does not run: the notebook's long training
    # and plotting (matched on the called name, e.g. "run_a_gan", "plt.show").
    skip_calls: tuple[str, ...] = ()

    @property
    def total_points(self) -> int:
        return sum(item.points for item in self.items)

    @property
    def reference_is_own_file(self) -> bool:
        """True when `reference` names a .py file of the pack's folder rather than an installed module."""
        return self.reference_module.endswith(".py")

    def reference(self) -> ModuleType:
        """Import the pack's reference (only the grader and fixtures tool may)."""
        if self.reference_is_own_file:
            module = self._own_module(self.reference_module)
            if module is None:
                raise PackError(self.folder / PACK_FILE, f"reference file {self.reference_module} is not in the pack's folder")
            return module
        return importlib.import_module(self.reference_module)

    def reference_sources(self) -> tuple[Path, list[Path]]:
        """(a root, the source files under it) of the package or module the `reference` setting names,
        found without importing it; no files when it cannot be found."""
        if self.reference_is_own_file:
            own = self.folder / self.reference_module
            return self.folder, [own] if own.exists() else []
        spec = importlib.util.find_spec(self.reference_module.split(".")[0])
        if spec is not None and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations)))
            return folder.parent, sorted(folder.rglob("*.py"))
        if spec is not None and spec.origin:
            return Path(spec.origin).parent, [Path(spec.origin)]
        return self.folder, []

    def checks_module(self) -> ModuleType | None:
        """The pack's `checks.py` as a module, if it has one (the engine reads it through
        autograder.pack_checks.load_checks, which checks its shape)."""
        return self._own_module(CHECKS_FILE)

    def public_checks_module(self) -> ModuleType | None:
        """The pack's `public_checks.py` as a module, if it has one (see autograder.pack_checks).

        The student kit ships this file and the public fixtures, never checks.py or the reference.
        """
        return self._own_module(PUBLIC_CHECKS_FILE)

    def fixture_recipe(self) -> ModuleType:
        """The recipe of the pack's public fixtures (`fixtures.py`: `FIXTURE_SEED` and `public_fixtures()`)."""
        path = self.folder / FIXTURES_FILE
        module = self._own_module(FIXTURES_FILE)
        if module is None:
            raise PackError(path, "missing: the recipe of the pack's public fixtures")
        has_recipe = callable(getattr(module, "public_fixtures", None))
        if not has_recipe or not isinstance(getattr(module, "FIXTURE_SEED", None), int):
            raise PackError(path, "must define public_fixtures() and an integer FIXTURE_SEED")
        return module

    def _own_module(self, filename: str) -> ModuleType | None:
        """Execute one of the pack folder's Python files as a module of the pack's own package.

        The package (named for the pack and its folder) lets the pack's files import
        one another relatively (`from . import fixtures`) without touching sys.path.
        """
        path = self.folder / filename
        if not path.exists():
            return None
        package = f"gangrade_pack_{self.id}_{hashlib.sha1(str(self.folder.resolve()).encode()).hexdigest()[:8]}"
        if package not in sys.modules:
            package_spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
            package_spec.submodule_search_locations = [str(self.folder)]
            sys.modules[package] = importlib.util.module_from_spec(package_spec)
        spec = importlib.util.spec_from_file_location(f"{package}.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def load_pack(folder: Path) -> Pack:
    """Read and validate one pack folder's pack.toml."""
    path = folder / PACK_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError(path, "missing pack file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PackError(path, f"not valid TOML: {exc}") from None

    if "seed" in raw and "source" not in raw:
        raise PackError(path, "'seed' is now 'source': the number of the source assignment the pack ports")
    for key in ("id", "title", "source", "data", "reference", "items"):
        if key not in raw:
            raise PackError(path, f"missing key '{key}'")
    if raw["id"] != folder.name:
        raise PackError(path, f"id '{raw['id']}' does not match its folder name '{folder.name}'")
    if raw["data"] not in ("mnist", "celeba"):
        raise PackError(path, f"data must be 'mnist' or 'celeba', not '{raw['data']}'")

    items = tuple(_read_item(path, entry, position) for position, entry in enumerate(raw["items"], start=1))
    ids = [item.id for item in items]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise PackError(path, f"rubric item ids repeated: {', '.join(duplicated)}")
    pack = Pack(
        id=raw["id"],
        title=raw["title"],
        source=str(raw["source"]),
        data=raw["data"],
        reference_module=raw["reference"],
        items=items,
        folder=folder,
        skip_calls=tuple(raw.get("skip_calls", ())),
    )
    if pack.total_points != TOTAL_POINTS:
        raise PackError(path, f"rubric points add up to {pack.total_points}, not {TOTAL_POINTS}")
    return pack


def _read_item(path: Path, entry: dict, position: int) -> RubricItem:
    try:
        item = RubricItem(id=entry["id"], points=entry["points"], description=entry["description"],
                          visibility=entry.get("visibility", "visible"), number=str(entry.get("number", position)),
                          tags=tuple(entry.get("tags", ())))
    except (KeyError, TypeError, AttributeError):
        raise PackError(path, f"rubric item needs id, points and description: {entry!r}") from None
    if not isinstance(item.points, int) or item.points <= 0:
        raise PackError(path, f"rubric item '{item.id}' has points {item.points!r}; expected a positive integer")
    if item.visibility not in VISIBILITIES:
        raise PackError(path, f"rubric item '{item.id}' has visibility {item.visibility!r}; expected one of "
                              f"{', '.join(VISIBILITIES)}")
    if not all(isinstance(tag, str) for tag in item.tags):
        raise PackError(path, f"rubric item '{item.id}' has tags {list(item.tags)!r}; expected a list of strings")
    return item


def discover_packs(root: Path | None = None) -> list[Pack]:
    """Every pack under the assignments folder, sorted by id."""
    root = root or assignments_dir()
    if not root.is_dir():
        raise PackError(root, "assignments folder not found")
    return [load_pack(folder) for folder in sorted(root.iterdir()) if (folder / PACK_FILE).exists()]


def get_pack(pack_id: str, root: Path | None = None) -> Pack:
    packs = {pack.id: pack for pack in discover_packs(root)}
    if pack_id not in packs:
        raise UsageError(f"unknown assignment '{pack_id}'; known: {', '.join(sorted(packs))}")
    return packs[pack_id]


def reference_packages(root: Path | None = None) -> tuple[str, ...]:
    """The top-level packages of the packs' reference modules: never importable by student code."""
    try:
        packs = discover_packs(root)
    except PackError:
        return ()
    return tuple(sorted({pack.reference_module.split(".")[0] for pack in packs if not pack.reference_is_own_file}))
