"""The student kit of one pack: what a course gives students, and nothing else.

`write_handout(pack, out)` writes

    OUT/<pack>.ipynb                  the starter notebook
    OUT/README.md                     how to install the kit and check a notebook
    OUT/gangrade-student-<pack>/      an installable package (pip install OUT/gangrade-student-<pack>):
        pyproject.toml
        autograder/                   the engine, which runs the notebook and the public checks
        gangrade_course/assignments/<pack>/     pack.toml and public_checks.py
        gangrade_course/grading_fixtures/       the pack's public.npz and its manifest entry

The engine holds no answer: the reference solutions (`reference/`), each
pack's hidden plan (`checks.py`), fixture recipe (`fixtures.py`) and sample
submissions stay with the instructor. Students get the same `check(...)`
cells and `gangrade check NOTEBOOK` as in a checkout, on the public fixtures.
"""
from __future__ import annotations

import importlib.metadata
import json
import shutil
import tomllib
from pathlib import Path

import autograder
from autograder.errors import PackError, UsageError
from autograder.fixtures.manifest import MANIFEST, read_manifest
from autograder.packs import PACK_FILE, PUBLIC_CHECKS_FILE, Pack
from autograder.paths import PROJECT_ROOT, fixtures_dir, pack_fixture_path

STARTER = "starter.ipynb"
ENGINE = Path(autograder.__file__).resolve().parent
ENGINE_DATA = ["data/bundled/*", "report/templates/*.html"]
# pack_template is `gangrade new-pack`'s worked example: a reference and a solution notebook of its own.
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "pack_template")


def kit_name(pack: Pack) -> str:
    return f"gangrade-student-{pack.id.replace('_', '-')}"


def write_handout(pack: Pack, out: Path) -> Path:
    """Write the student kit of `pack` into `out` (which must not hold a kit already); return the package folder."""
    starter = pack.folder / STARTER
    public_checks = pack.folder / PUBLIC_CHECKS_FILE
    fixture = pack_fixture_path(fixtures_dir(), pack.id)
    for needed, what in ((starter, "a starter notebook"), (public_checks, "public checks"), (fixture, "public fixtures")):
        if not needed.is_file():
            raise PackError(needed, f"missing: a student kit needs the pack's {what}")
    package = out / kit_name(pack)
    if package.exists():
        raise UsageError(f"{package}: already exists; choose another --out or remove it")

    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, out / f"{pack.id}.ipynb")
    shutil.copytree(ENGINE, package / "autograder", ignore=NOT_SHIPPED)
    course = package / "gangrade_course"
    (course / "assignments" / pack.id).mkdir(parents=True)
    (course / "__init__.py").write_text(f'"""The {pack.id} pack\'s public checks and fixtures."""\n')
    for name in (PACK_FILE, PUBLIC_CHECKS_FILE):
        shutil.copyfile(pack.folder / name, course / "assignments" / pack.id / name)
    (course / "grading_fixtures" / pack.id).mkdir(parents=True)
    shutil.copyfile(fixture, course / "grading_fixtures" / pack.id / fixture.name)
    (course / "grading_fixtures" / MANIFEST).write_text(json.dumps(_manifest_of(pack), indent=2, sort_keys=True) + "\n")
    (package / "pyproject.toml").write_text(_pyproject(pack, package))
    (out / "README.md").write_text(_readme(pack))
    return package


def _manifest_of(pack: Pack) -> dict:
    """The fixtures manifest with this pack's entry only."""
    manifest = read_manifest(fixtures_dir())
    return {**{key: value for key, value in manifest.items() if key not in ("packs", "classifier")},
            "packs": {pack.id: manifest["packs"][pack.id]}}


def _dependencies() -> list[str]:
    """gangrade's own runtime requirements (not its extras), from its metadata or its pyproject.toml."""
    try:
        requirements = importlib.metadata.requires("gangrade") or []
        return [r for r in requirements if "extra ==" not in r]
    except importlib.metadata.PackageNotFoundError:
        return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def _pyproject(pack: Pack, package: Path) -> str:
    packages = sorted(path.parent.relative_to(package).as_posix().replace("/", ".")
                      for path in package.rglob("__init__.py"))
    lines = [
        "[build-system]", 'requires = ["setuptools>=77"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", f'name = "{kit_name(pack)}"', f'version = "{autograder.__version__}"',
        f'description = "The public checks of the {pack.id} assignment ({pack.title})"',
        'requires-python = ">=3.11"', f"dependencies = {json.dumps(_dependencies())}", "",
        "[project.scripts]", 'gangrade = "autograder.cli:main"', "",
        "[tool.setuptools]", f"packages = {json.dumps(packages)}", "",
        "[tool.setuptools.package-data]", f"autograder = {json.dumps(ENGINE_DATA)}",
        'gangrade_course = ["assignments/**/*", "grading_fixtures/**/*"]', "",
    ]
    return "\n".join(lines)


def _readme(pack: Pack) -> str:
    return f"""# {pack.title}

Your notebook is `{pack.id}.ipynb`. Its `check(...)` cells run the public
checks of each part as you go; to run them all on the saved notebook:

```
pip install ./{kit_name(pack)}
gangrade check {pack.id}.ipynb          # exit status 0: every public check passed; 1: one failed
gangrade check {pack.id}.ipynb --json   # the same, as JSON
```

The public checks use fixed published inputs. The grade also uses hidden
inputs and trains your networks briefly, so passing every public check is
necessary, not sufficient.
"""
