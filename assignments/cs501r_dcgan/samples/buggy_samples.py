"""The buggy sample submissions: each is the solution with one realistic bug.

Each record names the rubric items whose checks must fail (`fails`), those
that brief training must fail (`training_fails`) and those whose
brief-training outcome depends on the budget or device (`may_fail`, with a
note saying why).
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample

UNMEASURED = ("The bug changes what is trained; whether brief training still makes legible digits "
              "has not been measured.")

DISCRIMINATOR = (
    Sample(
        "buggy/discriminator_no_sigmoid.ipynb",
        "Discriminator returns H3 without the sigmoid: scores, not probabilities",
        (Replace("discriminator", "        return torch.sigmoid(h3)              # (N, 1) probabilities",
                 "        return h3                             # (N, 1)"),),
        fails=("discriminator",), training_fails=("final_image",),
        note="The losses take log(D(x)) and log(1 - D(G(z))): with scores outside (0, 1) they are NaN "
             "from the first step, so training cannot make digits. loss_functions and "
             "variable_sharing use the grader's probe D and pass.",
    ),
    Sample(
        "buggy/discriminator_h2_512.ipynb",
        "Discriminator's H2 maps to 512 features instead of 1024",
        (Replace("discriminator", "nn.Linear(64 * 7 * 7, 1024)", "nn.Linear(64 * 7 * 7, 512)"),
         Replace("discriminator", "nn.Linear(1024, 1)", "nn.Linear(512, 1)")),
        fails=("discriminator",),
        may_fail=("final_image",),
        note="The layer check must name H2. " + UNMEASURED,
    ),
    Sample(
        "buggy/discriminator_missing_h1.ipynb",
        "Discriminator has one convolution: H0 goes straight to the linear H2 (32 * 14 * 14 inputs)",
        (Replace("discriminator", "        self.d_h1_conv = nn.Conv2d(32, 64, kernel_size=5, stride=2, padding=2)\n", ""),
         Replace("discriminator", "nn.Linear(64 * 7 * 7, 1024)", "nn.Linear(32 * 14 * 14, 1024)"),
         Replace("discriminator", "        h1 = lrelu(self.d_h1_conv(h0))        # (N, 64, 7, 7)\n"
                                  "        h1 = h1.reshape(h1.shape[0], -1)      # (N, 3136)",
                 "        h1 = h0.reshape(h0.shape[0], -1)      # (N, 6272)")),
        fails=("discriminator",),
        may_fail=("final_image",),
        note="The layer check must name the layer that is missing (H1). " + UNMEASURED,
    ),
)

GENERATOR = (
    Sample(
        "buggy/generator_tanh_output.ipynb",
        "Generator ends in tanh (the DCGAN paper's choice) instead of the sigmoid: pixels in (-1, 1) "
        "while the real digits are in [0, 1]",
        (Replace("generator", "return torch.sigmoid(d3).reshape(-1, 784)  # (N, 784) in (0, 1)",
                 "return torch.tanh(d3).reshape(-1, 784)  # (N, 784) in (-1, 1)"),),
        fails=("generator",),
        may_fail=("final_image",),
        note="Real digits have a background of exactly 0, which tanh reaches at D3 = 0, so the "
             "generator may still learn digits. " + UNMEASURED,
    ),
    Sample(
        "buggy/generator_d2_64_channels.ipynb",
        "Generator's D2 has 64 channels instead of 128",
        (Replace("generator", "nn.ConvTranspose2d(128, 128,", "nn.ConvTranspose2d(128, 64,"),
         Replace("generator", "nn.ConvTranspose2d(128, 1,", "nn.ConvTranspose2d(64, 1,")),
        fails=("generator",),
        may_fail=("final_image",),
        note="The layer check must name D2. " + UNMEASURED,
    ),
)

LOSSES = (
    Sample(
        "buggy/g_loss_saturating.ipynb",
        "g_loss minimises mean(log(1 - D(G(z)))), the saturating form, instead of -mean(log D(G(z)))",
        (Replace("gan_losses", "g_loss = -torch.mean(torch.log(p_fake))", "g_loss = torch.mean(torch.log(1 - p_fake))"),),
        fails=("loss_functions",),
        may_fail=("final_image",),
        note="The direction is right but the gradient vanishes while D rejects the samples, which the "
             "lab's loop (3 G steps per D step) may or may not overcome in a brief run. " + UNMEASURED,
    ),
    Sample(
        "buggy/d_acc_threshold_zero.ipynb",
        "d_acc thresholds the probabilities at 0, as if D returned logits: every real image counts "
        "as right and every generated one as wrong",
        (Replace("gan_losses", "correct = torch.cat([p_real > 0.5, p_fake < 0.5])",
                 "correct = torch.cat([p_real > 0, p_fake < 0])"),),
        fails=("loss_functions",),
        note="d_acc is only printed, so training is unaffected.",
    ),
)

SHARING = (
    Sample(
        "buggy/deepcopy_discriminator_for_fakes.ipynb",
        "gan_losses scores the generated images with copy.deepcopy(D): a second discriminator with "
        "the same weights",
        (Replace("setup", "import numpy as np\n", "import copy\n\nimport numpy as np\n"),
         Replace("gan_losses", "    p_fake = D(sample_images)   # ... scores both batches",
                 "    D_fake = copy.deepcopy(D)   # a discriminator for the generated images\n"
                 "    p_fake = D_fake(sample_images)")),
        fails=("loss_functions", "variable_sharing"),
        may_fail=("final_image",),
        note="Every value is right; only the gradients show the bug: d_loss's fake half trains the "
             "copy, so D itself only learns to call everything real. " + UNMEASURED,
    ),
    Sample(
        "buggy/new_discriminator_for_fakes.ipynb",
        "gan_losses builds a new Discriminator() for the generated images",
        (Replace("gan_losses", "    p_fake = D(sample_images)   # ... scores both batches",
                 "    p_fake = Discriminator()(sample_images)"),),
        fails=("loss_functions", "variable_sharing"), training_fails=("final_image",),
        note="A freshly initialised discriminator scores the samples on every call, so the generator "
             "trains against random networks and D never sees a generated image.",
    ),
)

TRAINING = (
    Sample(
        "buggy/optimizer_over_all_parameters.ipynb",
        "d_optim is built over the parameters of both networks",
        (Replace("make_optimizers", "torch.optim.Adam(D.parameters(),",
                 "torch.optim.Adam(list(D.parameters()) + list(G.parameters()),"),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note="Each D step also moves G, against the generator's interest. " + UNMEASURED,
    ),
    Sample(
        "buggy/one_g_step_per_iteration.ipynb",
        "train takes one G step per D step (g_steps=1) instead of the lab's three",
        (Replace("train", "iterations=500, g_steps=3,", "iterations=500, g_steps=1,"),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note=UNMEASURED,
    ),
    Sample(
        "buggy/d_step_also_steps_g.ipynb",
        "the discriminator step also calls g_optim.step(), moving G along d_loss's gradient",
        (Replace("train", "        d_optim.step()\n", "        d_optim.step()\n        g_optim.step()\n"),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note=UNMEASURED,
    ),
    Sample(
        "buggy/lr_2e-3.ipynb",
        "both optimizers use a learning rate of 2e-3 instead of 2e-4",
        (Replace("make_optimizers", "lr=2e-4, betas=(0.5, 0.999))\n", "lr=2e-3, betas=(0.5, 0.999))\n", count=2),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note=UNMEASURED,
    ),
    Sample(
        "buggy/optimizers_swapped.ipynb",
        "make_optimizers returns (g_optim, d_optim): the loop steps G where it means D",
        (Replace("make_optimizers", "return d_optim, g_optim", "return g_optim, d_optim"),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note=UNMEASURED,
    ),
    Sample(
        "buggy/g_steps_clear_d_optim.ipynb",
        "the generator steps call d_optim.zero_grad() where they mean g_optim.zero_grad(): G's gradients "
        "are never cleared and every G step adds up all earlier ones",
        (Replace("train", "            g_optim.zero_grad()\n", "            d_optim.zero_grad()\n"),),
        fails=("training_subsets",),
        may_fail=("final_image",),
        note=UNMEASURED,
    ),
)

BUGGY_SAMPLES: tuple[Sample, ...] = (*DISCRIMINATOR, *GENERATOR, *LOSSES, *SHARING, *TRAINING)
