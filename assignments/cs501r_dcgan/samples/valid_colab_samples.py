"""Valid samples that carry the environment they were written in: Google Colab or a lab machine's Jupyter.

Each is a correct solution with the setup its student really had: Drive
mounted, pip installs, torchvision imports and its MNIST, a device and a
cell that names the GPU; or the 2016 lab's TensorFlow-era `MNIST_data/`
folder read by hand, and the networks in a helper module that imports
torchvision and matplotlib first. What each asks of a grader is in its note.
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code

# ------------------------------------------------------------------ 1. Colab: torchvision MNIST, device, make_grid

COLAB_TORCHVISION = Sample(
    "valid/colab_torchvision_mnist_device.ipynb",
    "A Colab notebook: Drive mounted, os.chdir into the lab's Drive folder, `!pip install -q "
    "torchsummary`, `!nvidia-smi` and print(torch.cuda.get_device_name(0)); torchvision imported "
    "(T, dset, make_grid) and MNIST read with dset.MNIST('./data', download=True) then .data / 255; "
    "show_images through make_grid; both networks as a conv nn.Sequential plus a dense "
    "nn.Sequential with in-place LeakyReLU(0.2) modules; d_acc counted over 2N decisions.",
    (
        InsertAfter("intro", code("colab_mount", """
from google.colab import drive
drive.mount('/content/drive')

import os
os.chdir('/content/drive/My Drive/cs501r/lab7')  # where I keep this lab's files

!pip install -q torchsummary
""")),
        SetSource("setup", """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
import torchvision.datasets as dset
from torchvision.utils import make_grid
from torch.utils.data import DataLoader
from torchsummary import summary
import matplotlib.pyplot as plt

from autograder.public import check

%matplotlib inline
plt.rcParams['image.cmap'] = 'gray'

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
"""),
        InsertAfter("setup", code("gpu_name", """
!nvidia-smi
print(torch.cuda.get_device_name(0))
""")),
        Replace("helpers", '''def show_images(images):
    """Draw flattened images (N, 784) with values in [0, 1] in a square grid."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    side = int(np.ceil(np.sqrt(len(images))))
    grid = np.ones((side * 29 + 1, side * 29 + 1))
    for i, image in enumerate(images):
        row, col = divmod(i, side)
        grid[1 + row * 29:1 + row * 29 + 28, 1 + col * 29:1 + col * 29 + 28] = image
    plt.figure(figsize=(side, side))
    plt.imshow(grid, vmin=0, vmax=1)
    plt.axis('off')''', '''def show_images(images):
    """Flattened images (N, 784) in [0, 1], drawn with torchvision's make_grid."""
    images = torch.as_tensor(images).detach().cpu().view(-1, 1, 28, 28)
    grid = make_grid(images, nrow=int(np.ceil(np.sqrt(len(images)))), padding=1, pad_value=1.0)
    plt.figure(figsize=(8, 8))
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.axis('off')'''),
        SetSource("data", """
mnist = dset.MNIST('./data', train=True, download=True, transform=T.ToTensor())
images = mnist.data.float().div(255).view(-1, 784)  # (N, 784) in [0, 1]
print(images.shape, images.dtype)
show_images(images[:16])
plt.show()
"""),
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    """(N, 784) images in [0, 1] -> (N, 1) probability of being real."""

    def __init__(self):
        super().__init__()
        self.d_conv = nn.Sequential(
            nn.Conv2d(1, 32, 5, stride=2, padding=2),   # H0: 32 x 14 x 14
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(32, 64, 5, stride=2, padding=2),  # H1: 64 x 7 x 7
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.d_dense = nn.Sequential(
            nn.Linear(64 * 7 * 7, 1024),                # H2
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(1024, 1),                         # H3
            nn.Sigmoid(),
        )

    def forward(self, imgs):
        h = self.d_conv(imgs.view(-1, 1, 28, 28))
        return self.d_dense(h.view(h.size(0), -1))
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    """(N, z_dim) noise -> (N, 784) images in (0, 1)."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.g_dense = nn.Sequential(nn.Linear(z_dim, 128 * 7 * 7), nn.ReLU(inplace=True))  # H1
        self.g_deconv = nn.Sequential(
            nn.ConvTranspose2d(128, 128, 5, stride=2, padding=2, output_padding=1),  # D2: 128 x 14 x 14
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(128, 1, 5, stride=2, padding=2, output_padding=1),    # D3: 1 x 28 x 28
            nn.Sigmoid(),
        )

    def forward(self, z):
        h1 = self.g_dense(z).view(-1, 128, 7, 7)
        return self.g_deconv(h1).view(-1, 784)
'''),
        SetSource("gan_losses", '''
def gan_losses(D, G, z, true_images):
    sample_images = G(z)
    d_real = D(true_images)
    d_fake = D(sample_images)  # the very same D
    d_loss = -(torch.log(d_real).mean() + torch.log(1.0 - d_fake).mean())
    g_loss = -torch.log(d_fake).mean()
    right = (d_real > 0.5).sum() + (d_fake < 0.5).sum()
    d_acc = right.float() / (d_real.numel() + d_fake.numel())
    return d_loss, g_loss, d_acc, sample_images
'''),
        Replace("run", "D = Discriminator().to(device)\nG = Generator().to(device)\n",
                "D = Discriminator().to(device)\nG = Generator().to(device)\nsummary(D, (784,))\n"),
    ),
    note="torchvision must import in the kernel and dset.MNIST(..., download=True) must find the "
         "grading digits offline (it exposes .data); torchsummary is not installed, and the Drive, "
         "os.chdir, `!` and GPU-name lines fail or are skipped without costing a definition. "
         "-(mean log D(x) + mean log(1 - D(G(z)))) is the contract's d_loss: both batches have N "
         "images.",
)

