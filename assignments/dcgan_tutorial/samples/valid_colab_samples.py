"""Valid samples that carry the environment they were written in: Google Colab, or a zipped folder.

Each is a correct solution with its student's real setup: Drive mounted,
torchvision's MNIST normalised to [-1, 1] through a DataLoader, a device and
a cell that names the GPU, make_grid / save_image for the pictures; or the
tutorial's TensorFlow-era `MNIST_data/` folder read by hand, with the
networks in a helper module that imports torchvision and matplotlib and
checks for a GPU before defining them. What each asks of a grader is in its
note.
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Sample, SetSource

from .notebook_cells import code

# ------------------------------------------------------------------ 1. Colab: torchvision MNIST in [-1, 1], device

COLAB_NORMALIZED = Sample(
    "valid/colab_normalized_mnist_device.ipynb",
    "A Colab notebook: Drive mounted, print(torch.cuda.get_device_name(0)); torchvision's MNIST "
    "through T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]) and a DataLoader that hands "
    "over the whole set as one (N, 1, 28, 28) tensor in [-1, 1]; show_samples through make_grid "
    "and the final samples written to Drive with save_image; both networks as layer attributes "
    "plus nn.Sequential stacks; losses with torch.full_like labels; train moves each batch and "
    "its noise to the networks' device.",
    (
        InsertAfter("intro", code("colab_mount", """
from google.colab import drive
drive.mount('/content/drive')

SAVE_DIR = '/content/drive/My Drive/dcgan_mnist'  # pictures go here so they survive the session
""")),
        SetSource("setup", """
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
import torchvision.datasets as dset
from torchvision.utils import make_grid, save_image
from torch.utils.data import DataLoader
import matplotlib.pyplot as plt

from autograder.public import check

%matplotlib inline

Z_DIM = 100       # length of the generator's noise vector
BATCH_SIZE = 16   # images per training step

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
"""),
        InsertAfter("setup", code("gpu_name", """
print(torch.cuda.get_device_name(0))
""")),
        SetSource("data", """
# [-1, 1], the range of the generator's tanh
transform = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
mnist_train = dset.MNIST(root='./data', train=True, download=True, transform=transform)

# the whole training set as one tensor, so that train() can draw random batches from it
images, labels = next(iter(DataLoader(mnist_train, batch_size=len(mnist_train))))
print(images.shape, images.min().item(), images.max().item())
"""),
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    """(N, 1, 28, 28) images -> (N, 1) logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5, stride=1, padding=2),    # 8 x 28 x 28
            nn.ReLU(),
            nn.AvgPool2d(kernel_size=2, stride=2),      # 8 x 14 x 14
            nn.Conv2d(8, 16, 5, stride=1, padding=2),   # 16 x 14 x 14
            nn.ReLU(),
            nn.AvgPool2d(kernel_size=2, stride=2),      # 16 x 7 x 7
        )
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x_image):
        h = self.features(x_image)
        h = F.relu(self.fc1(h.view(h.size(0), -1)))
        return self.fc2(h)
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    """(N, 100) noise -> (N, 1, 28, 28) images in [-1, 1]."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(25, 256, 5, stride=2, padding=2),                    # 256 x 3 x 3
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 5, stride=2, padding=2, output_padding=1),  # 128 x 6 x 6
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1),   # 64 x 12 x 12
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 5, stride=2, output_padding=1),                # 1 x 28 x 28
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(F.relu(z.view(z.size(0), 25, 2, 2)))
'''),
        SetSource("show_samples", '''
def show_samples(G, n=16):
    """n samples of G (in eval mode) drawn as one grid with make_grid."""
    was_training = G.training
    G.eval()
    with torch.no_grad():
        samples = G(torch.randn(n, Z_DIM, device=next(G.parameters()).device)).cpu()
    G.train(was_training)
    grid = make_grid(samples, nrow=int(np.ceil(np.sqrt(n))), normalize=True, value_range=(-1, 1))
    plt.figure(figsize=(4, 4))
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.axis('off')
    plt.show()


def plot_losses(history):
    d_losses, g_losses = zip(*history)
    plt.figure(figsize=(8, 4))
    plt.plot(d_losses, label='d_loss')
    plt.plot(g_losses, label='g_loss')
    plt.legend()
    plt.show()
'''),
        SetSource("losses", '''
def losses(D, G, z, x):
    real_logits = D(x)
    fake_logits = D(G(z))
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, 1.0))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, 0.0)))
    g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, 1.0))
    return d_loss, g_loss
'''),
        SetSource("train", '''
def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE):
    on = next(D.parameters()).device  # the networks may be on the GPU, the images are not
    history = []
    for i in range(iterations):
        idx = torch.randint(0, images.shape[0], (batch_size,))
        real = images[idx].to(on)
        z = torch.randn(batch_size, Z_DIM, device=on)

        d_loss, _ = losses(D, G, z, real)
        trainer_d.zero_grad()
        d_loss.backward()
        trainer_d.step()

        _, g_loss = losses(D, G, z, real)
        trainer_g.zero_grad()
        g_loss.backward()
        trainer_g.step()

        history.append((d_loss.item(), g_loss.item()))
        if i % 500 == 0:
            print(f"{i}: d {d_loss.item():.3f}  g {g_loss.item():.3f}")
    return history
'''),
        SetSource("run", """
torch.manual_seed(0)
D = Discriminator().to(device)
G = Generator().to(device)
trainer_d, trainer_g = make_optimizers(D, G)
history = train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE)
"""),
        SetSource("final_samples", """
