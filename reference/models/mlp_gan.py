"""The networks of the minimal MLP GAN notebook (pack ``mlp_gan``).

Both networks have one hidden layer of 400 ReLU units and a sigmoid output:
the generator maps 100-dimensional noise to (N, 784) pixels in (0, 1), the
discriminator maps (N, 784) images to probabilities (N, 1).

Weights start from the notebook's ``xavier_initializer``: a normal with
standard deviation 1/fan_in (not Glorot's sqrt(2/(fan_in+fan_out)), despite
the name; the notebook's rule is kept because it is what trained). Biases
start at zero.
"""
from __future__ import annotations

import torch
from torch import nn

Z_DIM = 100
HIDDEN = 400
IMAGE_SIZE = 28 * 28
BATCH_SIZE = 128


def xavier_init(shape: tuple[int, ...]) -> torch.Tensor:
    """A tensor of ``shape`` drawn from N(0, std = 1/shape[0]).

    ``shape`` is (fan_in, fan_out), as in the notebook's TensorFlow weights.
    """
    return torch.randn(*shape) / shape[0]


def _linear(fan_in: int, fan_out: int) -> nn.Linear:
    """An nn.Linear initialised the notebook's way."""
    layer = nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        # nn.Linear stores its weight as (fan_out, fan_in), the transpose of TensorFlow's.
        layer.weight.copy_(xavier_init((fan_in, fan_out)).t())
        layer.bias.zero_()
    return layer


class Generator(nn.Module):
    """100 -> 400 ReLU -> 784 sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = _linear(Z_DIM, HIDDEN)
        self.act1 = nn.ReLU()
        self.fc2 = _linear(HIDDEN, IMAGE_SIZE)
        self.out = nn.Sigmoid()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.fc1(z))  # (N, 400)
        return self.out(self.fc2(x))  # (N, 784) in (0, 1)


class Discriminator(nn.Module):
    """784 -> 400 ReLU -> 1 sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = _linear(IMAGE_SIZE, HIDDEN)
        self.act1 = nn.ReLU()
        self.fc2 = _linear(HIDDEN, 1)
        self.out = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(start_dim=1)  # (N, 784)
        x = self.act1(self.fc1(x))  # (N, 400)
        return self.out(self.fc2(x))  # (N, 1) probabilities
