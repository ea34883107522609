"""The cells of the dcgan_tutorial notebook: the solution's text, and the starter's where it differs.

A PyTorch port of the DCGAN-on-MNIST tutorial notebook (seed 003): a small
convolutional discriminator with average pooling, a generator that grows a
2x2x25 reshaped noise vector with transposed convolutions, sigmoid
cross-entropy losses, one optimizer per network and the alternating training
loop. `python -m tools.make_samples` builds the starter, the solution and every sample
submission from these cells; each cell has a key so that a sample can name
the cells it edits.
"""
from __future__ import annotations

from tools.samplekit import cells
from tools.samplekit.cells import Cell, code, md  # noqa: F401  (Cell: the samples' type)


def check_cell(item: str) -> Cell:
    return cells.check_cell("dcgan_tutorial", item)


# ------------------------------------------------------------------ introduction

INTRO = md("intro", r"""
# A DCGAN that draws MNIST digits

A generative adversarial network (GAN) learns to produce new data that looks like the data it was
trained on. In this notebook you build one that draws handwritten digits, in PyTorch.

## Two players

A GAN is two networks trained against each other.

- The **discriminator** $D$ is a binary classifier: shown an image, it answers "real" (an MNIST
  digit, label 1) or "generated" (label 0). Here it is a small convolutional network.
- The **generator** $G$ turns a vector of random noise $z$ into an image. Its goal is to make $D$
  answer "real" for its images.

The two play a zero-sum game. The usual picture is a counterfeiter ($G$) and the police ($D$): the
police learn to spot fake banknotes, the counterfeiter learns from every detected fake how to make
better ones. Training alternates small steps for the two players; in theory the game ends when the
generator's images follow the data distribution exactly and the discriminator can do no better
than answering $\frac{1}{2}$ for every image.

## What you will write

1. `Discriminator`: the convolutional classifier.
2. `Generator`: noise to a 28x28 image through transposed convolutions.
3. `losses`: the two players' losses.
4. `make_optimizers`: one optimizer per network, each updating only its own network.
5. `train`: the alternating training loop.

After each part a cell runs the public checks of that part (`check(...)`). They compare your code
with stored answers and tell you what is wrong. The grader runs more thorough hidden checks of the
same functions, so passing the public checks is necessary but not the whole story.
""")

SETUP = code("setup", """
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from autograder.data.mnist import load_mnist
from autograder.public import check

%matplotlib inline

Z_DIM = 100       # length of the generator's noise vector
BATCH_SIZE = 16   # images per training step
""")

# ------------------------------------------------------------------ data

DATA_TEXT = md("data_text", """
## The data

`load_mnist()` reads MNIST from the folder named by the environment variable `GANGRADE_DATA`. When
that variable is not set it uses the 5,000 real digits bundled with the course's autograder
package, 4,000 of them for training; nothing is downloaded.

`images` below holds the training digits as one float32 tensor of shape `(N, 1, 28, 28)`: PyTorch
puts the channel before height and width (TensorFlow, which the original tutorial used, puts it
last). Pixel values are in [0, 1], 0 for the background.
""")

DATA = code("data", """
mnist = load_mnist()
images = mnist.train.as_unit_float()  # (N, 1, 28, 28), float32 in [0, 1]
print(images.shape, mnist.source)
""")

SHOW_DIGIT = code("show_digit", """
# A random training digit
random_index = random.randint(0, len(images) - 1)
plt.imshow(images[random_index, 0], cmap='gray_r')
plt.show()
""")

# ------------------------------------------------------------------ discriminator

