"""The cells of the cs501r_dcgan notebook: the solution's text, and the starter's where it differs.

A PyTorch port of BYU CS501R (fall 2016) lab 7 (seed 000): a DCGAN on MNIST
whose discriminator outputs probabilities, one discriminator shared by the
real and the generated images, an optimizer per network, and the lab's loop
of one discriminator step and three generator steps. `python -m tools.make_samples`
builds the starter, the solution and every sample submission from these
cells; each cell has a key so that a sample can name the cells it edits.
"""
from __future__ import annotations

from tools.samplekit import cells
from tools.samplekit.cells import Cell, code, md  # noqa: F401  (Cell: the samples' type)


def check_cell(item: str) -> Cell:
    return cells.check_cell("cs501r_dcgan", item)


# ------------------------------------------------------------------ introduction

INTRO = md("intro", r"""
# Lab 7: a deep convolutional GAN on MNIST

**Objective.** Learn transposed convolutions ("deconvolutions"), how one network is used in two
places without copying it, how to train only a subset of a model's parameters, and how generative
adversarial networks work.

**Deliverable.** This notebook, run to the end: its last plot shows samples from your trained GAN.

**Grading.**

| part | points |
|---|---|
| the discriminator | 20 |
| the generator | 20 |
| the loss functions | 20 |
| sharing the discriminator between real and generated images | 20 |
| training each network's parameters only | 10 |
| a tidy, legible final image | 10 |

This lab has many interacting parts. Read the whole notebook before you start writing code.

## The idea

A GAN trains two networks against each other. The *generator* $G$ turns a random vector $z$ into an
image; the *discriminator* $D$ looks at an image and outputs the probability that it is a real
training image rather than one of $G$'s. $D$ is trained to tell the two apart, and $G$ is trained
to make $D$ get it wrong. Three things in this lab are new:

- **Transposed convolutions.** A strided convolution shrinks an image (28x28 to 14x14); a
  transposed convolution with the same stride grows it back. The generator uses them to map $z$ to
  a 28x28 image.
- **One discriminator, used twice.** $D$ scores the real images and the generated images. Both
  scores must come from the *same* network with the *same* parameters: two copies would be two
  different discriminators, each seeing only half of the game.
- **Training subsets of the parameters.** The discriminator's loss depends on both networks' parameters,
  and so does the generator's. Yet a discriminator step must change only $D$, and a generator step
  only $G$.

The notebook provides the scaffolding: the data, a leaky ReLU, a helper for noise, a plotting
function and the driver code at the end. Reading it is part of the lab.

After each part a cell runs the public checks of that part (`check(...)`). They tell you what is
wrong when something is. The grader runs more thorough hidden checks of the same functions, so
passing the public checks is necessary but not the whole story.
""")

SETUP = code("setup", """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from autograder.data.mnist import load_mnist
from autograder.public import check

%matplotlib inline
plt.rcParams['image.cmap'] = 'gray'
""")

# ------------------------------------------------------------------ scaffolding

SCAFFOLD_TEXT = md("scaffold_text", r"""
## The scaffolding

`Z_DIM` is the length of the generator's input vector and `BATCH_SIZE` the number of images per
training step.

- `lrelu(x, leak)` is the leaky ReLU, $\max(x, \text{leak} \cdot x)$, written with PyTorch's
  `F.leaky_relu`. Use it in the discriminator (or `nn.LeakyReLU`, which computes the same thing).
- `sample_z(n)` draws `n` noise vectors uniformly from $(-1, 1)$, as the original lab did.
- `show_images(images)` draws a batch of flattened images `(N, 784)` in a square grid.

The layers you need are PyTorch's own: `nn.Linear`, `nn.Conv2d` and `nn.ConvTranspose2d`. Their
output sizes follow from the kernel size $k$, stride $s$ and padding $p$. A convolution maps a side
of length $n$ to $\lfloor (n + 2p - k) / s \rfloor + 1$, so $k = 5, s = 2, p = 2$ halves 28 to 14
and 14 to 7. A transposed convolution maps $n$ to $(n - 1)s - 2p + k + \text{output\_padding}$, so
$k = 5, s = 2, p = 2$ with `output_padding=1` doubles 7 to 14 and 14 to 28.
""")

