"""Loading CelebA-style image folders, and the generated stand-in faces."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from autograder.data.celeba import generated_faces, load_celeba
from autograder.errors import DataError

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 255)


def unit(colour: tuple[int, int, int]) -> torch.Tensor:
    """A colour as the loader scales it: (3,) in [-1, 1]."""
    return torch.tensor(colour, dtype=torch.float32) / 127.5 - 1


def solid(path: Path, colour: tuple[int, int, int], width: int = 30, height: int = 40) -> None:
    Image.new("RGB", (width, height), colour).save(path)


def centre_and_bands(path: Path, width: int, height: int) -> None:
    """Centre square RED; the strips that a centre crop must cut off BLUE."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:] = BLUE
    side = min(width, height)
    top, left = (height - side) // 2, (width - side) // 2
    pixels[top:top + side, left:left + side] = RED
    Image.fromarray(pixels).save(path)


def test_folder_of_images(tmp_path):
    solid(tmp_path / "000001.jpg", WHITE, 178, 218)  # CelebA's own size
    solid(tmp_path / "000002.jpeg", WHITE, 64, 64)
    solid(tmp_path / "000003.png", WHITE, 300, 90)
    faces = load_celeba(tmp_path, size=32)
    assert faces.dtype == torch.float32 and faces.shape == (3, 3, 32, 32)
    assert float(faces.min()) >= -1.0 and float(faces.max()) <= 1.0
    torch.testing.assert_close(faces, torch.ones_like(faces), atol=0.03, rtol=0)


@pytest.mark.parametrize("width, height", [(40, 100), (100, 40), (64, 65)])
def test_centre_crop_cuts_off_the_bands(tmp_path, width, height):
    centre_and_bands(tmp_path / "face.png", width, height)
    faces = load_celeba(tmp_path, size=16)
    expected = unit(RED)[:, None, None].expand(3, 16, 16)
    torch.testing.assert_close(faces[0], expected, atol=1e-6, rtol=0)


def test_centre_crop_of_a_jpeg(tmp_path):
    centre_and_bands(tmp_path / "face.jpg", 60, 140)
    face = load_celeba(tmp_path, size=16)[0]
    # JPEG blurs colours a little; no pixel may lean toward the blue bands.
    assert float(face[2].max()) < float(unit((0, 0, 40))[2])
    assert float(face[0].min()) > float(unit((215, 0, 0))[0])


def test_files_load_in_sorted_name_order(tmp_path):
    solid(tmp_path / "b.png", GREEN)
    solid(tmp_path / "c.png", BLUE)
    solid(tmp_path / "a.png", RED)
    (tmp_path / "readme.txt").write_text("not an image")
    faces = load_celeba(tmp_path, size=8)
    assert faces.shape[0] == 3
    for face, colour in zip(faces, (RED, GREEN, BLUE)):
        torch.testing.assert_close(face[:, 0, 0], unit(colour))


def test_limit_takes_the_first_names(tmp_path):
    for name, colour in (("2.png", GREEN), ("1.png", RED), ("3.png", BLUE)):
        solid(tmp_path / name, colour)
    faces = load_celeba(tmp_path, limit=2, size=8)
    assert faces.shape == (2, 3, 8, 8)
    torch.testing.assert_close(faces[1, :, 0, 0], unit(GREEN))


def test_img_align_celeba_subfolder(tmp_path):
    (tmp_path / "img_align_celeba").mkdir()
    solid(tmp_path / "img_align_celeba" / "000001.jpg", WHITE)
    assert load_celeba(tmp_path).shape == (1, 3, 64, 64)


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    solid(tmp_path / "a.png", GREEN)
    monkeypatch.setenv("GANGRADE_CELEBA", str(tmp_path))
    faces = load_celeba(size=8)
    assert faces.shape == (1, 3, 8, 8)
    torch.testing.assert_close(faces[0, :, 4, 4], unit(GREEN))


def test_generated_set_without_a_folder(monkeypatch):
    monkeypatch.delenv("GANGRADE_CELEBA", raising=False)
    faces = load_celeba()
    assert faces.shape == (256, 3, 64, 64)
    torch.testing.assert_close(faces, generated_faces(n=256, size=64, seed=0), atol=0, rtol=0)
    assert load_celeba(limit=10).shape == (10, 3, 64, 64)


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(DataError) as info:
        load_celeba(tmp_path)
    assert info.value.path == tmp_path
    assert "no .jpg/.jpeg/.png files in folder" in str(info.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_undecodable_jpeg_is_named(tmp_path, damage):
    solid(tmp_path / "000001.jpg", WHITE, 178, 218)
    broken = tmp_path / "000002.jpg"
    solid(broken, RED, 178, 218)
    if damage == "garbage":
        broken.write_bytes(b"this is not a JPEG at all")
    else:
        broken.write_bytes(broken.read_bytes()[:300])
    with pytest.raises(DataError) as info:
        load_celeba(tmp_path)
    assert info.value.path == broken
    assert str(info.value).startswith(f"{broken}: cannot decode JPEG")


def test_path_that_is_not_a_folder(tmp_path):
    image = tmp_path / "face.jpg"
    solid(image, WHITE)
    with pytest.raises(DataError, match="not a folder"):
        load_celeba(image)
    with pytest.raises(DataError, match="no such folder"):
        load_celeba(tmp_path / "missing")


def test_generated_faces_are_deterministic_and_varied():
    faces = generated_faces(n=32, size=64, seed=0)
    assert faces.dtype == torch.float32 and faces.shape == (32, 3, 64, 64)
    assert float(faces.min()) >= -1.0 and float(faces.max()) <= 1.0
    assert torch.equal(faces, generated_faces(n=32, size=64, seed=0))
    assert not torch.equal(faces, generated_faces(n=32, size=64, seed=1))
    # Every pair of pictures differs clearly, and each spans a real range of values.
    flat = faces.flatten(1)
    distances = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
    off_diagonal = distances[~torch.eye(32, dtype=torch.bool)]
    assert float(off_diagonal.min()) > 0.05
    assert float(flat.std(dim=1).min()) > 0.1


def test_generated_faces_other_sizes():
    assert generated_faces(n=3, size=32).shape == (3, 3, 32, 32)
    # The first pictures do not depend on how many are asked for.
    torch.testing.assert_close(generated_faces(n=2), generated_faces(n=5)[:2], atol=0, rtol=0)
