"""The cells of the mlp_gan notebook: the solution's text, and the starter's where it differs.

A PyTorch port of the minimal MLP GAN notebook (seed 004): two one-hidden-layer
networks written as functions over dicts of weight tensors, as the original
TensorFlow notebook wrote them, the 1/fan-in normal initialisation, the
original GAN objectives and one Adam optimizer per network. `python -m tools.make_samples`
builds the starter, the solution and every sample submission from these
cells; each cell has a key so that a sample can name the cells it edits.
"""
from __future__ import annotations

from tools.samplekit import cells
from tools.samplekit.cells import Cell, code, md  # noqa: F401  (Cell: the samples' type)


def check_cell(item: str) -> Cell:
    return cells.check_cell("mlp_gan", item)


# ------------------------------------------------------------------ introduction

INTRO = md("intro", r"""
# A minimal GAN with two small MLPs

This notebook builds about the smallest generative adversarial network (GAN) that still learns to
draw handwritten digits. Two networks play a game:

- the **generator** $G$ turns a vector of random numbers $z$ into a 28x28 image;
- the **discriminator** $D$ looks at an image and returns the probability that it is a real MNIST
  digit rather than one of $G$'s.

$D$ is trained to tell the two kinds of image apart, $G$ to make $D$ mistake its images for real
ones. Both are multilayer perceptrons with a single hidden layer. Following the original
TensorFlow notebook, each network is a plain Python function of its input and of a dictionary of
weight tensors, so every matrix product is written out by hand; `torch.nn` modules would do as
well.

Each part ends with a cell that runs the public checks of that part (`check(...)`); they compare
your code with stored answers and say what is wrong. The grader runs more thorough hidden checks of
the same functions.
""")

SETUP = code("setup", """
import numpy as np
import torch
import matplotlib.pyplot as plt

from autograder.data.mnist import load_mnist
from autograder.public import check

%matplotlib inline
""")

DATA_TEXT = md("data_text", """
## Data

`load_mnist()` reads MNIST from the folder named by the environment variable `GANGRADE_DATA`, or,
when that is not set, uses the 5,000 real digits bundled with the course's autograder package. We
keep the training digits as one float tensor `images` of shape `(N, 784)`: each row is a flattened
28x28 image with pixel values in [0, 1].
""")

DATA = code("data", """
mnist = load_mnist()
images = mnist.train.as_flat_unit()  # (N, 784) float32 in [0, 1]
print(images.shape)
""")

HELPERS = code("helpers", """
def show_images(samples):
    \"\"\"Draw a batch of flattened images (N, 784) in a square grid.\"\"\"
    samples = samples.detach().reshape(-1, 28, 28).numpy()
    side = int(np.ceil(np.sqrt(len(samples))))
    fig, axes = plt.subplots(side, side, figsize=(side, side))
    for ax in axes.flat:
        ax.axis('off')
    for ax, image in zip(axes.flat, samples):
        ax.imshow(image, cmap='gray')
    return fig


def show_history(history):
    \"\"\"Plot the two objectives over the training iterations.\"\"\"
    plt.figure(figsize=(8, 4))
    plt.plot([h['d_objective'] for h in history], label='D objective')
    plt.plot([h['g_objective'] for h in history], label='G objective')
    plt.xlabel('iteration')
    plt.legend()
""")

# ------------------------------------------------------------------ initialisation

INIT_TEXT = md("init_text", r"""
## Weight initialisation

If the weights start too large, the units saturate; too small, and the signal fades away layer
after layer. Glorot and Bengio (2010) proposed scaling the initial weights by the number of units
feeding into a layer. The original notebook uses a simple version of that idea, which it calls
Xavier initialisation: every weight of a layer with $n_\text{in}$ inputs is drawn from a normal
distribution with mean 0 and **standard deviation** $1/n_\text{in}$,

$$w \sim \mathcal{N}\left(0, \sigma^2\right), \qquad \sigma = \frac{1}{n_\text{in}}.$$

(This is not the Glorot rule of `torch.nn.init.xavier_normal_`, whose standard deviation is
$\sqrt{2/(n_\text{in} + n_\text{out})}$; it is the rule the original notebook trained with. Its
author reports that a constant standard deviation or a uniform distribution did not learn.)

Weight matrices here have the shape `(fan_in, fan_out)`: a batch `x` of shape `(N, fan_in)` is
multiplied as `x @ W`. Write `xavier_init(shape)` to return a new tensor of that shape drawn by the
rule above, with `shape[0]` as $n_\text{in}$. Each call must draw fresh values.
""")

XAVIER_INIT = code("xavier_init", '''
def xavier_init(shape):
    """
    Weights drawn from N(0, std = 1 / shape[0]).

    Inputs:
    - shape: (fan_in, fan_out)

    Returns:
    - float tensor of that shape
    """
    return torch.randn(shape) * (1.0 / shape[0])
''', todo={"xavier_init": "draw the weights with torch.randn and scale them"})

# ------------------------------------------------------------------ architecture

