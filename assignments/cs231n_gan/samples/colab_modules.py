"""The helper modules of the Colab-era zip samples (valid_colab_samples.py): cs231n/gan_pytorch.py twice.

Both start as the 2020+ course's module does, with every import the course
hands out (torchvision among them), and hold every graded function; each
is written in its own student's words.

- GAN_PYTORCH_NESTED: the zip whose notebook sits in a sub-folder
  (assignment3/GANs-PyTorch.ipynb) while cs231n/ is at the zip's root.
- GAN_PYTORCH_SIDE_BY_SIDE: the zip with the notebook and cs231n/ side by
  side; a GPU probe at its top fails on a machine without CUDA, before the
  definitions.
"""
from __future__ import annotations

GAN_PYTORCH_NESTED = '''
import numpy as np

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as T
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler
import torchvision.datasets as dset

import PIL

NOISE_DIM = 96

dtype = torch.FloatTensor
if torch.cuda.is_available():
    dtype = torch.cuda.FloatTensor


def sample_noise(batch_size, dim, seed=None):
    """
    Noise for the generator: a (batch_size, dim) tensor, uniform on (-1, 1).
    """
    if seed is not None:
        torch.manual_seed(seed)

    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    u = torch.rand(batch_size, dim)  # [0, 1)
    return u.mul(2).sub(1)           # (-1, 1)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****


def leaky_relu(x, alpha=0.01):
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return torch.maximum(x, x * alpha)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****


def discriminator(seed=None):
    """
    MLP discriminator: 784 -> 256 -> 256 -> 1, leaky ReLUs (0.01) in between, logits out.
    """
    if seed is not None:
        torch.manual_seed(seed)

    model = None

    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    layers = [nn.Flatten()]
    width_in = 784
    for width_out in (256, 256):
        layers += [nn.Linear(width_in, width_out), nn.LeakyReLU(0.01)]
        width_in = width_out
    layers.append(nn.Linear(width_in, 1))
    model = nn.Sequential(*layers)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def generator(noise_dim=NOISE_DIM, seed=None):
    """
    MLP generator: noise_dim -> 1024 -> 1024 -> 784, ReLUs in between, tanh on the pixels.
    """
    if seed is not None:
        torch.manual_seed(seed)

    model = None

    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024), nn.ReLU(inplace=True),
        nn.Linear(1024, 1024), nn.ReLU(inplace=True),
        nn.Linear(1024, 784), nn.Tanh(),
    )
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def bce_loss(input, target):
    """Mean binary cross-entropy of logits `input` against 0/1 `target`."""
    return nn.functional.binary_cross_entropy_with_logits(input, target, reduction='mean')


def discriminator_loss(logits_real, logits_fake):
    """
    -log D(x) on the real batch plus -log(1 - D(G(z))) on the fake batch, each averaged.
    """
    loss = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    real_targets = torch.ones_like(logits_real)
    fake_targets = torch.zeros_like(logits_fake)
    loss = bce_loss(logits_real, real_targets) + bce_loss(logits_fake, fake_targets)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def generator_loss(logits_fake):
    """
    -log D(G(z)), averaged: the generator wants its fakes called real.
    """
    loss = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    loss = bce_loss(logits_fake, torch.ones_like(logits_fake))
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def get_optimizer(model):
    """
    Adam for `model` alone: lr 1e-3, beta1 0.5, beta2 0.999.
    """
    optimizer = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    optimizer = optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return optimizer


def ls_discriminator_loss(scores_real, scores_fake):
    """
    Least squares loss of the discriminator (Mao et al., eq. 9).
    """
    loss = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    real_term = ((scores_real - 1) ** 2).mean()
    fake_term = (scores_fake ** 2).mean()
    loss = (real_term + fake_term) / 2
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def ls_generator_loss(scores_fake):
    """
    Least squares loss of the generator.
    """
    loss = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    loss = ((scores_fake - 1) ** 2).mean() / 2
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def build_dc_classifier(batch_size):
    """
    Convolutional discriminator for MNIST digits.
    """
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return nn.Sequential(
        Unflatten(batch_size, 1, 28, 28),
        nn.Conv2d(1, 32, kernel_size=5),   # 28 -> 24
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),                # 24 -> 12
        nn.Conv2d(32, 64, kernel_size=5),  # 12 -> 8
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),                # 8 -> 4
        Flatten(),
        nn.Linear(64 * 4 * 4, 64 * 4 * 4),
        nn.LeakyReLU(0.01),
        nn.Linear(64 * 4 * 4, 1),
    )
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****


def build_dc_generator(noise_dim=NOISE_DIM):
    """
    Convolutional generator (InfoGAN's MNIST generator).
    """
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 128 * 7 * 7),
        nn.ReLU(),
        nn.BatchNorm1d(128 * 7 * 7),
        Unflatten(-1, 128, 7, 7),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1),  # 7 -> 14
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1),    # 14 -> 28
        nn.Tanh(),
        Flatten(),
    )
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****


def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train,
              show_every=250, batch_size=128, noise_size=96, num_epochs=10):
    """
    Train a GAN for num_epochs; returns the samples kept every show_every iterations.
    """
    device = next(D.parameters()).device  # wherever the caller put the networks
    images = []
    iter_count = 0
    for epoch in range(num_epochs):
        for x, _ in loader_train:
            if len(x) != batch_size:
                continue
            D_solver.zero_grad()
            real_data = x.to(device)
            logits_real = D(2 * (real_data - 0.5))

            g_fake_seed = sample_noise(batch_size, noise_size).to(device)
            fake_images = G(g_fake_seed).detach()
            logits_fake = D(fake_images.view(batch_size, -1))

            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_fake_seed = sample_noise(batch_size, noise_size).to(device)
            fake_images = G(g_fake_seed)

            gen_logits_fake = D(fake_images.view(batch_size, -1))
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            if iter_count % show_every == 0:
                print('Iter: {}, D: {:.4}, G:{:.4}'.format(iter_count, d_total_error.item(), g_error.item()))
                images.append(fake_images.data.cpu().numpy()[0:16])
            iter_count += 1

    return images


class ChunkSampler(sampler.Sampler):
    """Gives the indices start, start + 1, ..., start + num_samples - 1, in that order."""

    def __init__(self, num_samples, start=0):
        self.num_samples = num_samples
        self.start = start

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self):
        return self.num_samples


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)  # one row per image, whatever shape came in


class Unflatten(nn.Module):
    """(N, C*H*W) -> (N, C, H, W); N=-1 reads the batch size off the input."""

    def __init__(self, N=-1, C=128, H=7, W=7):
        super(Unflatten, self).__init__()
        self.N = N
        self.C = C
        self.H = H
        self.W = W

    def forward(self, x):
        return x.view(self.N, self.C, self.H, self.W)


def initialize_weights(m):
    if isinstance(m, (nn.Linear, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(m.weight.data)


def preprocess_img(x):
    return 2 * x - 1.0


def deprocess_img(x):
    return (x + 1.0) / 2.0


def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def count_params(model):
    """How many numbers the model learns."""
    return sum(p.numel() for p in model.parameters())
'''.lstrip("\n")


