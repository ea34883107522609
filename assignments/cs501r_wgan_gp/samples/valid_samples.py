"""The valid sample submissions: correct notebooks in the styles real students write.

Together they cover every entry of the contract's "Variants a fair grader
accepts" (the assignment's contract) and the topologies the lab
recommends; a fair grader gives each full marks.
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code
from .valid_colab_samples import COLAB_SAMPLES

# ------------------------------------------------------------------ 1. ResNet with layer norm, z as rows

RESNET_LAYERNORM = Sample(
    "valid/resnet_layernorm.ipynb",
    "ResNet-style networks: residual blocks with nearest-neighbour upsampling and BatchNorm in the "
    "generator, residual blocks with LayerNorm and average pooling in the critic, whose score is "
    "squeezed to shape (N,); latent vectors kept as rows (1, z_dim) throughout, and an interpolate "
    "written for that shape.",
    (
        SetSource("generator", '''
class UpBlock(nn.Module):
    """BN-ReLU-upsample-conv-BN-ReLU-conv, plus an upsampled 1x1 shortcut: doubles the side."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        up = F.interpolate(x, scale_factor=2, mode="nearest")
        h = self.conv1(F.interpolate(F.relu(self.bn1(x)), scale_factor=2, mode="nearest"))
        h = self.conv2(F.relu(self.bn2(h)))
        return h + self.shortcut(up)


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super().__init__()
        self.fc = nn.Linear(z_dim, 64 * 4 * 4)
        self.blocks = nn.Sequential(UpBlock(64, 64), UpBlock(64, 32), UpBlock(32, 16), UpBlock(16, 8))
        self.bn = nn.BatchNorm2d(8)
        self.to_rgb = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, z):
        h = self.blocks(self.fc(z).view(-1, 64, 4, 4))   # 4 -> 64
        return torch.tanh(self.to_rgb(F.relu(self.bn(h))))
'''),
        SetSource("critic", '''
class DownBlock(nn.Module):
    """LN-LReLU-conv-LN-LReLU-conv-avgpool, plus a pooled 1x1 shortcut: halves the side."""

    def __init__(self, c_in, c_out, side):
        super().__init__()
        self.ln1 = nn.LayerNorm([c_in, side, side])
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.ln2 = nn.LayerNorm([c_out, side, side])
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        h = self.conv1(F.leaky_relu(self.ln1(x), 0.2))
        h = self.conv2(F.leaky_relu(self.ln2(h), 0.2))
        return F.avg_pool2d(h + self.shortcut(x), 2)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.from_rgb = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(DownBlock(8, 16, 64), DownBlock(16, 32, 32), DownBlock(32, 64, 16), DownBlock(64, 64, 8))
        self.fc = nn.Linear(64 * 4 * 4, 1)

    def forward(self, x):
        h = self.blocks(self.from_rgb(x))           # (N, 64, 4, 4)
        return self.fc(h.view(h.size(0), -1)).squeeze(1)   # (N,)
'''),
        SetSource("interpolate", '''
def interpolate(G, z0, z1, steps=10):
    """z0, z1: (1, Z_DIM) rows, as everywhere in my notebook."""
    alphas = np.linspace(0, 1, steps)
    zs = torch.cat([(1 - a) * z0 + a * z1 for a in alphas], dim=0)   # (steps, Z_DIM)
    with torch.no_grad():
        return G(zs)
