"""Loading submissions: notebooks, zips and folders, and every way they go wrong."""
from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import submission as submission_module
from autograder.discovery import discover_submissions
from autograder.errors import SubmissionError
from autograder.submission import load_submission, sanitize_id

HELPER_SOURCE = b"def leaky_relu(x, alpha=0.01):\n    return x.clamp(min=0) + alpha * x.clamp(max=0)\n"


def notebook_bytes(source: str = "x = 1", assignment: str | None = "cs231n_gan") -> bytes:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# GANs"), nbformat.v4.new_code_cell(source)]
    if assignment:
        notebook.metadata["gangrade"] = {"assignment": assignment}
    return nbformat.writes(notebook).encode("utf-8")


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def expect_error(path: Path, *fragments: str) -> SubmissionError:
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    error = caught.value
    assert error.path == path
    assert str(path) in str(error)  # the message names the file...
    for fragment in fragments:  # ...and the problem
        assert fragment in error.problem, error.problem
    return error


# ---------------------------------------------------------------- valid submissions


def test_a_valid_notebook_loads(tmp_path):
    path = tmp_path / "alice.ipynb"
    path.write_bytes(notebook_bytes("def leaky_relu(x, alpha=0.01): ..."))
    loaded = load_submission(path)
    assert loaded.id == "alice"
    assert loaded.path == path
    assert loaded.assignment == "cs231n_gan"
    assert loaded.notebook.nbformat == 4
    assert loaded.notebook.cells[1].source.startswith("def leaky_relu")
    assert loaded.helper_files == {}
    assert re.fullmatch(r"[0-9a-f]{64}", loaded.sha256)


def test_a_notebook_without_gangrade_metadata_names_no_assignment(tmp_path):
    path = tmp_path / "bob.ipynb"
    path.write_bytes(notebook_bytes(assignment=None))
    assert load_submission(path).assignment is None


def test_a_zip_carries_its_helper_modules_and_skips_the_junk(tmp_path):
    path = write_zip(tmp_path / "alice.zip", {
        "hw3/GANs.ipynb": notebook_bytes(),
        "hw3/cs231n/__init__.py": b"",
        "hw3/cs231n/gan_pytorch.py": HELPER_SOURCE,
        "hw3/cs231n/datasets/mnist.npz": b"not extracted",
        "hw3/.ipynb_checkpoints/GANs-checkpoint.ipynb": notebook_bytes("old"),
        "__MACOSX/hw3/._GANs.ipynb": b"\x00\x05\x16\x07",
        "setup_outside.py": b"# above the notebook's folder: placed as if the notebook ran from the zip's root",
    })
    loaded = load_submission(path)
    assert loaded.id == "alice"
    assert loaded.helper_files == {"cs231n/__init__.py": b"", "cs231n/gan_pytorch.py": HELPER_SOURCE,
                                   "setup_outside.py": b"# above the notebook's folder: placed as if the notebook "
                                                       b"ran from the zip's root"}


@pytest.mark.parametrize("container", ["zip", "folder"])
def test_a_notebook_in_a_sub_folder_finds_the_module_at_the_root(tmp_path, container):
    """Colab students zip `assignment3/GANs.ipynb` with `cs231n/` at the root; the notebook's own folder wins."""
    members = {"assignment3/GANs.ipynb": notebook_bytes(), "cs231n/__init__.py": b"",
               "cs231n/gan_pytorch.py": HELPER_SOURCE, "helpers.py": b"root = 1\n",
               "assignment3/helpers.py": b"beside = 1\n"}
    if container == "zip":
        path = write_zip(tmp_path / "alice.zip", members)
    else:
        path = tmp_path / "alice"
        for name, content in members.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(content)
    loaded = load_submission(path)
    assert loaded.helper_files == {"cs231n/__init__.py": b"", "cs231n/gan_pytorch.py": HELPER_SOURCE,
                                   "helpers.py": b"beside = 1\n"}


def test_a_student_folder_carries_its_helper_modules(tmp_path):
    folder = tmp_path / "alice"
    (folder / "cs231n").mkdir(parents=True)
    (folder / "GANs.ipynb").write_bytes(notebook_bytes())
    (folder / "cs231n" / "gan_pytorch.py").write_bytes(HELPER_SOURCE)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "GANs-checkpoint.ipynb").write_bytes(notebook_bytes())
    loaded = load_submission(folder)
    assert loaded.id == "alice"
    assert loaded.helper_files == {"cs231n/gan_pytorch.py": HELPER_SOURCE}


