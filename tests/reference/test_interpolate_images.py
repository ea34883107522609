"""z-space lines through a generator, and sample grids written as PNG."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from reference.images import image_grid
from reference.interpolate import interpolate, z_line


class LinearImageGenerator(nn.Module):
    """An affine G with image output: G((1 - t) z0 + t z1) = (1 - t) G(z0) + t G(z1)."""

    def __init__(self, z_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(z_dim, 3 * 2 * 2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fc(z).view(-1, 3, 2, 2)


# ------------------------------------------------------------------ z_line

@given(z_dim=st.integers(1, 16), steps=st.integers(2, 20), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_z_line_has_exact_ends_and_even_spacing(z_dim, steps, seed):
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(z_dim, generator=g, dtype=torch.float64), torch.randn(z_dim, generator=g, dtype=torch.float64)
    line = z_line(z0, z1, steps)
    assert line.shape == (steps, z_dim)
    assert torch.equal(line[0], z0) and torch.equal(line[-1], z1)
    for k in range(steps):
        t = k / (steps - 1)
        assert torch.allclose(line[k], z0 + t * (z1 - z0), rtol=0, atol=1e-12)


def test_z_line_accepts_row_vectors():
    z0, z1 = torch.randn(5), torch.randn(5)
    assert torch.equal(z_line(z0[None], z1[None], 7), z_line(z0, z1, 7))
    assert torch.equal(z_line(z0[None], z1, 7), z_line(z0, z1, 7))


@pytest.mark.parametrize(
    "z0, z1, steps",
    [(torch.zeros(4), torch.zeros(5), 3), (torch.zeros(2, 4), torch.zeros(2, 4), 3), (torch.zeros(4), torch.zeros(4), 1)],
)
def test_z_line_refuses_bad_input(z0, z1, steps):
    with pytest.raises(ValueError):
        z_line(z0, z1, steps)


# ------------------------------------------------------------- interpolate

@pytest.mark.parametrize("as_row", [False, True])
def test_interpolate_ends_and_midpoints_on_the_image_line(as_row):
    torch.manual_seed(0)
    G = LinearImageGenerator(6).double()
    z0, z1 = torch.randn(6, dtype=torch.float64), torch.randn(6, dtype=torch.float64)
    args = (z0[None], z1[None]) if as_row else (z0, z1)
    images = interpolate(G, *args, steps=10)
    assert images.shape == (10, 3, 2, 2)
    with torch.no_grad():
        g0, g1 = G(z0[None])[0], G(z1[None])[0]
    assert torch.allclose(images[0], g0, rtol=1e-12, atol=1e-12)
    assert torch.allclose(images[-1], g1, rtol=1e-12, atol=1e-12)
    for k in range(10):
        assert torch.allclose(images[k], g0 + k / 9 * (g1 - g0), rtol=1e-10, atol=1e-12)


def test_interpolate_runs_in_eval_without_grad_and_restores_modes():
    G = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    G[2].eval()  # a mixed state, restored module by module
    seen = []
    G[1].register_forward_hook(lambda module, inputs, output: seen.append(module.training))
    running_mean = G[1].running_mean.clone()

    out = interpolate(G, torch.randn(4), torch.randn(4), steps=5)
    assert seen == [False]
    assert not out.requires_grad
    assert torch.equal(G[1].running_mean, running_mean)  # eval mode: statistics untouched
    assert [m.training for m in G] == [True, True, False] and G.training


def test_interpolate_restores_modes_when_the_generator_fails():
    class Broken(nn.Module):
        def forward(self, z):
            raise RuntimeError("boom")

    G = Broken()
    with pytest.raises(RuntimeError):
        interpolate(G, torch.zeros(3), torch.ones(3))
    assert G.training


# ------------------------------------------------------------------- images

layouts = st.sampled_from(["flat", "gray", "colour"])


def make_images(n: int, layout: str, h: int = 28, w: int = 28) -> torch.Tensor:
    if layout == "flat":
        return torch.zeros(n, 784)
    return torch.zeros(n, 1 if layout == "gray" else 3, h, w)


@given(n=st.integers(1, 40), nrow=st.none() | st.integers(1, 9), padding=st.integers(0, 3), layout=layouts)
@settings(max_examples=40, deadline=None)
def test_grid_size_arithmetic(n, nrow, padding, layout):
    h = w = 28
    grid = image_grid(make_images(n, layout), nrow=nrow, padding=padding)
    per_row = nrow if nrow is not None else math.ceil(math.sqrt(n))
    rows = -(-n // per_row)
    expected = (rows * h + (rows + 1) * padding, per_row * w + (per_row + 1) * padding)
    assert grid.dtype == np.uint8
    assert grid.shape == (expected if layout != "colour" else (*expected, 3))


def test_default_layout_is_ceil_sqrt_per_row():
    assert image_grid(torch.zeros(10, 1, 5, 7), padding=1).shape == (3 * 6 + 1, 4 * 8 + 1)
    assert image_grid(torch.zeros(16, 1, 5, 5), padding=0).shape == (20, 20)


def test_values_are_clipped_and_mapped_onto_0_to_255():
    images = torch.tensor([-1.0, 1.0, -5.0, 7.0, 0.5]).view(5, 1, 1, 1)
    grid = image_grid(images, nrow=5, padding=0)
    assert grid.tolist() == [[0, 255, 0, 255, round(0.75 * 255)]]
    unit = image_grid(torch.tensor([0.0, 1.0, 0.2]).view(3, 1, 1, 1), value_range=(0, 1), nrow=3, padding=0)
    assert unit.tolist() == [[0, 255, round(0.2 * 255)]]


def test_non_finite_values_show_as_range_ends():
    grid = image_grid(torch.tensor([float("nan"), float("inf"), -float("inf")]).view(3, 1, 1, 1), nrow=3, padding=0)
    assert grid.tolist() == [[0, 255, 0]]


def test_tiles_land_in_row_major_order_with_black_padding():
    n, h, w, pad = 5, 3, 4, 2
    values = torch.linspace(-0.8, 0.8, n)
    images = values.view(n, 1, 1, 1).expand(n, 1, h, w)
    grid = image_grid(images, nrow=2, padding=pad)
    expected_levels = np.rint((values.double().numpy() + 1) / 2 * 255).astype(np.uint8)
    covered = np.zeros(grid.shape, dtype=bool)
    for k in range(n):
        row, col = divmod(k, 2)
        top, left = pad + row * (h + pad), pad + col * (w + pad)
        assert (grid[top : top + h, left : left + w] == expected_levels[k]).all()
        covered[top : top + h, left : left + w] = True
    assert (grid[~covered] == 0).all()


def test_colour_channels_and_flat_rows():
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(2, 3, 2, 2)
    grid = image_grid(red, padding=0)
    assert grid.shape == (2, 4, 3) and (grid == [255, 0, 0]).all()
    flat = torch.linspace(-1, 1, 784).view(1, 784)
    assert np.array_equal(image_grid(flat, padding=0), image_grid(flat.view(1, 1, 28, 28), padding=0))


def test_numpy_and_torch_inputs_agree():
    images = torch.rand(7, 3, 6, 6) * 2 - 1
    assert np.array_equal(image_grid(images), image_grid(images.numpy()))


@pytest.mark.parametrize("shape", [(4, 2, 5, 5), (4, 783), (4, 5, 5), (0, 1, 5, 5)])
def test_unsupported_shapes_are_refused(shape):
    with pytest.raises(ValueError):
        image_grid(np.zeros(shape))
