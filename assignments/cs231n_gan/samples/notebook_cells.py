"""The cells of the cs231n_gan notebook: the solution's text, and the starter's where it differs.

A PyTorch port of the CS231n GAN notebook (seed 001): vanilla GAN, LSGAN and
DCGAN on MNIST, with the inline questions. `python -m tools.make_samples` builds the
starter, the solution and every sample submission from these cells; each
cell has a key so that a sample can name the cells it edits.
"""
from __future__ import annotations

from tools.samplekit import cells
from tools.samplekit.cells import Cell, code, md  # noqa: F401  (Cell: the samples' type)


def check_cell(item: str) -> Cell:
    return cells.check_cell("cs231n_gan", item)


# ------------------------------------------------------------------ introduction

INTRO = md("intro", r"""
# Generative Adversarial Networks

Until now every network in this course has been *discriminative*: it takes an input and predicts a
label for it. In this notebook you build *generative* models: networks that produce new images that
look as if they had been drawn from the training set, here MNIST's handwritten digits.

## Two networks, one game

A generative adversarial network (GAN; Goodfellow et al., 2014) trains two networks against each
other.

- The **discriminator** $D$ is an ordinary classifier. Shown an image, it scores how likely the
  image is to be a real training image rather than a generated one.
- The **generator** $G$ turns a vector of random noise $z$ into an image. It succeeds when $D$
  takes its images for real ones.

As a single objective, the generator minimises what the discriminator maximises:

$$\min_G \max_D \; \mathbb{E}_{x \sim p_\text{data}}\left[\log D(x)\right] + \mathbb{E}_{z \sim p(z)}\left[\log\left(1 - D(G(z))\right)\right]$$

Here $D(x)$ is the probability $D$ gives to $x$ being real, $x$ is drawn from the training data and
$z$ from a fixed noise distribution. Goodfellow et al. show that the best generator for this game
reproduces the data distribution exactly (the game amounts to minimising the Jensen-Shannon
divergence between the two distributions).

We look for that equilibrium by taking gradient steps for the two players in turn. One change makes
it work in practice: early in training $D$ rejects every generated image with confidence, and then
$\log(1 - D(G(z)))$ is almost flat, so the generator's gradient vanishes. Instead of minimising the
probability that $D$ is right about its images, the generator therefore maximises the probability
that $D$ is *wrong* about them, as the original paper already did. Each training iteration is:

1. a step for the **discriminator** that increases
   $\mathbb{E}_{x}\left[\log D(x)\right] + \mathbb{E}_{z}\left[\log(1 - D(G(z)))\right]$: being right
   about real and generated images alike;
2. a step for the **generator** that increases $\mathbb{E}_{z}\left[\log D(G(z))\right]$: making
   $D$ wrong about generated images.

## What you will build

1. A fully connected GAN: a leaky ReLU, a noise sampler, the two networks, their losses and
   optimizers. Then you train it on MNIST.
2. A least squares GAN (LSGAN), which changes only the losses.
3. A deep convolutional GAN (DCGAN), which changes only the networks.

Since 2014 GANs have grown into a large research area. They tend to give sharper samples than other
generative models, but they are famously sensitive to architecture and hyperparameters, and making
their training stable is still an open problem; the Wasserstein GAN and its gradient-penalty variant
are two well-known attempts. Variational autoencoders are a popular alternative that trains more
predictably and usually gives blurrier samples.

After each part a cell runs the public checks of that part (`check(...)`). They compare your code
with stored answers and tell you what is wrong. The grader runs more thorough hidden checks of the
same functions, so passing the public ones is necessary but not the whole story.
""")

SETUP_TEXT = md("setup_text", """
## Setup

Run the next two cells. The second one defines a few helpers: `show_images` draws a square grid of
images, `preprocess_img` and `deprocess_img` convert pixel values between the ranges [0, 1] and
[-1, 1], and `count_params` counts the parameters of a model. `dtype` is the tensor type the
training code converts data and models to; set it to `torch.cuda.FloatTensor` to train on a GPU.
""")