'''),
        Replace("show_interpolation", "z0, z1 = torch.randn(Z_DIM, device=device), torch.randn(Z_DIM, device=device)",
                "z0, z1 = torch.randn(1, Z_DIM, device=device), torch.randn(1, Z_DIM, device=device)"),
    ),
    note="interpolate concatenates rows, so with (z_dim,) vectors it builds one long vector and the "
         "generator fails; the grader must try (1, z_dim) too. LayerNorm keeps each score a function "
         "of its own image, as the WGAN-GP paper recommends.",
)

# ------------------------------------------------------------------ 2. the TensorFlow port: name prefixes

PREFIX_NAMES = Sample(
    "valid/tf_port_name_prefixes.ipynb",
    "A port of the TensorFlow lab: every layer named with a g_ or d_ prefix, make_optimizers "
    "collecting the variables of both networks and selecting them by `'d_' in name` / `'g_' in name` "
    "as the lab shows, with the paper's Adam settings (1e-4, betas (0, 0.9)); a critic with no "
    "normalisation at all; critic_loss detaches the fakes itself.",
    (
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM):
        super(Generator, self).__init__()
        self.g_fc = nn.Linear(z_dim, 4 * 4 * 512)
        self.g_bn0 = nn.BatchNorm2d(512, momentum=0.1, eps=1e-5)
        self.g_deconv1 = nn.ConvTranspose2d(512, 256, 4, 2, 1)
        self.g_bn1 = nn.BatchNorm2d(256)
        self.g_deconv2 = nn.ConvTranspose2d(256, 128, 4, 2, 1)
        self.g_bn2 = nn.BatchNorm2d(128)
        self.g_deconv3 = nn.ConvTranspose2d(128, 64, 4, 2, 1)
        self.g_bn3 = nn.BatchNorm2d(64)
        self.g_deconv4 = nn.ConvTranspose2d(64, 3, 4, 2, 1)

    def forward(self, z):
        h0 = self.g_bn0(F.relu(self.g_fc(z).reshape(-1, 512, 4, 4)))
        h1 = self.g_bn1(F.relu(self.g_deconv1(h0)))
        h2 = self.g_bn2(F.relu(self.g_deconv2(h1)))
        h3 = self.g_bn3(F.relu(self.g_deconv3(h2)))
        return torch.tanh(self.g_deconv4(h3))
'''),
        SetSource("critic", '''
class Critic(nn.Module):
    def __init__(self):
        super(Critic, self).__init__()
        self.d_conv1 = nn.Conv2d(3, 64, 4, 2, 1)
        self.d_conv2 = nn.Conv2d(64, 128, 4, 2, 1)
        self.d_conv3 = nn.Conv2d(128, 256, 4, 2, 1)
        self.d_conv4 = nn.Conv2d(256, 512, 4, 2, 1)
        self.d_fc = nn.Linear(4 * 4 * 512, 1)

    def forward(self, x):
        h = F.leaky_relu(self.d_conv1(x), 0.2)
        h = F.leaky_relu(self.d_conv2(h), 0.2)
        h = F.leaky_relu(self.d_conv3(h), 0.2)
        h = F.leaky_relu(self.d_conv4(h), 0.2)
        return self.d_fc(h.reshape(h.shape[0], -1))
'''),
        Replace("losses", "    wasserstein = critic(fake).mean() - critic(real).mean()",
                "    fake = fake.detach()  # the critic's loss never trains G\n"
                "    wasserstein = critic(fake).mean() - critic(real).mean()"),
        SetSource("optimizers", '''
def make_optimizers(G, critic):
    t_vars = list(G.named_parameters()) + list(critic.named_parameters())
    d_vars = [var for name, var in t_vars if 'd_' in name]
    g_vars = [var for name, var in t_vars if 'g_' in name]
    g_opt = torch.optim.Adam(g_vars, lr=1e-4, betas=(0.0, 0.9))
    c_opt = torch.optim.Adam(d_vars, lr=1e-4, betas=(0.0, 0.9))
    return g_opt, c_opt
'''),
    ),
    note="Selecting by name prefix only works on the student's own networks (their layers carry the "
         "prefixes), so make_optimizers is checked with them, not with probe networks.",
)

# ------------------------------------------------------------------ 3. cells that fail around definitions

TORCHVISION_CELL = code("torchvision", """
import torchvision.utils as vutils  # for a nicer grid; not installed everywhere
""")

FAILING_CELLS = Sample(
    "valid/failing_cells.ipynb",
    "Cells that fail around the definitions: an `import torchvision` cell, a warning on stderr, and "
    "an interpolation cell whose first statement fails (a name from a deleted cell) before "
    "`def interpolate`.",
    (
        Replace("setup", "import numpy as np\n", "import warnings\nimport numpy as np\n"),
        InsertAfter("setup", TORCHVISION_CELL),
        Replace("penalty", "    return ((norms - 1) ** 2).mean()",
                "    return ((norms - 1) ** 2).mean()\n\n\n"
                "warnings.warn('gradient_penalty: my critic uses batch norm, which the paper advises against')"),
        Replace("interpolate", "def interpolate(", "# try the walk with the generator of my last run (from a cell I deleted)\n"
                "faces_walk = interpolate_old(G_last_run, torch.randn(Z_DIM), torch.randn(Z_DIM))\n\n\n"
                "def interpolate("),
    ),
    note="In a kernel the interpolation cell stops at its NameError, before `def interpolate`; the "
         "contract asks that such a definition be recovered, e.g. by running a failed cell's remaining "
         "top-level statements one by one.",
)

# ------------------------------------------------------------------ 4. nn.Sequential, instance norm, (N, 1, 1, 1) scores