@pytest.mark.parametrize("layout, expected_id", [
    ("alice.ipynb", "alice"),
    ("alice.zip", "alice"),
    ("alice/GANs.ipynb", "alice"),
    ("alice/GANs.zip", "alice"),
    ("submission_12345/GANs.ipynb", "submission_12345"),
    ("Alice Smith (late).ipynb", None),
])
def test_ids_come_from_the_file_or_folder_name(tmp_path, layout, expected_id):
    path = tmp_path / layout
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".zip":
        write_zip(path, {"GANs.ipynb": notebook_bytes()})
    else:
        path.write_bytes(notebook_bytes())
    given_path = tmp_path / Path(layout).parts[0]
    loaded = load_submission(given_path)
    if expected_id is None:  # only the safe characters survive, and the name stays recognisable
        assert re.fullmatch(r"[A-Za-z0-9._-]+", loaded.id) and "Alice" in loaded.id and "Smith" in loaded.id
    else:
        assert loaded.id == expected_id


@given(st.text(max_size=40))
def test_sanitized_ids_are_safe_folder_names(name):
    cleaned = sanitize_id(name)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", cleaned)
    assert cleaned not in (".", "..") and not cleaned.startswith(".")


# ---------------------------------------------------------------- content hash


def test_the_hash_is_stable_and_follows_the_content(tmp_path):
    content = notebook_bytes("x = 1")
    first = tmp_path / "a" / "alice.ipynb"
    first.parent.mkdir()
    first.write_bytes(content)
    same_bytes_elsewhere = tmp_path / "b.ipynb"
    same_bytes_elsewhere.write_bytes(content)
    edited = tmp_path / "c.ipynb"
    edited.write_bytes(content.replace(b"x = 1", b"x = 2"))

    assert load_submission(first).sha256 == load_submission(first).sha256
    assert load_submission(first).sha256 == load_submission(same_bytes_elsewhere).sha256
    assert load_submission(first).sha256 != load_submission(edited).sha256


def test_the_hash_covers_helper_files_but_not_their_order_in_the_zip(tmp_path):
    members = {"GANs.ipynb": notebook_bytes(), "cs231n/a.py": b"A = 1\n", "cs231n/b.py": b"B = 2\n"}
    forward = write_zip(tmp_path / "forward.zip", members)
    backward = write_zip(tmp_path / "backward.zip", dict(reversed(list(members.items()))))
    changed = write_zip(tmp_path / "changed.zip", {**members, "cs231n/b.py": b"B = 3\n"})
    plain = tmp_path / "plain.ipynb"
    plain.write_bytes(members["GANs.ipynb"])

    assert load_submission(forward).sha256 == load_submission(backward).sha256
    assert load_submission(forward).sha256 != load_submission(changed).sha256
    assert load_submission(forward).sha256 != load_submission(plain).sha256


# ---------------------------------------------------------------- bad notebooks


@pytest.mark.parametrize("name, content, fragments", [
    ("alice.py", b"print('hi')\n", ["not a notebook", ".py file"]),
    ("alice.pdf", b"%PDF-1.7\n", ["not a notebook", ".pdf file"]),
    ("alice.ipynb", b"", ["empty"]),
    ("alice.ipynb", b"\xff\xfe{}", ["not UTF-8"]),
    ("alice.ipynb", b'{\n  "cells": [\n    oops\n', ["invalid JSON at line 3 column 5"]),
    ("alice.ipynb", b'["a list"]', ["not a Jupyter notebook"]),
    ("alice.ipynb", json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}).encode(),
     ["nbformat 3 notebook; save it as nbformat 4 (Jupyter >= 4)"]),
])
def test_files_that_are_not_usable_notebooks(tmp_path, name, content, fragments):
    path = tmp_path / name
    path.write_bytes(content)
    expect_error(path, *fragments)


def _notebook_dict(cells: list[dict]) -> dict:
    notebook = json.loads(notebook_bytes())
    notebook["cells"] = cells
    return notebook


def test_a_notebook_failing_nbformat_validation_says_where(tmp_path):
    notebook = json.loads(notebook_bytes())
    del notebook["cells"][1]["outputs"]
    path = tmp_path / "alice.ipynb"
    path.write_text(json.dumps(notebook))
    expect_error(path, "fails nbformat validation", "cells[1]", "outputs")