SETUP = code("setup", """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from autograder.data.mnist import load_mnist
from autograder.public import check

import matplotlib.pyplot as plt
import matplotlib.gridspec as gridspec

%matplotlib inline
plt.rcParams['figure.figsize'] = (10.0, 8.0)  # default size of plots
plt.rcParams['image.interpolation'] = 'nearest'
plt.rcParams['image.cmap'] = 'gray'
""")

HELPERS = code("helpers", """
def show_images(images):
    \"\"\"Draw images, given as an array (N, 784) or (N, 1, 28, 28), in a square grid.\"\"\"
    images = np.reshape(images, [images.shape[0], -1])  # (N, H*W)
    sqrtn = int(np.ceil(np.sqrt(images.shape[0])))
    sqrtimg = int(np.ceil(np.sqrt(images.shape[1])))

    fig = plt.figure(figsize=(sqrtn, sqrtn))
    gs = gridspec.GridSpec(sqrtn, sqrtn)
    gs.update(wspace=0.05, hspace=0.05)

    for i, img in enumerate(images):
        ax = plt.subplot(gs[i])
        plt.axis('off')
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_aspect('equal')
        plt.imshow(img.reshape([sqrtimg, sqrtimg]))
    return fig


def preprocess_img(x):
    return 2 * x - 1.0


def deprocess_img(x):
    return (x + 1.0) / 2.0


def count_params(model):
    \"\"\"The number of parameters of a PyTorch model.\"\"\"
    return sum(p.numel() for p in model.parameters())


dtype = torch.FloatTensor
# dtype = torch.cuda.FloatTensor  # uncomment this line to train on a GPU
""")

# ------------------------------------------------------------------ data

DATA_TEXT = md("data_text", """
## Data

GANs need many training iterations and are picky about hyperparameters. To keep this assignment
doable without a GPU we use MNIST: 28x28 grayscale images of handwritten digits, white on a black
background. A convolutional classifier reaches over 99% accuracy on it, so it is an easy data set
for recognition, yet generating convincing digits is still a real test for a generative model.

`load_mnist()` reads MNIST from the folder named by the environment variable `GANGRADE_DATA`. When
that variable is not set it uses the 5,000 real digits bundled with the course's autograder
package, 4,000 of them for training. The training times and epoch counts below are for the full
training set of 60,000 digits (468 batches per epoch); the bundled subset makes only 31 batches
per epoch, so with it pass about 15 times as many epochs to `run_a_gan` (`num_epochs=...`) for
the same amount of training.

The loader yields batches of `batch_size` images, *flattened*: each batch has shape
`(batch_size, 784)`, float32, with values in [0, 1]. Reshape a batch to `(N, 1, 28, 28)` where a
layer needs the image layout. The last, incomplete batch of each epoch is dropped, so every batch
holds exactly `batch_size` images.
""")

DATA = code("data", """
NOISE_DIM = 96
batch_size = 128

mnist = load_mnist()
mnist_train = TensorDataset(mnist.train.as_flat_unit(), torch.from_numpy(mnist.train.labels))
loader_train = DataLoader(mnist_train, batch_size=batch_size, shuffle=True, drop_last=True)
""")

SHOW_BATCH = code("show_batch", """
# A look at one batch of real digits
imgs = next(iter(loader_train))[0].numpy()
show_images(imgs[:16])
plt.show()
""")

# ------------------------------------------------------------------ leaky ReLU

LEAKY_RELU_TEXT = md("leaky_relu_text", r"""
## Leaky ReLU

A ReLU passes positive inputs and sets negative ones to zero. A unit whose input stays negative then
receives no gradient at all and stops learning; it "dies". A leaky ReLU keeps a small slope
$\alpha$ for negative inputs instead:

$$f(x) = \max(x, \alpha x) \qquad (0 \le \alpha \le 1)$$

GANs use leaky ReLUs a lot, in discriminators especially, so that gradient can reach the generator
through every unit of the discriminator.

Implement `leaky_relu` below for a tensor of any shape, with tensor operations (no Python loops).
Hint: `torch.max` of two tensors takes their elementwise maximum.
""")

LEAKY_RELU = code("leaky_relu", '''
def leaky_relu(x, alpha=0.01):
    """
    The leaky ReLU activation, elementwise.

    Inputs:
    - x: tensor of any shape
    - alpha: slope for negative inputs

    Returns:
    - tensor of the same shape as x
    """
    return torch.max(x, alpha * x)
''', todo={"leaky_relu": "implement the leaky ReLU"})