HELPERS = code("helpers", '''
Z_DIM = 100
BATCH_SIZE = 128


def lrelu(x, leak=0.2):
    """The leaky ReLU: x where x >= 0, leak * x where x < 0."""
    return F.leaky_relu(x, negative_slope=leak)


def sample_z(n, z_dim=Z_DIM, device="cpu"):
    """n noise vectors of length z_dim, uniform on (-1, 1): shape (n, z_dim)."""
    return torch.rand(n, z_dim, device=device) * 2 - 1


def show_images(images):
    """Draw flattened images (N, 784) with values in [0, 1] in a square grid."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    side = int(np.ceil(np.sqrt(len(images))))
    grid = np.ones((side * 29 + 1, side * 29 + 1))
    for i, image in enumerate(images):
        row, col = divmod(i, side)
        grid[1 + row * 29:1 + row * 29 + 28, 1 + col * 29:1 + col * 29 + 28] = image
    plt.figure(figsize=(side, side))
    plt.imshow(grid, vmin=0, vmax=1)
    plt.axis('off')
''')

DATA_TEXT = md("data_text", """
## The data

`load_mnist()` reads MNIST from the folder named by the environment variable `GANGRADE_DATA`; when
that variable is not set it uses the 5,000 real digits bundled with the course's autograder
package. `images` holds the training digits flattened: a float tensor of shape `(N, 784)` with
values in [0, 1], white strokes on black. The discriminator takes images in exactly this form, and
the generator makes them in this form too.
""")

DATA = code("data", """
mnist = load_mnist()
images = mnist.train.as_flat_unit()  # (N, 784), float32 in [0, 1]
print(images.shape, images.dtype)
show_images(images[:16])
plt.show()
""")

# ------------------------------------------------------------------ part 0: parameter subsets

SUBSETS_TEXT = md("subsets_text", r"""
## Part 0: whose parameters are whose

Think ahead before writing code. The discriminator's loss depends on the discriminator's parameters
*and* on the generator's (the generated images it scores come out of $G$), and the generator's loss
depends on both as well (it reaches $G$ *through* $D$). When you call `d_loss.backward()`, PyTorch
computes gradients for every parameter the loss depends on, the generator's included. What decides
which parameters a step changes is the optimizer: it updates exactly the parameters it was built
with, and nothing else.

So the discriminator gets an optimizer over the discriminator's parameters only, and the generator
one over the generator's only. Because `Discriminator` and `Generator` are separate modules,
`D.parameters()` and `G.parameters()` already are the two subsets. The original lab instead gave
every variable a name starting with `d_` or `g_` and filtered the list of all variables by that
prefix; with `named_parameters()` that works here too, if you prefer it.

## Part 1: the inputs

A GAN has only two inputs: a batch of noise vectors `z`, shape `(N, 100)`, and a batch of real
images `true_images`, shape `(N, 784)`. In PyTorch they are ordinary tensors that the training loop
passes to `gan_losses` below.
""")

# ------------------------------------------------------------------ part 2: discriminator

DISCRIMINATOR_TEXT = md("discriminator_text", """
## Part 2: the discriminator

`Discriminator` takes a batch of images, shape `(N, 784)`, and returns for each image the
probability that it is a real image: a tensor of shape `(N, 1)` with values in (0, 1). Its layers:

1. **H0**: a 2-d convolution of the images with 32 filters, then a leaky ReLU
2. **H1**: a 2-d convolution of H0 with 64 filters, then a leaky ReLU
3. **H2**: a linear layer from H1 to 1024 features, then a leaky ReLU
4. **H3**: a linear layer from H2 to one number per image
5. the output is the sigmoid of H3

Use 5x5 kernels with stride 2 and padding 2, so that H0 is `(N, 32, 14, 14)` and H1 is
`(N, 64, 7, 7)`, and a leak of 0.2.

The hard part is making the shapes line up. Two hints:

- the images arrive flat, `(N, 784)`, but a convolution needs `(N, channels, height, width)`: the
  first thing `forward` does is reshape them to `(N, 1, 28, 28)`;
- H1 is 4-dimensional, and a linear layer wants `(N, features)`: flatten H1 to `(N, 64 * 7 * 7)`
  before H2.
""")

