"""The cells of the cs501r_wgan_gp notebook: the solution's text, and the starter's where it differs.

A PyTorch port of BYU CS501R (fall 2017) lab 7 (seed 002): a Wasserstein GAN
with gradient penalty (WGAN-GP) on 64x64 CelebA faces, with a sample grid
and an interpolation in z-space as the deliverables. `python -m tools.make_samples`
builds the starter, the solution and every sample submission from these
cells; each cell has a key so that a sample can name the cells it edits.
"""
from __future__ import annotations

from tools.samplekit import cells
from tools.samplekit.cells import Cell, code, md  # noqa: F401  (Cell: the samples' type)


def check_cell(item: str) -> Cell:
    return cells.check_cell("cs501r_wgan_gp", item)


# ------------------------------------------------------------------ introduction

INTRO = md("intro", r"""
# Lab 7: a Wasserstein GAN with gradient penalty

In this lab you build a generative adversarial network that draws faces. It is trained with the
method of Gulrajani et al., *Improved Training of Wasserstein GANs* (2017), usually called
**WGAN-GP**, on the CelebA data set of celebrity faces, cropped and shrunk to 64x64 pixels.

## From a discriminator to a critic

A classic GAN's discriminator outputs the probability that an image is real. In a Wasserstein GAN
it is replaced by a **critic** $C$ that outputs an unconstrained real number: a high score for
images it takes for real, a low score for generated ones. The critic is trained to make the gap

$$W = \mathbb{E}_{x \sim p_\text{data}}\left[C(x)\right] - \mathbb{E}_{z \sim p(z)}\left[C(G(z))\right]$$

as large as it can, and the generator $G$ is trained to make it small. When $C$ is restricted to
functions whose slope is at most 1 everywhere (1-Lipschitz functions), the best such gap is the
*Wasserstein distance* between the real and the generated distribution, a distance that stays
informative even when the two distributions barely overlap. That is what makes the training more
stable than a classic GAN's.

## The gradient penalty

The original WGAN kept its critic 1-Lipschitz by clipping every weight to a small interval, which
works badly. WGAN-GP instead penalises the critic wherever the norm of its gradient with respect to
its *input* differs from 1. The penalty is evaluated at random points $\hat{x}$ on straight lines
between real and generated images:

$$\hat{x} = \epsilon\, x + (1 - \epsilon)\, G(z), \qquad \epsilon \sim U[0, 1] \text{ (one per sample)}$$

$$L_C = \mathbb{E}\left[C(G(z))\right] - \mathbb{E}\left[C(x)\right] + \lambda\, \mathbb{E}_{\hat{x}}\left[\left(\lVert \nabla_{\hat{x}} C(\hat{x}) \rVert_2 - 1\right)^2\right], \qquad L_G = -\mathbb{E}\left[C(G(z))\right]$$

with $\lambda = 10$. The penalty contains a gradient, so training the critic on it needs a gradient
of a gradient: PyTorch computes it when the input gradient is taken with `create_graph=True`.

## What you will build

1. A generator that turns a 100-dimensional noise vector into a 64x64 colour image.
2. A critic that scores 64x64 colour images.
3. The gradient penalty, the two losses, the optimizers and one training step.
4. Two pictures: a grid of random faces from your trained generator, and a walk in z-space from one
   face to another.

**Read the whole notebook before you start.** Training takes hours on a GPU, so start early. After
each part a cell runs the public checks of that part (`check(...)`); the grader runs more thorough
hidden checks of the same functions, so passing the public ones is necessary but not the whole story.
""")

SETUP_TEXT = md("setup_text", """
## Setup

Run the next two cells. `device` is the GPU when PyTorch can see one; the training below puts the
networks and the data on it. `show_images` draws a batch of images in [-1, 1] as a grid.
""")

SETUP = code("setup", """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from autograder.data.celeba import load_celeba
from autograder.public import check

%matplotlib inline
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
""")

HELPERS = code("helpers", '''
def show_images(images, nrow=8):
    """Draw a batch of images (N, 3, H, W) with values in [-1, 1] as a grid, nrow images a row."""
    images = images.detach().cpu().float().clamp(-1, 1)
    images = (images + 1) / 2  # to [0, 1] for imshow
    n, c, h, w = images.shape
    ncol = min(nrow, n)
    rows = (n + ncol - 1) // ncol
    grid = torch.ones(c, rows * (h + 2), ncol * (w + 2))
    for i, image in enumerate(images):
        r, col = divmod(i, ncol)
        grid[:, r * (h + 2) + 1: r * (h + 2) + 1 + h, col * (w + 2) + 1: col * (w + 2) + 1 + w] = image
    plt.figure(figsize=(ncol * 1.2, rows * 1.2))
    plt.axis("off")
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.show()
''')