# ------------------------------------------------------------------ noise

NOISE_TEXT = md("noise_text", """
## Random noise

The generator's input is a vector of random noise. Here the noise is uniform on (-1, 1): write
`sample_noise` to return a float32 tensor of shape `(batch_size, dim)` of such values. When `seed`
is given, first seed PyTorch's random number generator with it (`torch.manual_seed`), so that the
same seed always gives the same noise.

Hint: `torch.rand` samples uniformly from [0, 1); stretch and shift its output.
""")

SAMPLE_NOISE = code("sample_noise", '''
def sample_noise(batch_size, dim, seed=None):
    """
    Uniform random noise on (-1, 1).

    Inputs:
    - batch_size: number of noise vectors
    - dim: length of each noise vector
    - seed: optional seed for PyTorch's random number generator

    Returns:
    - float32 tensor of shape (batch_size, dim)
    """
    if seed is not None:
        torch.manual_seed(seed)
    return 2 * torch.rand(batch_size, dim) - 1
''', todo={"sample_noise": "sample and return the noise"})

# ------------------------------------------------------------------ discriminator

DISCRIMINATOR_TEXT = md("discriminator_text", """
## Discriminator

The first network is the discriminator. Build it as an `nn.Sequential` of these layers:

1. fully connected, 784 inputs, 256 outputs
2. leaky ReLU with slope 0.01
3. fully connected, 256 outputs
4. leaky ReLU with slope 0.01
5. fully connected, 1 output

Every fully connected layer has a bias; keep PyTorch's default initialization. For the activations
use `nn.LeakyReLU(0.01)`, which computes the same function as your `leaky_relu`. The network takes
a batch of flattened images, shape `(N, 784)`, and returns one real number per image, shape
`(N, 1)`: a score for "this image is real". The scores are *logits*, so the network does not end in
a sigmoid; the loss applies the sigmoid itself, where it can do so in a numerically safe way. An
`nn.Flatten()` in front of the first layer lets the network take images shaped `(N, 1, 28, 28)`
too.

When `seed` is given, seed PyTorch before creating the layers, so that their initial weights are
reproducible. The discriminator has 267,009 parameters.
""")

DISCRIMINATOR = code("discriminator", '''
def discriminator(seed=None):
    """
    The fully connected discriminator: images (N, 784) -> logits (N, 1).
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(),  # (N, 784), from (N, 784) or (N, 1, 28, 28)
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1),  # (N, 1) logits
    )
    return model
''', todo={"discriminator": "build the discriminator as an nn.Sequential and return it"})

# ------------------------------------------------------------------ generator

GENERATOR_TEXT = md("generator_text", """
## Generator

The generator maps noise vectors of length `noise_dim` to images. Build it as an `nn.Sequential`
of these layers:

1. fully connected, `noise_dim` inputs, 1024 outputs
2. ReLU
3. fully connected, 1024 outputs
4. ReLU
5. fully connected, 784 outputs
6. tanh, so that every pixel lies in [-1, 1]

Again every fully connected layer has a bias, with PyTorch's default initialization, and `seed`
seeds PyTorch before the layers are created. The output has shape `(N, 784)`. With `noise_dim=4`
the generator has 1,858,320 parameters.
""")

GENERATOR = code("generator", '''
def generator(noise_dim=NOISE_DIM, seed=None):
    """
    The fully connected generator: noise (N, noise_dim) -> images (N, 784) in [-1, 1].
    """
    if seed is not None:
        torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),  # (N, 784) in [-1, 1]
    )
    return model
''', todo={"generator": "build the generator as an nn.Sequential and return it"})

# ------------------------------------------------------------------ GAN loss

