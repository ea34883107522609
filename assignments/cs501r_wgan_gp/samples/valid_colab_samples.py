"""Valid samples that carry the environment they were written in: Google Colab with CelebA on Drive.

Each is a correct solution with its student's real setup: Drive mounted and
CelebA unzipped into the VM, the faces read with glob and PIL or through
torchvision's ImageFolder, torchvision's make_grid / save_image for the
pictures, a device and a cell that names the GPU, and in the zip a models.py
that imports torchvision and matplotlib and reads a file from Drive before
its networks. What each asks of a grader is in its note.
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code

# ------------------------------------------------------------------ 1. Colab: glob + PIL, make_grid, save_image

COLAB_GLOB_PIL = Sample(
    "valid/colab_celeba_glob_pil.ipynb",
    "A Colab notebook: Drive mounted, `!unzip` of img_align_celeba.zip from Drive into /content and "
    "`%cd /content`, print(torch.cuda.get_device_name(0)); the faces read with "
    "glob.glob('img_align_celeba/*.jpg') and PIL (Image.open(...).crop(...).resize((64, 64))) into "
    "a [-1, 1] tensor; show_images through make_grid(normalize=True, value_range=(-1, 1)) and the "
    "samples written with save_image to Drive; a generator whose ReLU + BatchNorm blocks come from "
    "a helper function, a critic as one nn.Sequential; the penalty's norm as sqrt(sum of squares + "
    "1e-12).",
    (
        InsertAfter("intro", code("colab_mount", """
from google.colab import drive
drive.mount('/content/drive')

# CelebA (aligned & cropped) lives zipped on my Drive; unzip it onto the VM's disk, it is much faster
!unzip -qn "/content/drive/My Drive/datasets/img_align_celeba.zip" -d /content/
%cd /content
""")),
        SetSource("setup", """
import glob
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.utils import make_grid, save_image
from PIL import Image
import matplotlib.pyplot as plt

from autograder.public import check

%matplotlib inline
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
"""),
        InsertAfter("setup", code("gpu_name", """
print(torch.cuda.get_device_name(0))
""")),
        SetSource("helpers", '''
def show_images(images, nrow=8):
    """A batch (N, 3, H, W) in [-1, 1] drawn as one grid."""
    grid = make_grid(images.detach().cpu(), nrow=nrow, padding=2, normalize=True, value_range=(-1, 1))
    plt.figure(figsize=(nrow * 1.2, (len(images) + nrow - 1) // nrow * 1.2))
    plt.axis("off")
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.show()
'''),
        SetSource("data", '''
Z_DIM = 100
BATCH_SIZE = 64
CELEBA_LIMIT = 20000

files = sorted(glob.glob('img_align_celeba/*.jpg'))[:CELEBA_LIMIT]
print(len(files), 'faces found')


def load_face(path, size=64):
    """One aligned CelebA photo (178 x 218): the centre square, resized, in [-1, 1], (3, size, size)."""
    img = Image.open(path).convert('RGB')
    w, h = img.size
    top = (h - w) // 2
    img = img.crop((0, top, w, top + w)).resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 127.5 - 1.0


faces = torch.from_numpy(np.stack([load_face(f) for f in files]))
print(faces.shape, faces.min().item(), faces.max().item())
'''),
        SetSource("generator", '''
def up_block(c_in, c_out):
    """Double the size: transposed conv, then ReLU and BatchNorm (the lab's order)."""
    return [nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1),
            nn.ReLU(inplace=True),
            nn.BatchNorm2d(c_out)]


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM, ngf=64):
        super().__init__()
        self.ngf = ngf
        self.project = nn.Linear(z_dim, ngf * 8 * 4 * 4)
        self.body = nn.Sequential(
            nn.ReLU(inplace=True), nn.BatchNorm2d(ngf * 8),     # 512 x 4 x 4
            *up_block(ngf * 8, ngf * 4),                        # 256 x 8 x 8
            *up_block(ngf * 4, ngf * 2),                        # 128 x 16 x 16
            *up_block(ngf * 2, ngf),                            # 64 x 32 x 32
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1),                # 3 x 64 x 64
            nn.Tanh(),
        )

    def forward(self, z):
        return self.body(self.project(z).view(-1, self.ngf * 8, 4, 4))
'''),
        SetSource("critic", '''
