"""`gangrade new-pack ID`: a new pack folder, copied from the worked example in pack_template/.

The template is the smallest complete pack (docs/writing-a-pack.md walks
through it): a rubric of two items, a reference, hidden and public checks,
a fixture recipe, a starter and two sample submissions. Every file is
copied with the template's placeholder id replaced by the new pack's.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from autograder.errors import UsageError
from autograder.paths import bundled_course_dir

TEMPLATE_DIR = Path(__file__).resolve().parent / "pack_template"
PLACEHOLDER = "__PACK_ID__"
PACK_ID = re.compile(r"[a-z][a-z0-9_]*")


def create_pack(course: Path, pack_id: str) -> Path:
    """Write the template pack as `course/pack_id`; refuse an id that is not a name or a folder that exists."""
    if not PACK_ID.fullmatch(pack_id):
        raise UsageError(f"pack id {pack_id!r}: use lowercase letters, digits and underscores, starting with a letter")
    bundled = bundled_course_dir()
    if bundled is not None and course.resolve().is_relative_to(bundled.resolve()):
        raise UsageError("the bundled packs are part of the installed package: give your course's own folder "
                         "with `gangrade --packs DIR new-pack ID`")
    if not TEMPLATE_DIR.is_dir():
        raise UsageError("this installation has no pack template (a student kit has none); "
                         "run new-pack where gangrade itself is installed")
    folder = course / pack_id
    if folder.exists():
        raise UsageError(f"{folder} already exists; choose another id or remove it")
    for source in sorted(TEMPLATE_DIR.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(TEMPLATE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8").replace(PLACEHOLDER, pack_id), encoding="utf-8")
        shutil.copymode(source, target)
    return folder
