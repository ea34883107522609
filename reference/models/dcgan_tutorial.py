"""The networks of the DCGAN-on-MNIST tutorial notebook (pack ``dcgan_tutorial``).

The discriminator is TensorFlow's MNIST-tutorial classifier shrunk to 8 and
16 filters (28577 parameters) and returns logits. The generator starts from
the noise vector itself, reshaped to 25 channels of 2x2 (no linear layer),
and grows it with four 5x5 stride-2 transposed convolutions to 28x28.

The tutorial's TensorFlow code picks each transposed convolution's output
size explicitly (3, 6, 12, 28). In PyTorch that size is
``(side - 1) * stride - 2 * padding + kernel + output_padding``; the padding
and output padding below are chosen so that the sizes come out the same.
"""
from __future__ import annotations

import torch
from torch import nn

Z_DIM = 100
BATCH_SIZE = 16


class Discriminator(nn.Module):
    """Two 'same' 5x5 convolutions with ReLU and 2x2 average pooling, then two linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=5, padding=2)
        self.act1 = nn.ReLU()
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=5, padding=2)
        self.act2 = nn.ReLU()
        self.pool2 = nn.AvgPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.act3 = nn.ReLU()
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 1, 28, 28)  # accepts (N, 784) too
        x = self.pool1(self.act1(self.conv1(x)))  # (N, 8, 14, 14)
        x = self.pool2(self.act2(self.conv2(x)))  # (N, 16, 7, 7)
        x = self.flatten(x)  # (N, 784)
        x = self.act3(self.fc1(x))  # (N, 32)
        return self.fc2(x)  # (N, 1) logits


class Generator(nn.Module):
    """(N, z_dim) noise -> (N, 1, 28, 28) images in [-1, 1]; z_dim must be 25*2*2 = 100."""

    def __init__(self, z_dim: int = Z_DIM) -> None:
        super().__init__()
        if z_dim != 25 * 2 * 2:
            raise ValueError(f"the noise is reshaped to (25, 2, 2), so z_dim must be 100, not {z_dim}")
        self.act0 = nn.ReLU()
        self.deconv1 = nn.ConvTranspose2d(25, 256, kernel_size=5, stride=2, padding=2)
        self.bn1 = nn.BatchNorm2d(256)
        self.act1 = nn.ReLU()
        self.deconv2 = nn.ConvTranspose2d(
            256, 128, kernel_size=5, stride=2, padding=2, output_padding=1
        )
        self.bn2 = nn.BatchNorm2d(128)
        self.act2 = nn.ReLU()
        self.deconv3 = nn.ConvTranspose2d(
            128, 64, kernel_size=5, stride=2, padding=2, output_padding=1
        )
        self.bn3 = nn.BatchNorm2d(64)
        self.act3 = nn.ReLU()
        self.deconv4 = nn.ConvTranspose2d(64, 1, kernel_size=5, stride=2, output_padding=1)
        self.out = nn.Tanh()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.act0(z.view(-1, 25, 2, 2))  # (N, 25, 2, 2)
        x = self.act1(self.bn1(self.deconv1(x)))  # (N, 256, 3, 3)
        x = self.act2(self.bn2(self.deconv2(x)))  # (N, 128, 6, 6)
        x = self.act3(self.bn3(self.deconv3(x)))  # (N, 64, 12, 12)
        return self.out(self.deconv4(x))  # (N, 1, 28, 28) in [-1, 1]
