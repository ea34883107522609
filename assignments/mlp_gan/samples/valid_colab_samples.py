"""Valid samples that carry the environment they were written in: Google Colab or a local Jupyter.

Each is a correct solution with its student's real setup: Drive mounted,
torchvision's MNIST flattened by hand, a device and a cell that names the
GPU, make_grid / save_image for the pictures; or the original notebook's
TensorFlow-era `MNIST_data/` folder read with gzip and numpy, with the
networks in a helper module that imports torchvision and matplotlib and
loads a file from Drive before defining them. What each asks of a grader is
in its note.
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code

# ------------------------------------------------------------------ 1. Colab: torchvision MNIST, weight dicts

COLAB_TORCHVISION = Sample(
    "valid/colab_torchvision_mnist_weight_dicts.ipynb",
    "A Colab notebook: Drive mounted, `%load_ext autoreload`, a device and "
    "print(torch.cuda.get_device_name(0)); torchvision's dset.MNIST('MNIST_data', download=True, "
    "transform=T.ToTensor()) flattened with torch.stack; show_images through make_grid and "
    "save_image to Drive; the notebook's weight dicts kept, G and D with torch.mm and F.relu, "
    "d_objective's log(1 - D(G(z))) as torch.log1p(-p).",
    (
        InsertAfter("intro", code("colab_mount", """
from google.colab import drive
drive.mount('/content/drive', force_remount=True)
""")),
        SetSource("setup", """
import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.datasets as dset
import torchvision.transforms as T
from torchvision.utils import make_grid, save_image
import matplotlib.pyplot as plt

from autograder.public import check

%matplotlib inline
%load_ext autoreload
%autoreload 2

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
"""),
        InsertAfter("setup", code("gpu_name", """
print(torch.cuda.get_device_name(0))
""")),
        SetSource("data", """
mnist_train = dset.MNIST('MNIST_data', train=True, download=True, transform=T.ToTensor())
images = torch.stack([img.view(-1) for img, _ in mnist_train])  # (N, 784) float32 in [0, 1]
print(images.shape)
"""),
        SetSource("helpers", """
def show_images(samples):
    \"\"\"Flattened images (N, 784) in [0, 1] as one grid (torchvision's make_grid).\"\"\"
    samples = samples.detach().cpu().view(-1, 1, 28, 28)
    grid = make_grid(samples, nrow=int(np.ceil(np.sqrt(len(samples)))), padding=2, pad_value=1.0)
    fig = plt.figure(figsize=(5, 5))
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.axis('off')
    return fig


def show_history(history):
    plt.figure(figsize=(8, 4))
    plt.plot([h['d_objective'] for h in history], label='D objective')
    plt.plot([h['g_objective'] for h in history], label='G objective')
    plt.xlabel('iteration')
    plt.legend()
