"""Valid samples that carry the environment they were written in: Google Colab or a local Jupyter.

Real submissions keep their setup cells: Drive mounted, the course's folder
put on sys.path, `%cd` and `!bash get_datasets.sh`, `%load_ext autoreload`,
torchvision imports, MNIST read with `torchvision.datasets.MNIST` (or by
hand from the TF-era `MNIST_data/*.gz`), a `dtype` or `device` for the GPU
and a cell that names the GPU. Each sample is a correct solution; what it
asks of a grader is in its note. Helper modules are in colab_modules.py.
"""
from __future__ import annotations

from tools.samplekit.edits import Drop, InsertAfter, Replace, Sample, SetSource

from .colab_modules import GAN_PYTORCH_NESTED, GAN_PYTORCH_SIDE_BY_SIDE
from .notebook_cells import code

# ------------------------------------------------------------------ cells that several samples share


def colab_mount(force_remount: bool = False) -> str:
    """The Drive-mounting cell the Colab version of the assignment starts with."""
    mount = "drive.mount('/content/drive', force_remount=True)" if force_remount else "drive.mount('/content/drive')"
    return f"""
# Mount Google Drive so this VM can see the assignment folder.
from google.colab import drive
{mount}

# The path, inside "My Drive", of the unzipped assignment folder.
FOLDERNAME = 'cs231n/assignments/assignment3/'
assert FOLDERNAME is not None, "[!] Enter the foldername."

# Let the Python interpreter import the .py files of that folder.
import sys
sys.path.append('/content/drive/My Drive/{{}}'.format(FOLDERNAME))

# Download MNIST into the Drive folder (once), then come back.
%cd /content/drive/My\\ Drive/$FOLDERNAME/cs231n/datasets/
!bash get_datasets.sh
%cd /content/drive/My\\ Drive/$FOLDERNAME
"""


COURSE_IMPORTS = """
import torch
import torch.nn as nn
from torch.nn import init
import torchvision
import torchvision.transforms as T
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler
import torchvision.datasets as dset
"""

PLOT_SETTINGS = """
%matplotlib inline
plt.rcParams['figure.figsize'] = (10.0, 8.0)  # default size of plots
plt.rcParams['image.interpolation'] = 'nearest'
plt.rcParams['image.cmap'] = 'gray'

%load_ext autoreload
%autoreload 2
"""

GPU_NAME_CELL = code("gpu_name", """
# Runtime > Change runtime type > GPU; this should print the card's name
print(torch.cuda.get_device_name(0))
""")

# The functions a 2020+ notebook imports from cs231n/gan_pytorch.py instead of defining them.
MODULE_FUNCTION_CELLS = ("leaky_relu", "sample_noise", "discriminator", "generator", "bce_loss",
                         "gan_loss", "get_optimizer", "run_a_gan", "ls_loss", "reshape_modules",
                         "dc_classifier", "dc_generator")

# ------------------------------------------------------------------ 1. Colab, the 2019 notebook: ChunkSampler, dtype

