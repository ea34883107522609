"""The buggy sample submissions: each is the solution with one realistic bug.

Each record names the rubric items whose checks must fail (`fails`), those
that brief training must fail (`training_fails`, measured by trial runs) and
those whose brief-training outcome depends on the grader's budget or device
(`may_fail`, with a note saying why).
"""
from __future__ import annotations

from tools.samplekit.edits import InsertAfter, Replace, Sample, SetSource

from .notebook_cells import code

GPU_DC_NOTE = ("The vanilla GAN that `training` runs on a CPU does not use the DC networks; "
               "on a GPU the grader may also train the DC pair, and then this bug can fail `training` too.")

LEAKY_RELU = (
    Sample(
        "buggy/leaky_relu_clamps_at_alpha.ipynb",
        "leaky_relu takes the maximum of x and the constant alpha instead of alpha * x",
        (Replace("leaky_relu", "return torch.max(x, alpha * x)", "return torch.max(x, torch.tensor(alpha))"),),
        fails=("leaky_relu",),
    ),
    Sample(
        "buggy/leaky_relu_slope_everywhere.ipynb",
        "leaky_relu returns alpha * x for every x, positive inputs included",
        (Replace("leaky_relu", "return torch.max(x, alpha * x)", "return alpha * x"),),
        fails=("leaky_relu",),
    ),
)

SAMPLE_NOISE = (
    Sample(
        "buggy/sample_noise_unit_interval.ipynb",
        "sample_noise returns torch.rand without rescaling: noise in [0, 1), never negative",
        (Replace("sample_noise", "return 2 * torch.rand(batch_size, dim) - 1",
                 "return torch.rand(batch_size, dim)"),),
        fails=("sample_noise",), may_fail=("training",),
        note="run_a_gan feeds this noise to the generator; in trial runs (vanilla GAN, bundled digits, "
             "two seeds, up to 3720 iterations) it collapsed to a single digit class. Brief training "
             "samples G on the notebook's own noise, so whether `training` fails too is the training's "
             "outcome, not a second charge for the noise.",
    ),
    Sample(
        "buggy/sample_noise_seed_ignored.ipynb",
        "sample_noise accepts seed but never uses it, so seeded calls do not reproduce",
        (Replace("sample_noise", "    if seed is not None:\n        torch.manual_seed(seed)\n", ""),),
        fails=("sample_noise",),
    ),
    Sample(
        "buggy/sample_noise_gaussian.ipynb",
        "sample_noise draws standard normal noise (torch.randn) instead of uniform on (-1, 1)",
        (Replace("sample_noise", "return 2 * torch.rand(batch_size, dim) - 1",
                 "return torch.randn(batch_size, dim)"),),
        fails=("sample_noise",),
        note="Gaussian noise is a fine input for a GAN: in trial runs (vanilla GAN, bundled digits, "
             "930 iterations, two seeds) it trained as well as the solution, so `training` passes.",
    ),
)