"""),
        SetSource("models", '''
def G(z, w=g_weights):
    """noise (N, 100) -> images (N, 784) in (0, 1)"""
    h = F.relu(torch.mm(z, w['w1']) + w['b1'])
    return torch.sigmoid(torch.mm(h, w['out']) + w['b2'])


def D(x, w=d_weights):
    """images (N, 784) -> probability of being real (N, 1)"""
    h = F.relu(torch.mm(x, w['w1']) + w['b1'])
    return torch.sigmoid(torch.mm(h, w['out']) + w['b2'])
'''),
        SetSource("objectives", '''
def objectives(D, G, x, z):
    p_real = D(x)
    p_fake = D(G(z))
    g_objective = -torch.log(p_fake).mean()
    d_objective = -(torch.log(p_real) + torch.log1p(-p_fake)).mean()  # log1p(-p) = log(1 - p)
    return g_objective, d_objective
'''),
        Replace("samples", "    image = G(generate_z())\n",
                "    image = G(generate_z())\n"
                "    save_image(G(generate_z(64)).view(-1, 1, 28, 28), '/content/drive/My Drive/mlp_gan_samples.png')\n"),
    ),
    note="torchvision must import and dset.MNIST(..., download=True) must find the grading digits "
         "offline (the root is named like the TF-era folder, which the grader also stages); the Drive "
         "and GPU-name lines, and save_image to Drive, fail without costing a definition.",
)

# ------------------------------------------------------------------ 2. a zip with gan_utils.py, MNIST_data/*.gz

GAN_UTILS_PY = '''
import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.utils import make_grid, save_image
import matplotlib.pyplot as plt

# the same 16 noise vectors in every run, so that I can compare samples between runs
FIXED_Z = torch.load('/content/drive/My Drive/mlp_gan/fixed_z.pt')

Z_SIZE = 100
HIDDEN = 400
X_SIZE = 28 * 28


def xavier_init(shape):
    """N(0, (1 / fan_in)^2) for a (fan_in, fan_out) weight matrix."""
    fan_in = shape[0]
    return torch.randn(shape) / fan_in


class Dense(nn.Linear):
    """nn.Linear started the notebook's way: xavier_init weights, zero bias."""

    def __init__(self, fan_in, fan_out):
        super().__init__(fan_in, fan_out)
        with torch.no_grad():
            self.weight.copy_(xavier_init((fan_in, fan_out)).t())  # nn.Linear keeps (fan_out, fan_in)
            self.bias.zero_()


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(Dense(Z_SIZE, HIDDEN), nn.ReLU(), Dense(HIDDEN, X_SIZE), nn.Sigmoid())

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(Dense(X_SIZE, HIDDEN), nn.ReLU(), Dense(HIDDEN, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


def show_images(samples):
    grid = make_grid(samples.detach().cpu().view(-1, 1, 28, 28), nrow=4, pad_value=1.0)
    fig = plt.figure(figsize=(4, 4))
    plt.imshow(grid.permute(1, 2, 0))
    plt.axis('off')
    return fig


def show_history(history):
    plt.figure(figsize=(8, 4))
    plt.plot([h['d_objective'] for h in history], label='D')
    plt.plot([h['g_objective'] for h in history], label='G')
    plt.legend()
'''.lstrip("\n")

GAN_UTILS_ZIP = Sample(
    "valid/gan_utils_module_mnist_gz_zip.zip",
    "A zip of MLP_GAN.ipynb and gan_utils.py: the module imports torch, torchvision (make_grid, "
    "save_image) and matplotlib, then torch.load()s a fixed-noise file from Drive before defining "
    "xavier_init, an nn.Linear subclass started with it, Generator and Discriminator modules and "
    "the plotting helpers; the notebook imports them, reads the original notebook's "
    "MNIST_data/train-images-idx3-ubyte.gz with gzip and numpy, and optimizes D.parameters() and "
    "G.parameters().",
    (
        SetSource("setup", """
import gzip
import numpy as np
import torch
import matplotlib.pyplot as plt

from gan_utils import xavier_init, Generator, Discriminator, show_images, show_history
from autograder.public import check

%matplotlib inline
"""),
        SetSource("data", """
# the original notebook's input_data.read_data_sets('MNIST_data') left these files behind
with gzip.open('MNIST_data/train-images-idx3-ubyte.gz', 'rb') as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
images = torch.from_numpy(images.astype(np.float32) / 255.0)  # (N, 784) float32 in [0, 1]
print(images.shape)
"""),
        SetSource("helpers", "# show_images and show_history come from gan_utils.py"),
        SetSource("xavier_init", "# xavier_init is in gan_utils.py\nprint(xavier_init((784, 400)).std() * 784)"),
        SetSource("weights", "# the weights live in the modules: gan_utils.Dense starts them with xavier_init"),
        SetSource("models", """
G = Generator()
D = Discriminator()
print(sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters()))
"""),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    d_opt = torch.optim.Adam(D.parameters())
    g_opt = torch.optim.Adam(G.parameters())
    return d_opt, g_opt
'''),
    ),
    files={"gan_utils.py": GAN_UTILS_PY},
    notebook_name="MLP_GAN.ipynb",
    note="gan_utils.py's torch.load of a Drive file fails on the grader, before every definition the "
         "notebook imports: the module must run statement by statement so that they still exist; its "
         "torchvision and matplotlib imports must work. MNIST_data/*-ubyte.gz must be in the kernel's "
         "working folder.",
)

COLAB_SAMPLES: tuple[Sample, ...] = (COLAB_TORCHVISION, GAN_UTILS_ZIP)
