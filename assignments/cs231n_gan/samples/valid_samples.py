"""The valid sample submissions: correct notebooks in the styles real students write.

Together they cover every entry of the contract's "Variants a fair grader
accepts" (the assignment's contract); a fair grader gives each full marks.
"""
from __future__ import annotations

from tools.samplekit.edits import Drop, InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code
from .valid_colab_samples import COLAB_SAMPLES
from .valid_zip_module import GAN_PYTORCH

# ------------------------------------------------------------------ 1. the 2018/2019 signatures

FORM_2018 = Sample(
    "valid/form_2018_signatures.ipynb",
    "The 2018/2019 notebook's signatures: sample_noise(batch_size, dim), discriminator() and "
    "generator(noise_dim) without seeds, build_dc_classifier() without arguments; noise as "
    "torch.rand(...) * 2 - 1; INLINE_Q1 as a (6, 2) numpy float array.",
    (
        SetSource("sample_noise", '''
def sample_noise(batch_size, dim):
    """
    Uniform noise in (-1, 1) as a (batch_size, dim) tensor.
    """
    return torch.rand(batch_size, dim) * 2 - 1
'''),
        SetSource("discriminator", '''
def discriminator():
    """
    Build and return the fully connected discriminator.
    """
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1),
    )
    return model
'''),
        SetSource("generator", '''
def generator(noise_dim=NOISE_DIM):
    """
    Build and return the fully connected generator.
    """
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),
    )
    return model
'''),
        Replace("dc_classifier", "def build_dc_classifier(batch_size=None):", "def build_dc_classifier():"),
        Replace("train_dcgan", "build_dc_classifier(batch_size)", "build_dc_classifier()"),
        SetSource("inline_q1", """
INLINE_Q1 = np.array([[-1., 2.], [-2., 1.], [-1., -1.], [1., -2.], [2., -1.], [1., 1.]])
"""),
    ),
    note="discriminator() and generator(noise_dim) without a seed argument are the 2019 PyTorch "
         "notebook's signatures; the contract's seed argument is optional, so a grader calls them "
         "without it.",
)

# ------------------------------------------------------------------ 2. the course's fixed-batch modules

COURSE_RESHAPE_MODULES = code("course_reshape_modules", '''
class Flatten(nn.Module):
    def forward(self, x):
        N, C, H, W = x.size()  # read in N, C, H, W
        return x.view(N, -1)  # flatten the C * H * W values of each image into one vector


class Unflatten(nn.Module):
    """
    Receives an input of shape (N, C*H*W) and reshapes it to (N, C, H, W).
    """
    def __init__(self, N=-1, C=128, H=7, W=7):
        super(Unflatten, self).__init__()
        self.N = N
        self.C = C
        self.H = H
        self.W = W

    def forward(self, x):
        return x.view(self.N, self.C, self.H, self.W)
''')

COURSE_DC_CODE = Sample(
    "valid/course_fixed_batch_modules.ipynb",
    "The course's own DC code: Flatten (4-D input only) and Unflatten(N=batch_size, ...) fixed to "
    "batch 128; discriminators that accept only (N, 1, 28, 28) or only batches of 128; generators "
    "that return (N, 1, 28, 28); run_a_gan reshapes what it feeds D.",
    (
        InsertAfter("helpers", COURSE_RESHAPE_MODULES),
        Drop("reshape_modules"),
        SetSource("discriminator", '''
def discriminator(seed=None):
    """
    Build and return a PyTorch model implementing the architecture above.
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = nn.Sequential(
        Flatten(),
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1)
    )
    return model
'''),
        SetSource("generator", '''
def generator(noise_dim=NOISE_DIM, seed=None):
    """
    Build and return a PyTorch model implementing the architecture above.
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),
        Unflatten(-1, 1, 28, 28)  # images for my discriminator, which wants N x 1 x 28 x 28
    )
    return model
'''),
        Replace("run_a_gan", "real_data = x.type(dtype)", "real_data = x.view(batch_size, 1, 28, 28).type(dtype)"),
        Replace("run_a_gan", " logits_fake = D(fake_images)", " logits_fake = D(fake_images.view(batch_size, 1, 28, 28))"),
        Replace("run_a_gan", "gen_logits_fake = D(fake_images)", "gen_logits_fake = D(fake_images.view(batch_size, 1, 28, 28))"),
        SetSource("dc_classifier", '''
def build_dc_classifier(batch_size):
    """
    Build and return a PyTorch model for the DCGAN discriminator implementing
    the architecture above.
    """
    return nn.Sequential(
        Unflatten(batch_size, 1, 28, 28),
        nn.Conv2d(1, 32, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(32, 64, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        Flatten(),
        nn.Linear(4*4*64, 4*4*64),
        nn.LeakyReLU(0.01),
        nn.Linear(4*4*64, 1)
    )
'''),
        SetSource("dc_generator", '''
def build_dc_generator(noise_dim=NOISE_DIM):
    """
    Build and return a PyTorch model implementing the DCGAN generator using
    the architecture described above.
    """
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7*7*128),
        nn.ReLU(),
        nn.BatchNorm1d(7*7*128),
        Unflatten(batch_size, 128, 7, 7),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),
        nn.Tanh()
    )
'''),
    ),
    note="Probe the DC networks with batches of the notebook's batch_size (128) when another size "
         "fails; probe the MLP discriminator with (N, 1, 28, 28) when (N, 784) fails.",
)