DISCRIMINATOR = (
    Sample(
        "buggy/discriminator_global_instance.ipynb",
        "the discriminator is built once at the notebook's top level and discriminator() returns that one "
        "module on every call",
        (SetSource("discriminator", '''
# Build the discriminator once so every cell uses the same one
D_net = nn.Sequential(
    nn.Flatten(),
    nn.Linear(784, 256),
    nn.LeakyReLU(0.01),
    nn.Linear(256, 256),
    nn.LeakyReLU(0.01),
    nn.Linear(256, 1),
)


def discriminator(seed=None):
    return D_net
'''),),
        fails=("discriminator",),
        note="The layers are right, but the notebook's LSGAN then starts from the vanilla GAN's trained "
             "discriminator (and shares it with an optimizer made for the first run). The grader calls "
             "discriminator() twice and compares what comes back.",
    ),
    Sample(
        "buggy/discriminator_leaky_slope_02.ipynb",
        "discriminator uses LeakyReLU(0.2) (DCGAN's slope) instead of the notebook's 0.01",
        (Replace("discriminator", "nn.LeakyReLU(0.01)", "nn.LeakyReLU(0.2)", count=2),),
        fails=("discriminator",),
        may_fail=("training",),
        note="The parameter count is right; only the layer values show the slope. It trains, a "
             "little behind the solution: in trial runs (930 iterations, two seeds) the Frechet "
             "distance of its samples was 81-89 against the solution's 68-71.",
    ),
    Sample(
        "buggy/discriminator_sigmoid_output.ipynb",
        "discriminator ends in a Sigmoid, so it returns probabilities where logits are expected",
        (Replace("discriminator", "nn.Linear(256, 1),  # (N, 1) logits",
                 "nn.Linear(256, 1),\n        nn.Sigmoid(),  # (N, 1) probability of real"),),
        fails=("discriminator",), training_fails=("training",),
        note="It fails `training` too: the losses apply a second sigmoid to scores already squashed "
             "into (0, 1), so the discriminator's probabilities stay within (0.5, 0.73) and it "
             "gives the generator no useful signal. In trial runs (930 iterations, two seeds) the "
             "generator collapsed to one blob that the classifier read as a single class.",
    ),
    Sample(
        "buggy/discriminator_hidden_128.ipynb",
        "discriminator's hidden layers have 128 units instead of 256 (117121 parameters)",
        (Replace("discriminator", "nn.Linear(784, 256)", "nn.Linear(784, 128)"),
         Replace("discriminator", "nn.Linear(256, 256)", "nn.Linear(128, 128)"),
         Replace("discriminator", "nn.Linear(256, 1)", "nn.Linear(128, 1)")),
        fails=("discriminator",),
        may_fail=("training",),
        note="A smaller discriminator still trains, a little behind the solution: in trial runs "
             "(930 iterations, two seeds) the Frechet distance of its samples was 105-116 against "
             "the solution's 68-71.",
    ),
)

GENERATOR = (
    Sample(
        "buggy/generator_no_tanh.ipynb",
        "generator has no Tanh at the end, so its pixels are not bounded to [-1, 1]",
        (Replace("generator", "nn.Linear(1024, 784),\n        nn.Tanh(),  # (N, 784) in [-1, 1]",
                 "nn.Linear(1024, 784),  # (N, 784)"),),
        fails=("generator",),
        may_fail=("training",),
        note="Without the tanh the generator still learns digits, behind the solution: in trial "
             "runs (two seeds) the Frechet distance of its samples was 86-110 after 930 iterations "
             "(solution 68-71) and 33-56 after 3720 (solution 12). Whether that passes depends on "
             "the grader's budget and threshold.",
    ),
    Sample(
        "buggy/generator_sigmoid_output.ipynb",
        "generator ends in Sigmoid instead of Tanh: pixels in (0, 1) while real images are scaled to [-1, 1]",
        (Replace("generator", "nn.Tanh(),  # (N, 784) in [-1, 1]", "nn.Sigmoid(),  # (N, 784) in [0, 1]"),),
        fails=("generator",), training_fails=("training",),
        note="The values lie inside [-1, 1], so only the layer sequence (Sigmoid for Tanh) and the "
             "missing negative values show the bug. It fails `training` too: real images are in "
             "[-1, 1] with background -1, which a sigmoid cannot produce, so the discriminator "
             "separates real from generated trivially; in trial runs the samples never became "
             "digits.",
    ),
)