DISCRIMINATOR_TEXT = md("discriminator_text", """
## The discriminator

The discriminator is the small convolutional classifier of TensorFlow's MNIST tutorial, with fewer
filters. In order:

1. convolution, 1 input channel, 8 output channels, 5x5 kernel, stride 1, padding that keeps the
   size at 28x28 ("same" padding: 2 pixels on each side); then ReLU; then 2x2 average pooling
   (stride 2) to 14x14;
2. convolution, 8 to 16 channels, 5x5, same padding; ReLU; 2x2 average pooling to 7x7;
3. flatten the `16 * 7 * 7 = 784` values of each image; fully connected layer to 32 units; ReLU;
4. fully connected layer to 1 unit.

Every layer has a bias. The network takes a batch of images of shape `(N, 1, 28, 28)` and returns
one number per image, shape `(N, 1)`. That number is a *logit*: a raw score, large for "real" and
small (negative) for "generated". There is no sigmoid at the end: the loss applies it, in a
numerically safe way. The discriminator has 28,577 parameters.

Note the average pooling: it replaces the max pooling of most classifiers, so that every pixel
passes some gradient back to the generator. PyTorch's default initialization is fine (the
tutorial drew its weights from a truncated normal with standard deviation 0.02; you may do the
same).
""")

DISCRIMINATOR = code("discriminator", '''
class Discriminator(nn.Module):
    """Images (N, 1, 28, 28) -> logits (N, 1)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 16, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x_image):
        h_pool1 = F.avg_pool2d(F.relu(self.conv1(x_image)), 2)  # (N, 8, 14, 14)
        h_pool2 = F.avg_pool2d(F.relu(self.conv2(h_pool1)), 2)  # (N, 16, 7, 7)
        h_pool2_flat = h_pool2.reshape(len(h_pool2), 7 * 7 * 16)  # (N, 784)
        h_fc1 = F.relu(self.fc1(h_pool2_flat))  # (N, 32)
        return self.fc2(h_fc1)  # (N, 1) logits
''', starter='''
class Discriminator(nn.Module):
    """Images (N, 1, 28, 28) -> logits (N, 1)."""

    def __init__(self):
        super().__init__()
        # TODO: create the two convolutions and the two fully connected layers
        raise NotImplementedError("Discriminator.__init__")

    def forward(self, x_image):
        # TODO: conv, ReLU, average pool; conv, ReLU, average pool; flatten; fully connected, ReLU;
        # fully connected. Return the logits, shape (N, 1).
        raise NotImplementedError("Discriminator.forward")
''')

# ------------------------------------------------------------------ generator

GENERATOR_TEXT = md("generator_text", r"""
## The generator

The generator follows the DCGAN paper's design: a classifier run backwards. Where a convolutional
classifier shrinks an image to a single score, the generator grows a noise vector into an image,
with *transposed convolutions* (sometimes called deconvolutions), each of which doubles the height
and width roughly. Batch normalization and ReLUs keep the values of each layer in a range where
training is stable.

The generator has no fully connected layer. It starts from the noise vector itself:

1. reshape each noise vector of length 100 to 25 channels of 2x2, `(N, 25, 2, 2)`, and apply a ReLU;
2. transposed convolution to 256 channels of 3x3; batch normalization; ReLU;
3. transposed convolution to 128 channels of 6x6; batch normalization; ReLU;
4. transposed convolution to 64 channels of 12x12; batch normalization; ReLU;
5. transposed convolution to 1 channel of 28x28; tanh.

Every transposed convolution has a 5x5 kernel and stride 2. The output is a batch of images of
shape `(N, 1, 28, 28)` with values in [-1, 1].

TensorFlow's transposed convolution takes the output size as an argument; PyTorch's computes it
from the input size, the kernel, the stride and two paddings:

$$\text{out} = (\text{in} - 1) \cdot \text{stride} - 2 \cdot \text{padding} + \text{kernel} + \text{output\_padding}$$

`padding` trims the output on both sides, `output_padding` adds one row and column at the end
(it must be smaller than the stride). Choose them so that the sizes come out as 3, 6, 12 and 28.
For example, from 2 to 3 with kernel 5 and stride 2: $(2 - 1) \cdot 2 - 2 \cdot 2 + 5 + 0 = 3$,
so `padding=2`.

Batch normalization in training mode normalizes with the statistics of the current batch, so feed
the generator batches of at least two noise vectors while it is in training mode.
""")

