"""Reading student submissions: a notebook, a zip holding one, or a folder.

A submission is one nbformat-4 notebook plus the helper `.py` modules it
imports (shipped beside it in a zip or a folder). Everything a student can get
wrong here becomes a `SubmissionError` whose problem a student can act on;
`autograder.discovery` turns the command line's PATH... into one entry per
submission and never lets one bad file stop a batch.

Zips are read in memory, never extracted: members with absolute paths, `..`
components or symlink modes are refused, and size and member-count limits keep
a zip bomb from exhausting the grader.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import nbformat

from autograder.errors import SubmissionError

MAX_NOTEBOOK_BYTES = 50 * 2**20
MAX_ZIP_BYTES = 64 * 2**20  # the zip file itself, and everything in it uncompressed
MAX_ZIP_MEMBERS = 2_000
# Folders that tools add and students never mean to submit.
IGNORED_FOLDERS = frozenset({"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"})
NOTEBOOK, ZIP, MODULE = ".ipynb", ".zip", ".py"


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path
    notebook: nbformat.NotebookNode
    helper_files: dict[str, bytes]  # posix path relative to the notebook's folder -> content
    assignment: str | None  # the pack named in metadata.gangrade.assignment, if any
    sha256: str  # over the notebook bytes and the helper files, to skip unchanged re-submissions


def load_submission(path: str | Path) -> Submission:
    """Load a notebook, a zip holding one notebook, or a folder holding one of either."""
    path = Path(path)
    if path.is_dir():
        return _load_folder(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(path, "no such file or folder")
    suffix = path.suffix.lower()
    if suffix == NOTEBOOK:
        data = _read_file(path, MAX_NOTEBOOK_BYTES, "a notebook")
        return _make_submission(path, data, parse_notebook(data, path), {})
    if suffix == ZIP:
        return _load_zip(path)
    kind = f"a {suffix} file" if suffix else "a file with no extension"
    raise SubmissionError(path, f"not a notebook: this is {kind}; submit the .ipynb notebook (or a .zip holding it)")


def parse_notebook(data: bytes, source: Path, label: str = "") -> nbformat.NotebookNode:
    """Parse and validate notebook bytes; `label` prefixes problems (the member of a zip)."""

    def fail(problem: str) -> SubmissionError:
        return SubmissionError(source, label + problem)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (bad byte at offset {exc.start}); a notebook is UTF-8 JSON") from None
    if not text.strip():
        raise fail("the file is empty")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise fail("invalid JSON: nested too deeply") from None
    version = raw.get("nbformat") if isinstance(raw, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise fail("not a Jupyter notebook: the JSON has no 'nbformat' version")
    if version < 4:
        raise fail(f"nbformat {version} notebook; save it as nbformat 4 (Jupyter >= 4)")
    if version > 4:
        raise fail(f"nbformat {version} notebook; gangrade reads nbformat 4")
    minor = raw.get("nbformat_minor")
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise fail("fails nbformat validation at nbformat_minor: missing or not a whole number")
    cells = raw.get("cells")
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise fail("fails nbformat validation at cells: not a list of cells")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing cell id is not the student's problem: normalize adds it
            nbformat.validate(nbformat.from_dict(raw))
            _, raw = nbformat.validator.normalize(raw)
            # What nbformat.reads returns: sources joined into strings, transient fields dropped.
            notebook = nbformat.v4.nbjson.JSONReader().to_notebook(raw)
    except nbformat.ValidationError as exc:
        raise fail(f"fails nbformat validation at {_json_path(exc.absolute_path)}: {_describe(exc)}") from None
    except Exception as exc:  # a structure so odd that nbformat itself trips on it
        raise fail(f"fails nbformat validation: {_shorten(str(exc) or type(exc).__name__)}") from None
    if not notebook.cells:
        raise fail("the notebook has no cells")
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        raise fail("the notebook has no code cells")
    return notebook


def submission_id_for(path: Path) -> str:
    """`alice.ipynb`, `alice.zip`, `alice/` -> `alice`, limited to [A-Za-z0-9._-]."""
    name = path.name
    while Path(name).suffix.lower() in (NOTEBOOK, ZIP):
        name = name[: -len(Path(name).suffix)]
    return sanitize_id(name)


def sanitize_id(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._-")
    return cleaned[:100] or "submission"


def content_hash(notebook_bytes: bytes, helper_files: dict[str, bytes]) -> str:
    # Each part is length-prefixed so that no two different submissions hash the same stream.
    digest = hashlib.sha256()
    for name, content in [("", notebook_bytes), *sorted(helper_files.items())]:
        encoded = name.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


# ---------------------------------------------------------------- folders


def _load_folder(folder: Path) -> Submission:
    try:
        files = walk_files(folder)
    except PermissionError:
        raise SubmissionError(folder, "cannot read the folder: permission denied") from None
    except OSError as exc:
        raise SubmissionError(folder, f"cannot read the folder: {exc.strerror or exc}") from None
    found = [f for f in files if is_submission_file(f.name)]
    if not found:
        raise SubmissionError(folder, "the folder holds no notebook (.ipynb) or zip")
    if len(found) > 1:
        names = ", ".join(f.relative_to(folder).as_posix() for f in found)
        raise SubmissionError(folder, f"the folder holds several submissions ({names}); keep one notebook or one zip per student")
    target = found[0]
    if target.is_symlink():
        raise SubmissionError(folder, f"{target.relative_to(folder).as_posix()} is a symbolic link; refusing to follow it")
    if target.suffix.lower() == ZIP:
        return replace(_load_zip(target), id=submission_id_for(folder), path=folder)

    data = _read_file(target, MAX_NOTEBOOK_BYTES, "a notebook")
    notebook = parse_notebook(data, target)
    # The same limits as a zip: a folder is read by the same grader.
    modules = [f for f in files if f.suffix == MODULE]
    if len(modules) > MAX_ZIP_MEMBERS:
        raise SubmissionError(folder, f"the folder holds {len(modules):,} .py files; the limit is {MAX_ZIP_MEMBERS:,} files")
    places = helper_places(PurePosixPath(target.relative_to(folder).as_posix()),
                           [(PurePosixPath(f.relative_to(folder).as_posix()), f) for f in modules])
    helpers: dict[str, bytes] = {}
    total = 0
    for name, (_, module) in places.items():
        if module.is_symlink():
            raise SubmissionError(folder, f"{name} is a symbolic link; refusing to follow it")
        helpers[name] = _read_file(module, MAX_ZIP_BYTES, "a helper file")
        total += len(helpers[name])
        if total > MAX_ZIP_BYTES:
            raise SubmissionError(folder, f"the .py files add up to more than {_size(MAX_ZIP_BYTES)}, the limit")
    submission = _make_submission(target, data, notebook, helpers)
    return replace(submission, id=submission_id_for(folder), path=folder)


def walk_files(folder: Path) -> list[Path]:
    """Files under `folder`, in name order, outside ignored and hidden folders; links not followed."""
    files = []
    for root, dirs, names in os.walk(folder, onerror=_raise):
        dirs[:] = sorted(d for d in dirs if not ignored_name(d))
        files.extend(Path(root) / name for name in sorted(names) if not ignored_name(name))
    return files


# ---------------------------------------------------------------- zips


def _load_zip(path: Path) -> Submission:
    data = _read_file(path, MAX_ZIP_BYTES, "a zip")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise SubmissionError(path, "not a readable zip archive (corrupt or truncated); zip the notebook again") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise SubmissionError(path, f"the zip holds {len(members):,} entries; the limit is {MAX_ZIP_MEMBERS:,} entries")
        expanded = sum(member.file_size for member in members)
        if expanded > MAX_ZIP_BYTES:
            raise SubmissionError(path, f"the zip expands to {_size(expanded)}; the limit is {_size(MAX_ZIP_BYTES)} uncompressed")
        wanted = []  # (path, member) of each file worth reading; every name is checked first
        for member in members:
            name = _member_name(path, member)
            if not member.is_dir() and not any(ignored_name(part) for part in name.parts):
                wanted.append((name, member))

        notebooks = [(name, m) for name, m in wanted if name.suffix.lower() == NOTEBOOK]
        if not notebooks:
            inner_zips = [name.as_posix() for name, _ in wanted if name.suffix.lower() == ZIP]
            hint = f" (it holds another zip, {inner_zips[0]}: zip the notebook itself)" if inner_zips else ""
            raise SubmissionError(path, f"the zip holds no notebook (.ipynb){hint}")
        if len(notebooks) > 1:
            names = ", ".join(name.as_posix() for name, _ in notebooks)
            raise SubmissionError(path, f"the zip holds several notebooks ({names}); submit exactly one")
        notebook_name, notebook_member = notebooks[0]
        label = f"{notebook_name.as_posix()} inside the zip: "
        if notebook_member.file_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(path,
                                  label + f"file too large ({_size(notebook_member.file_size)}); the limit is {_size(MAX_NOTEBOOK_BYTES)}")
        notebook_bytes = _read_member(path, archive, notebook_name, notebook_member)
        notebook = parse_notebook(notebook_bytes, path, label)

        helpers: dict[str, bytes] = {}
        modules = [(name, member) for name, member in wanted if name.suffix == MODULE]
        for relative, (name, member) in helper_places(notebook_name, modules).items():
            helpers[relative] = _read_member(path, archive, name, member)
    return _make_submission(path, notebook_bytes, notebook, helpers)


def helper_places(notebook: PurePosixPath, modules: list[tuple[PurePosixPath, object]]) -> dict[str, tuple]:
    """Where each .py file goes in the kernel's folder, which is the notebook's folder.

    Files at or below the notebook's folder keep their place relative to it. The others keep their
    place relative to the zip's root (a notebook in `assignment3/` beside `cs231n/` at the root is
    run as if from the root), unless a file of the notebook's folder already holds that place.
    """
    root = notebook.parent.parts
    beside = {PurePosixPath(*name.parts[len(root):]).as_posix(): (name, item)
              for name, item in modules if name.parts[: len(root)] == root}
    elsewhere = {name.as_posix(): (name, item) for name, item in modules if name.parts[: len(root)] != root}
    return {**{k: v for k, v in elsewhere.items() if k not in beside}, **beside}


def _member_name(path: Path, member: zipfile.ZipInfo) -> PurePosixPath:
    """The member's path, or a refusal if unpacking it could write outside its folder."""
    name = member.filename.replace("\\", "/")  # zips made on Windows sometimes use backslashes
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise SubmissionError(path, f"the zip holds an entry with an absolute path ({member.filename}); refusing to read it")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(path, f"the zip holds an entry that points outside its folder ({member.filename}); refusing to read it")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise SubmissionError(path, f"the zip holds a symbolic link ({member.filename}); refusing to read it: zip the real file")
    return PurePosixPath(*parts)