ARCHITECTURE_TEXT = md("architecture_text", """
## Architecture

Both networks have one hidden layer of 400 ReLU units and a sigmoid output.

- The generator maps a noise vector of length 100 to 784 pixel values in (0, 1).
- The discriminator maps 784 pixel values to one probability in (0, 1).
""")

SIZES = code("sizes", """
# Generator
z_size = 100  # length of the noise vector
g_w1_size = 400
g_out_size = 28 * 28

# Discriminator
x_size = 28 * 28
d_w1_size = 400
d_out_size = 1
""")

WEIGHTS_TEXT = md("weights_text", """
### Weights

Each network keeps its four tensors in a dictionary: `w1` and `b1` for the hidden layer, `out` and
`b2` for the output layer. Draw the weight matrices with `xavier_init` and start the biases at
zero. Every tensor must be *trainable*: create it with `requires_grad=True`, or call
`.requires_grad_()` on it, so that autograd computes its gradient and an optimizer can update it.

The generator has 354,784 parameters and the discriminator 314,401.
""")

WEIGHTS = code("weights", """
g_weights = {
    'w1': xavier_init((z_size, g_w1_size)).requires_grad_(),
    'b1': torch.zeros(g_w1_size, requires_grad=True),
    'out': xavier_init((g_w1_size, g_out_size)).requires_grad_(),
    'b2': torch.zeros(g_out_size, requires_grad=True),
}

d_weights = {
    'w1': xavier_init((x_size, d_w1_size)).requires_grad_(),
    'b1': torch.zeros(d_w1_size, requires_grad=True),
    'out': xavier_init((d_w1_size, d_out_size)).requires_grad_(),
    'b2': torch.zeros(d_out_size, requires_grad=True),
}
""", starter="""
# TODO: fill in the four tensors of each network: the matrices from xavier_init, the biases zeros,
# all of them trainable.
g_weights = {
    'w1': None,   # (z_size, g_w1_size)
    'b1': None,   # (g_w1_size,)
    'out': None,  # (g_w1_size, g_out_size)
    'b2': None,   # (g_out_size,)
}

d_weights = {
    'w1': None,   # (x_size, d_w1_size)
    'b1': None,   # (d_w1_size,)
    'out': None,  # (d_w1_size, d_out_size)
    'b2': None,   # (d_out_size,)
}
""")

MODELS_TEXT = md("models_text", """
### The networks

`G(z)` takes a batch of noise of shape `(N, 100)` and returns images `(N, 784)`; `D(x)` takes
images `(N, 784)` and returns probabilities `(N, 1)`. Each computes

    hidden = relu(input @ w1 + b1)
    output = sigmoid(hidden @ out + b2)

with its own weights, passed as the default argument `w`. (`torch.relu` and `torch.sigmoid` do the
activations.)
""")

MODELS = code("models", '''
def G(z, w=g_weights):
    """
    The generator: noise (N, 100) -> images (N, 784) in (0, 1).
    """
    h1 = torch.relu(z @ w['w1'] + w['b1'])
    return torch.sigmoid(h1 @ w['out'] + w['b2'])


def D(x, w=d_weights):
    """
    The discriminator: images (N, 784) -> probabilities (N, 1) that they are real.
    """
    h1 = torch.relu(x @ w['w1'] + w['b1'])
    return torch.sigmoid(h1 @ w['out'] + w['b2'])
''', todo={"G": "compute the generator's output", "D": "compute the discriminator's output"})

NOISE_TEXT = md("noise_text", """
### Latent distribution

The generator's input is standard normal noise. `generate_z(n)` returns `n` noise vectors as a
float tensor of shape `(n, 100)`.
""")

GENERATE_Z = code("generate_z", '''
def generate_z(n=1):
    """
    n noise vectors drawn from N(0, 1): a float tensor (n, z_size).
    """
    return torch.randn(n, z_size)
''', todo={"generate_z": "draw the noise"})

# ------------------------------------------------------------------ objectives

OBJECTIVES_TEXT = md("objectives_text", r"""
## Objectives

The objectives are those of the original GAN paper (Goodfellow et al., 2014). The discriminator
maximises

$$\frac{1}{m}\sum_{i=1}^{m} \left[\log D(x_i) + \log\left(1 - D(G(z_i))\right)\right],$$

being right about real and generated images alike. The generator could minimise
$\frac{1}{m}\sum_i \log(1 - D(G(z_i)))$, but early in training, when $D$ rejects its images with
confidence, that function is almost flat and gives the generator no gradient. As the paper
suggests, the generator instead *maximises* $\frac{1}{m}\sum_i \log D(G(z_i))$, which has the same
fixed point and strong gradients exactly when the generator is bad.

PyTorch's optimizers minimise, so both objectives are written with their signs flipped:

    g_objective = -mean(log D(G(z)))
    d_objective = -mean(log D(x) + log(1 - D(G(z))))

Write `objectives(D, G, x, z)` to return the pair `(g_objective, d_objective)` as scalar tensors,
for the networks `D` and `G` it is given (use them, not the globals of the same name), a batch of
real images `x` and a batch of noise `z` of the same length.
""")