GENERATOR = code("generator", '''
class Generator(nn.Module):
    """Noise (N, z_dim) -> images (N, 1, 28, 28) in [-1, 1]; z_dim must be 25 * 2 * 2 = 100."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        assert z_dim == 25 * 2 * 2, "the noise is reshaped to (25, 2, 2)"
        self.deconv1 = nn.ConvTranspose2d(25, 256, kernel_size=5, stride=2, padding=2)
        self.bn1 = nn.BatchNorm2d(256)
        self.deconv2 = nn.ConvTranspose2d(256, 128, kernel_size=5, stride=2, padding=2, output_padding=1)
        self.bn2 = nn.BatchNorm2d(128)
        self.deconv3 = nn.ConvTranspose2d(128, 64, kernel_size=5, stride=2, padding=2, output_padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.deconv4 = nn.ConvTranspose2d(64, 1, kernel_size=5, stride=2, output_padding=1)

    def forward(self, z):
        h0 = F.relu(z.view(-1, 25, 2, 2))  # (N, 25, 2, 2)
        h1 = F.relu(self.bn1(self.deconv1(h0)))  # (N, 256, 3, 3)
        h2 = F.relu(self.bn2(self.deconv2(h1)))  # (N, 128, 6, 6)
        h3 = F.relu(self.bn3(self.deconv3(h2)))  # (N, 64, 12, 12)
        return torch.tanh(self.deconv4(h3))  # (N, 1, 28, 28)
''', starter='''
class Generator(nn.Module):
    """Noise (N, z_dim) -> images (N, 1, 28, 28) in [-1, 1]; z_dim must be 25 * 2 * 2 = 100."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        # TODO: create the four transposed convolutions and the three batch normalizations
        raise NotImplementedError("Generator.__init__")

    def forward(self, z):
        # TODO: reshape z to (N, 25, 2, 2) and apply a ReLU; then three times transposed
        # convolution, batch normalization, ReLU; then the last transposed convolution and tanh.
        raise NotImplementedError("Generator.forward")
''')

SAMPLE_TEXT = md("sample_text", """
### What an untrained generator draws

Two helpers for looking at a GAN: `show_samples` draws a grid of the generator's images for fresh
noise, `plot_losses` the history of the two losses that `train` (below) returns. Before training
the generator's images are just noise; the pictures at the end of the notebook should look very
different.
""")

SHOW_SAMPLES = code("show_samples", '''
def show_samples(G, n=16):
    """Draw n images of the generator G in a square grid (G in evaluation mode, no gradients)."""
    was_training = G.training
    G.eval()
    with torch.no_grad():
        samples = G(torch.randn(n, Z_DIM)).reshape(n, 28, 28)
    G.train(was_training)
    side = int(np.ceil(np.sqrt(n)))
    fig, axes = plt.subplots(side, side, figsize=(side, side))
    for ax in axes.flat:
        ax.axis('off')
    for ax, image in zip(axes.flat, samples):
        ax.imshow(image.numpy(), cmap='gray_r')
    plt.show()


def plot_losses(history):
    """Plot the (d_loss, g_loss) pairs that train returns, one per iteration."""
    plt.figure(figsize=(8, 4))
    plt.plot([d for d, g in history], label='d_loss')
    plt.plot([g for d, g in history], label='g_loss')
    plt.xlabel('iteration')
    plt.legend()
    plt.show()
''')

SHOW_UNTRAINED = code("show_untrained", """
G = Generator()
show_samples(G)
""")

# ------------------------------------------------------------------ losses

