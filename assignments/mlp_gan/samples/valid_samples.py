"""The valid sample submissions: correct notebooks in the styles real students write.

The contract allows the networks as functions over weight tensors (the
solution, closest to the original notebook) or as modules; the samples cover
both, weights in dicts, lists, separate globals and modules, the
(fan_in, fan_out) and the (fan_out, fan_in) layouts, the objectives written
with logs, with an epsilon, with a clamp and with F.binary_cross_entropy,
and Adam with its defaults left out or spelled out. A fair grader gives each
full marks.
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample, SetSource

from .valid_colab_samples import COLAB_SAMPLES

# ------------------------------------------------------------------ 1. module classes

MODULE_CLASSES = Sample(
    "valid/module_classes.ipynb",
    "Generator and Discriminator as nn.Module classes with two nn.Linear layers each, the 1/fan-in "
    "weights copied in transposed (nn.Linear keeps (fan_out, fan_in)); make_optimizers over "
    "D.parameters() and G.parameters(); objectives with F.binary_cross_entropy.",
    (
        Replace("setup", "import torch\n", "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"),
        SetSource("weights", '''
def linear_layer(fan_in, fan_out):
    """An nn.Linear with the notebook's initialisation: xavier_init weights, zero bias."""
    layer = nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        layer.weight.copy_(xavier_init((fan_in, fan_out)).t())
        layer.bias.zero_()
    return layer
'''),
        SetSource("models", '''
class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = linear_layer(z_size, g_w1_size)
        self.output = linear_layer(g_w1_size, g_out_size)

    def forward(self, z):
        return torch.sigmoid(self.output(torch.relu(self.hidden(z))))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = linear_layer(x_size, d_w1_size)
        self.output = linear_layer(d_w1_size, d_out_size)

    def forward(self, x):
        return torch.sigmoid(self.output(torch.relu(self.hidden(x))))


G = Generator()
D = Discriminator()
'''),
        SetSource("objectives", '''
def objectives(D, G, x, z):
    """(g_objective, d_objective), both to be minimised."""
    p_real = D(x)
    p_fake = D(G(z))
    real_labels = torch.ones_like(p_real)
    fake_labels = torch.zeros_like(p_fake)
    g_objective = F.binary_cross_entropy(p_fake, torch.ones_like(p_fake))
    d_objective = F.binary_cross_entropy(p_real, real_labels) + F.binary_cross_entropy(p_fake, fake_labels)
    return g_objective, d_objective
'''),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    """One Adam per network, over its own parameters."""
    return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
'''),
    ),
    note="The class names decide the style: Generator() and Discriminator() are built fresh for "
         "each check. bce(p_real, 1) + bce(p_fake, 0) is the contract's d_objective when both "
         "batches have the same length, as the notebook's always do.",
)

# ------------------------------------------------------------------ 2. theta lists