class Critic(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2),                                      # 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.LeakyReLU(0.2), nn.BatchNorm2d(ndf * 2),      # 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.BatchNorm2d(ndf * 4),  # 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.BatchNorm2d(ndf * 8),  # 4
            nn.Flatten(),
            nn.Linear(ndf * 8 * 4 * 4, 1),  # a score, not a probability
        )

    def forward(self, x):
        return self.net(x)
'''),
        SetSource("penalty", '''
def gradient_penalty(critic, real, fake, eps=None):
    n = real.size(0)
    if eps is None:
        eps = torch.rand(n, 1, 1, 1).to(real.device)
    mixed = (eps * real + (1 - eps) * fake).detach()
    mixed.requires_grad_(True)
    scores = critic(mixed)
    grad = torch.autograd.grad(outputs=scores, inputs=mixed, grad_outputs=torch.ones_like(scores),
                               create_graph=True, retain_graph=True)[0]
    grad_norm = torch.sqrt(torch.sum(grad ** 2, dim=[1, 2, 3]) + 1e-12)
    return torch.mean((grad_norm - 1.0) ** 2)
'''),
        SetSource("losses", '''
def critic_loss(critic, real, fake, lam=10.0, eps=None):
    gp = gradient_penalty(critic, real, fake, eps=eps)
    return torch.mean(critic(fake)) - torch.mean(critic(real)) + lam * gp


def generator_loss(critic, fake):
    return -torch.mean(critic(fake))
'''),
        Replace("samples", "show_images(samples)\n",
                "show_images(samples)\nsave_image(samples * 0.5 + 0.5, '/content/drive/My Drive/wgan_gp/samples.png', nrow=8)\n"),
    ),
    note="glob('img_align_celeba/*.jpg') must find faces in the kernel's working folder (or the data "
         "cell fails, which costs nothing graded); torchvision must import. The Drive, `!unzip`, `%cd`, "
         "GPU-name and save_image-to-Drive lines fail or are skipped. The 1e-12 under the square root "
         "moves each norm by far less than float32 tolerance.",
)

# ------------------------------------------------------------------ 2. Colab: models.py in a zip, ImageFolder

MODELS_PY = '''
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.utils as vutils
import matplotlib.pyplot as plt

# Sizes I tried out are kept on Drive so that every notebook uses the same ones.
with open('/content/drive/MyDrive/wgan_gp/config.json') as f:
    CONFIG = json.load(f)

Z_DIM = 100


def weights_init(m):
    """DCGAN initialisation: N(0, 0.02) convolutions, N(1, 0.02) norm scales."""
    name = m.__class__.__name__
    if 'Conv' in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif 'Norm' in name and getattr(m, 'weight', None) is not None:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(z_dim, 512 * 4 * 4), nn.BatchNorm1d(512 * 4 * 4), nn.ReLU(True))
        self.deconvs = nn.Sequential(
            nn.ConvTranspose2d(512, 256, 4, 2, 1), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, 3, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z):
        x = self.fc(z)
        return self.deconvs(x.view(x.size(0), 512, 4, 4))


class Critic(nn.Module):
    """No batch norm in a WGAN-GP critic: GroupNorm(1, C) normalises each image on its own."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(64, 128, 4, 2, 1), nn.GroupNorm(1, 128), nn.LeakyReLU(0.2, True),
            nn.Conv2d(128, 256, 4, 2, 1), nn.GroupNorm(1, 256), nn.LeakyReLU(0.2, True),
            nn.Conv2d(256, 512, 4, 2, 1), nn.GroupNorm(1, 512), nn.LeakyReLU(0.2, True),
        )
        self.score = nn.Linear(512 * 4 * 4, 1)

    def forward(self, x):
        return self.score(torch.flatten(self.features(x), 1)).squeeze(1)


def show_images(images, nrow=8):
    grid = vutils.make_grid(images.detach().cpu(), nrow=nrow, normalize=True, value_range=(-1, 1))
    plt.figure(figsize=(10, 10))
    plt.axis("off")
    plt.imshow(grid.permute(1, 2, 0))
    plt.show()
'''.lstrip("\n")

MODELS_ZIP = Sample(
    "valid/models_module_imagefolder_zip.zip",
    "A zip of WGAN_GP_CelebA.ipynb and models.py: the module imports torch, torchvision (vutils) and "
    "matplotlib, reads its settings from a JSON file on Drive, then defines weights_init, the "
    "Generator (Linear + BatchNorm1d, then BatchNorm before each ReLU), a Critic with GroupNorm(1, C) "
    "whose scores are squeezed to (N,), and show_images. The notebook mounts Drive, loads CelebA "
    "with dset.ImageFolder('data/celeba', T.Compose([Resize, CenterCrop, ToTensor, Normalize])) and a "
    "DataLoader, applies weights_init, and its own train loops over the loader.",
    (
        InsertAfter("intro", code("colab_mount", """