DISCRIMINATOR = code("discriminator", '''
class Discriminator(nn.Module):
    """Images (N, 784) in [0, 1] -> probabilities of being real, (N, 1)."""

    def __init__(self):
        super().__init__()
        # Every name starts with d_, as the lab's variables did.
        self.d_h0_conv = nn.Conv2d(1, 32, kernel_size=5, stride=2, padding=2)
        self.d_h1_conv = nn.Conv2d(32, 64, kernel_size=5, stride=2, padding=2)
        self.d_h2_lin = nn.Linear(64 * 7 * 7, 1024)
        self.d_h3_lin = nn.Linear(1024, 1)

    def forward(self, imgs):
        x = imgs.reshape(-1, 1, 28, 28)       # (N, 1, 28, 28)
        h0 = lrelu(self.d_h0_conv(x))         # (N, 32, 14, 14)
        h1 = lrelu(self.d_h1_conv(h0))        # (N, 64, 7, 7)
        h1 = h1.reshape(h1.shape[0], -1)      # (N, 3136)
        h2 = lrelu(self.d_h2_lin(h1))         # (N, 1024)
        h3 = self.d_h3_lin(h2)                # (N, 1)
        return torch.sigmoid(h3)              # (N, 1) probabilities
''', starter='''
class Discriminator(nn.Module):
    """Images (N, 784) in [0, 1] -> probabilities of being real, (N, 1)."""

    def __init__(self):
        super().__init__()
        # TODO: create the layers H0, H1, H2 and H3

    def forward(self, imgs):
        # TODO: reshape imgs to (N, 1, 28, 28), run H0..H3, return the sigmoid of H3, shape (N, 1)
        raise NotImplementedError("Discriminator.forward")
''')

# ------------------------------------------------------------------ part 3: generator

GENERATOR_TEXT = md("generator_text", """
## Part 3: the generator

`Generator` takes a batch of noise vectors, shape `(N, z_dim)`, and returns a batch of images. Each
image is 28x28, but to match the discriminator's input the generator returns them flattened, shape
`(N, 784)`. Its layers:

1. **H1**: a linear layer from z to 128 * 7 * 7 features, then a ReLU; reshape the result to
   `(N, 128, 7, 7)`
2. **D2**: a transposed convolution of H1 to `(N, 128, 14, 14)`, then a ReLU
3. **D3**: a transposed convolution of D2 to `(N, 1, 28, 28)`
4. the output is the sigmoid of D3, so that every pixel lies in (0, 1) like the real digits,
   flattened to `(N, 784)`

Use 5x5 kernels, stride 2, padding 2 and `output_padding=1` for both transposed convolutions.
""")

GENERATOR = code("generator", '''
class Generator(nn.Module):
    """Noise (N, z_dim) -> flattened images (N, 784) in (0, 1)."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.g_h1_lin = nn.Linear(z_dim, 128 * 7 * 7)
        self.g_d2_deconv = nn.ConvTranspose2d(128, 128, kernel_size=5, stride=2, padding=2, output_padding=1)
        self.g_d3_deconv = nn.ConvTranspose2d(128, 1, kernel_size=5, stride=2, padding=2, output_padding=1)

    def forward(self, z):
        h1 = F.relu(self.g_h1_lin(z))              # (N, 6272)
        h1 = h1.reshape(-1, 128, 7, 7)             # (N, 128, 7, 7)
        d2 = F.relu(self.g_d2_deconv(h1))          # (N, 128, 14, 14)
        d3 = self.g_d3_deconv(d2)                  # (N, 1, 28, 28)
        return torch.sigmoid(d3).reshape(-1, 784)  # (N, 784) in (0, 1)
''', starter='''
class Generator(nn.Module):
    """Noise (N, z_dim) -> flattened images (N, 784) in (0, 1)."""

    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        # TODO: create the layers H1, D2 and D3

    def forward(self, z):
        # TODO: run H1 (and reshape), D2 and D3; return the sigmoid of D3 flattened to (N, 784)
        raise NotImplementedError("Generator.forward")
''')

# ------------------------------------------------------------------ part 4: losses