LOSSES_TEXT = md("losses_text", r"""
## The losses

Both losses are *sigmoid cross-entropies* on the discriminator's logits. For a logit $\ell$ and a
label $t \in \{0, 1\}$ the cross-entropy of the probability $\sigma(\ell)$ is

$$\text{ce}(\ell, t) = -t \log \sigma(\ell) - (1 - t) \log\left(1 - \sigma(\ell)\right).$$

Write `D(x)` for the discriminator's logits on real images and `D(G(z))` for its logits on
generated images. With each cross-entropy averaged over the batch:

- the **discriminator** wants to call real images real and generated ones generated:
  $\text{d\_loss} = \text{mean}\ \text{ce}(D(x), 1) + \text{mean}\ \text{ce}(D(G(z)), 0)$;
- the **generator** wants the discriminator to call its images real:
  $\text{g\_loss} = \text{mean}\ \text{ce}(D(G(z)), 1)$.

Compute the cross-entropy from the logits, not by applying a sigmoid and then a logarithm yourself:
`F.binary_cross_entropy_with_logits` (or `nn.BCEWithLogitsLoss`) does it without overflow for large
logits, like TensorFlow's `sigmoid_cross_entropy_with_logits` in the original tutorial.

`losses` gets the two networks, a batch of noise `z` of shape `(N, Z_DIM)` and a batch of real
images `x` of shape `(N, 1, 28, 28)`, and returns the tuple `(d_loss, g_loss)` of two scalar
tensors through which gradients can flow back to the networks.
""")

LOSSES = code("losses", '''
def losses(D, G, z, x):
    """
    The discriminator's and the generator's losses on one batch.

    Inputs:
    - D, G: the discriminator and the generator
    - z: noise, shape (N, Z_DIM)
    - x: real images, shape (N, 1, 28, 28)

    Returns:
    - (d_loss, g_loss): two scalar tensors
    """
    Dx = D(x)  # logits for the real images
    Gz = G(z)  # generated images
    Dg = D(Gz)  # logits for the generated images
    g_loss = F.binary_cross_entropy_with_logits(Dg, torch.ones_like(Dg))
    d_loss_real = F.binary_cross_entropy_with_logits(Dx, torch.ones_like(Dx))
    d_loss_fake = F.binary_cross_entropy_with_logits(Dg, torch.zeros_like(Dg))
    d_loss = d_loss_real + d_loss_fake
    return d_loss, g_loss
''', todo={"losses": "compute d_loss and g_loss from the logits D(x) and D(G(z))"})

# ------------------------------------------------------------------ optimizers

OPTIMIZERS_TEXT = md("optimizers_text", """
## One optimizer per network

Each player may only change its own network: the discriminator's update must leave the
generator's weights alone, and the generator's update must leave the discriminator's weights alone,
even though the generator's loss is computed *through* the discriminator. The TensorFlow tutorial
picked out each network's variables by a name prefix (`d_` or `g_`); in PyTorch each network is its
own module, and `module.parameters()` lists exactly its weights.

Write `make_optimizers(D, G, lr)` to return `(trainer_d, trainer_g)`: one `torch.optim.Adam` over
the discriminator's parameters and one over the generator's, both with learning rate `lr`. Adam's
other settings keep their defaults. The tutorial found a learning rate of 0.0002 to work well: that
is the default of `lr`.
""")

OPTIMIZERS = code("optimizers", '''
def make_optimizers(D, G, lr=2e-4):
    """
    Returns (trainer_d, trainer_g): Adam optimizers with learning rate lr over D's and G's parameters.
    """
    trainer_d = torch.optim.Adam(D.parameters(), lr=lr)
    trainer_g = torch.optim.Adam(G.parameters(), lr=lr)
    return trainer_d, trainer_g
''', todo={"make_optimizers": "make one Adam optimizer per network and return both"})

# ------------------------------------------------------------------ training loop

TRAIN_TEXT = md("train_text", """
## The training loop

Each iteration of `train` makes two updates, in this order:

1. draw a batch of `batch_size` noise vectors `z` from the standard normal distribution
   (`torch.randn`) and a batch of `batch_size` real images at random from `images`;
2. **discriminator update**: compute the losses, clear `trainer_d`'s gradients, backpropagate
   `d_loss` and step `trainer_d`;
3. **generator update**: compute the losses again (the discriminator has just changed), clear
   `trainer_g`'s gradients, backpropagate `g_loss` and step `trainer_g`.

The real images go to the discriminator as they are, in [0, 1], as in the tutorial: the generator's
tanh can produce that range, and it learns to.

Clearing first matters: backpropagating one network's loss also leaves gradients on the other
network (the generator's loss flows through the discriminator, and here the discriminator's loss
flows back into the generator), and PyTorch adds new gradients to old ones.

The tutorial drew its noise with `np.random.normal(-1, 1, ...)`, believing it samples "between -1
and 1"; that call draws from a normal distribution with mean -1, and since the generator's first
step is a ReLU on the noise, most of each vector would be zeroed. Use the standard normal.

Return the history of the losses: a list with one `(d_loss, g_loss)` pair of floats per iteration.
""")