SEQUENTIAL = Sample(
    "valid/sequential_instance_norm.ipynb",
    "nn.Sequential networks: a DCGAN generator starting with a transposed convolution from (z_dim, 1, 1), "
    "and a critic with InstanceNorm2d(affine=True) whose last layer is a 4x4 convolution to one "
    "channel, so its scores have shape (N, 1, 1, 1); the penalty with grad_outputs=torch.ones_like, "
    "eps expanded to the image shape and .view(N, -1).norm(2, dim=1); train_step through "
    "critic_loss on detached fakes; Adam betas as a list; interpolate with torch.lerp.",
    (
        SetSource("generator", '''
def Generator(z_dim=Z_DIM):
    return nn.Sequential(
        nn.Unflatten(1, (z_dim, 1, 1)),
        nn.ConvTranspose2d(z_dim, 512, 4, 1, 0), nn.BatchNorm2d(512), nn.ReLU(True),   # 4x4
        nn.ConvTranspose2d(512, 256, 4, 2, 1), nn.BatchNorm2d(256), nn.ReLU(True),     # 8x8
        nn.ConvTranspose2d(256, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(True),     # 16x16
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(True),       # 32x32
        nn.ConvTranspose2d(64, 3, 4, 2, 1), nn.Tanh(),                                 # 64x64
    )
'''),
        SetSource("critic", '''
def Critic():
    return nn.Sequential(
        nn.Conv2d(3, 64, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),                                    # 32x32
        nn.Conv2d(64, 128, 4, 2, 1), nn.InstanceNorm2d(128, affine=True), nn.LeakyReLU(0.2, inplace=True),   # 16x16
        nn.Conv2d(128, 256, 4, 2, 1), nn.InstanceNorm2d(256, affine=True), nn.LeakyReLU(0.2, inplace=True),  # 8x8
        nn.Conv2d(256, 512, 4, 2, 1), nn.InstanceNorm2d(512, affine=True), nn.LeakyReLU(0.2, inplace=True),  # 4x4
        nn.Conv2d(512, 1, 4, 1, 0),                                                                    # (N, 1, 1, 1)
    )
'''),
        SetSource("penalty", '''
def gradient_penalty(critic, real, fake, eps=None):
    batch_size = real.size(0)
    if eps is None:
        eps = torch.rand(batch_size, 1, 1, 1, device=real.device)
    eps = eps.expand_as(real)
    interpolates = eps * real.detach() + (1 - eps) * fake.detach()
    interpolates.requires_grad_(True)
    d_interpolates = critic(interpolates)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones_like(d_interpolates),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(batch_size, -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()
'''),
        SetSource("losses", '''
def critic_loss(critic, real, fake, lam=10.0, eps=None):
    d_real = critic(real).mean()
    d_fake = critic(fake).mean()
    return d_fake - d_real + lam * gradient_penalty(critic, real, fake, eps=eps)


def generator_loss(critic, fake):
    return -torch.mean(critic(fake))
'''),
        Replace("optimizers", "betas=(0.5, 0.999)", "betas=[0.5, 0.999]", count=2),
        SetSource("train_step", '''
def train_step(G, critic, g_opt, c_opt, real, z_dim=Z_DIM, n_critic=1, lam=10.0):
    device = next(G.parameters()).device
    real = real.to(device)
    for _ in range(n_critic):
        noise = torch.randn(real.size(0), z_dim, device=device)
        fake = G(noise).detach()
        critic.zero_grad()
        c_loss = critic_loss(critic, real, fake, lam=lam)
        c_loss.backward()
        c_opt.step()
    gp = gradient_penalty(critic, real, fake)  # for the log, after the critic's updates
    G.zero_grad()
    g_loss = generator_loss(critic, G(torch.randn(real.size(0), z_dim, device=device)))
    g_loss.backward()
    g_opt.step()
    return {"critic_loss": float(c_loss), "generator_loss": float(g_loss), "gradient_penalty": float(gp)}
'''),
        SetSource("interpolate", '''
def interpolate(G, z0, z1, steps=10):
    was_training = G.training
    G.eval()
    with torch.no_grad():
        images = [G(torch.lerp(z0, z1, float(t)).unsqueeze(0)) for t in torch.linspace(0, 1, steps)]
    G.train(was_training)
    return torch.cat(images)
'''),
        Replace("train", "W {stats['wasserstein']:.3f} ", "", count=1),
        Replace("train", '    plt.plot([h["wasserstein"] for h in history], label="wasserstein estimate")\n', ""),
    ),
    note="Scores of shape (N, 1, 1, 1) squeeze to (N,), which the contract accepts. Instance "
         "normalisation, like layer normalisation, keeps each score a function of its own image. "
         "The returned dict has no 'wasserstein' key (only the three the contract asks for).",
)

# ------------------------------------------------------------------ 5. the PyTorch WGAN-GP reference style

