"""The valid sample submissions: correct notebooks in the styles real students write.

The assignment's contract lists no variants of its own;
these cover what a faithful port of the TensorFlow tutorial or an ordinary
PyTorch habit produces: nn.Sequential and functional forwards, weights
stored for x @ W, TensorFlow's channels-last flatten and seed reshape,
flat image tensors, the losses written out or through BCEWithLogitsLoss,
D steps on detached fakes, optimizers built from name-filtered parameter
lists, and networks imported from a helper module in a zip. A fair grader
gives each full marks.
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample, SetSource

from .valid_colab_samples import COLAB_SAMPLES

# ------------------------------------------------------------------ 1. nn.Sequential everywhere

SEQUENTIAL = Sample(
    "valid/sequential_modules.ipynb",
    "nn.Sequential inside both classes (padding='same', nn.AvgPool2d, nn.Flatten, ReLU(inplace=True); the "
    "generator an nn.Sequential subclass starting with nn.Unflatten(1, (25, 2, 2))); the losses through one "
    "global nn.BCEWithLogitsLoss; Adam(params=..., lr=lr, betas=(0.5, 0.999)); a train loop that computes "
    "the fakes once and steps D on fake.detach().",
    (
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, padding='same'),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(2),
            nn.Conv2d(8, 16, kernel_size=5, padding='same'),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 7 * 7, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 1),
        )

    def forward(self, x):
        return self.model(x)
'''),
        SetSource("generator", '''
class Generator(nn.Sequential):
    def __init__(self, z_dim=100):
        super().__init__(
            nn.Unflatten(1, (25, 2, 2)),
            nn.ReLU(),
            nn.ConvTranspose2d(25, 256, 5, stride=2, padding=2),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 5, stride=2, padding=2, output_padding=1),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 5, stride=2, padding=0, output_padding=1),
            nn.Tanh(),
        )
'''),
        SetSource("losses", '''
criterion = nn.BCEWithLogitsLoss()


def losses(D, G, z, x):
    real_logits = D(x)
    fake_logits = D(G(z))
    real_labels = torch.ones(x.shape[0], 1)
    fake_labels = torch.zeros(z.shape[0], 1)
    d_loss = criterion(real_logits, real_labels) + criterion(fake_logits, fake_labels)
    g_loss = criterion(fake_logits, real_labels)
    return d_loss, g_loss
'''),
        SetSource("optimizers", '''
def make_optimizers(D, G, lr=2e-4):
    trainer_d = torch.optim.Adam(params=D.parameters(), lr=lr, betas=(0.5, 0.999))
    trainer_g = torch.optim.Adam(params=G.parameters(), lr=lr, betas=(0.5, 0.999))
    return trainer_d, trainer_g
'''),
        SetSource("train", '''
def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE):
    history = []
    for it in range(iterations):
        idx = torch.randint(0, images.shape[0], (batch_size,))
        real = images[idx]
        z = torch.randn(batch_size, Z_DIM)
        fake = G(z)

        # discriminator: the fakes are detached, so this step builds no graph into G
        trainer_d.zero_grad()
        d_loss = criterion(D(real), torch.ones(batch_size, 1)) + criterion(D(fake.detach()), torch.zeros(batch_size, 1))
        d_loss.backward()
        trainer_d.step()

        # generator: through the updated discriminator
        trainer_g.zero_grad()
        g_loss = criterion(D(fake), torch.ones(batch_size, 1))
        g_loss.backward()
        trainer_g.step()

        history.append((d_loss.item(), g_loss.item()))
        if it % 250 == 0:
            print(it, d_loss.item(), g_loss.item())
    return history
'''),
    ),
    note="nn.Unflatten(1, (25, 2, 2)) reshapes per sample, batch first; the DCGAN paper's betas=(0.5, 0.999) "
         "are accepted, the contract fixing only Adam and the learning rate.",
)

# ------------------------------------------------------------------ 2. a line-by-line port of the TensorFlow code

FUNCTIONAL_TF_PORT = Sample(
    "valid/functional_tf_port.ipynb",
    "A line-by-line port of the TensorFlow tutorial: raw nn.Parameters named d_wconv1 ... g_bconv4 with its "
    "truncated-normal (std 0.02) and constant initializers, functional forwards (F.conv2d, F.conv_transpose2d, "
    "F.avg_pool2d), fully connected weights stored (in, out) and applied with torch.matmul, TensorFlow's "
    "channels-last flatten (permute before reshape), the noise reshaped to (N, 2, 2, 25) then permuted to "
    "channels first, the sigmoid cross-entropy written out in TensorFlow's stable form, d_vars / g_vars picked "
    "by name prefix, and a leftover `import tensorflow as tf` that fails when graded.",
    (
        Replace("setup", "import random\n", "import random\nimport tensorflow as tf  # left over from the original tutorial\n"),
        SetSource("discriminator", '''
def truncated_normal(*shape, stddev=0.02):
    return nn.Parameter(nn.init.trunc_normal_(torch.empty(*shape), std=stddev, a=-2 * stddev, b=2 * stddev))


def constant(*shape, value=0.0):
    return nn.Parameter(torch.full(shape, value))


def conv2d(x, W, b):
    return F.conv2d(x, W, b, stride=1, padding=2)  # 'SAME' for a 5x5 kernel


def avg_pool_2x2(x):
    return F.avg_pool2d(x, kernel_size=2, stride=2)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.d_wconv1 = truncated_normal(8, 1, 5, 5)
        self.d_bconv1 = constant(8)
        self.d_wconv2 = truncated_normal(16, 8, 5, 5)
        self.d_bconv2 = constant(16)
        self.d_wfc1 = truncated_normal(7 * 7 * 16, 32)
        self.d_bfc1 = constant(32)
        self.d_wfc2 = truncated_normal(32, 1)
        self.d_bfc2 = constant(1)

    def forward(self, x_image):
        h_conv1 = F.relu(conv2d(x_image, self.d_wconv1, self.d_bconv1))
        h_pool1 = avg_pool_2x2(h_conv1)
        h_conv2 = F.relu(conv2d(h_pool1, self.d_wconv2, self.d_bconv2))
        h_pool2 = avg_pool_2x2(h_conv2)
        # TensorFlow keeps channels last: flatten in (7, 7, 16) order as tf.reshape did
        h_pool2_flat = h_pool2.permute(0, 2, 3, 1).reshape(-1, 7 * 7 * 16)
        h_fc1 = F.relu(torch.matmul(h_pool2_flat, self.d_wfc1) + self.d_bfc1)
        y_conv = torch.matmul(h_fc1, self.d_wfc2) + self.d_bfc2
        return y_conv
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=100):
        super().__init__()
        self.z_dim = z_dim
        g_dim = 64  # filters of the generator's last hidden layer
        self.g_wconv1 = truncated_normal(25, g_dim * 4, 5, 5)
        self.g_bconv1 = constant(g_dim * 4, value=0.1)
        self.g_bn1 = nn.BatchNorm2d(g_dim * 4)
        self.g_wconv2 = truncated_normal(g_dim * 4, g_dim * 2, 5, 5)
        self.g_bconv2 = constant(g_dim * 2, value=0.1)
        self.g_bn2 = nn.BatchNorm2d(g_dim * 2)
        self.g_wconv3 = truncated_normal(g_dim * 2, g_dim, 5, 5)
        self.g_bconv3 = constant(g_dim, value=0.1)
        self.g_bn3 = nn.BatchNorm2d(g_dim)
        self.g_wconv4 = truncated_normal(g_dim, 1, 5, 5)
        self.g_bconv4 = constant(1, value=0.1)

    def forward(self, z):
        h0 = z.view(-1, 2, 2, 25)  # the tutorial's [batch_size, 2, 2, 25]
        h0 = F.relu(h0).permute(0, 3, 1, 2)  # to PyTorch's channels first: (N, 25, 2, 2)
        H_conv1 = F.conv_transpose2d(h0, self.g_wconv1, self.g_bconv1, stride=2, padding=2)
        H_conv1 = F.relu(self.g_bn1(H_conv1))  # (N, 256, 3, 3)
        H_conv2 = F.conv_transpose2d(H_conv1, self.g_wconv2, self.g_bconv2, stride=2, padding=2, output_padding=1)
        H_conv2 = F.relu(self.g_bn2(H_conv2))  # (N, 128, 6, 6)
        H_conv3 = F.conv_transpose2d(H_conv2, self.g_wconv3, self.g_bconv3, stride=2, padding=2, output_padding=1)
        H_conv3 = F.relu(self.g_bn3(H_conv3))  # (N, 64, 12, 12)
        H_conv4 = F.conv_transpose2d(H_conv3, self.g_wconv4, self.g_bconv4, stride=2, output_padding=1)
        return torch.tanh(H_conv4)  # (N, 1, 28, 28)
'''),
        SetSource("losses", '''
def sigmoid_cross_entropy_with_logits(logits, labels):
    # TensorFlow's formula: max(l, 0) - l * t + log(1 + exp(-|l|)), stable for large |l|
    return torch.clamp(logits, min=0) - logits * labels + torch.log1p(torch.exp(-torch.abs(logits)))


def losses(D, G, z, x):
    Dx = D(x)
    Gz = G(z)
    Dg = D(Gz)
    g_loss = torch.mean(sigmoid_cross_entropy_with_logits(Dg, torch.ones_like(Dg)))
    d_loss_real = torch.mean(sigmoid_cross_entropy_with_logits(Dx, torch.ones_like(Dx)))
    d_loss_fake = torch.mean(sigmoid_cross_entropy_with_logits(Dg, torch.zeros_like(Dg)))
    d_loss = d_loss_real + d_loss_fake
    return d_loss, g_loss
'''),
        SetSource("optimizers", '''
def make_optimizers(D, G, lr=2e-4):
    tvars = list(D.named_parameters()) + list(G.named_parameters())
    d_vars = [var for name, var in tvars if name.startswith('d_')]
    g_vars = [var for name, var in tvars if name.startswith('g_')]
    trainerD = torch.optim.Adam(d_vars, lr=lr)
    trainerG = torch.optim.Adam(g_vars, lr=lr)
    return trainerD, trainerG
'''),
    ),
    note="The flatten order and the (in, out) weights are the seed's network in TensorFlow's layout: a grader "
         "comparing with the reference must transpose x @ W weights and reorder the first linear layer's "
         "inputs from (7, 7, 16) to (16, 7, 7). The seed reshape keeps each noise vector in its own sample. "
         "The failing import must not stop the other definitions from being graded.",
)

# ------------------------------------------------------------------ 3. flat images, as the tutorial's x_train

FLAT_IMAGES = Sample(
    "valid/flat_images_detached_fakes.ipynb",
    "Images kept flat (N, 784) as the tutorial's x_train, the discriminator reshaping whatever it gets with "
    "x.view(-1, 1, 28, 28), the generator returning flat (N, 784) images, d_loss computed on G(z).detach(), "
    "and real batches drawn with numpy and reshaped in the loop.",
    (
        Replace("data", "images = mnist.train.as_unit_float()  # (N, 1, 28, 28), float32 in [0, 1]",
                "images = mnist.train.as_flat_unit()  # (N, 784) like the tutorial's x_train"),
        Replace("show_digit", "plt.imshow(images[random_index, 0], cmap='gray_r')",
                "plt.imshow(images[random_index].reshape(28, 28), cmap='gray_r')"),
        Replace("discriminator", "    def forward(self, x_image):\n",
                "    def forward(self, x_image):\n        x_image = x_image.view(-1, 1, 28, 28)  # flat or not\n"),
        Replace("generator", "return torch.tanh(self.deconv4(h3))  # (N, 1, 28, 28)",
                "return torch.tanh(self.deconv4(h3)).view(-1, 784)  # flat, like my images"),
        SetSource("losses", '''
def losses(D, G, z, x):
    fake = G(z)
    logits_real = D(x)
    logits_fake_for_d = D(fake.detach())  # the discriminator's loss needs no gradient into G
    logits_fake_for_g = D(fake)
    d_loss = (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
              + F.binary_cross_entropy_with_logits(logits_fake_for_d, torch.zeros_like(logits_fake_for_d)))
    g_loss = F.binary_cross_entropy_with_logits(logits_fake_for_g, torch.ones_like(logits_fake_for_g))
    return d_loss, g_loss
'''),
        SetSource("train", '''
def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE):
    history = []
    for i in range(iterations):
        z_batch = torch.randn(batch_size, Z_DIM)
        real_image_batch = images[np.random.randint(0, len(images), size=batch_size)]
        real_image_batch = real_image_batch.view(batch_size, 1, 28, 28)

        d_loss, _ = losses(D, G, z_batch, real_image_batch)
        trainer_d.zero_grad()
        d_loss.backward()
        trainer_d.step()

        _, g_loss = losses(D, G, z_batch, real_image_batch)
        trainer_g.zero_grad()
        g_loss.backward()
        trainer_g.step()
        history.append((d_loss.item(), g_loss.item()))
    return history
'''),
    ),
    note="The grader feeds the discriminator (N, 1, 28, 28) and train an (N, 1, 28, 28) tensor, as the contract "
         "says; this notebook's code takes those too. A d_loss without a gradient into G is right: only the "
         "discriminator steps on it, so only d_loss's gradient wrt D is checked.",
)

# ------------------------------------------------------------------ 4. TensorFlow's batch-norm settings

TF_BATCHNORM = Sample(
    "valid/tf_batchnorm_bias_free.ipynb",
    "Bias-free transposed convolutions before each BatchNorm (bias=False), TensorFlow's batch_norm settings "
    "(eps=1e-3, momentum=0.001), ReLU modules, nn.BCEWithLogitsLoss created inside losses with torch.ones "
    "labels, Adam with the learning rate passed positionally, and real batches from torch.randperm.",
    (
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        def block(c_in, c_out, output_padding):
            # the BatchNorm's shift makes a bias in the transposed convolution redundant
            return nn.Sequential(
                nn.ConvTranspose2d(c_in, c_out, 5, 2, padding=2, output_padding=output_padding, bias=False),
                nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.001),  # tf.contrib.layers.batch_norm's defaults
                nn.ReLU(),
            )
        self.relu = nn.ReLU()
        self.block1 = block(25, 256, 0)   # 2 -> 3
        self.block2 = block(256, 128, 1)  # 3 -> 6
        self.block3 = block(128, 64, 1)   # 6 -> 12
        self.out = nn.ConvTranspose2d(64, 1, 5, 2, padding=0, output_padding=1)  # 12 -> 28

    def forward(self, z):
        x = self.relu(z.reshape(z.size(0), 25, 2, 2))
        x = self.block3(self.block2(self.block1(x)))
        return torch.tanh(self.out(x))
'''),
        SetSource("losses", '''
def losses(D, G, z, x):
    bce = nn.BCEWithLogitsLoss()
    n = x.size(0)
    d_real = D(x)
    d_fake = D(G(z))
    d_loss = bce(d_real, torch.ones(n, 1)) + bce(d_fake, torch.zeros(n, 1))
    g_loss = bce(d_fake, torch.ones(n, 1))
    return d_loss, g_loss
'''),
        SetSource("optimizers", '''
def make_optimizers(D, G, lr=2e-4):
    return torch.optim.Adam(D.parameters(), lr), torch.optim.Adam(G.parameters(), lr)
'''),
        Replace("train", "real_image_batch = images[torch.randint(len(images), (batch_size,))]",
                "real_image_batch = images[torch.randperm(len(images))[:batch_size]]"),
    ),
    note="The generator's parameter count differs from the solution's (no transposed-convolution biases); the "
         "contract fixes the generator's shapes and layers, not its count.",
)

# ------------------------------------------------------------------ 5. networks in a helper module

MODELS_PY = '''
"""My DCGAN networks for the MNIST tutorial."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5, 1, 2)
        self.conv2 = nn.Conv2d(8, 16, 5, 1, 2)
        self.pool = nn.AvgPool2d(2, 2)
        self.fc1 = nn.Linear(784, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class Generator(nn.Module):
    def __init__(self, z_dim=100):
        super().__init__()
        self.deconvs = nn.ModuleList([
            nn.ConvTranspose2d(25, 256, 5, 2, 2),
            nn.ConvTranspose2d(256, 128, 5, 2, 2, 1),
            nn.ConvTranspose2d(128, 64, 5, 2, 2, 1),
        ])
        self.norms = nn.ModuleList([nn.BatchNorm2d(c) for c in (256, 128, 64)])
        self.last = nn.ConvTranspose2d(64, 1, 5, 2, 0, 1)

    def forward(self, z):
        x = F.relu(z.view(z.shape[0], 25, 2, 2))
        for deconv, norm in zip(self.deconvs, self.norms):
            x = F.relu(norm(deconv(x)))
        return torch.tanh(self.last(x))
'''

MODELS_ZIP = Sample(
    "valid/models_module_zip.zip",
    "A zip of the notebook and models.py, which holds both networks (a shared nn.AvgPool2d module, "
    "torch.flatten, the transposed convolutions and BatchNorms in nn.ModuleLists registered before the "
    "last layer); the notebook imports them.",
    (
        SetSource("discriminator", "from models import Discriminator"),
        SetSource("generator", "from models import Generator"),
    ),
    files={"models.py": MODELS_PY},
    notebook_name="dcgan_mnist.ipynb",
    note="Grade with the zip's folder as the working directory, so that the notebook can import models.",
)

VALID_SAMPLES: tuple[Sample, ...] = (SEQUENTIAL, FUNCTIONAL_TF_PORT, FLAT_IMAGES, TF_BATCHNORM, MODELS_ZIP,
                                     *COLAB_SAMPLES)