LOSSES_TEXT = md("losses_text", r"""
## Part 4: the losses, and one discriminator for both inputs

`gan_losses(D, G, z, true_images)` wires the pieces together for one batch:

1. pass `z` through the generator; call the result `sample_images`;
2. pass the real images through the discriminator, giving the probabilities $D(x)$;
3. pass `sample_images` through the *same* discriminator, giving $D(G(z))$;
4. the discriminator wants $\log D(x)$ and $\log(1 - D(G(z)))$ both large. Optimizers minimise,
   so its loss is the negative of their sum, averaged over the batch:
   $$\text{d\_loss} = -\,\text{mean}\left[\log D(x) + \log\left(1 - D(G(z))\right)\right]$$
5. the generator wants $\log D(G(z))$ large (it wants $D$ fooled), so
   $$\text{g\_loss} = -\,\text{mean}\left[\log D(G(z))\right]$$
6. `d_acc`, for watching training, is the discriminator's accuracy on this batch: the fraction
   of its decisions that are right, where it calls an image real when its probability is above
   0.5, over the real and the generated images together.

It returns `(d_loss, g_loss, d_acc, sample_images)`.

**Use one discriminator.** Steps 2 and 3 call the very same `D` object: do not build a second
`Discriminator` for the generated images, and do not copy `D` (`copy.deepcopy`). A copy has its own
parameters, so the loss would train the copy on the generated images and `D` on the real ones
only: neither would learn to tell the two apart. (The original TensorFlow lab had to ask for this
explicitly, with `reuse_variables()`; in PyTorch calling the same module twice is exactly that.)
Calling `D` once on both batches stacked together, `torch.cat([true_images, sample_images])`, is
fine as well.
""")

GAN_LOSSES = code("gan_losses", '''
def gan_losses(D, G, z, true_images):
    """
    The GAN's losses for one batch.

    Inputs:
    - D: the discriminator, images (N, 784) -> probabilities (N, 1)
    - G: the generator, noise (N, z_dim) -> images (N, 784)
    - z: noise, (N, z_dim)
    - true_images: real images, (N, 784)

    Returns (d_loss, g_loss, d_acc, sample_images):
    - d_loss: scalar tensor, -mean(log D(x) + log(1 - D(G(z))))
    - g_loss: scalar tensor, -mean(log D(G(z)))
    - d_acc: the discriminator's accuracy at threshold 0.5 on the real and generated images
    - sample_images: G(z), (N, 784)
    """
    sample_images = G(z)
    p_real = D(true_images)     # the same D ...
    p_fake = D(sample_images)   # ... scores both batches
    d_loss = -torch.mean(torch.log(p_real) + torch.log(1 - p_fake))
    g_loss = -torch.mean(torch.log(p_fake))
    correct = torch.cat([p_real > 0.5, p_fake < 0.5])
    d_acc = correct.float().mean()
    return d_loss, g_loss, d_acc, sample_images
''', todo={"gan_losses": "compute sample_images, both probabilities, d_loss, g_loss and d_acc"})

# ------------------------------------------------------------------ optimizers

OPTIMIZERS_TEXT = md("optimizers_text", """
### The optimizers

`make_optimizers(D, G)` returns `(d_optim, g_optim)`: two Adam optimizers with learning rate 2e-4
and beta1 = 0.5 (beta2 stays 0.999), `d_optim` over the discriminator's parameters and `g_optim`
over the generator's (see Part 0).
""")

MAKE_OPTIMIZERS = code("make_optimizers", '''
def make_optimizers(D, G):
    """(d_optim, g_optim): Adam(lr=2e-4, betas=(0.5, 0.999)), each over its own network's parameters."""
    d_optim = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_optim = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return d_optim, g_optim
''', todo={"make_optimizers": "create and return d_optim and g_optim"})

# ------------------------------------------------------------------ part 5: training

TRAIN_TEXT = md("train_text", """
## Part 5: the training loop

`train` runs `iterations` iterations. Each one draws a batch of real images and then takes

1. **one discriminator step**: the losses on fresh noise, then clear the gradients, backpropagate
   `d_loss`, and step `d_optim`;
2. **`g_steps` (3) generator steps**, each on fresh noise: clear the gradients, backpropagate
   `g_loss`, step `g_optim`.

Three generator steps per discriminator step keep the balance of power: a discriminator that gets
too far ahead gives the generator almost no gradient to learn from.

Clear the gradients right before every backward pass: the other network's step left gradients on
this network's parameters (each loss reaches both networks), and PyTorch adds new gradients to old
ones. Every 10 iterations the loop prints the iteration, `d_loss`, `g_loss` and `d_acc`; it
returns the history of those values.

The loop runs on whatever device the networks are on; the real batch and the noise are moved there.
""")