# ------------------------------------------------------------------ 2. lab machine: gan_utils.py in a zip, MNIST_data/*.gz

GAN_UTILS_PY = '''
"""Shared pieces of lab 7: the scaffold's helpers and my two networks."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.utils as vutils
import matplotlib
import matplotlib.pyplot as plt

# The lab machines have a GPU; stop right here if this one does not.
_gpu_check = torch.zeros(1).cuda()

Z_DIM = 100
BATCH_SIZE = 128


def lrelu(x, leak=0.2):
    return torch.max(x, leak * x)


def sample_z(n, z_dim=Z_DIM, device="cpu"):
    """U(-1, 1) noise, shape (n, z_dim)."""
    return torch.empty(n, z_dim, device=device).uniform_(-1, 1)


def show_images(images):
    grid = vutils.make_grid(torch.as_tensor(images).detach().cpu().view(-1, 1, 28, 28), nrow=8, padding=2)
    plt.figure(figsize=(8, 8))
    plt.imshow(np.transpose(grid.numpy(), (1, 2, 0)))
    plt.axis("off")


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.d_h0 = nn.Conv2d(1, 32, kernel_size=5, stride=2, padding=2)
        self.d_h1 = nn.Conv2d(32, 64, kernel_size=5, stride=2, padding=2)
        self.d_h2 = nn.Linear(7 * 7 * 64, 1024)
        self.d_h3 = nn.Linear(1024, 1)

    def forward(self, imgs):
        h = imgs.view(imgs.shape[0], 1, 28, 28)
        h = lrelu(self.d_h0(h))
        h = lrelu(self.d_h1(h))
        h = lrelu(self.d_h2(torch.flatten(h, 1)))
        return torch.sigmoid(self.d_h3(h))


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.g_h1 = nn.Linear(z_dim, 7 * 7 * 128)
        self.g_d2 = nn.ConvTranspose2d(128, 128, kernel_size=5, stride=2, padding=2, output_padding=1)
        self.g_d3 = nn.ConvTranspose2d(128, 1, kernel_size=5, stride=2, padding=2, output_padding=1)

    def forward(self, z):
        h1 = F.relu(self.g_h1(z)).view(z.shape[0], 128, 7, 7)
        d2 = F.relu(self.g_d2(h1))
        d3 = self.g_d3(d2)
        return torch.sigmoid(d3).view(z.shape[0], 28 * 28)
'''.lstrip("\n")

GAN_UTILS_ZIP = Sample(
    "valid/gan_utils_module_mnist_gz_zip.zip",
    "A zip of lab7_dcgan.ipynb and gan_utils.py, as run on the lab's GPU machines: the module "
    "imports torch, torchvision (vutils) and matplotlib, then checks for the GPU with "
    "torch.zeros(1).cuda() before the scaffold's helpers and both networks (d_/g_-named layers, "
    "lrelu as torch.max(x, leak * x)); the notebook imports them, reads the TF-era "
    "MNIST_data/train-images-idx3-ubyte.gz with gzip and numpy, and `%load_ext autoreload`.",
    (
        SetSource("setup", """
import gzip
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from autograder.public import check

%matplotlib inline
%load_ext autoreload
%autoreload 2
plt.rcParams['image.cmap'] = 'gray'
"""),
        SetSource("helpers", """
from gan_utils import Z_DIM, BATCH_SIZE, lrelu, sample_z, show_images
"""),
        SetSource("data", """
# The 2016 lab had TensorFlow download MNIST into MNIST_data/; I read the same files with numpy.
with gzip.open('MNIST_data/train-images-idx3-ubyte.gz', 'rb') as f:
    pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
images = torch.from_numpy(pixels.reshape(-1, 784).astype(np.float32) / 255.0)  # (N, 784) in [0, 1]
print(images.shape, images.dtype)
show_images(images[:16])
plt.show()
"""),
        SetSource("discriminator", "from gan_utils import Discriminator"),
        SetSource("generator", "from gan_utils import Generator"),
    ),
    files={"gan_utils.py": GAN_UTILS_PY},
    notebook_name="lab7_dcgan.ipynb",
    note="gan_utils.py's torch.zeros(1).cuda() raises without a GPU, before every definition the "
         "notebook imports: the module must run statement by statement so that they still exist; "
         "its torchvision and matplotlib imports must work. MNIST_data/*-ubyte.gz must be in the "
         "kernel's working folder.",
)

COLAB_SAMPLES: tuple[Sample, ...] = (COLAB_TORCHVISION, GAN_UTILS_ZIP)