OBJECTIVES = code("objectives", '''
def objectives(D, G, x, z):
    """
    The two objectives, as quantities to minimise.

    Inputs:
    - D, G: the discriminator and the generator
    - x: real images (N, 784)
    - z: noise (N, 100)

    Returns:
    - (g_objective, d_objective): scalar tensors
    """
    p_fake = D(G(z))
    g_objective = -torch.mean(torch.log(p_fake))
    d_objective = -torch.mean(torch.log(D(x)) + torch.log(1 - p_fake))
    return g_objective, d_objective
''', todo={"objectives": "compute both objectives"})

# ------------------------------------------------------------------ optimisation

OPTIMIZERS_TEXT = md("optimizers_text", """
## Optimisation

Each network gets its own Adam optimizer with the default settings (learning rate 1e-3, betas
(0.9, 0.999)), and each optimizer must hold **only its own network's weights**. The
generator's objective depends on the discriminator's weights too (it goes through `D`), and the
discriminator's on the generator's; yet the discriminator's step must leave $G$ alone and the
generator's step must leave $D$ alone. (TensorFlow's `minimize(..., var_list=...)` said the same.)

`make_optimizers(D, G)` returns `(d_opt, g_opt)`, in that order. With networks written as
functions, the weights an optimizer needs are the dictionaries of the previous cells.
""")

MAKE_OPTIMIZERS = code("make_optimizers", '''
def make_optimizers(D, G):
    """
    One Adam optimizer per network, each over that network's weights only.

    Returns:
    - (d_opt, g_opt)
    """
    d_opt = torch.optim.Adam(d_weights.values())
    g_opt = torch.optim.Adam(g_weights.values())
    return d_opt, g_opt
''', todo={"make_optimizers": "create the two optimizers"})

# ------------------------------------------------------------------ training

TRAIN_TEXT = md("train_text", """
## Training

Each training iteration makes two updates:

1. a **generator step**: fresh noise, `g_objective`, backpropagation, `g_opt.step()`;
2. a **discriminator step**: a batch of `batch_size` real images drawn at random (with
   replacement) from `images`, fresh noise, `d_objective`, backpropagation, `d_opt.step()`.

Clear an optimizer's gradients (`zero_grad()`) right before each backward pass: the generator's
objective leaves gradients on the discriminator's weights and the other way round, and PyTorch adds
new gradients to old ones. `train` returns one dictionary per iteration with the two objectives as
floats.
""")

TRAIN = code("train", '''
def train(D, G, d_opt, g_opt, images, iterations, batch_size=128):
    """
    Train the GAN: per iteration one generator step, then one discriminator step.

    Inputs:
    - D, G: the discriminator and the generator
    - d_opt, g_opt: their optimizers
    - images: real images (N, 784) in [0, 1]
    - iterations: number of iterations
    - batch_size: images and noise vectors per step

    Returns:
    - list of {'g_objective': float, 'd_objective': float}, one per iteration
    """
    history = []
    for _ in range(iterations):
        # Generator step
        x = images[torch.randint(len(images), (batch_size,))]
        g_objective, _ = objectives(D, G, x, generate_z(batch_size))
        g_opt.zero_grad()
        g_objective.backward()
        g_opt.step()

        # Discriminator step
        x = images[torch.randint(len(images), (batch_size,))]
        _, d_objective = objectives(D, G, x, generate_z(batch_size))
        d_opt.zero_grad()
        d_objective.backward()
        d_opt.step()

        history.append({'g_objective': g_objective.item(), 'd_objective': d_objective.item()})
    return history
''', todo={"train": "write the training loop"})

RUN_TEXT = md("run_text", """
Now train. The original notebook ran 50,000 iterations of batches of 128, which takes several
minutes on a CPU even with networks this small. Digits start to appear after a few thousand
iterations.
""")

RUN = code("run", """
d_opt, g_opt = make_optimizers(D, G)
history = train(D, G, d_opt, g_opt, images, iterations=50000)
show_history(history)
plt.show()
""")

SAMPLES_TEXT = md("samples_text", """
## Samples

A few images from the trained generator, then one on its own, as the original notebook showed it.
""")

SAMPLES = code("samples", """
with torch.no_grad():
    show_images(G(generate_z(16)))
    plt.show()
    image = G(generate_z())
plt.imshow(image.reshape(28, 28), cmap='gray')
plt.show()
""")

CELLS: tuple[Cell, ...] = (
    INTRO, SETUP,
    DATA_TEXT, DATA, HELPERS,
    INIT_TEXT, XAVIER_INIT, check_cell("weight_init"),
    ARCHITECTURE_TEXT, SIZES,
    WEIGHTS_TEXT, WEIGHTS,
    MODELS_TEXT, MODELS, check_cell("generator"), check_cell("discriminator"),
    NOISE_TEXT, GENERATE_Z,
    OBJECTIVES_TEXT, OBJECTIVES, check_cell("objectives"),
    OPTIMIZERS_TEXT, MAKE_OPTIMIZERS,
    TRAIN_TEXT, TRAIN, check_cell("variable_separation"),
    RUN_TEXT, RUN,
    SAMPLES_TEXT, SAMPLES,
)