# ------------------------------------------------------------------ data

DATA_TEXT = md("data_text", """
## Data

CelebA holds 202,599 photos of celebrities. Use the "aligned and cropped" version
(`img_align_celeba/`, 178x218 JPEGs, 1.4 GB) and set the environment variable `GANGRADE_CELEBA` to
the folder that holds it. `load_celeba` cuts the largest centred square out of each photo, shrinks
it to 64x64 and scales the pixels to [-1, 1], the range of the generator's tanh: the result is a
float32 tensor of shape `(N, 3, 64, 64)`.

The whole data set at this size needs 10 GB of memory as float32, so we load the first
`CELEBA_LIMIT` images; raise it if your machine has the memory. Without `GANGRADE_CELEBA`,
`load_celeba` returns 256 generated face-like pictures instead, enough to try your code but not to
train a face generator.
""")

DATA = code("data", """
Z_DIM = 100
BATCH_SIZE = 64
CELEBA_LIMIT = 20000

faces = load_celeba(limit=CELEBA_LIMIT)
print(faces.shape, faces.min().item(), faces.max().item())
""")

SHOW_DATA = code("show_data", """
show_images(faces[:16])
""")

# ------------------------------------------------------------------ generator

GENERATOR_TEXT = md("generator_text", """
## The generator

WGAN-GP works with many network shapes: a DCGAN-like stack of transposed convolutions (Radford et
al., Fig. 1) and a ResNet are both good choices. Our reference generator has five layers:

1. a fully connected layer from `z_dim` to 512 x 4 x 4 values, reshaped to `(N, 512, 4, 4)`, then
   ReLU and batch normalisation;
2. four transposed convolutions that double the height and width each time, 4 -> 8 -> 16 -> 32
   -> 64, with 256, 128, 64 and finally 3 channels; each but the last is followed by ReLU and
   batch normalisation;
3. a tanh, so that every pixel lies in [-1, 1] like the training images.

A transposed convolution with a 4x4 kernel, stride 2 and padding 1 exactly doubles the height and
width. Whatever shape you choose, `Generator(z_dim)` must map noise of shape `(N, z_dim)` to images
of shape `(N, 3, 64, 64)` in [-1, 1], and different noise vectors must give different images.
""")

GENERATOR = code("generator", '''
class Generator(nn.Module):
    """Noise (N, z_dim) -> images (N, 3, 64, 64) in [-1, 1]."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.fc = nn.Linear(z_dim, 512 * 4 * 4)
        self.bn0 = nn.BatchNorm2d(512)
        self.deconv1 = nn.ConvTranspose2d(512, 256, kernel_size=4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(256)
        self.deconv2 = nn.ConvTranspose2d(256, 128, kernel_size=4, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(128)
        self.deconv3 = nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.deconv4 = nn.ConvTranspose2d(64, 3, kernel_size=4, stride=2, padding=1)

    def forward(self, z):
        x = self.fc(z).view(-1, 512, 4, 4)          # (N, 512, 4, 4)
        x = self.bn0(F.relu(x))
        x = self.bn1(F.relu(self.deconv1(x)))       # (N, 256, 8, 8)
        x = self.bn2(F.relu(self.deconv2(x)))       # (N, 128, 16, 16)
        x = self.bn3(F.relu(self.deconv3(x)))       # (N, 64, 32, 32)
        return torch.tanh(self.deconv4(x))          # (N, 3, 64, 64) in [-1, 1]
''', starter='''
class Generator(nn.Module):
    """Noise (N, z_dim) -> images (N, 3, 64, 64) in [-1, 1]."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        # TODO: create the layers

    def forward(self, z):
        # TODO: map z (N, z_dim) to images (N, 3, 64, 64) in [-1, 1]
        raise NotImplementedError("Generator.forward")
''')

# ------------------------------------------------------------------ critic

CRITIC_TEXT = md("critic_text", """
## The critic

The critic takes a batch of images `(N, 3, 64, 64)` and returns one score per image, shape `(N,)`
or `(N, 1)`. The score must be **unconstrained**, positive or negative and of any size: do *not*
end with a sigmoid or a ReLU.

Our reference critic has four convolutions (4x4 kernels, stride 2, padding 1, halving the image
64 -> 32 -> 16 -> 8 -> 4) with 64, 128, 256 and 512 channels, each followed by a leaky ReLU with
slope 0.2, and then a fully connected layer to one output. The lab's reference put batch
normalisation after every convolution but the first. Note that batch normalisation makes each
sample's score depend on the rest of the batch, which the gradient penalty (a per-sample quantity)
does not expect; the WGAN-GP paper therefore recommends layer normalisation in the critic, or none
at all. Any of the three is fine here.
""")