def test_a_notebook_with_no_cells(tmp_path):
    path = tmp_path / "alice.ipynb"
    path.write_text(json.dumps(_notebook_dict([])))
    expect_error(path, "no cells")


def test_a_notebook_with_no_code_cells(tmp_path):
    markdown = json.loads(notebook_bytes())["cells"][0]
    path = tmp_path / "alice.ipynb"
    path.write_text(json.dumps(_notebook_dict([markdown])))
    expect_error(path, "no code cells")


def test_a_notebook_over_50_mb(tmp_path):
    path = tmp_path / "alice.ipynb"
    with path.open("wb") as handle:
        handle.truncate(50 * 2**20 + 1)  # sparse: costs no disk
    expect_error(path, "too large", "50 MB")


def test_an_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "alice.ipynb"
    path.write_bytes(notebook_bytes())
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    expect_error(path, "permission denied")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission(tmp_path):
    path = tmp_path / "alice.ipynb"
    path.write_bytes(notebook_bytes())
    path.chmod(0)
    try:
        expect_error(path, "permission denied")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_missing_file(tmp_path):
    expect_error(tmp_path / "ghost.ipynb", "no such file")


# ---------------------------------------------------------------- bad zips


def test_a_zip_with_no_notebook(tmp_path):
    path = write_zip(tmp_path / "alice.zip", {"cs231n/gan_pytorch.py": HELPER_SOURCE, "report.pdf": b"%PDF"})
    expect_error(path, "no notebook")


def test_a_zip_with_several_notebooks_names_them(tmp_path):
    path = write_zip(tmp_path / "alice.zip", {"GANs.ipynb": notebook_bytes(), "old/GANs-v1.ipynb": notebook_bytes()})
    expect_error(path, "several notebooks", "GANs.ipynb", "old/GANs-v1.ipynb")


def test_a_bad_notebook_inside_a_zip_is_named(tmp_path):
    path = write_zip(tmp_path / "alice.zip", {"hw/GANs.ipynb": b'{"nbformat": 4,'})
    expect_error(path, "hw/GANs.ipynb", "invalid JSON")


@pytest.mark.parametrize("content", [b"PK\x03\x04 this is not a zip", b"just text"])
def test_a_corrupt_zip(tmp_path, content):
    path = tmp_path / "alice.zip"
    path.write_bytes(content)
    expect_error(path, "not a readable zip")


def test_a_truncated_zip(tmp_path):
    whole = write_zip(tmp_path / "whole.zip", {"GANs.ipynb": notebook_bytes()})
    path = tmp_path / "alice.zip"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    expect_error(path, "not a readable zip")


@pytest.mark.parametrize("member, fragment", [
    ("../../etc/cron.d/evil.py", "outside its folder"),
    ("cs231n/../../evil.py", "outside its folder"),
    ("/etc/evil.py", "absolute path"),
    ("C:/Windows/evil.py", "absolute path"),
])
def test_zip_members_that_escape_their_folder_are_refused(tmp_path, member, fragment):
    path = write_zip(tmp_path / "alice.zip", {"GANs.ipynb": notebook_bytes(), member: b"import os\n"})
    expect_error(path, fragment, member)


def test_a_symlink_in_a_zip_is_refused(tmp_path):
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("GANs.ipynb", notebook_bytes())
        link = zipfile.ZipInfo("cs231n/gan_pytorch.py")
        link.create_system = 3  # Unix, so the mode bits below are read as a file type
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    expect_error(path, "symbolic link", "cs231n/gan_pytorch.py")


def test_an_encrypted_member_is_refused(tmp_path):
    path = write_zip(tmp_path / "alice.zip", {"GANs.ipynb": notebook_bytes()})
    # Python cannot write an encrypted zip: set the "encrypted" flag of the central directory entry.
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 8] |= 0x1
    path.write_bytes(bytes(data))
    expect_error(path, "encrypted", "GANs.ipynb")


def test_a_zip_bomb_is_refused_by_its_uncompressed_size(tmp_path):
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("GANs.ipynb", notebook_bytes())
        archive.writestr("padding.txt", bytes(64 * 2**20))  # compresses to a few hundred KB
    assert path.stat().st_size < 2**20
    expect_error(path, "expands to", "limit is 64 MB uncompressed")


