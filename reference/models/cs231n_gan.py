"""The networks of the CS231n GAN notebook (pack ``cs231n_gan``).

Two pairs: the fully connected GAN of the first half of the notebook and the
DCGAN (InfoGAN's MNIST networks) of the second half. The layer sequences and
parameter counts are the notebook's: 267009 and 1858320 (at noise_dim=4) for
the MLPs, 1102721 and 6580801 (at noise_dim=4, BatchNorm buffers excluded)
for the convolutional pair.

Discriminators return logits (N, 1) and take flat (N, 784) images or
(N, 1, 28, 28) ones; generators return flat (N, 784) images in [-1, 1].
"""
from __future__ import annotations

import torch
from torch import nn

NOISE_DIM = 96
BATCH_SIZE = 128
IMAGE_SIZE = 28 * 28


class Discriminator(nn.Module):
    """784 -> 256 -> 256 -> 1, leaky ReLU (0.01) between the layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(IMAGE_SIZE, 256)
        self.act1 = nn.LeakyReLU(0.01)
        self.fc2 = nn.Linear(256, 256)
        self.act2 = nn.LeakyReLU(0.01)
        self.fc3 = nn.Linear(256, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(start_dim=1)  # (N, 784), from either image layout
        x = self.act1(self.fc1(x))  # (N, 256)
        x = self.act2(self.fc2(x))  # (N, 256)
        return self.fc3(x)  # (N, 1) logits


class Generator(nn.Module):
    """noise_dim -> 1024 -> 1024 -> 784, ReLU between, tanh at the end."""

    def __init__(self, noise_dim: int = NOISE_DIM) -> None:
        super().__init__()
        self.fc1 = nn.Linear(noise_dim, 1024)
        self.act1 = nn.ReLU()
        self.fc2 = nn.Linear(1024, 1024)
        self.act2 = nn.ReLU()
        self.fc3 = nn.Linear(1024, IMAGE_SIZE)
        self.out = nn.Tanh()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.fc1(z))  # (N, 1024)
        x = self.act2(self.fc2(x))  # (N, 1024)
        return self.out(self.fc3(x))  # (N, 784) in [-1, 1]


class DCDiscriminator(nn.Module):
    """Two unpadded 5x5 convolutions with max-pooling, then two linear layers.

    28x28 -> conv 24x24 -> pool 12x12 -> conv 8x8 -> pool 4x4, so the flat
    feature vector has 64*4*4 = 1024 entries.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5)
        self.act1 = nn.LeakyReLU(0.01)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5)
        self.act2 = nn.LeakyReLU(0.01)
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(64 * 4 * 4, 1024)
        self.act3 = nn.LeakyReLU(0.01)
        self.fc2 = nn.Linear(1024, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 1, 28, 28)  # accepts (N, 784) too
        x = self.pool1(self.act1(self.conv1(x)))  # (N, 32, 12, 12)
        x = self.pool2(self.act2(self.conv2(x)))  # (N, 64, 4, 4)
        x = self.flatten(x)  # (N, 1024)
        x = self.act3(self.fc1(x))  # (N, 1024)
        return self.fc2(x)  # (N, 1) logits


class DCGenerator(nn.Module):
    """InfoGAN's MNIST generator: two linear layers, two transposed convolutions.

    The notebook puts each ReLU *before* its BatchNorm; that order is kept.
    """

    def __init__(self, noise_dim: int = NOISE_DIM) -> None:
        super().__init__()
        self.fc1 = nn.Linear(noise_dim, 1024)
        self.act1 = nn.ReLU()
        self.bn1 = nn.BatchNorm1d(1024)
        self.fc2 = nn.Linear(1024, 128 * 7 * 7)
        self.act2 = nn.ReLU()
        self.bn2 = nn.BatchNorm1d(128 * 7 * 7)
        self.deconv1 = nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1)
        self.act3 = nn.ReLU()
        self.bn3 = nn.BatchNorm2d(64)
        self.deconv2 = nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1)
        self.out = nn.Tanh()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.bn1(self.act1(self.fc1(z)))  # (N, 1024)
        x = self.bn2(self.act2(self.fc2(x)))  # (N, 6272)
        x = x.view(-1, 128, 7, 7)  # (N, 128, 7, 7)
        x = self.bn3(self.act3(self.deconv1(x)))  # (N, 64, 14, 14)
        x = self.out(self.deconv2(x))  # (N, 1, 28, 28) in [-1, 1]
        return x.flatten(start_dim=1)  # (N, 784)