GAN_LOSS_TEXT = md("gan_loss_text", r"""
## GAN loss

Optimizers minimise, so we write the two objectives from the introduction as losses, with their
signs flipped. The generator's loss is

$$\ell_G = -\mathbb{E}_{z \sim p(z)}\left[\log D(G(z))\right]$$

and the discriminator's loss is

$$\ell_D = -\mathbb{E}_{x \sim p_\text{data}}\left[\log D(x)\right] - \mathbb{E}_{z \sim p(z)}\left[\log\left(1 - D(G(z))\right)\right]$$

Our discriminator returns a logit $s$, and $D = \sigma(s)$. The binary cross-entropy of a logit $s$
against a label $y \in \{0, 1\}$,

$$\text{bce}(s, y) = -y \log \sigma(s) - (1 - y) \log\left(1 - \sigma(s)\right),$$

covers every term: $-\log D(x)$ is $\text{bce}(s_\text{real}, 1)$, $-\log(1 - D(G(z)))$ is
$\text{bce}(s_\text{fake}, 0)$ and $-\log D(G(z))$ is $\text{bce}(s_\text{fake}, 1)$.

`bce_loss` (provided below) returns the *mean* of bce over all the logits it is given. Replace each
expectation with a mean over the minibatch. For $\ell_D$, take the mean of the real term and the
mean of the fake term separately and add the two; do not average once over the real and fake
logits together. `torch.ones_like` and `torch.zeros_like` make the labels.
""")

BCE_LOSS = code("bce_loss", '''
def bce_loss(input, target):
    """
    The mean binary cross-entropy between sigmoid(input) and target.

    Inputs:
    - input: logits, a tensor of any shape
    - target: labels in {0, 1}, a tensor of the same shape as input

    Returns:
    - scalar tensor: the mean binary cross-entropy over all elements
    """
    return F.binary_cross_entropy_with_logits(input, target)
''')

GAN_LOSS = code("gan_loss", '''
def discriminator_loss(logits_real, logits_fake):
    """
    The discriminator's loss.

    Inputs:
    - logits_real: (N, 1) tensor, the discriminator's logits for real images
    - logits_fake: (N, 1) tensor, the discriminator's logits for generated images

    Returns:
    - scalar tensor: the discriminator's loss
    """
    real_loss = bce_loss(logits_real, torch.ones_like(logits_real))
    fake_loss = bce_loss(logits_fake, torch.zeros_like(logits_fake))
    return real_loss + fake_loss


def generator_loss(logits_fake):
    """
    The generator's loss.

    Inputs:
    - logits_fake: (N, 1) tensor, the discriminator's logits for generated images

    Returns:
    - scalar tensor: the generator's loss
    """
    return bce_loss(logits_fake, torch.ones_like(logits_fake))
''', todo={"discriminator_loss": "compute the discriminator's loss",
    "generator_loss": "compute the generator's loss"})

# ------------------------------------------------------------------ optimizer

OPTIMIZER_TEXT = md("optimizer_text", """
## Optimizers

Both networks are trained with Adam, learning rate 1e-3 and beta1 = 0.5 (beta2 stays at its
default, 0.999). A beta1 below the usual 0.9 was found to help GANs train (Salimans et al.,
"Improved Techniques for Training GANs"). With beta1 = 0.9 and our other settings the
discriminator often wins outright: its loss drops to zero and the generator stops learning, a
common way for GAN training to fail.

`get_optimizer(model)` returns an Adam optimizer over the parameters of `model` and of nothing
else: the discriminator and the generator each get their own.
""")

GET_OPTIMIZER = code("get_optimizer", '''
def get_optimizer(model):
    """
    An Adam optimizer for one model: learning rate 1e-3, betas (0.5, 0.999).

    Inputs:
    - model: a PyTorch model

    Returns:
    - a torch.optim.Adam over the model's parameters
    """
    optimizer = optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    return optimizer
''', todo={"get_optimizer": "create and return the optimizer"})

# ------------------------------------------------------------------ training loop

TRAINING_LOOP_TEXT = md("training_loop_text", """
## The training loop (provided)

Nothing to write here, but read `run_a_gan` carefully: you will reuse it for every GAN in this
notebook. Each iteration takes one batch of real images and makes two updates.

1. **Discriminator step.** The real images are rescaled from [0, 1] to [-1, 1], the range of the
   generator's tanh output, so that real and generated images only differ in content. The
   generated images are *detached* from the generator: the discriminator's loss must not send
   gradient into the generator. Only `D_solver` steps.
2. **Generator step.** Fresh noise goes through the generator and then the discriminator, and the
   generator's loss is backpropagated through the discriminator into the generator. Only
   `G_solver` steps.

Each step first clears its own optimizer's gradients; PyTorch would otherwise add the new
gradients to the old ones. Every `show_every` iterations the loop prints both losses and keeps 16
generated images, and it returns the list of images it kept.
""")