# ------------------------------------------------------------------ 3. old notebooks: dtype everywhere

OLD_DTYPE = Sample(
    "valid/old_dtype_handwritten_bce.ipynb",
    "An old-notebook style: a global dtype = torch.cuda.FloatTensor with .type(dtype) in "
    "sample_noise and the losses' labels; bce_loss written out in the numerically stable form; "
    "INLINE_Q1 as a list of lists of ints.",
    (
        Replace("helpers",
                "dtype = torch.FloatTensor\n# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU",
                "# dtype = torch.FloatTensor\ndtype = torch.cuda.FloatTensor  # I train on the lab's GPU"),
        Replace("sample_noise", "return 2 * torch.rand(batch_size, dim) - 1",
                "return (2 * torch.rand(batch_size, dim) - 1).type(dtype)"),
        SetSource("bce_loss", '''
def bce_loss(input, target):
    """
    Numerically stable version of the binary cross-entropy loss function.

    As per https://github.com/pytorch/pytorch/issues/751
    See the TensorFlow docs for a derivation of this formula:
    https://www.tensorflow.org/api_docs/python/tf/nn/sigmoid_cross_entropy_with_logits

    Inputs:
    - input: PyTorch Tensor of shape (N, ) giving scores.
    - target: PyTorch Tensor of shape (N,) containing 0 and 1 giving targets.

    Returns:
    - A PyTorch Tensor containing the mean BCE loss over the minibatch of input data.
    """
    neg_abs = - input.abs()
    loss = input.clamp(min=0) - input * target + (1 + neg_abs.exp()).log()
    return loss.mean()
'''),
        SetSource("gan_loss", '''
def discriminator_loss(logits_real, logits_fake):
    """
    Computes the discriminator loss described above.
    """
    N = logits_real.size()
    true_labels = torch.ones(N).type(dtype)
    loss = bce_loss(logits_real, true_labels) + bce_loss(logits_fake, 1 - true_labels)
    return loss


def generator_loss(logits_fake):
    """
    Computes the generator loss described above.
    """
    N = logits_fake.size()
    true_labels = torch.ones(N).type(dtype)
    loss = bce_loss(logits_fake, true_labels)
    return loss
'''),
        SetSource("ls_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    """
    Compute the Least-Squares GAN loss for the discriminator.
    """
    loss = 0.5 * (scores_real - torch.ones_like(scores_real)).pow(2).mean() + 0.5 * scores_fake.pow(2).mean()
    return loss


def ls_generator_loss(scores_fake):
    """
    Computes the Least-Squares GAN loss for the generator.
    """
    loss = 0.5 * (scores_fake - torch.ones_like(scores_fake)).pow(2).mean()
    return loss
'''),
        SetSource("inline_q1", """
INLINE_Q1 = [[-1, 2], [-2, 1], [-1, -1], [1, -2], [2, -1], [1, 1]]
"""),
    ),
    note="The grader replaces dtype with a type suited to its device before probing. The labels "
         "are float32 while the published check's logits are float64; the hand-written bce "
         "promotes to float64, so the published values agree as closely as the solution's "
         "(about 1e-9 relative, the precision of the published logits).",
)

# ------------------------------------------------------------------ 4. nn.Module subclasses

MODULE_SUBCLASSES = Sample(
    "valid/module_subclasses.ipynb",
    "nn.Module subclasses with the layers as attributes and forward written out with "
    "F.leaky_relu / F.relu / F.max_pool2d / torch.tanh; leaky_relu via torch.where; losses through "
    "nn.BCEWithLogitsLoss(); LSGAN with torch.square; Adam(params=..., lr=0.001, betas=[0.5, 0.999]).",
    (
        SetSource("leaky_relu", '''
def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x where x is positive, alpha * x elsewhere."""
    return torch.where(x > 0, x, alpha * x)
'''),
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc3 = nn.Linear(256, 1)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = F.leaky_relu(self.fc1(x), 0.01)
        x = F.leaky_relu(self.fc2(x), 0.01)
        return self.fc3(x)


def discriminator(seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return Discriminator()
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, noise_dim):
        super().__init__()
        self.fc1 = nn.Linear(noise_dim, 1024)
        self.fc2 = nn.Linear(1024, 1024)
        self.fc3 = nn.Linear(1024, 784)

    def forward(self, z):
        h = F.relu(self.fc1(z))
        h = F.relu(self.fc2(h))
        return torch.tanh(self.fc3(h))


def generator(noise_dim=NOISE_DIM, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return Generator(noise_dim)
'''),
        SetSource("gan_loss", '''
criterion = nn.BCEWithLogitsLoss()


def discriminator_loss(logits_real, logits_fake):
    real_loss = criterion(logits_real, torch.ones_like(logits_real))
    fake_loss = criterion(logits_fake, torch.zeros_like(logits_fake))
    return real_loss + fake_loss


def generator_loss(logits_fake):
    return criterion(logits_fake, torch.ones_like(logits_fake))
'''),
        SetSource("get_optimizer", '''
def get_optimizer(model):
    return optim.Adam(params=model.parameters(), lr=0.001, betas=[0.5, 0.999])
'''),
        SetSource("ls_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * torch.mean(torch.square(scores_real - 1)) + 0.5 * torch.mean(torch.square(scores_fake))


def ls_generator_loss(scores_fake):
    return 0.5 * torch.mean(torch.square(scores_fake - 1))
'''),
        SetSource("dc_classifier", '''
class DCClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.fc1 = nn.Linear(4 * 4 * 64, 4 * 4 * 64)
        self.fc2 = nn.Linear(4 * 4 * 64, 1)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.leaky_relu(self.conv1(x), 0.01), 2)  # 12 x 12
        x = F.max_pool2d(F.leaky_relu(self.conv2(x), 0.01), 2)  # 4 x 4
        x = x.view(x.size(0), -1)
        x = F.leaky_relu(self.fc1(x), 0.01)
        return self.fc2(x)


def build_dc_classifier(batch_size=None):
    return DCClassifier()
'''),
        SetSource("dc_generator", '''
class DCGenerator(nn.Module):
    def __init__(self, noise_dim):
        super().__init__()
        self.fc1 = nn.Linear(noise_dim, 1024)
        self.bn1 = nn.BatchNorm1d(1024)
        self.fc2 = nn.Linear(1024, 7 * 7 * 128)
        self.bn2 = nn.BatchNorm1d(7 * 7 * 128)
        self.deconv1 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.deconv2 = nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1)

    def forward(self, z):
        x = self.bn1(F.relu(self.fc1(z)))
        x = self.bn2(F.relu(self.fc2(x)))
        x = x.view(-1, 128, 7, 7)
        x = self.bn3(F.relu(self.deconv1(x)))
        x = torch.tanh(self.deconv2(x))
        return x.view(-1, 784)


def build_dc_generator(noise_dim=NOISE_DIM):
    return DCGenerator(noise_dim)
'''),
    ),
    note="The activations and pooling are functional calls, invisible to module hooks: the layer "
         "sequence has to be recorded at the level of torch functions. betas is a list.",
)

# ------------------------------------------------------------------ 5. failing cells and warnings

TORCHVISION_CELL = code("torchvision_import", """
import torchvision
import torchvision.transforms as T
from torchvision.utils import make_grid
""")

FAILING_CELLS = Sample(
    "valid/failing_cells_and_warnings.ipynb",
    "Cells that fail around the definitions: an `import torchvision` cell, a typo'd plotting call "
    "(NameError), a cell whose first statements fail before the generator's definition; "
    "warnings.warn on stderr at top level and inside sample_noise.",
    (
        Replace("setup", "import numpy as np\n", "import warnings\nimport numpy as np\n"),
        InsertAfter("setup", TORCHVISION_CELL),
        Replace("show_batch", "show_images(imgs[:16])", "show_imgs(imgs[:16])"),
        Replace("sample_noise", "    if seed is not None:\n        torch.manual_seed(seed)\n",
                "    if seed is not None:\n        torch.manual_seed(seed)\n    else:\n"
                "        warnings.warn('sample_noise: no seed given, the noise is not reproducible')\n"),
        Replace("discriminator", "    return model", "    return model\n\n\n"
                "warnings.warn('discriminator: using nn.LeakyReLU rather than my leaky_relu')"),
        Replace("generator", "def generator(", "# what does an untrained generator draw? (G_test was made in a cell I deleted)\n"
                "samples = G_test(sample_noise(16, NOISE_DIM))\n"
                "show_images(samples.detach().numpy())\n\n"
                "def generator("),
    ),
    note="In a kernel the generator cell stops at its NameError, before `def generator`; the "
         "contract asks that definitions be graded even so (README, \"Real notebooks\": definitions are re-run), "
         "for example by running a failed cell's remaining top-level statements one by one.",
)

# ------------------------------------------------------------------ 6. the 2020+ layout: a zip with cs231n/gan_pytorch.py

# In the 2020+ layout the functions live in cs231n/gan_pytorch.py; the notebook imports them and
# keeps the data, the checks, the training cells and the inline questions.
MODULE_FUNCTION_CELLS = ("leaky_relu", "sample_noise", "discriminator", "generator", "bce_loss",
                         "gan_loss", "get_optimizer", "run_a_gan", "ls_loss", "reshape_modules",
                         "dc_classifier", "dc_generator")

ZIP_2020 = Sample(
    "valid/layout_2020_zip.zip",
    "The 2020+ layout: a zip of the notebook plus cs231n/__init__.py and cs231n/gan_pytorch.py, "
    "which holds every function (the course's own Flatten, which takes 4-D input only, "
    "Unflatten(batch_size, ...) in the DC discriminator, BCEWithLogitsLoss on squeezed logits with "
    "float32 labels of shape (N,)); the notebook does `from cs231n.gan_pytorch import *`.",
    (
        Replace("setup", "from torch.utils.data import DataLoader, TensorDataset\n",
                "from torch.utils.data import DataLoader, TensorDataset\n\n"
                "from cs231n.gan_pytorch import *\n"),
        *(Drop(key) for key in MODULE_FUNCTION_CELLS),
    ),
    files={"cs231n/__init__.py": "", "cs231n/gan_pytorch.py": GAN_PYTORCH},
    notebook_name="GANs-PyTorch.ipynb",
    note="Grade with the zip's folder as the working directory, so that the notebook can import "
         "cs231n. The module's dtype is its own global, not the notebook's. bce_loss returns float32 "
         "for float64 logits (its labels are float32): the published values agree to about 6e-8 "
         "relative, inside the contract's 1e-7.",
)

# ------------------------------------------------------------------ 7. functional style

FUNCTIONAL = Sample(
    "valid/functional_style.ipynb",
    "torch.nn.functional throughout: leaky_relu via F.leaky_relu, losses via "
    "F.binary_cross_entropy_with_logits, noise via torch.empty(...).uniform_(-1, 1) after "
    "torch.manual_seed; LSGAN's discriminator loss as 0.5 * mean(a + b); nn.Unflatten / nn.Flatten "
    "(a DC discriminator that takes flat images only); Adam with positional arguments; INLINE_Q1 "
    "as a tuple of float tuples.",
    (
        SetSource("leaky_relu", '''
def leaky_relu(x, alpha=0.01):
    return F.leaky_relu(x, negative_slope=alpha)
'''),
        SetSource("sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return torch.empty(batch_size, dim).uniform_(-1, 1)
'''),
        SetSource("gan_loss", '''
def discriminator_loss(logits_real, logits_fake):
    loss_real = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
    loss_fake = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    return loss_real + loss_fake


def generator_loss(logits_fake):
    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))
'''),
        SetSource("get_optimizer", '''
def get_optimizer(model):
    return torch.optim.Adam(model.parameters(), 1e-3, (0.5, 0.999))
'''),
        SetSource("ls_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    # real and fake batches have the same size, so one mean of the sum is the sum of the two means
    return 0.5 * torch.mean((scores_real - 1) ** 2 + scores_fake ** 2)


def ls_generator_loss(scores_fake):
    return 0.5 * torch.mean((scores_fake - 1) ** 2)
'''),
        SetSource("dc_classifier", '''
def build_dc_classifier(batch_size=None):
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 5),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1024, 1024),
        nn.LeakyReLU(0.01),
        nn.Linear(1024, 1),
    )
