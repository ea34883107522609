"""The valid sample submissions: correct notebooks in the styles real students write.

Together they cover every entry of the contract's "Variants a fair grader
accepts" (the assignment's contract): another leaky slope, layers written
functionally from raw parameters, D called once on the concatenated batch,
z ~ N(0, 1), optimizers selecting parameters by a name prefix, and other
kernel sizes with the same shapes. A fair grader gives each full marks.
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample, SetSource

from .valid_colab_samples import COLAB_SAMPLES

# ------------------------------------------------------------------ 1. nn.Sequential, slope 0.1

SEQUENTIAL = Sample(
    "valid/sequential_leak_01.ipynb",
    "Both networks as nn.Sequential inside a module, with nn.Unflatten / nn.Flatten for the reshapes, "
    "nn.LeakyReLU(0.1) and nn.Sigmoid modules; d_acc as the mean of the real and the fake accuracies.",
    (
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 5, stride=2, padding=2),   # H0
            nn.LeakyReLU(0.1),
            nn.Conv2d(32, 64, 5, stride=2, padding=2),  # H1
            nn.LeakyReLU(0.1),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 1024),                # H2
            nn.LeakyReLU(0.1),
            nn.Linear(1024, 1),                         # H3
            nn.Sigmoid(),
        )

    def forward(self, imgs):
        return self.net(imgs)
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(z_dim, 128 * 7 * 7),  # H1
            nn.ReLU(),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 128, 5, stride=2, padding=2, output_padding=1),  # D2
            nn.ReLU(),
            nn.ConvTranspose2d(128, 1, 5, stride=2, padding=2, output_padding=1),    # D3
            nn.Sigmoid(),
            nn.Flatten(),
        )

    def forward(self, z):
        return self.net(z)
'''),
        Replace("gan_losses", """    correct = torch.cat([p_real > 0.5, p_fake < 0.5])
    d_acc = correct.float().mean()""",
                """    # both batches have the same size, so the mean of the two accuracies is the overall one
    d_acc = ((p_real > 0.5).float().mean() + (p_fake < 0.5).float().mean()) / 2"""),
    ),
)

# ------------------------------------------------------------------ 2. raw parameters, functional layers

FUNCTIONAL = Sample(
    "valid/functional_raw_parameters.ipynb",
    "Layers written functionally from raw nn.Parameters (F.conv2d, F.conv_transpose2d, x @ W + b), "
    "DCGAN-style N(0, 0.02) initialisation; the lab scaffold's leaky ReLU as torch.max(x, leak * x) "
    "and the generator's ReLUs as torch.clamp(x, min=0).",
    (
        Replace("helpers", "    return F.leaky_relu(x, negative_slope=leak)", "    return torch.max(x, leak * x)"),
        SetSource("discriminator", '''
class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.d_w0 = nn.Parameter(torch.randn(32, 1, 5, 5) * 0.02)
        self.d_b0 = nn.Parameter(torch.zeros(32))
        self.d_w1 = nn.Parameter(torch.randn(64, 32, 5, 5) * 0.02)
        self.d_b1 = nn.Parameter(torch.zeros(64))
        self.d_w2 = nn.Parameter(torch.randn(64 * 7 * 7, 1024) * 0.02)
        self.d_b2 = nn.Parameter(torch.zeros(1024))
        self.d_w3 = nn.Parameter(torch.randn(1024, 1) * 0.02)
        self.d_b3 = nn.Parameter(torch.zeros(1))

    def forward(self, imgs):
        x = imgs.view(-1, 1, 28, 28)
        h0 = lrelu(F.conv2d(x, self.d_w0, self.d_b0, stride=2, padding=2))
        h1 = lrelu(F.conv2d(h0, self.d_w1, self.d_b1, stride=2, padding=2))
        h2 = lrelu(h1.view(-1, 64 * 7 * 7) @ self.d_w2 + self.d_b2)
        h3 = h2 @ self.d_w3 + self.d_b3
        return torch.sigmoid(h3)
'''),
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.g_w1 = nn.Parameter(torch.randn(z_dim, 128 * 7 * 7) * 0.02)
        self.g_b1 = nn.Parameter(torch.zeros(128 * 7 * 7))
        self.g_w2 = nn.Parameter(torch.randn(128, 128, 5, 5) * 0.02)  # (in, out, kH, kW)
        self.g_b2 = nn.Parameter(torch.zeros(128))
        self.g_w3 = nn.Parameter(torch.randn(128, 1, 5, 5) * 0.02)
        self.g_b3 = nn.Parameter(torch.zeros(1))

    def forward(self, z):
        h1 = torch.clamp(z @ self.g_w1 + self.g_b1, min=0).view(-1, 128, 7, 7)
        d2 = torch.clamp(F.conv_transpose2d(h1, self.g_w2, self.g_b2, stride=2, padding=2, output_padding=1), min=0)
        d3 = F.conv_transpose2d(d2, self.g_w3, self.g_b3, stride=2, padding=2, output_padding=1)
        return torch.sigmoid(d3).view(-1, 784)
'''),
    ),
    note="The layer trace must see functional calls and raw matrix products as layers, and "
         "recognise max(x, leak * x) and clamp(x, min=0) as the (leaky) ReLUs they are.",
)

# ------------------------------------------------------------------ 3. one D call on both batches, N(0, 1) noise

CONCATENATED = Sample(
    "valid/one_call_on_concatenated_batch.ipynb",
    "gan_losses calls D once on torch.cat([true_images, sample_images]) and splits the result; the "
    "losses with F.binary_cross_entropy and 0/1 labels; d_acc by comparing decisions with the labels; "
    "z ~ N(0, 1) (torch.randn) instead of the scaffold's U(-1, 1).",
    (
        Replace("helpers", '''    """n noise vectors of length z_dim, uniform on (-1, 1): shape (n, z_dim)."""
    return torch.rand(n, z_dim, device=device) * 2 - 1''',
                '''    """n standard normal noise vectors, shape (n, z_dim)."""
    return torch.randn(n, z_dim, device=device)'''),
        SetSource("gan_losses", '''
def gan_losses(D, G, z, true_images):
    sample_images = G(z)
    n = len(true_images)
    # one pass of the one discriminator over both batches
    probs = D(torch.cat([true_images, sample_images], dim=0))
    labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(probs)
    p_fake = probs[n:]
    # BCE averages over all 2n images; times 2 it is mean(real term) + mean(fake term)
    d_loss = 2 * F.binary_cross_entropy(probs, labels)
    g_loss = F.binary_cross_entropy(p_fake, torch.ones_like(p_fake))
    d_acc = ((probs > 0.5).float() == labels).float().mean()
    return d_loss, g_loss, d_acc, sample_images
'''),
    ),
    note="The probe D sees one call of 2N images; both halves of d_loss still reach the same parameters.",
)

# ------------------------------------------------------------------ 4. the lab's name prefixes, an idiomatic loop

NAME_PREFIX = Sample(
    "valid/name_prefix_optimizers.ipynb",
    "make_optimizers as the lab taught it: all named parameters of both networks, split by the d_ / g_ "
    "prefix of their names. A PyTorch-idiomatic train that does not call gan_losses: the discriminator "
    "step scores detached fakes, each generator step writes its loss inline, gradients are cleared with "
    "zero_grad(set_to_none=True), and d_acc is a Python float.",
    (
        SetSource("make_optimizers", '''
def make_optimizers(D, G):
    t_vars = list(D.named_parameters()) + list(G.named_parameters())
    d_vars = [var for name, var in t_vars if 'd_' in name]
    g_vars = [var for name, var in t_vars if 'g_' in name]
    d_optim = torch.optim.Adam(d_vars, lr=0.0002, betas=(0.5, 0.999))
    g_optim = torch.optim.Adam(g_vars, lr=0.0002, betas=(0.5, 0.999))
    return d_optim, g_optim
'''),
        SetSource("train", '''
def train(D, G, d_optim, g_optim, images, iterations=500, g_steps=3, batch_size=BATCH_SIZE):
    device = next(D.parameters()).device
    history = []
    for step in range(iterations):
        real = images[torch.randint(len(images), (batch_size,))].to(device)

        fake = G(sample_z(batch_size, device=device)).detach()  # D's step needs no graph through G
        p_real, p_fake = D(real), D(fake)
        d_loss = -(torch.log(p_real) + torch.log(1 - p_fake)).mean()
        d_acc = ((p_real > 0.5).sum() + (p_fake < 0.5).sum()).item() / (2 * batch_size)
        d_optim.zero_grad(set_to_none=True)
        d_loss.backward()
        d_optim.step()

        for _ in range(g_steps):
            g_loss = -torch.log(D(G(sample_z(batch_size, device=device)))).mean()
            g_optim.zero_grad(set_to_none=True)
            g_loss.backward()
            g_optim.step()

        history.append({"d_loss": d_loss.item(), "g_loss": g_loss.item(), "d_acc": d_acc})
        if step % 10 == 0:
            print("%d\\t%.2f %.2f %.2f" % (step, d_loss.item(), g_loss.item(), d_acc))
    return history
'''),
    ),
    note="The optimizers must be judged on the student's own networks: the probe networks have no "
         "d_ / g_ names.",
)

# ------------------------------------------------------------------ 5. other kernels, same shapes

OTHER_KERNELS = Sample(
    "valid/small_kernels_same_shapes.ipynb",
    "3x3 convolutions (stride 2, padding 1) in the discriminator and 4x4 transposed convolutions "
    "(stride 2, padding 1) in the generator: the lab's shapes with other kernels.",
    (
        Replace("discriminator", "nn.Conv2d(1, 32, kernel_size=5, stride=2, padding=2)",
                "nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1)"),
        Replace("discriminator", "nn.Conv2d(32, 64, kernel_size=5, stride=2, padding=2)",
                "nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)"),
        Replace("generator", "nn.ConvTranspose2d(128, 128, kernel_size=5, stride=2, padding=2, output_padding=1)",
                "nn.ConvTranspose2d(128, 128, kernel_size=4, stride=2, padding=1)"),
        Replace("generator", "nn.ConvTranspose2d(128, 1, kernel_size=5, stride=2, padding=2, output_padding=1)",
                "nn.ConvTranspose2d(128, 1, kernel_size=4, stride=2, padding=1)"),
    ),
    note="The lab fixes the widths and the shapes, not the kernels.",
)

VALID_SAMPLES: tuple[Sample, ...] = (SEQUENTIAL, FUNCTIONAL, CONCATENATED, NAME_PREFIX, OTHER_KERNELS,
                                     *COLAB_SAMPLES)
