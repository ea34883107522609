"""Pictures for the human reader: sample grids, loss curves, the notebook's own final image.

All return PNG bytes (or None when there is nothing to draw), written next
to results.json and shown in the feedback page.
"""
from __future__ import annotations

import base64
import binascii
import io

import numpy as np
from PIL import Image

GRID_SIDE = 8  # an 8x8 grid of the first 64 samples
PADDING = 2


def sample_grid_png(samples: np.ndarray, side: int = GRID_SIDE) -> bytes:
    """The first side*side samples in a grid; samples (N, 784), (N, 1, 28, 28) or (N, 3, H, W) in [0, 1]."""
    samples = np.nan_to_num(np.asarray(samples, dtype=np.float64), nan=0.0).clip(0, 1)
    if samples.ndim == 2:
        samples = samples.reshape(len(samples), 1, 28, 28)
    images = samples[: side * side]
    count, channels, height, width = images.shape
    rows = -(-count // side)
    canvas = np.ones((channels, rows * (height + PADDING) + PADDING, side * (width + PADDING) + PADDING))
    for index, image in enumerate(images):
        top = PADDING + (index // side) * (height + PADDING)
        left = PADDING + (index % side) * (width + PADDING)
        canvas[:, top:top + height, left:left + width] = image
    pixels = (canvas * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels[0]) if channels == 1 else Image.fromarray(pixels.transpose(1, 2, 0))
    scale = max(1, 256 // picture.width)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return _png(picture)


def loss_curves_png(curves: dict[str, np.ndarray], reference: dict[str, np.ndarray] | None = None) -> bytes | None:
    """Each recorded curve per step, the student's solid and the reference's dashed."""
    if not curves:
        return None
    import matplotlib
    matplotlib.use("Agg")  # no display in a grader
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), dpi=100)
    axes = figure.add_subplot()
    for index, (name, values) in enumerate(sorted(curves.items())):
        color = f"C{index % 10}"
        axes.plot(np.asarray(values), color=color, linewidth=1, label=name)
        if reference and name in reference:
            axes.plot(np.asarray(reference[name]), color=color, linewidth=1, linestyle="--", label=f"{name} (reference)")
    axes.set_xlabel("call")
    axes.set_ylabel("value")
    axes.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def notebook_final_image(notebook) -> bytes | None:
    """The last image/png output stored in the submitted notebook (the student's own final samples)."""
    for cell in reversed(notebook.get("cells", [])):
        for output in reversed(cell.get("outputs", []) or []):
            data = output.get("data", {}) if isinstance(output, dict) else {}
            encoded = data.get("image/png")
            if isinstance(encoded, list):
                encoded = "".join(encoded)
            if not isinstance(encoded, str):
                continue
            try:
                raw = base64.b64decode(encoded, validate=False)
                Image.open(io.BytesIO(raw)).verify()  # a real PNG, not whatever the student stored
            except (binascii.Error, OSError, ValueError, Image.DecompressionBombError):
                continue
            return raw
    return None


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