def test_a_zip_with_too_many_members_is_refused(tmp_path):
    members = {"GANs.ipynb": notebook_bytes(), **{f"junk/{i}.txt": b"" for i in range(2_000)}}
    path = write_zip(tmp_path / "alice.zip", members)
    expect_error(path, "2,001 entries", "limit is 2,000 entries")


# ---------------------------------------------------------------- folders


def test_a_folder_with_no_submission(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF")
    expect_error(folder, "no notebook")


def test_a_folder_with_several_submissions_names_them(tmp_path):
    folder = tmp_path / "alice"
    (folder / "v2").mkdir(parents=True)
    (folder / "GANs.ipynb").write_bytes(notebook_bytes())
    (folder / "v2" / "GANs.ipynb").write_bytes(notebook_bytes())
    expect_error(folder, "several submissions", "GANs.ipynb", "v2/GANs.ipynb")


# ---------------------------------------------------------------- discovery


def test_discovery_keeps_going_past_bad_files(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "alice.ipynb").write_bytes(notebook_bytes())
    write_zip(course / "alice.zip", {"GANs.ipynb": notebook_bytes("y = 2")})
    (course / "bob").mkdir()
    (course / "bob" / "GANs.ipynb").write_bytes(notebook_bytes())
    (course / "carol.pdf").write_bytes(b"%PDF")
    (course / "dave.ipynb").write_bytes(b"{not json")
    (course / "erin").mkdir()
    (course / "submission_12345").mkdir()
    write_zip(course / "submission_12345" / "upload.zip", {"GANs.ipynb": notebook_bytes()})
    (course / ".DS_Store").write_bytes(b"\x00")

    candidates, notes = discover_submissions([course])

    assert [c.id for c in candidates] == ["alice", "alice-2", "bob", "dave", "erin", "submission_12345"]
    assert [c.ok for c in candidates] == [True, True, True, False, False, True]
    assert all(c.submission.id == c.id for c in candidates if c.ok)
    assert candidates[1].path == course / "alice.zip"
    assert "invalid JSON" in candidates[3].error.problem
    assert "no notebook" in candidates[4].error.problem
    assert any("alice.zip" in note and "'alice-2'" in note for note in notes)
    assert any("carol.pdf" in note for note in notes)
    assert not any(".DS_Store" in note for note in notes)


def test_renamed_duplicates_never_take_another_submissions_id(tmp_path):
    paths = []
    for name in ("alice.ipynb", "alice-2.ipynb", "Alice.ipynb"):
        path = tmp_path / name
        path.write_bytes(notebook_bytes())
        paths.append(path)
    candidates, notes = discover_submissions(paths)
    ids = [c.id for c in candidates]
    assert ids[:2] == ["alice", "alice-2"]  # each kept its own name
    assert len({i.lower() for i in ids}) == 3  # unique even on a case-insensitive disk
    assert len(notes) == 1


def test_discovery_reports_missing_paths_and_repeats(tmp_path):
    path = tmp_path / "alice.ipynb"
    path.write_bytes(notebook_bytes())
    candidates, notes = discover_submissions([path, tmp_path / "ghost.ipynb", path])
    assert [(c.id, c.ok) for c in candidates] == [("alice", True), ("ghost", False)]
    assert any("more than once" in note for note in notes)


def test_a_folder_given_directly_with_one_notebook_is_one_submission(tmp_path):
    folder = tmp_path / "submission_12345"
    (folder / "cs231n").mkdir(parents=True)
    (folder / "GANs.ipynb").write_bytes(notebook_bytes())
    (folder / "cs231n" / "gan_pytorch.py").write_bytes(HELPER_SOURCE)
    candidates, _ = discover_submissions([folder])
    assert [c.id for c in candidates] == ["submission_12345"]
    assert candidates[0].submission.helper_files == {"cs231n/gan_pytorch.py": HELPER_SOURCE}


def test_an_unexpected_failure_becomes_an_error_entry(tmp_path, monkeypatch):
    path = tmp_path / "alice.ipynb"
    path.write_bytes(notebook_bytes())

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(submission_module, "parse_notebook", broken)
    candidates, _ = discover_submissions([path])
    assert not candidates[0].ok and "boom" in candidates[0].error.problem