COLAB_CHUNKSAMPLER = Sample(
    "valid/colab_chunksampler_cuda_dtype.ipynb",
    "The 2019 notebook run on Colab: Drive mounted with force_remount, FOLDERNAME on sys.path, "
    "`%cd` into cs231n/datasets and `!bash get_datasets.sh`, `%load_ext autoreload`; the course's "
    "torchvision imports; MNIST through dset.MNIST('./cs231n/datasets/MNIST_data', download=True, "
    "transform=T.ToTensor()) and a hand-written ChunkSampler of 50,000 indices; dtype = "
    "torch.cuda.FloatTensor and a cell printing torch.cuda.get_device_name(0); leaky_relu as "
    "relu(x) - alpha * relu(-x), noise as torch.FloatTensor(...).uniform_(-1, 1).",
    (
        InsertAfter("intro", code("colab_mount", colab_mount(force_remount=True))),
        SetSource("setup", COURSE_IMPORTS + """import torch.nn.functional as F

import numpy as np

import matplotlib.pyplot as plt
import matplotlib.gridspec as gridspec

from autograder.public import check
""" + PLOT_SETTINGS),
        InsertAfter("setup", GPU_NAME_CELL),
        Replace("helpers",
                "dtype = torch.FloatTensor\n# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU",
                "# dtype = torch.FloatTensor\ndtype = torch.cuda.FloatTensor  # Colab gives me a GPU"),
        SetSource("data", '''
class ChunkSampler(sampler.Sampler):
    """Samples elements one after the other, from a given offset.

    Arguments:
        num_samples: how many indices to give
        start: the first index
    """
    def __init__(self, num_samples, start=0):
        self.num_samples = num_samples
        self.start = start

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self):
        return self.num_samples


NUM_TRAIN = 50000
NUM_VAL = 5000

NOISE_DIM = 96
batch_size = 128

mnist_train = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True,
                         transform=T.ToTensor())
loader_train = DataLoader(mnist_train, batch_size=batch_size,
                          sampler=ChunkSampler(NUM_TRAIN, 0))

mnist_val = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True,
                       transform=T.ToTensor())
loader_val = DataLoader(mnist_val, batch_size=batch_size,
                        sampler=ChunkSampler(NUM_VAL, NUM_TRAIN))
'''),
        SetSource("show_batch", """
imgs = next(iter(loader_train))[0].view(batch_size, 784).numpy().squeeze()
show_images(imgs)
"""),
        SetSource("leaky_relu", '''
def leaky_relu(x, alpha=0.01):
    """
    Leaky ReLU: the positive part of x plus alpha times its negative part.
    """
    return F.relu(x) - alpha * F.relu(-x)
'''),
        SetSource("sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    """
    A (batch_size, dim) tensor of noise, uniform on (-1, 1).
    """
    if seed is not None:
        torch.manual_seed(seed)
    return torch.FloatTensor(batch_size, dim).uniform_(-1, 1)
'''),
    ),
    note="Only the first batch of the ChunkSampler is drawn at top level (the grading digits are fewer "
         "than its 50,000). torchvision must import in the kernel, and dset.MNIST(..., download=True) "
         "must find the grading digits without the network; the Drive, `%cd`, `!bash` and GPU-name "
         "lines fail or are skipped without costing a definition; dtype = torch.cuda.FloatTensor is "
         "replaced before probing.",
)

# ------------------------------------------------------------------ 2. Colab, 2020+ layout, notebook in a sub-folder

NESTED_IMPORT = {
    "leaky_relu": "from cs231n.gan_pytorch import leaky_relu",
    "sample_noise": "from cs231n.gan_pytorch import sample_noise",
    "discriminator": "from cs231n.gan_pytorch import discriminator",
    "generator": "from cs231n.gan_pytorch import generator",
    "bce_loss": "from cs231n.gan_pytorch import bce_loss",
    "gan_loss": "from cs231n.gan_pytorch import discriminator_loss, generator_loss",
    "get_optimizer": "from cs231n.gan_pytorch import get_optimizer",
    "run_a_gan": "from cs231n.gan_pytorch import run_a_gan",
    "ls_loss": "from cs231n.gan_pytorch import ls_discriminator_loss, ls_generator_loss",
    "reshape_modules": "from cs231n.gan_pytorch import Flatten, Unflatten, initialize_weights",
}

COLAB_2020_NESTED = Sample(
    "valid/colab_2020_zip_notebook_in_subfolder.zip",
    "The 2020+ layout zipped from Drive with the notebook one folder down "
    "(assignment3/GANs-PyTorch.ipynb) and cs231n/__init__.py, cs231n/gan_pytorch.py at the zip's "
    "root. The module starts with the course's imports (numpy, torch, torchvision, T, optim, "
    "DataLoader, sampler, dset, PIL) and holds every graded function plus ChunkSampler; each "
    "section of the notebook imports its function (`from cs231n.gan_pytorch import "
    "discriminator`), Colab setup cells, dtype = torch.cuda.FloatTensor, the course's Python 2 "
    "`loader_train.__iter__().next()` and `np.load('gan-checks.npz')` lines, and the course's "
    "shape tests that call .type(dtype).",
    (
        InsertAfter("intro", code("colab_mount", colab_mount())),
        SetSource("setup", """
import numpy as np
""" + COURSE_IMPORTS + """
import matplotlib.pyplot as plt
import matplotlib.gridspec as gridspec

from cs231n.gan_pytorch import preprocess_img, deprocess_img, rel_error, count_params, ChunkSampler
from autograder.public import check
""" + PLOT_SETTINGS),
        Replace("helpers",
                "dtype = torch.FloatTensor\n# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU",
                "answers = dict(np.load('gan-checks.npz'))  # the course's stored outputs\n\n"
                "dtype = torch.cuda.FloatTensor"),
        SetSource("data", """
NUM_TRAIN = 50000
NUM_VAL = 5000

NOISE_DIM = 96
batch_size = 128

mnist_train = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True,
                         transform=T.ToTensor())
loader_train = DataLoader(mnist_train, batch_size=batch_size,
                          sampler=ChunkSampler(NUM_TRAIN, 0))

mnist_val = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True,
                       transform=T.ToTensor())
loader_val = DataLoader(mnist_val, batch_size=batch_size,
                        sampler=ChunkSampler(NUM_VAL, NUM_TRAIN))
"""),
        SetSource("show_batch", """
imgs = loader_train.__iter__().next()[0].view(batch_size, 784).numpy().squeeze()
show_images(imgs)
"""),
        *(SetSource(key, line) for key, line in NESTED_IMPORT.items()),
        SetSource("dc_classifier", """
from cs231n.gan_pytorch import build_dc_classifier

data = next(enumerate(loader_train))[-1][0].type(dtype)
b = build_dc_classifier(batch_size).type(dtype)
out = b(data)
print(out.size())
"""),
        SetSource("dc_generator", """
from cs231n.gan_pytorch import build_dc_generator

test_g_gan = build_dc_generator().type(dtype)
test_g_gan.apply(initialize_weights)

fake_seed = torch.randn(batch_size, NOISE_DIM).type(dtype)
fake_images = test_g_gan.forward(fake_seed)
fake_images.size()
"""),
        Replace("train_dcgan", "D_DC = build_dc_classifier(batch_size).type(dtype)\n",
                "D_DC = build_dc_classifier(batch_size).type(dtype)\nD_DC.apply(initialize_weights)\n"),
    ),
    files={"cs231n/__init__.py": "", "cs231n/gan_pytorch.py": GAN_PYTORCH_NESTED},
    notebook_name="assignment3/GANs-PyTorch.ipynb",
    zip_folders=True,
    note="cs231n/ sits at the zip's root, one folder above the notebook (the student's sys.path entry "
         "points at Drive): the grader must still make `cs231n.gan_pytorch` importable. The module's "
         "torchvision and PIL imports must not stop its definitions. The module's run_a_gan trains on "
         "the device of D's parameters; build_dc_classifier(batch_size) fixes the batch to 128. The "
         "notebook's dtype = torch.cuda.FloatTensor makes the shape-test and training cells fail on a "
         "CPU, which costs nothing graded.",
)

# ------------------------------------------------------------------ 3. Colab, 2020+ layout, notebook beside cs231n/

COLAB_2020_SIDE_BY_SIDE = Sample(
    "valid/colab_2020_zip_side_by_side.zip",
    "The 2020+ layout with GANs-PyTorch.ipynb beside cs231n/; the module starts with the course's "
    "imports, then prints torch.cuda.get_device_name(0) at import time (fails without a GPU) "
    "before every definition, and keeps a global device. The notebook mounts Drive, os.chdir()s "
    "into the Drive folder, `!pip install -q torchsummary`, does `from cs231n.gan_pytorch import *` "
    "and `from torchsummary import summary`, loads MNIST with dset.MNIST and a shuffling DataLoader, "
    "and moves its networks with .to(device).",
    (
        InsertAfter("intro", code("colab_mount", colab_mount(force_remount=True) + """
import os
os.chdir('/content/drive/My Drive/' + FOLDERNAME)

!pip install -q torchsummary
""")),
        SetSource("setup", COURSE_IMPORTS + """
import numpy as np
import matplotlib.pyplot as plt
import matplotlib.gridspec as gridspec

from cs231n.gan_pytorch import *
from torchsummary import summary
from autograder.public import check
""" + PLOT_SETTINGS),
        Replace("helpers",
                "dtype = torch.FloatTensor\n# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU",
                "dtype = torch.float32  # the module moves everything to `device`"),
        SetSource("data", """
NOISE_DIM = 96
batch_size = 128

mnist_train = dset.MNIST('./cs231n/datasets/MNIST_data', train=True, download=True, transform=T.ToTensor())
loader_train = DataLoader(mnist_train, batch_size=batch_size, shuffle=True, drop_last=True, num_workers=2)
"""),
        *(Drop(key) for key in MODULE_FUNCTION_CELLS),
        SetSource("train_gan", """
D = discriminator().to(device)
G = generator().to(device)
summary(D, (1, 28, 28))

D_solver = get_optimizer(D)
G_solver = get_optimizer(G)

images = run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train)
"""),
        Replace("train_lsgan", ".type(dtype)", ".to(device)", count=2),
        Replace("train_dcgan", ".type(dtype)", ".to(device)", count=2),
    ),
    files={"cs231n/__init__.py": "", "cs231n/gan_pytorch.py": GAN_PYTORCH_SIDE_BY_SIDE},
    notebook_name="GANs-PyTorch.ipynb",
    note="The module's GPU-name print raises on a machine without CUDA; the definitions after it must "
         "still be graded (the module run statement by statement, like a cell). torchvision must "
         "import; torchsummary is not installed, so its import and summary() fail harmlessly. The "
         "DataLoader's two worker processes (num_workers=2) may not start in a sandbox, which only "
         "fails the cell that shows a batch; the module's run_a_gan trains where G's parameters are.",
)

# ------------------------------------------------------------------ 4. local Jupyter, TF-era MNIST_data/*.gz, device

JUPYTER_MNIST_GZ = Sample(
    "valid/jupyter_mnist_data_gz_device.ipynb",
    "A local Jupyter notebook that reads MNIST by hand from the TF-era MNIST_data/train-images-"
    "idx3-ubyte.gz (gzip + np.frombuffer), keeps a global device = cuda-if-available and moves "
    "networks, batches and noise with .to(device) in run_a_gan; torchvision.utils' make_grid and "
    "save_image for the pictures; %load_ext autoreload.",
    (
        SetSource("setup", """
