"""The networks of BYU CS501R (fall 2016) lab 7, a DCGAN on MNIST (pack ``cs501r_dcgan``).

The lab names the layers H0..H3 (discriminator) and H1, D2, D3 (generator);
the comments keep those names. The lab fixes the widths, not the kernels: the
reference uses 5x5, stride-2 convolutions, so 28 -> 14 -> 7 and back.

The discriminator outputs probabilities (a sigmoid), as the lab asks, and the
generator outputs flat (N, 784) images in (0, 1), the range of MNIST pixels.
"""
from __future__ import annotations

import torch
from torch import nn

Z_DIM = 100
BATCH_SIZE = 128
IMAGE_SIZE = 28 * 28
LEAK = 0.2


class Discriminator(nn.Module):
    """Two stride-2 convolutions, two linear layers, a sigmoid: P(real), shape (N, 1)."""

    def __init__(self) -> None:
        super().__init__()
        # H0 and H1: 5x5 convolutions, stride 2, 'same' padding halve the side.
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5, stride=2, padding=2)
        self.act1 = nn.LeakyReLU(LEAK)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, stride=2, padding=2)
        self.act2 = nn.LeakyReLU(LEAK)
        # H2 and H3: linear layers.
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(64 * 7 * 7, 1024)
        self.act3 = nn.LeakyReLU(LEAK)
        self.fc2 = nn.Linear(1024, 1)
        self.out = nn.Sigmoid()

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """H3, the score before the sigmoid, shape (N, 1)."""
        x = x.reshape(-1, 1, 28, 28)  # the lab feeds (N, 784)
        x = self.act1(self.conv1(x))  # H0: (N, 32, 14, 14)
        x = self.act2(self.conv2(x))  # H1: (N, 64, 7, 7)
        x = self.flatten(x)  # (N, 3136)
        x = self.act3(self.fc1(x))  # H2: (N, 1024)
        return self.fc2(x)  # H3: (N, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.logits(x))  # (N, 1) probabilities


class Generator(nn.Module):
    """A linear layer to 128x7x7, two transposed convolutions to 28x28, a sigmoid."""

    def __init__(self, z_dim: int = Z_DIM) -> None:
        super().__init__()
        self.fc = nn.Linear(z_dim, 128 * 7 * 7)
        self.act1 = nn.ReLU()
        # A 5x5 stride-2 transposed convolution with padding 2 gives 2*side - 1;
        # output_padding 1 makes it exactly double (7 -> 14 -> 28).
        self.deconv1 = nn.ConvTranspose2d(
            128, 128, kernel_size=5, stride=2, padding=2, output_padding=1
        )
        self.act2 = nn.ReLU()
        self.deconv2 = nn.ConvTranspose2d(
            128, 1, kernel_size=5, stride=2, padding=2, output_padding=1
        )
        self.out = nn.Sigmoid()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.fc(z))  # H1: (N, 6272)
        x = x.view(-1, 128, 7, 7)  # (N, 128, 7, 7)
        x = self.act2(self.deconv1(x))  # D2: (N, 128, 14, 14)
        x = self.out(self.deconv2(x))  # D3: (N, 1, 28, 28) in (0, 1)
        return x.flatten(start_dim=1)  # (N, 784)