RUN_A_GAN = code("run_a_gan", '''
def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train,
              show_every=250, batch_size=128, noise_size=96, num_epochs=10):
    """
    Train a GAN.

    Inputs:
    - D, G: the discriminator and the generator
    - D_solver, G_solver: their optimizers
    - discriminator_loss, generator_loss: the loss functions to train with
    - loader_train: yields batches (images, labels), images (batch_size, 784) in [0, 1]
    - show_every: print the losses and keep samples every show_every iterations
    - batch_size: images per batch (incomplete batches are skipped)
    - noise_size: length of the generator's noise vectors
    - num_epochs: passes over the training data

    Returns:
    - list of arrays (16, 784): samples from the generator, every show_every iterations
    """
    images = []
    iter_count = 0
    for epoch in range(num_epochs):
        for x, _ in loader_train:
            if len(x) != batch_size:
                continue
            # Discriminator step: real images in [-1, 1], generated images detached from G.
            D_solver.zero_grad()
            real_data = x.type(dtype)
            logits_real = D(2 * (real_data - 0.5))

            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed).detach()
            logits_fake = D(fake_images)

            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            # Generator step: the loss reaches G through D.
            G_solver.zero_grad()
            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed)

            gen_logits_fake = D(fake_images)
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            if iter_count % show_every == 0:
                print('Iter: {}, D: {:.4}, G: {:.4}'.format(iter_count, d_total_error.item(), g_error.item()))
                images.append(fake_images[:16].detach().cpu().numpy())
            iter_count += 1
    return images
''')

# ------------------------------------------------------------------ vanilla GAN training

TRAIN_GAN_TEXT = md("train_gan_text", """
## Train your GAN

Time to put the pieces together. Training takes a few minutes on a CPU and well under a minute on
a GPU. After the first epoch you should see blurry strokes, clear shapes a few epochs later, and by
the end most samples should be recognisable digits. Keep an eye on the losses: a discriminator
loss that sinks to zero means the discriminator has won and the generator has stopped learning.
""")

TRAIN_GAN = code("train_gan", """
# Make the discriminator and the generator, and an optimizer for each
D = discriminator().type(dtype)
G = generator().type(dtype)

D_solver = get_optimizer(D)
G_solver = get_optimizer(G)

# Run it!
images = run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train)
""")

SHOW_GAN = code("show_gan", """
# The last samples the generator made
show_images(images[-1])
plt.show()
""")

# ------------------------------------------------------------------ LSGAN

LSGAN_TEXT = md("lsgan_text", r"""
## Least squares GAN

The least squares GAN (LSGAN; Mao et al.) replaces the cross-entropy losses with squared errors,
which is reported to make training more stable. Only the losses change; we use equation (9) of the
paper. The generator's loss is

$$\ell_G = \frac{1}{2}\,\mathbb{E}_{z \sim p(z)}\left[\left(D(G(z)) - 1\right)^2\right]$$

and the discriminator's loss is

$$\ell_D = \frac{1}{2}\,\mathbb{E}_{x \sim p_\text{data}}\left[\left(D(x) - 1\right)^2\right] + \frac{1}{2}\,\mathbb{E}_{z \sim p(z)}\left[D(G(z))^2\right]$$

Here $D(\cdot)$ is the discriminator's raw output (`scores_real`, `scores_fake`), with no sigmoid.
As before, replace each expectation with a mean over the minibatch.
""")

LS_LOSS = code("ls_loss", '''
def ls_discriminator_loss(scores_real, scores_fake):
    """
    The LSGAN discriminator's loss.

    Inputs:
    - scores_real: (N, 1) tensor, the discriminator's scores for real images
    - scores_fake: (N, 1) tensor, the discriminator's scores for generated images

    Returns:
    - scalar tensor: the loss
    """
    loss = 0.5 * torch.mean((scores_real - 1) ** 2) + 0.5 * torch.mean(scores_fake ** 2)
    return loss


def ls_generator_loss(scores_fake):
    """
    The LSGAN generator's loss.

    Inputs:
    - scores_fake: (N, 1) tensor, the discriminator's scores for generated images

    Returns:
    - scalar tensor: the loss
    """
    loss = 0.5 * torch.mean((scores_fake - 1) ** 2)
    return loss
''', todo={"ls_discriminator_loss": "compute the loss", "ls_generator_loss": "compute the loss"})