import os
import gzip

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset
from torchvision.utils import make_grid, save_image

import matplotlib.pyplot as plt
import matplotlib.gridspec as gridspec

from autograder.public import check
""" + PLOT_SETTINGS + """
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print('using', device)
"""),
        Replace("helpers",
                "\n\ndtype = torch.FloatTensor\n# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU",
                '''


def show_grid(images, nrow=4):
    """Samples (N, 784) in [-1, 1] as one picture, through torchvision's make_grid."""
    batch = torch.as_tensor(images).view(-1, 1, 28, 28)
    grid = make_grid(deprocess_img(batch), nrow=nrow, padding=2)
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.axis('off')'''),
        SetSource("data", '''
NOISE_DIM = 96
batch_size = 128

MNIST_DIR = 'MNIST_data'  # the folder TensorFlow's input_data downloaded for the old version


def read_images(path):
    """An IDX image file (gzip) as float32 rows of 784 pixels in [0, 1]."""
    with gzip.open(path, 'rb') as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return raw.reshape(-1, 28 * 28).astype(np.float32) / 255.0


def read_labels(path):
    with gzip.open(path, 'rb') as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)


X_train = read_images(os.path.join(MNIST_DIR, 'train-images-idx3-ubyte.gz'))
y_train = read_labels(os.path.join(MNIST_DIR, 'train-labels-idx1-ubyte.gz'))
print(X_train.shape, X_train.min(), X_train.max())