GAN_LOSS = (
    Sample(
        "buggy/gan_loss_single_mean.ipynb",
        "discriminator_loss averages once over the concatenated real and fake logits",
        (Replace("gan_loss",
                 "    real_loss = bce_loss(logits_real, torch.ones_like(logits_real))\n"
                 "    fake_loss = bce_loss(logits_fake, torch.zeros_like(logits_fake))\n"
                 "    return real_loss + fake_loss",
                 "    logits = torch.cat([logits_real, logits_fake])\n"
                 "    labels = torch.cat([torch.ones_like(logits_real), torch.zeros_like(logits_fake)])\n"
                 "    return bce_loss(logits, labels)"),),
        fails=("gan_loss",),
        note="With equal batch sizes this is exactly half the right loss. Adam is nearly invariant "
             "to the scale of a loss, so training is not affected.",
    ),
    Sample(
        "buggy/gan_loss_labels_swapped.ipynb",
        "discriminator_loss labels real logits 0 and fake logits 1",
        (Replace("gan_loss",
                 "    real_loss = bce_loss(logits_real, torch.ones_like(logits_real))\n"
                 "    fake_loss = bce_loss(logits_fake, torch.zeros_like(logits_fake))",
                 "    real_loss = bce_loss(logits_real, torch.zeros_like(logits_real))\n"
                 "    fake_loss = bce_loss(logits_fake, torch.ones_like(logits_fake))"),),
        fails=("gan_loss",), training_fails=("training",),
        note="It fails `training` too: the discriminator learns to call fakes real, which is what "
             "the generator's loss asks for already, so the generator gets no signal about digits; "
             "in trial runs the samples never became digits.",
    ),
    Sample(
        "buggy/gan_loss_saturating_generator.ipynb",
        "generator_loss is the minimax form -bce(fake, 0) = log(1 - D(G(z))) instead of bce(fake, 1)",
        (Replace("gan_loss", "    return bce_loss(logits_fake, torch.ones_like(logits_fake))",
                 "    return -bce_loss(logits_fake, torch.zeros_like(logits_fake))"),),
        fails=("gan_loss",), may_fail=("training",),
        note="The saturating loss gives the generator little gradient while the discriminator rejects "
             "its samples confidently, which slows learning without stopping it: at the CPU budget the "
             "calibration (bench/calibration.py) saw its samples pass brief training, so only "
             "`gan_loss` must fail.",
    ),
    Sample(
        "buggy/gan_loss_bce_without_logits.ipynb",
        "the losses call F.binary_cross_entropy (which expects probabilities) on logits",
        (Replace("gan_loss", "bce_loss(", "F.binary_cross_entropy(", count=3),),
        fails=("gan_loss",), training_fails=("training",),
        note="F.binary_cross_entropy raises an error for inputs outside [0, 1], which logits "
             "usually are, so training stops at the first step.",
    ),
    Sample(
        "buggy/gan_loss_summed.ipynb",
        "the losses sum the binary cross-entropy over the batch instead of averaging it",
        (Replace("gan_loss",
                 "    real_loss = bce_loss(logits_real, torch.ones_like(logits_real))\n"
                 "    fake_loss = bce_loss(logits_fake, torch.zeros_like(logits_fake))",
                 "    real_loss = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real), reduction='sum')\n"
                 "    fake_loss = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake), reduction='sum')"),
         Replace("gan_loss", "    return bce_loss(logits_fake, torch.ones_like(logits_fake))",
                 "    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake), reduction='sum')")),
        fails=("gan_loss",),
        note="The losses are N times too large; Adam is nearly invariant to that scale, so "
             "training is not affected.",
    ),
)

GLOBAL_D_SCRATCH = code("scratch_discriminator", """
# a quick look at my discriminator
D = discriminator()
print(D)
print(count_params(D), 'parameters')
""")

GET_OPTIMIZER = (
    Sample(
        "buggy/get_optimizer_default_betas.ipynb",
        "get_optimizer keeps Adam's default betas (0.9, 0.999) instead of beta1 = 0.5",
        (Replace("get_optimizer", "optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))",
                 "optim.Adam(model.parameters(), lr=1e-3)"),),
        fails=("get_optimizer",), training_fails=("training",),
        note="It fails `training` too, as the notebook warns: in trial runs (vanilla GAN, bundled "
             "digits, two seeds, up to 3720 iterations) the generator collapsed to a single class "
             "every time.",
    ),
    Sample(
        "buggy/get_optimizer_lr_1e-4.ipynb",
        "get_optimizer uses learning rate 1e-4 instead of 1e-3",
        (Replace("get_optimizer", "lr=1e-3, betas", "lr=1e-4, betas"),),
        fails=("get_optimizer",), training_fails=("training",),
        note="It fails `training` too: ten times slower learning leaves it far behind the "
             "reference over any brief budget. In trial runs (two seeds) the Frechet distance of "
             "its samples was 126-154 after 3720 iterations, against the solution's 12.",
    ),
    Sample(
        "buggy/get_optimizer_global_model.ipynb",
        "get_optimizer builds Adam over the global discriminator D instead of its argument",
        (InsertAfter("discriminator", GLOBAL_D_SCRATCH),
         Replace("get_optimizer", "optim.Adam(model.parameters(),", "optim.Adam(D.parameters(),")),
        fails=("get_optimizer",), training_fails=("training",),
        note="The notebook defines a global D in a scratch cell (not a training cell), so the "
             "function runs but steps a network other than the one it is given. It fails "
             "`training` too: neither of the networks being trained is ever stepped.",
    ),
)