TRAIN_LSGAN_TEXT = md("train_lsgan_text", """
Train the same networks with the least squares losses:
""")

TRAIN_LSGAN = code("train_lsgan", """
D_LS = discriminator().type(dtype)
G_LS = generator().type(dtype)

D_LS_solver = get_optimizer(D_LS)
G_LS_solver = get_optimizer(G_LS)

images = run_a_gan(D_LS, G_LS, D_LS_solver, G_LS_solver, ls_discriminator_loss, ls_generator_loss, loader_train)
""")

SHOW_LSGAN = code("show_lsgan", """
show_images(images[-1])
plt.show()
""")

# ------------------------------------------------------------------ DCGAN

DCGAN_TEXT = md("dcgan_text", """
## Deep convolutional GANs

The fully connected networks above see an image as a list of 784 unrelated numbers: nothing in
them knows that neighbouring pixels belong together, so they cannot learn "a sharp edge" once and
use it everywhere in the image. Convolutional layers can. In this part you give both networks
convolutions, following DCGAN (Radford et al.).

The cell below provides two reshaping modules for `nn.Sequential`: `Flatten` turns
`(N, C, H, W)` into `(N, C*H*W)` and `Unflatten` does the reverse. With `N=-1` the batch size is
read from the input.
""")

RESHAPE_MODULES = code("reshape_modules", '''
class Flatten(nn.Module):
    """(N, C, H, W) -> (N, C*H*W); an (N, D) input passes through unchanged."""

    def forward(self, x):
        return x.view(x.shape[0], -1)


class Unflatten(nn.Module):
    """(N, C*H*W) -> (N, C, H, W). N=-1 takes the batch size from the input."""

    def __init__(self, N=-1, C=128, H=7, W=7):
        super().__init__()
        self.N = N
        self.C = C
        self.H = H
        self.W = W

    def forward(self, x):
        return x.view(self.N, self.C, self.H, self.W)
''')

DC_CLASSIFIER_TEXT = md("dc_classifier_text", """
### Discriminator

The discriminator is a small convolutional classifier, close to the classic network for MNIST
classification (which exceeds 99% accuracy quickly). Its layers:

1. reshape to images `(N, 1, 28, 28)`
2. convolution: 32 filters of 5x5, stride 1, no padding
3. leaky ReLU with slope 0.01
4. max pooling 2x2, stride 2
5. convolution: 64 filters of 5x5, stride 1, no padding
6. leaky ReLU with slope 0.01
7. max pooling 2x2, stride 2
8. flatten
9. fully connected, 4 x 4 x 64 outputs
10. leaky ReLU with slope 0.01
11. fully connected, 1 output

Work out the shape after each layer to find the input size of the first fully connected layer.
All convolutions and fully connected layers have biases, with PyTorch's default initialization.
The network takes flattened images `(N, 784)` and returns logits `(N, 1)`. It has 1,102,721
parameters. `batch_size` is there for networks that reshape to a fixed batch size; with
`Unflatten(-1, ...)` you do not need it.
""")

DC_CLASSIFIER = code("dc_classifier", '''
def build_dc_classifier(batch_size=None):
    """
    The convolutional discriminator: images (N, 784) or (N, 1, 28, 28) -> logits (N, 1).
    """
    return nn.Sequential(
        Unflatten(-1, 1, 28, 28),                    # (N, 1, 28, 28)
        nn.Conv2d(1, 32, kernel_size=5, stride=1),   # (N, 32, 24, 24)
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 32, 12, 12)
        nn.Conv2d(32, 64, kernel_size=5, stride=1),  # (N, 64, 8, 8)
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 64, 4, 4)
        Flatten(),                                   # (N, 1024)
        nn.Linear(4 * 4 * 64, 4 * 4 * 64),
        nn.LeakyReLU(0.01),
        nn.Linear(4 * 4 * 64, 1),                    # (N, 1) logits
    )
''', todo={"build_dc_classifier": "build the network as an nn.Sequential and return it"})