'''),
        SetSource("dc_generator", '''
def build_dc_generator(noise_dim=NOISE_DIM):
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128),
        nn.ReLU(),
        nn.BatchNorm1d(7 * 7 * 128),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1),
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, 4, 2, 1),
        nn.Tanh(),
        nn.Flatten(),
    )
'''),
        SetSource("inline_q1", """
INLINE_Q1 = ((-1.0, 2.0), (-2.0, 1.0), (-1.0, -1.0), (1.0, -2.0), (2.0, -1.0), (1.0, 1.0))
"""),
    ),
    note="ls_discriminator_loss as one mean of the summed terms equals the contract's two means "
         "because real and fake batches have the same size (the contract's logits are (N, 1) for "
         "both). build_dc_classifier accepts (N, 784) only, which the contract allows.",
)

# ------------------------------------------------------------------ 8. numpy-minded

NUMPY_MINDED = Sample(
    "valid/numpy_minded.ipynb",
    "A numpy-minded student: leaky_relu as clamp(min=0) + alpha * clamp(max=0); noise from "
    "np.random.uniform seeded with np.random.seed and converted to float32; an OrderedDict "
    "nn.Sequential; Adam over list(model.parameters()) with eps spelled out; INLINE_Q1 computed by "
    "a loop.",
    (
        SetSource("leaky_relu", '''