LSGAN_LOSS = (
    Sample(
        "buggy/lsgan_loss_no_half.ipynb",
        "ls_discriminator_loss leaves out both factors 0.5",
        (Replace("ls_loss",
                 "loss = 0.5 * torch.mean((scores_real - 1) ** 2) + 0.5 * torch.mean(scores_fake ** 2)",
                 "loss = torch.mean((scores_real - 1) ** 2) + torch.mean(scores_fake ** 2)"),),
        fails=("lsgan_loss",),
    ),
    Sample(
        "buggy/lsgan_generator_plus_one.ipynb",
        "ls_generator_loss squares (s + 1) instead of (s - 1)",
        (Replace("ls_loss", "loss = 0.5 * torch.mean((scores_fake - 1) ** 2)",
                 "loss = 0.5 * torch.mean((scores_fake + 1) ** 2)"),),
        fails=("lsgan_loss",),
    ),
)

DC_DISCRIMINATOR = (
    Sample(
        "buggy/dc_classifier_3x3_kernels.ipynb",
        "build_dc_classifier uses 3x3 convolutions (the first linear layer resized to fit)",
        (Replace("dc_classifier", "nn.Conv2d(1, 32, kernel_size=5, stride=1),   # (N, 32, 24, 24)",
                 "nn.Conv2d(1, 32, kernel_size=3, stride=1),   # (N, 32, 26, 26)"),
         Replace("dc_classifier", "nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 32, 12, 12)",
                 "nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 32, 13, 13)"),
         Replace("dc_classifier", "nn.Conv2d(32, 64, kernel_size=5, stride=1),  # (N, 64, 8, 8)",
                 "nn.Conv2d(32, 64, kernel_size=3, stride=1),  # (N, 64, 11, 11)"),
         Replace("dc_classifier", "nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 64, 4, 4)\n"
                                  "        Flatten(),                                   # (N, 1024)\n"
                                  "        nn.Linear(4 * 4 * 64, 4 * 4 * 64),",
                 "nn.MaxPool2d(kernel_size=2, stride=2),       # (N, 64, 5, 5)\n"
                 "        Flatten(),                                   # (N, 1600)\n"
                 "        nn.Linear(5 * 5 * 64, 4 * 4 * 64),")),
        fails=("dc_discriminator",),
        note=GPU_DC_NOTE,
    ),
    Sample(
        "buggy/dc_classifier_avg_pool.ipynb",
        "build_dc_classifier uses average pooling instead of max pooling (same parameter count)",
        (Replace("dc_classifier", "nn.MaxPool2d(", "nn.AvgPool2d(", count=2),),
        fails=("dc_discriminator",),
        note=GPU_DC_NOTE,
    ),
)

DC_GENERATOR = (
    Sample(
        "buggy/dc_generator_batchnorm_before_relu.ipynb",
        "build_dc_generator puts each BatchNorm before its ReLU, not after as the notebook orders them",
        (Replace("dc_generator", "nn.ReLU(),\n        nn.BatchNorm1d(1024),",
                 "nn.BatchNorm1d(1024),\n        nn.ReLU(),"),
         Replace("dc_generator", "nn.ReLU(),\n        nn.BatchNorm1d(7 * 7 * 128),",
                 "nn.BatchNorm1d(7 * 7 * 128),\n        nn.ReLU(),"),
         Replace("dc_generator", "nn.ReLU(),\n        nn.BatchNorm2d(64),",
                 "nn.BatchNorm2d(64),\n        nn.ReLU(),")),
        fails=("dc_generator",),
        note="Same parameter count; only the layer sequence shows the bug. " + GPU_DC_NOTE,
    ),
    Sample(
        "buggy/dc_generator_no_tanh.ipynb",
        "build_dc_generator has no Tanh after the last transposed convolution",
        (Replace("dc_generator", "        nn.Tanh(),\n", ""),),
        fails=("dc_generator",),
        may_fail=("training",),
        note=GPU_DC_NOTE,
    ),
    Sample(
        "buggy/dc_generator_no_padding.ipynb",
        "build_dc_generator's transposed convolutions have no padding: images of 34x34, not 28x28",
        (Replace("dc_generator",
                 "nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),  # (N, 64, 14, 14)",
                 "nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2),  # (N, 64, 16, 16)"),
         Replace("dc_generator",
                 "nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),    # (N, 1, 28, 28)",
                 "nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2),    # (N, 1, 34, 34)")),
        fails=("dc_generator",),
        may_fail=("training",),
        note="Same parameter count; the output has N*1156 values. " + GPU_DC_NOTE
             + " (Training the DC pair fails outright: the DC discriminator cannot reshape 1156 values per image.)",
    ),
)