CRITIC = code("critic", '''
class Critic(nn.Module):
    """Images (N, 3, 64, 64) -> unconstrained scores (N, 1)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(128)
        self.conv3 = nn.Conv2d(128, 256, kernel_size=4, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(256)
        self.conv4 = nn.Conv2d(256, 512, kernel_size=4, stride=2, padding=1)
        self.bn4 = nn.BatchNorm2d(512)
        self.fc = nn.Linear(512 * 4 * 4, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.2)                 # (N, 64, 32, 32); no normalisation here
        x = self.bn2(F.leaky_relu(self.conv2(x), 0.2))       # (N, 128, 16, 16)
        x = self.bn3(F.leaky_relu(self.conv3(x), 0.2))       # (N, 256, 8, 8)
        x = self.bn4(F.leaky_relu(self.conv4(x), 0.2))       # (N, 512, 4, 4)
        return self.fc(x.flatten(start_dim=1))               # (N, 1), no activation
''', starter='''
class Critic(nn.Module):
    """Images (N, 3, 64, 64) -> unconstrained scores (N,) or (N, 1)."""

    def __init__(self):
        super().__init__()
        # TODO: create the layers

    def forward(self, x):
        # TODO: score each image; no sigmoid or ReLU on the output
        raise NotImplementedError("Critic.forward")
''')

# ------------------------------------------------------------------ gradient penalty

PENALTY_TEXT = md("penalty_text", r"""
## The gradient penalty

`gradient_penalty(critic, real, fake, eps=None)` computes the *unscaled* penalty (the caller
multiplies it by $\lambda$):

1. If `eps` is not given, draw one weight per sample from $U[0, 1]$, shaped `(N, 1, 1, 1)` so that
   it broadcasts over the image. Every sample gets its own weight.
2. Form $\hat{x} = \epsilon \cdot \text{real} + (1 - \epsilon) \cdot \text{fake}$ and make it require
   gradients.
3. Compute the critic's scores on $\hat{x}$ and their gradient with respect to $\hat{x}$ with
   `torch.autograd.grad`. Pass `create_graph=True`: the penalty is itself differentiated when the
   critic is trained, and without the graph its gradient with respect to the critic's weights
   would be zero.
4. Take the L2 norm of each sample's gradient over all of its channels and pixels (one norm per
   sample, not one for the whole batch) and return the mean over the batch of
   $(\lVert \cdot \rVert_2 - 1)^2$.

Hint: the scores of different samples do not depend on each other (unless batch normalisation
mixes them), so the gradient of the *sum* of the scores gives each sample its own gradient.
""")

PENALTY = code("penalty", '''
def gradient_penalty(critic, real, fake, eps=None):
    """
    The WGAN-GP gradient penalty, unscaled.

    Inputs:
    - critic: the critic network
    - real, fake: (N, 3, 64, 64) real and generated images
    - eps: optional (N, 1, 1, 1) interpolation weights; drawn from U[0, 1] when not given

    Returns:
    - scalar tensor: mean over the batch of (||grad C(x_hat)||_2 - 1)^2, differentiable
      with respect to the critic's parameters
    """
    if eps is None:
        eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    scores = critic(x_hat)
    grads, = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grads.flatten(start_dim=1).norm(2, dim=1)  # one norm per sample
    return ((norms - 1) ** 2).mean()
''', todo={"gradient_penalty": "sample eps if needed, form x_hat, and return the penalty"})

# ------------------------------------------------------------------ losses

LOSSES_TEXT = md("losses_text", r"""
## The losses

Both networks minimise their loss:

- the critic: `critic_loss(critic, real, fake, lam=10.0, eps=None)` is
  mean(C(fake)) - mean(C(real)) + lam * gradient_penalty(critic, real, fake, eps), which pushes
  the scores of real images up and those of generated images down;
- the generator: `generator_loss(critic, fake)` is -mean(C(fake)), which pushes the scores of its
  own images up.

`fake` comes straight from the generator. In the critic's step the generator should not be
updated: detach the fakes there (either before calling `critic_loss` or inside it).
""")