def leaky_relu(x, alpha=0.01):
    # positive part unchanged, negative part scaled by alpha
    return x.clamp(min=0) + alpha * x.clamp(max=0)
'''),
        SetSource("sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    if seed is not None:
        np.random.seed(seed)
    noise = np.random.uniform(-1, 1, size=(batch_size, dim))
    return torch.from_numpy(noise).float()
'''),
        SetSource("discriminator", '''
from collections import OrderedDict


def discriminator(seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(OrderedDict([
        ('flatten', nn.Flatten()),
        ('fc1', nn.Linear(784, 256)),
        ('lrelu1', nn.LeakyReLU(0.01)),
        ('fc2', nn.Linear(256, 256)),
        ('lrelu2', nn.LeakyReLU(0.01)),
        ('logits', nn.Linear(256, 1)),
    ]))
'''),
        SetSource("gan_loss", '''
def discriminator_loss(logits_real, logits_fake):
    real = torch.full_like(logits_real, 1.0)
    fake = torch.full_like(logits_fake, 0.0)
    return bce_loss(logits_real, real) + bce_loss(logits_fake, fake)


def generator_loss(logits_fake):
    return bce_loss(logits_fake, torch.full_like(logits_fake, 1.0))
'''),
        SetSource("get_optimizer", '''
def get_optimizer(model):
    return optim.Adam(list(model.parameters()), lr=1e-3, betas=(0.5, 0.999), eps=1e-8)
'''),
        SetSource("ls_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    return ((scores_real - 1) ** 2).mean() / 2 + (scores_fake ** 2).mean() / 2


def ls_generator_loss(scores_fake):
    return ((scores_fake - 1) ** 2).mean() / 2
'''),
        SetSource("inline_q1", """
# y moves first (gradient ascent, df/dy = x), then x (gradient descent, df/dx = y)
x, y = 1, 1
INLINE_Q1 = []
for t in range(6):
    y = y + x
    x = x - y
    INLINE_Q1.append((x, y))
print(INLINE_Q1)
"""),
    ),
    note="Noise from numpy's generator is reproducible with a seed but is not governed by "
         "torch.manual_seed, so the grader's seeded brief training is not bit-reproducible for "
         "this student; it must still pass.",
)

# ------------------------------------------------------------------ 9. networks copied from a template

TEMPLATE_COPIES = Sample(
    "valid/template_copies.ipynb",
    "Each factory deep-copies a network built once at the top level (copy.deepcopy(template)), so every "
    "call returns a network of its own that starts from the same weights.",
    (
        SetSource("discriminator", '''
import copy

_D_TEMPLATE = nn.Sequential(
    nn.Flatten(),
    nn.Linear(784, 256),
    nn.LeakyReLU(0.01),
    nn.Linear(256, 256),
    nn.LeakyReLU(0.01),
    nn.Linear(256, 1),
)


def discriminator(seed=None):
    """A fresh copy of the template discriminator."""
    if seed is not None:
        torch.manual_seed(seed)
    return copy.deepcopy(_D_TEMPLATE)
'''),
    ),
)

VALID_SAMPLES: tuple[Sample, ...] = (
    FORM_2018, COURSE_DC_CODE, OLD_DTYPE, MODULE_SUBCLASSES, FAILING_CELLS, ZIP_2020, FUNCTIONAL,
    NUMPY_MINDED, TEMPLATE_COPIES, *COLAB_SAMPLES,
)