TRAIN = code("train", '''
def train(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=BATCH_SIZE):
    """Train D and G on images (N, 784); one D step then g_steps G steps per iteration."""
    device = next(G.parameters()).device
    history = []
    for step in range(iterations):
        batch = images[torch.randint(len(images), (batch_size,))].to(device)

        # One discriminator step: d_optim holds D's parameters only, so G does not move.
        d_loss, g_loss, d_acc, _ = gan_losses(D, G, sample_z(batch_size, device=device), batch)
        d_optim.zero_grad()
        d_loss.backward()
        d_optim.step()

        # g_steps generator steps, each on fresh noise.
        for _ in range(g_steps):
            _, g_loss, _, _ = gan_losses(D, G, sample_z(batch_size, device=device), batch)
            g_optim.zero_grad()
            g_loss.backward()
            g_optim.step()

        history.append({"d_loss": d_loss.item(), "g_loss": g_loss.item(), "d_acc": float(d_acc)})
        if step % 10 == 0:
            print(f"{step}\\t{d_loss.item():.2f} {g_loss.item():.2f} {float(d_acc):.2f}")
    return history
''', starter='''
def train(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=BATCH_SIZE):
    """Train D and G on images (N, 784); one D step then g_steps G steps per iteration."""
    device = next(G.parameters()).device
    history = []
    for step in range(iterations):
        batch = images[torch.randint(len(images), (batch_size,))].to(device)

        # TODO: one discriminator step (the losses on sample_z(batch_size, device=device) and batch;
        # clear d_optim's gradients, backpropagate d_loss, step d_optim)

        # TODO: g_steps generator steps, each on fresh noise

        history.append({"d_loss": d_loss.item(), "g_loss": g_loss.item(), "d_acc": float(d_acc)})
        if step % 10 == 0:
            print(f"{step}\\t{d_loss.item():.2f} {g_loss.item():.2f} {float(d_acc):.2f}")
    return history
''')

TRAINING_CHECK_TEXT = md("training_check_text", """
The next cell checks `make_optimizers` and `train` together: it builds your networks, runs two
iterations of your loop on a few images, and watches which parameters each optimizer step changes.
""")

RUN_TEXT = md("run_text", """
## Run it

Each row of the output is `iteration d_loss g_loss d_acc`. Early on the discriminator tells real
from generated images almost perfectly; as the generator improves, the two losses trade blows and
the accuracy falls towards 0.6 or 0.7. A generator loss that keeps climbing means the discriminator
has become too strong.

500 iterations show whether everything is wired up; the final image wants more, about 5,000.
That takes a few minutes on a GPU and an hour or more on a laptop's CPU.
""")

RUN = code("run", """
device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
D = Discriminator().to(device)
G = Generator().to(device)
d_optim, g_optim = make_optimizers(D, G)

history = train(D, G, d_optim, g_optim, images, iterations=5000)
""")

FINAL_TEXT = md("final_text", """
## The final image

Samples from your trained generator. This plot is what you turn in.
""")

FINAL = code("final", """
with torch.no_grad():
    show_images(G(sample_z(64, device=device)).cpu())
plt.show()
""")


CELLS: tuple[Cell, ...] = (
    INTRO, SETUP,
    SCAFFOLD_TEXT, HELPERS,
    DATA_TEXT, DATA,
    SUBSETS_TEXT,
    DISCRIMINATOR_TEXT, DISCRIMINATOR, check_cell("discriminator"),
    GENERATOR_TEXT, GENERATOR, check_cell("generator"),
    LOSSES_TEXT, GAN_LOSSES, check_cell("loss_functions"), check_cell("variable_sharing"),
    OPTIMIZERS_TEXT, MAKE_OPTIMIZERS,
    TRAIN_TEXT, TRAIN, TRAINING_CHECK_TEXT, check_cell("training_subsets"),
    RUN_TEXT, RUN,
    FINAL_TEXT, FINAL,
)
