"""What decides a grade, so that a re-run regrades exactly what changed.

A stored grade is reused when the submission's content, its pack, the
grader's code, the fixtures and the settings that change a score are all
the same. Any edit to the engine, the pack's checks or the reference gives
a new grader version, so a fixed grader bug is never hidden behind an old
grade.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.packs import Pack
from autograder.paths import fixtures_dir

ENGINE_ROOT = Path(autograder.__file__).resolve().parent
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class GradeIdentity:
    """Everything but the submission's own content that a stored grade depends on."""

    pack: str
    grader_version: str
    fixtures_version: str
    settings: str  # canonical JSON of the options that change a score


def _digest_of_files(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def engine_version() -> str:
    """gangrade's version and a digest of the engine's source."""
    return f"{autograder.__version__}+{_digest_of_files(list(ENGINE_ROOT.rglob('*.py')), ENGINE_ROOT.parent)}"


def pack_version(pack: Pack) -> str:
    """A digest of what decides the pack's grades: its rubric, checks and recipes, and the source of the
    reference its `reference` setting names (wherever that lives)."""
    files = [path for path in pack.folder.glob("*") if path.suffix in (".toml", ".py") and path.is_file()]
    root, reference = pack.reference_sources()
    return f"{_digest_of_files(files, pack.folder)}+{_digest_of_files(reference, root)}"


def fixtures_version() -> str:
    """A digest of the fixtures' manifest (which lists every fixture file's sha256)."""
    manifest = fixtures_dir() / MANIFEST
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16] if manifest.exists() else "none"


def settings_key(settings: dict) -> str:
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


class IdentityOracle:
    """Grade identities per pack for one batch (the source digests are computed once)."""

    def __init__(self, settings: dict) -> None:
        self.engine = engine_version()
        self.fixtures = fixtures_version()
        self.settings = settings_key(settings)
        self._by_pack: dict[str, GradeIdentity] = {}

    def for_pack(self, pack: Pack) -> GradeIdentity:
        if pack.id not in self._by_pack:
            version = f"{self.engine}/{pack_version(pack)}"
            self._by_pack[pack.id] = GradeIdentity(pack.id, version, self.fixtures, self.settings)
        return self._by_pack[pack.id]
