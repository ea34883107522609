"""The networks of BYU CS501R (fall 2017) lab 7, WGAN-GP on 64x64 CelebA (pack ``cs501r_wgan_gp``).

The lab describes its reference networks only in words:

- generator: a fully connected layer, then 4 transposed convolutions, each
  followed by ReLU and batch norm except the last, then tanh;
- critic: 4 convolutions, each followed by leaky ReLU (0.2) and batch norm
  except no batch norm on the first, then a single unconstrained score.

Kernel sizes are not given; both networks use DCGAN's 4x4, stride 2,
padding 1, which halves (critic) or doubles (generator) the side exactly:
4 -> 8 -> 16 -> 32 -> 64. The batch norm settings are the lab's
(decay 0.9 is PyTorch's momentum 0.1, epsilon 1e-5), i.e. PyTorch's defaults.
"""
from __future__ import annotations

import torch
from torch import nn

Z_DIM = 100
BATCH_SIZE = 64
IMAGE_SHAPE = (3, 64, 64)
LEAK = 0.2


class Generator(nn.Module):
    """(N, z_dim) -> (N, 3, 64, 64) images in [-1, 1]."""

    def __init__(self, z_dim: int = Z_DIM) -> None:
        super().__init__()
        self.fc = nn.Linear(z_dim, 512 * 4 * 4)
        self.act0 = nn.ReLU()
        self.bn0 = nn.BatchNorm2d(512)
        self.deconv1 = nn.ConvTranspose2d(512, 256, kernel_size=4, stride=2, padding=1)
        self.act1 = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(256)
        self.deconv2 = nn.ConvTranspose2d(256, 128, kernel_size=4, stride=2, padding=1)
        self.act2 = nn.ReLU()
        self.bn2 = nn.BatchNorm2d(128)
        self.deconv3 = nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1)
        self.act3 = nn.ReLU()
        self.bn3 = nn.BatchNorm2d(64)
        self.deconv4 = nn.ConvTranspose2d(64, 3, kernel_size=4, stride=2, padding=1)
        self.out = nn.Tanh()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).view(-1, 512, 4, 4)  # (N, 512, 4, 4)
        x = self.bn0(self.act0(x))
        x = self.bn1(self.act1(self.deconv1(x)))  # (N, 256, 8, 8)
        x = self.bn2(self.act2(self.deconv2(x)))  # (N, 128, 16, 16)
        x = self.bn3(self.act3(self.deconv3(x)))  # (N, 64, 32, 32)
        return self.out(self.deconv4(x))  # (N, 3, 64, 64) in [-1, 1]


class Critic(nn.Module):
    """(N, 3, 64, 64) -> (N, 1) scores, unconstrained: no sigmoid or ReLU at the end."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=4, stride=2, padding=1)
        self.act1 = nn.LeakyReLU(LEAK)
        # No normalisation after the first convolution (the lab's reference).
        self.conv2 = nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1)
        self.act2 = nn.LeakyReLU(LEAK)
        self.bn2 = nn.BatchNorm2d(128)
        self.conv3 = nn.Conv2d(128, 256, kernel_size=4, stride=2, padding=1)
        self.act3 = nn.LeakyReLU(LEAK)
        self.bn3 = nn.BatchNorm2d(256)
        self.conv4 = nn.Conv2d(256, 512, kernel_size=4, stride=2, padding=1)
        self.act4 = nn.LeakyReLU(LEAK)
        self.bn4 = nn.BatchNorm2d(512)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(512 * 4 * 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.conv1(x))  # (N, 64, 32, 32)
        x = self.bn2(self.act2(self.conv2(x)))  # (N, 128, 16, 16)
        x = self.bn3(self.act3(self.conv3(x)))  # (N, 256, 8, 8)
        x = self.bn4(self.act4(self.conv4(x)))  # (N, 512, 4, 4)
        return self.fc(self.flatten(x))  # (N, 1) scores