def _read_member(path: Path, archive: zipfile.ZipFile, name: PurePosixPath, member: zipfile.ZipInfo) -> bytes:
    if member.flag_bits & 0x1:
        raise SubmissionError(path, f"{name.as_posix()} inside the zip is encrypted; zip it without a password")
    try:
        with archive.open(member) as handle:
            # zipfile stops at the declared size and checks the CRC, so a member cannot expand past it.
            return handle.read(member.file_size + 1)
    except NotImplementedError:
        raise SubmissionError(path, f"{name.as_posix()} inside the zip uses a compression method gangrade cannot read; "
                                    "zip it again with standard compression") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise SubmissionError(path, f"{name.as_posix()} inside the zip is corrupt ({exc}); zip the notebook again") from None


# ---------------------------------------------------------------- helpers


def _read_file(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise SubmissionError(path, f"file too large ({_size(size)}); {what} may be at most {_size(limit)}")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError:
        raise SubmissionError(path, "cannot read the file: permission denied") from None
    except FileNotFoundError:
        raise SubmissionError(path, "no such file (a broken link?)") from None
    except OSError as exc:
        raise SubmissionError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew while we looked
        raise SubmissionError(path, f"file too large; {what} may be at most {_size(limit)}")
    return data


def _make_submission(path: Path, notebook_bytes: bytes, notebook: nbformat.NotebookNode, helpers: dict[str, bytes]) -> Submission:
    declared = notebook.metadata.get("gangrade", {})
    assignment = declared.get("assignment") if isinstance(declared, dict) else None
    return Submission(
        id=submission_id_for(path),
        path=path,
        notebook=notebook,
        helper_files=helpers,
        assignment=assignment if isinstance(assignment, str) else None,
        sha256=content_hash(notebook_bytes, helpers),
    )


def _raise(exc: OSError) -> None:
    raise exc


def is_submission_file(name: str) -> bool:
    return Path(name).suffix.lower() in (NOTEBOOK, ZIP)


def ignored_name(name: str) -> bool:
    # `._alice.ipynb` is macOS resource-fork metadata, not a second notebook.
    return name in IGNORED_FOLDERS or name.startswith(".")


def _describe(error: nbformat.ValidationError) -> str:
    instance = error.instance
    if isinstance(instance, dict) and "cell_type" in instance and instance["cell_type"] not in ("code", "markdown", "raw"):
        return f"cell_type {instance['cell_type']!r} is not code, markdown or raw"
    message = error.message
    if isinstance(instance, (dict, list)) and message.startswith(repr(instance)):
        message = "the value" + message[len(repr(instance)):]  # not the whole cell, repeated back
    return _shorten(message)


def _json_path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "the top level"


def _shorten(message: str, limit: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _size(n: int) -> str:
    if n % 2**20 == 0:
        return f"{n // 2**20} MB"
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"