DC_GENERATOR_TEXT = md("dc_generator_text", """
### Generator

The generator is the MNIST generator of the InfoGAN paper (appendix C.1). Its layers:

1. fully connected, 1024 outputs
2. ReLU
3. batch normalization
4. fully connected, 7 x 7 x 128 outputs
5. ReLU
6. batch normalization
7. reshape to `(N, 128, 7, 7)`
8. transposed convolution: 64 filters of 4x4, stride 2, padding 1
9. ReLU
10. batch normalization
11. transposed convolution: 1 filter of 4x4, stride 2, padding 1
12. tanh
13. flatten to `(N, 784)`

Note the order: each batch normalization comes *after* its ReLU. A transposed convolution with a
4x4 kernel, stride 2 and padding 1 exactly doubles the height and width, so the images grow from
7x7 to 14x14 to 28x28. Use biases everywhere and the default initialization; batch normalization
stays in training mode throughout. With `noise_dim=4` the generator has 6,580,801 parameters
(batch normalization's running averages are buffers, not parameters).
""")

DC_GENERATOR = code("dc_generator", '''
def build_dc_generator(noise_dim=NOISE_DIM):
    """
    The convolutional generator: noise (N, noise_dim) -> images (N, 784) in [-1, 1].
    """
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128),
        nn.ReLU(),
        nn.BatchNorm1d(7 * 7 * 128),
        Unflatten(-1, 128, 7, 7),                                         # (N, 128, 7, 7)
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),  # (N, 64, 14, 14)
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),    # (N, 1, 28, 28)
        nn.Tanh(),
        Flatten(),                                                        # (N, 784)
    )
''', todo={"build_dc_generator": "build the network as an nn.Sequential and return it"})

TRAIN_DCGAN_TEXT = md("train_dcgan_text", """
### Train the DCGAN

This is the part of the notebook where a GPU pays off: five epochs take a few minutes on a GPU and
close to an hour on a laptop's CPU (three epochs are enough if you train on a CPU).
""")

TRAIN_DCGAN = code("train_dcgan", """
D_DC = build_dc_classifier(batch_size).type(dtype)
G_DC = build_dc_generator().type(dtype)

D_DC_solver = get_optimizer(D_DC)
G_DC_solver = get_optimizer(G_DC)

images = run_a_gan(D_DC, G_DC, D_DC_solver, G_DC_solver, discriminator_loss, generator_loss, loader_train, num_epochs=5)
""")

SHOW_DCGAN = code("show_dcgan", """
show_images(images[-1])
plt.show()
""")

# ------------------------------------------------------------------ inline questions

INLINE_Q1_TEXT = md("inline_q1_text", r"""
## Inline question 1

A small example shows why alternating gradient steps on one shared objective, as in GAN training,
can misbehave. Take $f(x, y) = xy$, where $x$ is the minimising player and $y$ the maximising one.

1. What is the value of $\min_x \max_y f(x, y)$? (The minimiser picks $x$ knowing that the
   maximiser will answer with the best $y$.)
2. Starting from $(x_0, y_0) = (1, 1)$, take six rounds of alternating gradient steps with step
   size 1: in each round $y$ first takes a gradient *ascent* step, then $x$ takes a gradient
   *descent* step using the new $y$. Writing the update in terms of $x_t, y_t, x_{t+1}, y_{t+1}$
   first will help.

Fill in the table, and put the six pairs $(x_1, y_1), \dots, (x_6, y_6)$ in `INLINE_Q1` in the code
cell below, as numbers (the starting point $(x_0, y_0)$ is not one of them).

| $t$   | 0 | 1 | 2 | 3 | 4 | 5 | 6 |
|-------|---|---|---|---|---|---|---|
| $x_t$ | 1 |   |   |   |   |   |   |
| $y_t$ | 1 |   |   |   |   |   |   |
""")