GAN_PYTORCH_SIDE_BY_SIDE = '''
import numpy as np

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as T
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler
import torchvision.datasets as dset

import PIL

# I kept forgetting to switch the Colab runtime to GPU: this line tells me at import time.
print('cs231n.gan_pytorch on', torch.cuda.get_device_name(0))

NOISE_DIM = 96
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def sample_noise(batch_size, dim, seed=None):
    """
    Uniform noise on (-1, 1), shape (batch_size, dim).
    """
    if seed is not None:
        torch.manual_seed(seed)

    return torch.empty(batch_size, dim).uniform_(-1.0, 1.0)


def leaky_relu(x, alpha=0.01):
    return torch.where(x >= 0, x, alpha * x)


class Flatten(nn.Module):
    def forward(self, x):
        N = x.shape[0]
        return x.reshape(N, -1)


class Unflatten(nn.Module):
    def __init__(self, N=-1, C=128, H=7, W=7):
        super().__init__()
        self.shape = (N, C, H, W)

    def forward(self, x):
        return x.view(*self.shape)


def discriminator(seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        Flatten(),
        nn.Linear(28 * 28, 256),
        nn.LeakyReLU(negative_slope=0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(negative_slope=0.01),
        nn.Linear(256, 1),
    )


def generator(noise_dim=NOISE_DIM, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 28 * 28),
        nn.Tanh(),
    )


def bce_loss(input, target):
    return nn.BCEWithLogitsLoss()(input, target)


def discriminator_loss(logits_real, logits_fake):
    loss_on_real = bce_loss(logits_real, torch.ones_like(logits_real))
    loss_on_fake = bce_loss(logits_fake, torch.zeros_like(logits_fake))
    return loss_on_real + loss_on_fake


def generator_loss(logits_fake):
    return bce_loss(logits_fake, torch.ones_like(logits_fake))


def get_optimizer(model):
    return optim.Adam(model.parameters(), lr=0.001, betas=(0.5, 0.999))


def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * torch.mean(torch.square(scores_real - 1)) + 0.5 * torch.mean(torch.square(scores_fake))


def ls_generator_loss(scores_fake):
    return 0.5 * torch.mean(torch.square(scores_fake - 1))


def build_dc_classifier(batch_size=None):
    conv_part = [
        Unflatten(-1, 1, 28, 28),
        nn.Conv2d(1, 32, 5, 1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 5, 1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),
    ]
    dense_part = [
        Flatten(),
        nn.Linear(1024, 1024),
        nn.LeakyReLU(0.01),
        nn.Linear(1024, 1),
    ]
    return nn.Sequential(*conv_part, *dense_part)


def build_dc_generator(noise_dim=NOISE_DIM):
    return nn.Sequential(
        nn.Linear(noise_dim, 1024), nn.ReLU(), nn.BatchNorm1d(1024),
        nn.Linear(1024, 6272), nn.ReLU(), nn.BatchNorm1d(6272),
        Unflatten(-1, 128, 7, 7),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1), nn.ReLU(), nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1), nn.Tanh(),
        Flatten(),
    )


def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train,
              show_every=250, batch_size=128, noise_size=96, num_epochs=10):
    on = next(G.parameters()).device  # train where the networks are, not where `device` says
    images = []
    iter_count = 0
    for epoch in range(num_epochs):
        for x, _ in loader_train:
            if len(x) != batch_size:
                continue
            x = x.to(on)

            D_solver.zero_grad()
            logits_real = D(2 * (x - 0.5))
            fake_images = G(sample_noise(batch_size, noise_size).to(on)).detach()
            logits_fake = D(fake_images)
            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            fake_images = G(sample_noise(batch_size, noise_size).to(on))
            g_error = generator_loss(D(fake_images))
            g_error.backward()
            G_solver.step()

            if iter_count % show_every == 0:
                print(f'Iter: {iter_count}, D: {d_total_error.item():.4}, G: {g_error.item():.4}')
                images.append(fake_images[:16].detach().cpu().numpy())
            iter_count += 1
    return images


class ChunkSampler(sampler.Sampler):
    """Samples a contiguous chunk of a data set: num_samples indices from start on."""

    def __init__(self, num_samples, start=0):
        self.num_samples = num_samples
        self.start = start

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self):
        return self.num_samples


def preprocess_img(x):
    return 2 * x - 1.0


def deprocess_img(x):
    return (x + 1.0) / 2.0


def count_params(model):
    return sum(p.numel() for p in model.parameters())
'''.lstrip("\n")