CAOGANG_STYLE = Sample(
    "valid/backward_with_signs.ipynb",
    "The style of the popular PyTorch WGAN-GP code: 5x5 DCGAN-like networks (stride 2, padding 2, "
    "output_padding 1), a critic without normalisation whose scores are .view(-1); train_step freezes the critic "
    "with requires_grad=False during the generator's step, clears gradients with module.zero_grad(), "
    "and backpropagates each term separately with backward(mone) / backward(one); eps built as "
    "rand(N, 1) expanded to N x 12288 and reshaped.",
    (
        SetSource("generator", '''
class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM, dim=64):
        super().__init__()
        self.dim = dim
        self.preprocess = nn.Sequential(nn.Linear(z_dim, 4 * 4 * 8 * dim), nn.BatchNorm1d(4 * 4 * 8 * dim), nn.ReLU(True))
        self.block1 = nn.Sequential(nn.ConvTranspose2d(8 * dim, 4 * dim, 5, 2, 2, output_padding=1), nn.BatchNorm2d(4 * dim), nn.ReLU(True))
        self.block2 = nn.Sequential(nn.ConvTranspose2d(4 * dim, 2 * dim, 5, 2, 2, output_padding=1), nn.BatchNorm2d(2 * dim), nn.ReLU(True))
        self.block3 = nn.Sequential(nn.ConvTranspose2d(2 * dim, dim, 5, 2, 2, output_padding=1), nn.BatchNorm2d(dim), nn.ReLU(True))
        self.deconv_out = nn.ConvTranspose2d(dim, 3, 5, 2, 2, output_padding=1)

    def forward(self, noise):
        output = self.preprocess(noise).view(-1, 8 * self.dim, 4, 4)
        output = self.block3(self.block2(self.block1(output)))
        return torch.tanh(self.deconv_out(output)).view(-1, 3, 64, 64)
'''),
        SetSource("critic", '''
class Critic(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.dim = dim
        self.main = nn.Sequential(
            nn.Conv2d(3, dim, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(dim, 2 * dim, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * dim, 4 * dim, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * dim, 8 * dim, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        )
        self.output = nn.Linear(4 * 4 * 8 * dim, 1)

    def forward(self, input):
        output = self.main(input).view(-1, 4 * 4 * 8 * self.dim)
        return self.output(output).view(-1)
'''),
        SetSource("penalty", '''
def gradient_penalty(critic, real, fake, eps=None):
    BATCH = real.size(0)
    if eps is None:
        alpha = torch.rand(BATCH, 1, device=real.device)
        alpha = alpha.expand(BATCH, real.nelement() // BATCH).contiguous().view(BATCH, 3, 64, 64)
    else:
        alpha = eps
    interpolates = alpha * real + ((1 - alpha) * fake)
    interpolates = torch.autograd.Variable(interpolates, requires_grad=True)
    disc_interpolates = critic(interpolates)
    gradients = torch.autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones(disc_interpolates.size(), device=real.device),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()
'''),
        SetSource("train_step", '''
one = torch.tensor(1.0)
mone = one * -1


def train_step(G, critic, g_opt, c_opt, real, z_dim=Z_DIM, n_critic=1, lam=10.0):
    device = next(critic.parameters()).device
    real = real.to(device)
    BATCH = real.size(0)
    for p in critic.parameters():  # reset requires_grad: they are frozen in the generator update below
        p.requires_grad = True
    for iter_d in range(n_critic):
        critic.zero_grad()
        D_real = critic(real).mean()
        D_real.backward(mone.to(device))
        noise = torch.randn(BATCH, z_dim, device=device)
        with torch.no_grad():
            fake = G(noise)
        D_fake = critic(fake).mean()
        D_fake.backward(one.to(device))
        gp = lam * gradient_penalty(critic, real, fake)
        gp.backward()
        D_cost = D_fake - D_real + gp
        Wasserstein_D = D_real - D_fake
        c_opt.step()

    for p in critic.parameters():
        p.requires_grad = False  # to avoid computation
    G.zero_grad()
    noise = torch.randn(BATCH, z_dim, device=device)
    G_cost = -critic(G(noise)).mean()
    G_cost.backward()
    g_opt.step()
    for p in critic.parameters():
        p.requires_grad = True
    return {"critic_loss": D_cost.item(), "generator_loss": G_cost.item(),
            "gradient_penalty": gp.item() / lam, "wasserstein": Wasserstein_D.item()}
'''),
    ),
    note="The critic step never calls critic_loss: the three terms are backpropagated one by one, "
         "which gives the same gradients. The generator's Linear layer is followed by BatchNorm1d, "
         "so it is probed with batches of at least 2.",
)

VALID_SAMPLES: tuple[Sample, ...] = (RESNET_LAYERNORM, PREFIX_NAMES, FAILING_CELLS, SEQUENTIAL, CAOGANG_STYLE,
                                     *COLAB_SAMPLES)