INLINE_Q1_ANSWER = md("inline_q1_answer", r"""
**Your answer:**

$\min_x \max_y xy = 0$: for any $x \neq 0$ the maximiser can make $xy$ as large as it likes, so the
minimiser must choose $x = 0$, and then $f = 0$ whatever $y$ is.

The gradients are $\partial f / \partial y = x$ and $\partial f / \partial x = y$, so each round is
$y_{t+1} = y_t + x_t$, then $x_{t+1} = x_t - y_{t+1}$.

| $t$   | 0 | 1  | 2  | 3  | 4  | 5  | 6 |
|-------|---|----|----|----|----|----|---|
| $x_t$ | 1 | -1 | -2 | -1 | 1  | 2  | 1 |
| $y_t$ | 1 | 2  | 1  | -1 | -2 | -1 | 1 |
""", starter="""
**Your answer:**
""")

INLINE_Q1 = code("inline_q1", """
# The six pairs (x_t, y_t) for t = 1, ..., 6
INLINE_Q1 = [(-1, 2), (-2, 1), (-1, -1), (1, -2), (2, -1), (1, 1)]
""", starter="""
# TODO: the six pairs (x_t, y_t) for t = 1, ..., 6
INLINE_Q1 = [(None, None), (None, None), (None, None), (None, None), (None, None), (None, None)]
""")

INLINE_Q2_TEXT = md("inline_q2_text", """
## Inline question 2

Do these alternating gradient steps ever reach the optimum? Explain why or why not.
""")

INLINE_Q2_ANSWER = md("inline_q2_answer", r"""
**Your answer:** No. The iterates circle the saddle point $(0, 0)$ without getting closer: after six
rounds they are back at $(1, 1)$ and the cycle repeats forever. Each round is a linear map with
determinant 1 and eigenvalues on the unit circle ($e^{\pm i\pi/3}$), so it neither shrinks nor
grows the iterates: they travel around the optimum on a closed ellipse.
""", starter="""
**Your answer:**
""")

INLINE_Q3_TEXT = md("inline_q3_text", """
## Inline question 3

Suppose that during training the generator's loss keeps falling while the discriminator's loss
stays at a constant, high value from the very start. Is that a good sign? Why or why not? A
qualitative answer is enough.
""")

INLINE_Q3_ANSWER = md("inline_q3_answer", """
**Your answer:** No. A discriminator loss that is high and flat from the start means the
discriminator is not learning to tell real images from generated ones. The generator's falling
loss then only says that it fools a discriminator that does not discriminate; such a discriminator
gives the generator no useful gradient about what real digits look like, so the samples will not
improve. In a healthy run both losses move, and neither player wins outright.
""", starter="""
**Your answer:**
""")


CELLS: tuple[Cell, ...] = (
    INTRO,
    SETUP_TEXT, SETUP, HELPERS,
    DATA_TEXT, DATA, SHOW_BATCH,
    LEAKY_RELU_TEXT, LEAKY_RELU, check_cell("leaky_relu"),
    NOISE_TEXT, SAMPLE_NOISE, check_cell("sample_noise"),
    DISCRIMINATOR_TEXT, DISCRIMINATOR, check_cell("discriminator"),
    GENERATOR_TEXT, GENERATOR, check_cell("generator"),
    GAN_LOSS_TEXT, BCE_LOSS, GAN_LOSS, check_cell("gan_loss"),
    OPTIMIZER_TEXT, GET_OPTIMIZER, check_cell("get_optimizer"),
    TRAINING_LOOP_TEXT, RUN_A_GAN,
    TRAIN_GAN_TEXT, TRAIN_GAN, SHOW_GAN,
    LSGAN_TEXT, LS_LOSS, check_cell("lsgan_loss"),
    TRAIN_LSGAN_TEXT, TRAIN_LSGAN, SHOW_LSGAN,
    DCGAN_TEXT, RESHAPE_MODULES,
    DC_CLASSIFIER_TEXT, DC_CLASSIFIER, check_cell("dc_discriminator"),
    DC_GENERATOR_TEXT, DC_GENERATOR, check_cell("dc_generator"),
    TRAIN_DCGAN_TEXT, TRAIN_DCGAN, SHOW_DCGAN,
    INLINE_Q1_TEXT, INLINE_Q1_ANSWER, INLINE_Q1, check_cell("inline_minimax"),
    INLINE_Q2_TEXT, INLINE_Q2_ANSWER,
    INLINE_Q3_TEXT, INLINE_Q3_ANSWER,
)
