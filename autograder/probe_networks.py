"""The grader's own probe networks.

Checks pass these into student functions (a loss, a penalty, an
interpolation) to observe what the function does with a network whose
weights the grader knows. They are deliberately tiny, smooth (tanh, so the
second-order term of a gradient penalty is not zero) and built from plain
torch layers, so that `gangrade check` can rebuild them from the public
fixtures without the reference implementation.

Every probe is built from a seed; `probe_arrays` / `load_probe_arrays` move
its weights in and out of plain arrays for the fixtures.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

WEIGHT_SCALE = 0.5


def _init_from_seed(module: nn.Module, seed: int) -> nn.Module:
    """Fill every parameter from N(0, WEIGHT_SCALE^2 / fan_in), drawn from a local generator."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            fan_in = param[0].numel() if param.dim() > 1 else param.numel()
            param.copy_(torch.randn(param.shape, generator=generator) * WEIGHT_SCALE / fan_in**0.5)
    return module


def mnist_discriminator(seed: int, output: str = "logits") -> nn.Sequential:
    """(N, 784) or (N, 1, 28, 28) -> (N, 1) logits, or probabilities when output='probability'."""
    layers: list[nn.Module] = [
        nn.Flatten(),         # (N, 784)
        nn.Linear(784, 16),   # (N, 16)
        nn.Tanh(),
        nn.Linear(16, 1),     # (N, 1)
    ]
    if output == "probability":
        layers.append(nn.Sigmoid())
    elif output != "logits":
        raise ValueError(f"output must be 'logits' or 'probability', not {output!r}")
    return _init_from_seed(nn.Sequential(*layers), seed)


def mnist_generator(seed: int, z_dim: int, output: str = "tanh", image_shape: tuple[int, ...] = (784,)) -> nn.Sequential:
    """(N, z_dim) -> images of `image_shape` through tanh ([-1, 1]) or sigmoid ((0, 1))."""
    squash = {"tanh": nn.Tanh(), "sigmoid": nn.Sigmoid()}[output]
    return _init_from_seed(
        nn.Sequential(
            nn.Linear(z_dim, 784),          # (N, 784)
            squash,
            nn.Unflatten(1, image_shape),   # (N, *image_shape)
        ),
        seed,
    )


def face_critic(seed: int) -> nn.Sequential:
    """(N, 3, 64, 64) -> (N, 1), unconstrained; smooth so its input gradient varies per sample."""
    return _init_from_seed(
        nn.Sequential(
            nn.Conv2d(3, 4, kernel_size=4, stride=4),   # (N, 4, 16, 16)
            nn.Tanh(),
            nn.Flatten(),                               # (N, 1024)
            nn.Linear(4 * 16 * 16, 1),                  # (N, 1)
        ),
        seed,
    )


def face_generator(seed: int, z_dim: int) -> nn.Sequential:
    """(N, z_dim) -> (N, 3, 64, 64) in [-1, 1]; no BatchNorm, so it is a plain function of z."""
    return _init_from_seed(
        nn.Sequential(
            nn.Linear(z_dim, 3 * 16 * 16),                 # (N, 768)
            nn.Unflatten(1, (3, 16, 16)),                  # (N, 3, 16, 16)
            nn.Upsample(scale_factor=4, mode="nearest"),   # (N, 3, 64, 64)
            nn.Tanh(),
        ),
        seed,
    )


def mnist_pair(
    seed: int, z_dim: int, discriminator_output: str, generator_output: str, image_shape: tuple[int, ...] = (784,)
) -> tuple[nn.Sequential, nn.Sequential]:
    """A float64 probe discriminator and generator for the MNIST packs (seeds `seed` and `seed + 1`)."""
    D = mnist_discriminator(seed, output=discriminator_output).double()
    G = mnist_generator(seed + 1, z_dim, output=generator_output, image_shape=image_shape).double()
    return D, G


def probe_arrays(module: nn.Module, prefix: str) -> dict[str, np.ndarray]:
    """The module's parameters as float64 arrays named '<prefix>/<parameter name>'."""
    return {f"{prefix}/{name}": p.detach().to(torch.float64).numpy() for name, p in module.named_parameters()}


def load_probe_arrays(module: nn.Module, arrays: dict[str, np.ndarray], prefix: str) -> nn.Module:
    """Copy '<prefix>/<name>' arrays into the module's parameters (the inverse of probe_arrays)."""
    with torch.no_grad():
        for name, param in module.named_parameters():
            param.copy_(torch.as_tensor(arrays[f"{prefix}/{name}"], dtype=param.dtype))
    return module
