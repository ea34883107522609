"""CelebA faces for the WGAN-GP pack's brief training, or generated stand-ins.

With a folder (argument, else $GANGRADE_CELEBA) the grader reads CelebA's
"aligned and cropped" JPEGs (`img_align_celeba/`, or the folder itself holding
the images), as the assignment does: each image centre-cropped to a square,
resized to size x size, scaled to [-1, 1]. With neither it draws a small,
deterministic set of face-like pictures in the same format, enough for the
brief training's checks (diversity, non-degeneracy, the direction of the
Wasserstein estimate) on a machine with no CelebA and no network.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from autograder.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Bilinear (Pillow widens the filter when shrinking, so it also anti-aliases),
# as torchvision's Resize uses on PIL images in the usual CelebA pipeline.
RESAMPLING = Image.Resampling.BILINEAR
GENERATED_COUNT = 256


def _image_folder(folder: Path) -> Path:
    if not folder.exists():
        raise DataError(folder, "no such folder (named as the CelebA folder)")
    if not folder.is_dir():
        raise DataError(folder, "not a folder; name the folder of CelebA JPEGs "
                                "(img_align_celeba/ or the folder that holds it)")
    nested = folder / "img_align_celeba"
    return nested if nested.is_dir() else folder


def _to_unit_range(pixels: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float32 (N, 3, H, W) in [-1, 1]."""
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).float()
    return images.div_(127.5).sub_(1.0).contiguous()


def center_square(image: Image.Image, size: int) -> Image.Image:
    """The largest centred square of `image`, resized to size x size."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    # Crop first: resize(box=...) would let the filter read pixels just outside the box.
    square = image.crop((left, top, left + side, top + side))
    return square.resize((size, size), RESAMPLING)


def _read_face(path: Path, size: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            image.load()  # decode now, so a broken file fails here with its name
            rgb = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        kind = "PNG" if path.suffix.lower() == ".png" else "JPEG"
        raise DataError(path, f"cannot decode {kind}: {error}") from None
    return np.asarray(center_square(rgb, size), dtype=np.uint8)


def load_celeba(folder: str | Path | None = None, limit: int | None = None,
                size: int = 64) -> torch.Tensor:
    """Faces as float32 (N, 3, size, size) in [-1, 1].

    From `folder` (else $GANGRADE_CELEBA): its image files in sorted name
    order, the first `limit` of them when given. With neither, the generated
    stand-in set (`generated_faces`, 256 images, or `limit` if fewer).
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if folder is None:
        folder = os.environ.get("GANGRADE_CELEBA") or None
    if folder is None:
        count = GENERATED_COUNT if limit is None else min(limit, GENERATED_COUNT)
        return generated_faces(n=count, size=size, seed=0)

    image_dir = _image_folder(Path(folder))
    paths = sorted(path for path in image_dir.iterdir()
                   if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DataError(image_dir, "no .jpg/.jpeg/.png files in folder")
    if limit is not None:
        paths = paths[:limit]
    pixels = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    for index, path in enumerate(paths):
        pixels[index] = _read_face(path, size)
    return _to_unit_range(pixels)


# --------------------------------------------------------------------------
# Generated stand-ins


def _random_colour(rng: np.random.Generator, low: int, high: int) -> tuple[int, int, int]:
    return tuple(int(value) for value in rng.integers(low, high, size=3))


def draw_face(rng: np.random.Generator, canvas: int) -> Image.Image:
    """One face-like picture on a `canvas`-pixel square: background, hair, face, eyes, mouth."""
    top, bottom = _random_colour(rng, 0, 256), _random_colour(rng, 0, 256)
    # A vertical gradient background between two random colours.
    blend = np.linspace(0.0, 1.0, canvas)[:, None, None]
    background = (1 - blend) * np.array(top) + blend * np.array(bottom)  # (canvas, 1, 3)
    image = Image.fromarray(np.repeat(background, canvas, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(image)

    unit = canvas / 64  # geometry below is in 64-pixel units
    centre_x = canvas / 2 + rng.uniform(-4, 4) * unit
    centre_y = canvas / 2 + rng.uniform(-2, 4) * unit
    half_width = rng.uniform(13, 18) * unit
    half_height = rng.uniform(17, 23) * unit

    hair = _random_colour(rng, 10, 140)
    draw.ellipse([centre_x - half_width - 3 * unit, centre_y - half_height - 4 * unit,
                  centre_x + half_width + 3 * unit, centre_y + half_height * 0.4], fill=hair)
    skin_tone = rng.uniform(0.35, 1.0)
    skin = tuple(int(channel * skin_tone) for channel in (240, 200, 170))
    draw.ellipse([centre_x - half_width, centre_y - half_height,
                  centre_x + half_width, centre_y + half_height], fill=skin)

    eye_y = centre_y - half_height * rng.uniform(0.15, 0.3)
    eye_gap = half_width * rng.uniform(0.35, 0.5)
    eye_radius = rng.uniform(2.0, 3.5) * unit
    iris = _random_colour(rng, 20, 160)
    for eye_x in (centre_x - eye_gap, centre_x + eye_gap):
        draw.ellipse([eye_x - eye_radius * 1.4, eye_y - eye_radius,
                      eye_x + eye_radius * 1.4, eye_y + eye_radius], fill=(245, 245, 245))
        draw.ellipse([eye_x - eye_radius * 0.7, eye_y - eye_radius * 0.7,
                      eye_x + eye_radius * 0.7, eye_y + eye_radius * 0.7], fill=iris)

    mouth_y = centre_y + half_height * rng.uniform(0.35, 0.55)
    mouth_half = half_width * rng.uniform(0.3, 0.5)
    smile = rng.uniform(1.5, 5.0) * unit
    lips = tuple(int(channel * skin_tone) for channel in (190, 70, 80))
    draw.arc([centre_x - mouth_half, mouth_y - smile, centre_x + mouth_half, mouth_y + smile],
             start=10, end=170, fill=lips, width=max(1, round(1.5 * unit)))
    return image


def generated_faces(n: int = GENERATED_COUNT, size: int = 64, seed: int = 0) -> torch.Tensor:
    """`n` face-like pictures, float32 (n, 3, size, size) in [-1, 1]; the same for the same seed.

    Coloured face ellipses with hair, eyes and a mouth on gradient
    backgrounds, all drawn with Pillow's ImageDraw at twice the size and
    shrunk (bilinear) so the edges are smooth. A stand-in for CelebA, not a
    substitute: it only lets the brief training run with no data at hand.
    """
    rng = np.random.default_rng(seed)
    pixels = np.empty((n, size, size, 3), dtype=np.uint8)
    for index in range(n):
        face = draw_face(rng, canvas=2 * size)
        pixels[index] = np.asarray(face.resize((size, size), RESAMPLING), dtype=np.uint8)
    return _to_unit_range(pixels)