TRAIN = code("train", '''
def train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE):
    """
    Train D and G: per iteration one discriminator update, then one generator update.

    Inputs:
    - D, G: the networks; trainer_d, trainer_g: their optimizers
    - images: real images, shape (N, 1, 28, 28), in [0, 1]
    - iterations: number of iterations
    - batch_size: images (and noise vectors) per iteration

    Returns:
    - list of (d_loss, g_loss) floats, one pair per iteration
    """
    history = []
    for i in range(iterations):
        z_batch = torch.randn(batch_size, Z_DIM)
        real_image_batch = images[torch.randint(len(images), (batch_size,))]

        d_loss, _ = losses(D, G, z_batch, real_image_batch)
        trainer_d.zero_grad()
        d_loss.backward()
        trainer_d.step()  # update the discriminator

        _, g_loss = losses(D, G, z_batch, real_image_batch)
        trainer_g.zero_grad()
        g_loss.backward()
        trainer_g.step()  # update the generator

        history.append((d_loss.item(), g_loss.item()))
        if i % 500 == 0:
            print(f"iteration {i}: d_loss {d_loss.item():.3f}, g_loss {g_loss.item():.3f}")
    return history
''', todo={"train": "the loop: per iteration one discriminator update, then one generator update"})

RUN_TEXT = md("run_text", """
## Train the GAN

3,000 iterations of 16 images take a few minutes on a CPU. Then look at the losses and at what the
generator draws now.
""")

RUN = code("run", """
torch.manual_seed(0)
D = Discriminator()
G = Generator()
trainer_d, trainer_g = make_optimizers(D, G)
history = train(D, G, trainer_d, trainer_g, images, iterations=3000, batch_size=BATCH_SIZE)
""")

PLOT_LOSSES = code("plot_losses", """
plot_losses(history)
""")

FINAL_TEXT = md("final_text", """
### The trained generator's digits
""")

FINAL_SAMPLES = code("final_samples", """
show_samples(G)
""")

# ------------------------------------------------------------------ closing

CLOSING = md("closing", """
## Why GANs are hard to train

GANs are famously sensitive to their hyperparameters, architecture and training procedure, and
often one player overpowers the other. Two failure modes to watch for:

- **Mode collapse.** The generator finds one image that fools the current discriminator and draws
  (nearly) only that, whatever the noise; the samples show one digit over and over. The
  discriminator soon learns to reject that image, the generator jumps to another one, and the
  samples never cover all ten digits.
- **A winning discriminator.** When the discriminator separates real from generated images with
  certainty, its loss sinks to zero and the generator's gradient vanishes: it stops learning.

Behind both lies the fact that gradient descent is made to find the minimum of one cost, not the
equilibrium of a two-player game, and alternating gradient steps for the two players need not
converge to that equilibrium at all.
""")


CELLS: tuple[Cell, ...] = (
    INTRO, SETUP,
    DATA_TEXT, DATA, SHOW_DIGIT,
    DISCRIMINATOR_TEXT, DISCRIMINATOR, check_cell("discriminator"),
    GENERATOR_TEXT, GENERATOR, check_cell("generator"),
    SAMPLE_TEXT, SHOW_SAMPLES, SHOW_UNTRAINED,
    LOSSES_TEXT, LOSSES, check_cell("loss_functions"),
    OPTIMIZERS_TEXT, OPTIMIZERS,
    TRAIN_TEXT, TRAIN, check_cell("variable_separation"),
    RUN_TEXT, RUN, PLOT_LOSSES,
    FINAL_TEXT, FINAL_SAMPLES,
    CLOSING,
)