THETA_LISTS = Sample(
    "valid/theta_lists_separate_globals.ipynb",
    "Weights as separate globals (G_W1, G_b1, ...) gathered in lists theta_G = [G_W1, G_W2, G_b1, "
    "G_b2] (matrices first), G and D reading the globals directly; logs with an epsilon of 1e-8.",
    (
        SetSource("weights", """
G_W1 = xavier_init((z_size, g_w1_size)).requires_grad_()
G_b1 = torch.zeros(g_w1_size, requires_grad=True)
G_W2 = xavier_init((g_w1_size, g_out_size)).requires_grad_()
G_b2 = torch.zeros(g_out_size, requires_grad=True)
theta_G = [G_W1, G_W2, G_b1, G_b2]

D_W1 = xavier_init((x_size, d_w1_size)).requires_grad_()
D_b1 = torch.zeros(d_w1_size, requires_grad=True)
D_W2 = xavier_init((d_w1_size, d_out_size)).requires_grad_()
D_b2 = torch.zeros(d_out_size, requires_grad=True)
theta_D = [D_W1, D_W2, D_b1, D_b2]
"""),
        SetSource("models", '''
def G(z):
    G_h1 = torch.relu(torch.matmul(z, G_W1) + G_b1)
    G_log_prob = torch.matmul(G_h1, G_W2) + G_b2
    return torch.sigmoid(G_log_prob)


def D(x):
    D_h1 = torch.relu(torch.matmul(x, D_W1) + D_b1)
    D_logit = torch.matmul(D_h1, D_W2) + D_b2
    return torch.sigmoid(D_logit)
'''),
        SetSource("objectives", '''
def objectives(D, G, x, z):
    eps = 1e-8  # keeps log away from log(0)
    D_real = D(x)
    D_fake = D(G(z))
    G_loss = -torch.mean(torch.log(D_fake + eps))
    D_loss = -torch.mean(torch.log(D_real + eps) + torch.log(1. - D_fake + eps))
    return G_loss, D_loss
'''),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    D_solver = torch.optim.Adam(theta_D)
    G_solver = torch.optim.Adam(theta_G)
    return D_solver, G_solver
'''),
    ),
    note="The weights of G are the tensors its output depends on; theta_G is the one global "
         "holding all of them, in its own order. An epsilon of 1e-8 changes the objectives by far "
         "less than float32 tolerance for probabilities away from 0 and 1.",
)

# ------------------------------------------------------------------ 3. (fan_out, fan_in) layout

TORCH_LAYOUT = Sample(
    "valid/torch_layout_explicit_adam.ipynb",
    "Function style with matrices kept as nn.Linear does, (fan_out, fan_in), applied with "
    "F.linear, biases of shape (1, n); xavier_init via torch.normal; Adam with its default "
    "values spelled out.",
    (
        Replace("setup", "import torch\n", "import torch\nimport torch.nn.functional as F\n"),
        SetSource("xavier_init", '''
def xavier_init(shape):
    """N(0, (1/fan_in)^2) weights; shape is (fan_in, fan_out)."""
    return torch.normal(mean=0.0, std=1.0 / shape[0], size=tuple(shape))
'''),
        SetSource("weights", """
def layer_weights(fan_in, fan_out):
    \"\"\"A (fan_out, fan_in) matrix for F.linear, and a (1, fan_out) bias row.\"\"\"
    w = xavier_init((fan_in, fan_out)).t().contiguous().requires_grad_()
    b = torch.zeros(1, fan_out, requires_grad=True)
    return w, b


g_w1, g_b1 = layer_weights(z_size, g_w1_size)
g_w2, g_b2 = layer_weights(g_w1_size, g_out_size)
g_weights = {'w1': g_w1, 'b1': g_b1, 'out': g_w2, 'b2': g_b2}

d_w1, d_b1 = layer_weights(x_size, d_w1_size)
d_w2, d_b2 = layer_weights(d_w1_size, d_out_size)
d_weights = {'w1': d_w1, 'b1': d_b1, 'out': d_w2, 'b2': d_b2}
"""),
        SetSource("models", '''
def G(z, w=g_weights):
    h1 = F.relu(F.linear(z, w['w1']) + w['b1'])
    return torch.sigmoid(F.linear(h1, w['out']) + w['b2'])


def D(x, w=d_weights):
    h1 = F.relu(F.linear(x, w['w1']) + w['b1'])
    return torch.sigmoid(F.linear(h1, w['out']) + w['b2'])
'''),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    d_opt = torch.optim.Adam(list(d_weights.values()), lr=0.001, betas=(0.9, 0.999), eps=1e-08)
    g_opt = torch.optim.Adam(list(g_weights.values()), lr=0.001, betas=(0.9, 0.999), eps=1e-08)
    return d_opt, g_opt
'''),
    ),
    note="Both layouts of a weight matrix are the same network: the grader lays the weights out as "
         "nn.Linear does before comparing with the seed's architecture.",
)

# ------------------------------------------------------------------ 4. Sequential factories