LOSSES = code("losses", '''
def critic_loss(critic, real, fake, lam=10.0, eps=None):
    """
    The critic's WGAN-GP loss: mean C(fake) - mean C(real) + lam * gradient penalty.
    """
    wasserstein = critic(fake).mean() - critic(real).mean()
    return wasserstein + lam * gradient_penalty(critic, real, fake, eps)


def generator_loss(critic, fake):
    """
    The generator's WGAN loss: -mean C(fake).
    """
    return -critic(fake).mean()
''', todo={"critic_loss": "compute the critic's loss", "generator_loss": "compute the generator's loss"})

# ------------------------------------------------------------------ optimizers

OPTIMIZERS_TEXT = md("optimizers_text", """
## Two optimizers

Each network has its own Adam optimizer, and each optimizer must train only its own network's
parameters: the critic's step must not move the generator, and the generator's step must not move
the critic. (In TensorFlow this meant collecting the right subset of variables, for example by a
`d_` or `g_` prefix of their names; in PyTorch each module's `.parameters()` already is that
subset, but name prefixes work too.)

The lab's values, which its author did not tune: learning rate 2e-4, beta1 = 0.5, beta2 = 0.999.
The paper's (1e-4, beta1 = 0, beta2 = 0.9) are also accepted, although the lab's author found
them to train worse on this data. `make_optimizers(G, critic)` returns `(g_opt, c_opt)`.
""")

OPTIMIZERS = code("optimizers", '''
def make_optimizers(G, critic):
    """
    One Adam optimizer per network, each over that network's parameters only.

    Returns:
    - (g_opt, c_opt)
    """
    g_opt = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    c_opt = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return g_opt, c_opt
''', todo={"make_optimizers": "create both optimizers"})

# ------------------------------------------------------------------ training step

TRAIN_STEP_TEXT = md("train_step_text", """
## One training step

`train_step(G, critic, g_opt, c_opt, real, z_dim=100, n_critic=1, lam=10.0)` trains on one batch
of real images:

1. `n_critic` times: draw fresh noise z ~ N(0, 1) of shape `(N, z_dim)`, generate images and
   detach them, compute the critic's loss and take one step of `c_opt`;
2. once: draw fresh noise, generate images (not detached: the generator learns through the
   critic's scores), compute the generator's loss and take one step of `g_opt`.

Clear each optimizer's gradients before its backward pass: the generator's loss also leaves
gradients on the critic's parameters. The paper uses `n_critic = 5`; the lab found 1 works as well
and is five times cheaper.

Return a dict of plain floats (`.item()`) with at least the last critic update's `critic_loss` and
unscaled `gradient_penalty`, and the `generator_loss`; `wasserstein`, the gap
mean C(real) - mean C(fake), is worth watching too: it estimates how far the generated images are
from the real ones.
""")

TRAIN_STEP = code("train_step", '''
def train_step(G, critic, g_opt, c_opt, real, z_dim=Z_DIM, n_critic=1, lam=10.0):
    """
    n_critic critic updates, then one generator update, on the real batch `real`.

    Returns:
    - dict of floats: critic_loss, generator_loss, gradient_penalty, wasserstein
    """
    device = next(G.parameters()).device
    real = real.to(device)
    n = real.shape[0]
    for _ in range(n_critic):
        fake = G(torch.randn(n, z_dim, device=device)).detach()
        c_opt.zero_grad()
        wasserstein = critic(real).mean() - critic(fake).mean()
        penalty = gradient_penalty(critic, real, fake)
        c_loss = -wasserstein + lam * penalty
        c_loss.backward()
        c_opt.step()

    g_opt.zero_grad()
    g_loss = generator_loss(critic, G(torch.randn(n, z_dim, device=device)))
    g_loss.backward()
    g_opt.step()
    return {
        "critic_loss": c_loss.item(),
        "generator_loss": g_loss.item(),
        "gradient_penalty": penalty.item(),
        "wasserstein": wasserstein.item(),
    }
''', todo={"train_step": "the critic updates, then the generator update; return the losses"})

# ------------------------------------------------------------------ training

TRAIN_TEXT = md("train_text", """
## Training

`train` (provided) shuffles the faces every epoch, runs `train_step` on each batch and prints the
losses now and then. The lab's reference ran 25 epochs of CelebA in batches of 64 (3,125 batches
an epoch), eight hours on a GTX 1070; two epochs already give recognisable faces. On a CPU train
on a few thousand images for a while and expect blurry blobs with face-like colours.

Watch `wasserstein`: it should rise at first, while the critic learns to tell the images apart,
then fall slowly as the generator catches up. A gradient penalty that stays far above 1 means the
critic is not being held to slope 1.
""")