from google.colab import drive
drive.mount('/content/drive', force_remount=True)

!mkdir -p data/celeba && unzip -qn "/content/drive/MyDrive/img_align_celeba.zip" -d data/celeba
""")),
        SetSource("setup", """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.datasets as dset
import torchvision.transforms as T
from torch.utils.data import DataLoader
import matplotlib.pyplot as plt

from models import Generator, Critic, weights_init, show_images
from autograder.public import check

%matplotlib inline
%load_ext autoreload
%autoreload 2
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
"""),
        SetSource("helpers", "# show_images is in models.py"),
        SetSource("data", """
Z_DIM = 100
BATCH_SIZE = 64

dataroot = 'data/celeba'  # ImageFolder wants the class folder: data/celeba/img_align_celeba/*.jpg
dataset = dset.ImageFolder(root=dataroot,
                           transform=T.Compose([
                               T.Resize(64),
                               T.CenterCrop(64),
                               T.ToTensor(),
                               T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
                           ]))
dataloader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, num_workers=2, drop_last=True)
print(len(dataset), 'faces')
"""),
        SetSource("show_data", """
real_batch = next(iter(dataloader))
show_images(real_batch[0][:16])
"""),
        SetSource("generator", """
# Generator and Critic live in models.py
G_test = Generator()
print(G_test(torch.randn(2, Z_DIM)).shape)
"""),
        SetSource("critic", """
C_test = Critic()
print(C_test(torch.randn(2, 3, 64, 64)).shape)
"""),
        SetSource("train", '''
def train(G, critic, g_opt, c_opt, loader, epochs=2, n_critic=1, print_every=100):
    """Passes over the DataLoader; returns the list of train_step results."""
    history = []
    step = 0
    for epoch in range(epochs):
        for real, _ in loader:
            history.append(train_step(G, critic, g_opt, c_opt, real, n_critic=n_critic))
            if step % print_every == 0:
                s = history[-1]
                print(f"[{epoch}/{epochs}] step {step}: W {s['wasserstein']:.3f} "
                      f"GP {s['gradient_penalty']:.3f} G {s['generator_loss']:.3f}")
            step += 1
    return history


def plot_history(history):
    plt.figure(figsize=(10, 3))
    plt.plot([h["wasserstein"] for h in history], label="W estimate")
    plt.plot([h["gradient_penalty"] for h in history], label="GP")
    plt.legend()
    plt.show()
'''),
        SetSource("run_training", """
G = Generator().to(device)
G.apply(weights_init)
critic = Critic().to(device)
critic.apply(weights_init)
g_opt, c_opt = make_optimizers(G, critic)
history = train(G, critic, g_opt, c_opt, dataloader, epochs=5)
plot_history(history)
"""),
    ),
    files={"models.py": MODELS_PY},
    notebook_name="WGAN_GP_CelebA.ipynb",
    note="models.py reads a file on Drive at import, before its definitions: the module must run "
         "statement by statement so that Generator, Critic and weights_init still exist; its "
         "torchvision and matplotlib imports must work. ImageFolder's root is not on the grader, so "
         "the data cells fail, harmlessly. The generator's BatchNorm1d needs batches of at least 2. "
         "final_image, measured with the default CPU budget (40 steps): every sample nearly the same "
         "image (pixel spread 0.053, bar 0.087, reference 0.347). The cause is the generator's "
         "BatchNorm-before-ReLU order (DCGAN's own, and the most common): the same zip with the lab's "
         "ReLU-then-BatchNorm order passes, with or without GroupNorm in the critic; "
         "backward_with_signs.ipynb (BatchNorm before ReLU too) fails the same way.",
    may_fail=("final_image",),
)

COLAB_SAMPLES: tuple[Sample, ...] = (COLAB_GLOB_PIL, MODELS_ZIP)