SEQUENTIAL_FACTORIES = Sample(
    "valid/sequential_factories_detached_fakes.ipynb",
    "Generator() and Discriminator() as functions returning nn.Sequential, initialised with "
    "xavier_init in a loop over the Linear layers; d_objective on G(z).detach(), with the logs "
    "of a clamped probability.",
    (
        Replace("setup", "import torch\n", "import torch\nfrom torch import nn\n"),
        SetSource("weights", '''
def init_like_the_notebook(model):
    """xavier_init weights (transposed into nn.Linear's layout) and zero biases."""
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.copy_(xavier_init((layer.in_features, layer.out_features)).T)
                layer.bias.fill_(0.0)
    return model
'''),
        SetSource("models", '''
def Generator():
    return init_like_the_notebook(nn.Sequential(
        nn.Linear(z_size, g_w1_size), nn.ReLU(),
        nn.Linear(g_w1_size, g_out_size), nn.Sigmoid(),
    ))


def Discriminator():
    return init_like_the_notebook(nn.Sequential(
        nn.Linear(x_size, d_w1_size), nn.ReLU(),
        nn.Linear(d_w1_size, d_out_size), nn.Sigmoid(),
    ))


G, D = Generator(), Discriminator()
'''),
        SetSource("objectives", '''
def objectives(D, G, x, z):
    fake = G(z)
    clamp = lambda p: p.clamp(1e-7, 1 - 1e-7)
    g_objective = -torch.log(clamp(D(fake))).mean()
    # D's objective needs no gradient in G: its optimizer only steps D anyway
    d_objective = -(torch.log(clamp(D(x))) + torch.log(1 - clamp(D(fake.detach())))).mean()
    return g_objective, d_objective
'''),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
'''),
    ),
    note="d_objective's gradient with respect to G is not part of the contract (only D's optimizer "
         "uses it), so detaching G(z) there is fine.",
)

# ------------------------------------------------------------------ 5. the original's numpy habits

NUMPY_HABITS = Sample(
    "valid/numpy_noise_and_batches.ipynb",
    "The original notebook's numpy habits kept: generate_z draws with np.random.normal and "
    "converts, train picks batches with np.random.choice; xavier_init divides torch.randn(*shape).",
    (
        SetSource("xavier_init", '''
def xavier_init(shape):
    return torch.randn(*shape) / shape[0]
'''),
        SetSource("generate_z", '''
def generate_z(n=1):
    return torch.from_numpy(np.random.normal(size=(n, z_size))).float()
'''),
        Replace("train", "x = images[torch.randint(len(images), (batch_size,))]",
                "x = images[np.random.choice(range(len(images)), batch_size)]", count=2),
    ),
)

# ------------------------------------------------------------------ 6. module instances

MODULE_INSTANCES = Sample(
    "valid/module_instances.ipynb",
    "No classes: G and D are nn.Sequential instances made once in a cell and reinitialised with "
    "xavier_init; make_optimizers passes params= by keyword.",
    (
        Replace("setup", "import torch\n", "import torch\nimport torch.nn as nn\n"),
        SetSource("weights", """
G = nn.Sequential(nn.Linear(z_size, g_w1_size), nn.ReLU(), nn.Linear(g_w1_size, g_out_size), nn.Sigmoid())
D = nn.Sequential(nn.Linear(x_size, d_w1_size), nn.ReLU(), nn.Linear(d_w1_size, d_out_size), nn.Sigmoid())

with torch.no_grad():
    for layer in [G[0], G[2], D[0], D[2]]:
        layer.weight.copy_(xavier_init((layer.in_features, layer.out_features)).t())
        layer.bias.zero_()
"""),
        SetSource("models", "# G and D are the modules of the previous cell"),
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    d_opt = torch.optim.Adam(params=D.parameters())
    g_opt = torch.optim.Adam(params=G.parameters())
    return d_opt, g_opt
'''),
    ),
    note="With no Generator class, the global G is the network; a module instance is its own "
         "weight container, and the grader puts its weights back after probing it.",
)

VALID_SAMPLES: tuple[Sample, ...] = (
    MODULE_CLASSES, THETA_LISTS, TORCH_LAYOUT, SEQUENTIAL_FACTORIES, NUMPY_HABITS, MODULE_INSTANCES,
    *COLAB_SAMPLES,
)