mnist_train = TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train))
loader_train = DataLoader(mnist_train, batch_size=batch_size, shuffle=True, drop_last=True)
'''),
        Replace("run_a_gan", "real_data = x.type(dtype)", "real_data = x.to(device)"),
        Replace("run_a_gan", "sample_noise(batch_size, noise_size).type(dtype)",
                "sample_noise(batch_size, noise_size).to(device)", count=2),
        Replace("train_gan", ".type(dtype)", ".to(device)", count=2),
        Replace("show_gan", "show_images(images[-1])",
                "show_images(images[-1])\nsave_image(deprocess_img(torch.from_numpy(images[-1])).view(-1, 1, 28, 28), "
                "'vanilla_gan.png', nrow=4)"),
        Replace("train_lsgan", ".type(dtype)", ".to(device)", count=2),
        Replace("train_dcgan", ".type(dtype)", ".to(device)", count=2),
    ),
    note="MNIST is read from MNIST_data/*-ubyte.gz in the working folder, where the grader must put "
         "it. run_a_gan moves batches and noise to the notebook's global device, which is the CPU "
         "when the grader has no GPU; on a GPU machine the loop's spies must run where `device` "
         "points. save_image after the skipped training fails on the missing `images`, harmlessly.",
)

COLAB_SAMPLES: tuple[Sample, ...] = (COLAB_CHUNKSAMPLER, COLAB_2020_NESTED, COLAB_2020_SIDE_BY_SIDE, JUPYTER_MNIST_GZ)