TRAIN = code("train", '''
def train(G, critic, g_opt, c_opt, images, epochs=2, batch_size=BATCH_SIZE, n_critic=1, print_every=100):
    """Train for `epochs` passes over `images`; returns the list of train_step results."""
    history = []
    step = 0
    for epoch in range(epochs):
        order = torch.randperm(len(images))
        for start in range(0, len(images) - batch_size + 1, batch_size):
            real = images[order[start:start + batch_size]]
            history.append(train_step(G, critic, g_opt, c_opt, real, n_critic=n_critic))
            if step % print_every == 0:
                stats = history[-1]
                print(f"epoch {epoch} step {step}: W {stats['wasserstein']:.3f} "
                      f"GP {stats['gradient_penalty']:.3f} G {stats['generator_loss']:.3f}")
            step += 1
    return history


def plot_history(history):
    """The Wasserstein estimate and the gradient penalty over training."""
    plt.figure(figsize=(10, 3))
    plt.plot([h["wasserstein"] for h in history], label="wasserstein estimate")
    plt.plot([h["gradient_penalty"] for h in history], label="gradient penalty")
    plt.xlabel("step")
    plt.legend()
    plt.show()
''')

RUN_TRAINING = code("run_training", """
G = Generator().to(device)
critic = Critic().to(device)
g_opt, c_opt = make_optimizers(G, critic)

history = train(G, critic, g_opt, c_opt, faces, epochs=2)
plot_history(history)
""")

# ------------------------------------------------------------------ deliverables

SAMPLES_TEXT = md("samples_text", """
## Deliverable 1: random faces

Draw 64 noise vectors, run them through the trained generator and show the images. Batch
normalisation should use its running statistics here, so put the generator in evaluation mode.
""")

SAMPLES = code("samples", """
G.eval()
with torch.no_grad():
    samples = G(torch.randn(64, Z_DIM, device=device))
show_images(samples)
G.train()
""")

INTERPOLATE_TEXT = md("interpolate_text", """
## Deliverable 2: a walk in z-space

Pick two random noise vectors `z0` and `z1` (each of shape `(z_dim,)`) and show the faces the
generator makes at evenly spaced points on the straight line between them, both ends included:
`interpolate(G, z0, z1, steps=10)` returns `G` applied to the `steps` points
`(1 - t) * z0 + t * z1` for `t` from 0 to 1, shape `(steps, 3, 64, 64)`. A smooth change from one
face to the other is a sign that the generator has learnt a continuous map rather than a list of
memorised faces.
""")

INTERPOLATE = code("interpolate", '''
def interpolate(G, z0, z1, steps=10):
    """
    G applied to `steps` evenly spaced points from z0 to z1, both ends included.

    Inputs:
    - G: the generator
    - z0, z1: (z_dim,) noise vectors
    - steps: number of images

    Returns:
    - (steps, 3, 64, 64) tensor
    """
    t = torch.linspace(0, 1, steps, device=z0.device, dtype=z0.dtype).view(-1, 1)  # (steps, 1)
    line = (1 - t) * z0.view(1, -1) + t * z1.view(1, -1)                            # (steps, z_dim)
    with torch.no_grad():
        return G(line)
''', todo={"interpolate": "build the points on the line and run the generator on them"})

SHOW_INTERPOLATION = code("show_interpolation", """
G.eval()
z0, z1 = torch.randn(Z_DIM, device=device), torch.randn(Z_DIM, device=device)
show_images(interpolate(G, z0, z1, steps=10), nrow=10)
G.train()
""")


CELLS: tuple[Cell, ...] = (
    INTRO,
    SETUP_TEXT, SETUP, HELPERS,
    DATA_TEXT, DATA, SHOW_DATA,
    GENERATOR_TEXT, GENERATOR, check_cell("generator"),
    CRITIC_TEXT, CRITIC, check_cell("discriminator"),
    PENALTY_TEXT, PENALTY, check_cell("gradient_penalty"),
    LOSSES_TEXT, LOSSES, check_cell("wgan_losses"),
    OPTIMIZERS_TEXT, OPTIMIZERS,
    TRAIN_STEP_TEXT, TRAIN_STEP, check_cell("training_subsets"), check_cell("training_loop"),
    TRAIN_TEXT, TRAIN, RUN_TRAINING,
    SAMPLES_TEXT, SAMPLES,
    INTERPOLATE_TEXT, INTERPOLATE, SHOW_INTERPOLATION, check_cell("interpolation"),
)