show_samples(G)
G.eval()
with torch.no_grad():
    save_image(G(torch.randn(64, Z_DIM, device=device)), SAVE_DIR + '/final_samples.png', normalize=True)
G.train()
"""),
    ),
    note="torchvision must import and dset.MNIST(..., download=True) must find the grading digits "
         "offline; the data are normalised to [-1, 1] in the notebook, while the grader hands train "
         "[0, 1] images as the contract says, which this train takes as they come. The Drive, "
         "GPU-name and save_image-to-Drive lines fail without costing a definition.",
)

# ------------------------------------------------------------------ 2. a zipped folder: gan_utils.py, MNIST_data/*.gz

GAN_UTILS_PY = '''
"""The networks and plotting helpers of my DCGAN notebook."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.utils import make_grid
import matplotlib.pyplot as plt

# fail early when Colab handed me a CPU runtime
assert torch.cuda.is_available(), "Runtime > Change runtime type > GPU"

Z_DIM = 100


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.d_conv1 = nn.Conv2d(1, 8, 5, padding=2)
        self.d_conv2 = nn.Conv2d(8, 16, 5, padding=2)
        self.d_fc1 = nn.Linear(784, 32)
        self.d_fc2 = nn.Linear(32, 1)

    def forward(self, x_image):
        h = F.avg_pool2d(F.relu(self.d_conv1(x_image)), kernel_size=2)
        h = F.avg_pool2d(F.relu(self.d_conv2(h)), kernel_size=2)
        h = F.relu(self.d_fc1(torch.flatten(h, 1)))
        return self.d_fc2(h)


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.g_deconv1 = nn.ConvTranspose2d(25, 256, 5, 2, 2)
        self.g_bn1 = nn.BatchNorm2d(256)
        self.g_deconv2 = nn.ConvTranspose2d(256, 128, 5, 2, 2, 1)
        self.g_bn2 = nn.BatchNorm2d(128)
        self.g_deconv3 = nn.ConvTranspose2d(128, 64, 5, 2, 2, 1)
        self.g_bn3 = nn.BatchNorm2d(64)
        self.g_deconv4 = nn.ConvTranspose2d(64, 1, 5, 2, 0, 1)

    def forward(self, z):
        h = F.relu(torch.reshape(z, (-1, 25, 2, 2)))
        h = F.relu(self.g_bn1(self.g_deconv1(h)))
        h = F.relu(self.g_bn2(self.g_deconv2(h)))
        h = F.relu(self.g_bn3(self.g_deconv3(h)))
        return torch.tanh(self.g_deconv4(h))


def show_samples(G, n=16):
    was_training = G.training
    G.eval()
    with torch.no_grad():
        samples = G(torch.randn(n, Z_DIM, device=next(G.parameters()).device)).cpu()
    G.train(was_training)
    grid = make_grid(samples, nrow=4, normalize=True, value_range=(-1, 1), pad_value=1)
    plt.imshow(grid.permute(1, 2, 0))
    plt.axis("off")
    plt.show()


def plot_losses(history):
    history = np.array(history)
    plt.plot(history[:, 0], label="d_loss")
    plt.plot(history[:, 1], label="g_loss")
    plt.legend()
    plt.show()
'''.lstrip("\n")

GAN_UTILS_ZIP = Sample(
    "valid/gan_utils_module_folder_zip.zip",
    "A zipped folder dcgan_mnist/ holding DCGAN_MNIST.ipynb and gan_utils.py (folder entries "
    "included, as a file manager's compress writes them). The module imports torchvision "
    "(make_grid) and matplotlib, asserts torch.cuda.is_available() before its definitions, then "
    "holds both networks (d_/g_-named layers) and the plotting helpers; the notebook imports them "
    "and reads the tutorial's MNIST_data/train-images-idx3-ubyte.gz by hand (gzip + numpy).",
    (
        SetSource("setup", """
import gzip
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from gan_utils import Discriminator, Generator, show_samples, plot_losses
from autograder.public import check

%matplotlib inline

Z_DIM = 100       # length of the generator's noise vector
BATCH_SIZE = 16   # images per training step
"""),
        SetSource("data", """
# the tutorial's input_data.read_data_sets('MNIST_data/') left these files; numpy reads them too
with gzip.open('MNIST_data/train-images-idx3-ubyte.gz', 'rb') as f:
    raw = np.frombuffer(f.read(), np.uint8, offset=16)
images = torch.tensor(raw.reshape(-1, 1, 28, 28), dtype=torch.float32) / 255.0  # (N, 1, 28, 28) in [0, 1]
print(images.shape)
"""),
        SetSource("discriminator", "# Discriminator and Generator are in gan_utils.py\nprint(Discriminator())"),
        SetSource("generator", "print(Generator())"),
        SetSource("show_samples", "# show_samples and plot_losses are in gan_utils.py"),
    ),
    files={"dcgan_mnist/gan_utils.py": GAN_UTILS_PY},
    notebook_name="dcgan_mnist/DCGAN_MNIST.ipynb",
    zip_folders=True,
    note="The notebook and its module sit one folder down in the zip, side by side. The module's "
         "assert on torch.cuda.is_available() fails without a GPU, before every definition: the "
         "module must run statement by statement so that they still exist; its torchvision and "
         "matplotlib imports must work. MNIST_data/*-ubyte.gz must be in the kernel's working folder.",
)

COLAB_SAMPLES: tuple[Sample, ...] = (COLAB_NORMALIZED, GAN_UTILS_ZIP)