INLINE_MINIMAX = (
    Sample(
        "buggy/inline_q1_x_first.ipynb",
        "INLINE_Q1 updates x before y",
        (Replace("inline_q1", "INLINE_Q1 = [(-1, 2), (-2, 1), (-1, -1), (1, -2), (2, -1), (1, 1)]",
                 "INLINE_Q1 = [(0, 1), (-1, 0), (-1, -1), (0, -1), (1, 0), (1, 1)]"),),
        fails=("inline_minimax",),
    ),
    Sample(
        "buggy/inline_q1_includes_start.ipynb",
        "INLINE_Q1 starts at (x_0, y_0) = (1, 1), so every pair is one step late and (x_6, y_6) is missing",
        (Replace("inline_q1", "INLINE_Q1 = [(-1, 2), (-2, 1), (-1, -1), (1, -2), (2, -1), (1, 1)]",
                 "INLINE_Q1 = [(1, 1), (-1, 2), (-2, 1), (-1, -1), (1, -2), (2, -1)]"),),
        fails=("inline_minimax",),
    ),
    Sample(
        "buggy/inline_q1_pairs_as_y_x.ipynb",
        "INLINE_Q1 records the pairs as (y_t, x_t)",
        (Replace("inline_q1", "INLINE_Q1 = [(-1, 2), (-2, 1), (-1, -1), (1, -2), (2, -1), (1, 1)]",
                 "INLINE_Q1 = [(2, -1), (1, -2), (-1, -1), (-2, 1), (-1, 2), (1, 1)]"),),
        fails=("inline_minimax",),
    ),
)

TRAINING = (
    Sample(
        "buggy/training_no_detach.ipynb",
        "run_a_gan does not detach the generated images in the discriminator step",
        (Replace("run_a_gan", "fake_images = G(g_fake_seed).detach()", "fake_images = G(g_fake_seed)"),),
        fails=("training",),
        note="The contract fails this loop bug through a spy. In this loop the stray gradient "
             "reaching G is cleared by G_solver.zero_grad() before the generator step, so the "
             "samples themselves may not suffer; the spy, not the sample score, has to catch it.",
    ),
    Sample(
        "buggy/training_no_zero_grad.ipynb",
        "run_a_gan never zeroes the gradients, so they accumulate over iterations",
        (Replace("run_a_gan", "            D_solver.zero_grad()\n", ""),
         Replace("run_a_gan", "            G_solver.zero_grad()\n", "")),
        fails=("training",), training_fails=("training",),
    ),
    Sample(
        "buggy/training_raw_images.ipynb",
        "run_a_gan feeds the discriminator real images in [0, 1] instead of rescaling them to [-1, 1]",
        (Replace("run_a_gan", "logits_real = D(2 * (real_data - 0.5))", "logits_real = D(real_data)"),),
        fails=("training",), training_fails=("training",),
    ),
    Sample(
        "buggy/training_wrong_solver.ipynb",
        "run_a_gan steps D_solver after the generator's backward pass; G_solver never steps",
        (Replace("run_a_gan", "            G_solver.step()", "            D_solver.step()"),),
        fails=("training",), training_fails=("training",),
    ),
    Sample(
        "buggy/training_clears_d_solver_twice.ipynb",
        "run_a_gan calls D_solver.zero_grad() before the generator's backward pass too, where it means "
        "G_solver: G's gradients are never cleared",
        (Replace("run_a_gan", "            G_solver.zero_grad()\n", "            D_solver.zero_grad()\n"),),
        fails=("training",), training_fails=("training",),
        note="Every generator step runs on the sum of all earlier generator gradients. The same bug fails "
             "each pack's loop item (one judge of cleared gradients, see autograder.checks.loops).",
    ),
)

BUGGY_SAMPLES: tuple[Sample, ...] = (
    LEAKY_RELU + SAMPLE_NOISE + DISCRIMINATOR + GENERATOR + GAN_LOSS + GET_OPTIMIZER
    + LSGAN_LOSS + DC_DISCRIMINATOR + DC_GENERATOR + INLINE_MINIMAX + TRAINING
)
