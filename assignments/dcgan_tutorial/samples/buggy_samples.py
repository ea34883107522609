"""The buggy sample submissions: each is the solution with one realistic bug.

Each record names the rubric items whose checks must fail (`fails`), those
that brief training must fail (`training_fails`) and those whose
brief-training outcome depends on the budget or device (`may_fail`, with a
note saying why).
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample

BRIEF = ("training", "final_image")
# Why a generator that never steps may still pass `training` at the CPU budget.
BATCHNORM_STATISTICS = ("Its BatchNorm layers still gather running statistics in training mode, and sampled on "
                        "them the untrained generator's distance to real digits falls as far as a learning one's "
                        "(about 80% in 800 steps), so training may pass.")
UNMEASURED = ("Whether the networks still learn digits under the grader's brief-training budget has not been "
              "measured yet.")

DISCRIMINATOR = (
    Sample(
        "buggy/discriminator_max_pool.ipynb",
        "the discriminator pools with max-pooling, as most classifiers do, instead of the tutorial's average pooling",
        (Replace("discriminator", "F.avg_pool2d(", "F.max_pool2d(", count=2),),
        fails=("discriminator",),
        may_fail=BRIEF,
        note="Shapes and parameter count are right; only the layer trace and the network's values show it. "
             + UNMEASURED,
    ),
    Sample(
        "buggy/discriminator_sigmoid_output.ipynb",
        "the discriminator ends in a sigmoid, so the losses get probabilities where they expect logits",
        (Replace("discriminator", "return self.fc2(h_fc1)  # (N, 1) logits",
                 "return torch.sigmoid(self.fc2(h_fc1))  # (N, 1) probability of real"),),
        fails=("discriminator",),
        may_fail=BRIEF,
        note="The losses apply a second sigmoid, so the discriminator's probabilities stay within (0.5, 0.73). "
             + UNMEASURED,
    ),
    Sample(
        "buggy/discriminator_no_padding.ipynb",
        "the convolutions keep PyTorch's default padding 0 ('VALID' instead of 'SAME'), so the first linear "
        "layer takes 16 * 4 * 4 values (11681 parameters)",
        (Replace("discriminator", "self.conv1 = nn.Conv2d(1, 8, kernel_size=5, padding=2)",
                 "self.conv1 = nn.Conv2d(1, 8, kernel_size=5)"),
         Replace("discriminator", "self.conv2 = nn.Conv2d(8, 16, kernel_size=5, padding=2)",
                 "self.conv2 = nn.Conv2d(8, 16, kernel_size=5)"),
         Replace("discriminator", "self.fc1 = nn.Linear(7 * 7 * 16, 32)", "self.fc1 = nn.Linear(4 * 4 * 16, 32)"),
         Replace("discriminator", "h_pool2.reshape(len(h_pool2), 7 * 7 * 16)  # (N, 784)",
                 "h_pool2.reshape(len(h_pool2), 4 * 4 * 16)  # (N, 256)")),
        fails=("discriminator",),
        may_fail=BRIEF,
        note=UNMEASURED,
    ),
    Sample(
        "buggy/discriminator_flat_logits.ipynb",
        "the discriminator returns its logits flattened to shape (N,) instead of (N, 1)",
        (Replace("discriminator", "return self.fc2(h_fc1)  # (N, 1) logits", "return self.fc2(h_fc1).view(-1)  # (N,)"),),
        fails=("discriminator",),
        note="Its own losses and loop still work (the labels are made with ones_like), so only the "
             "discriminator's output shape fails; it trains as the solution does.",
    ),
)

GENERATOR = (
    Sample(
        "buggy/generator_no_batchnorm.ipynb",
        "the generator never applies its BatchNorm layers: transposed convolution straight into ReLU",
        (Replace("generator", "h1 = F.relu(self.bn1(self.deconv1(h0)))", "h1 = F.relu(self.deconv1(h0))"),
         Replace("generator", "h2 = F.relu(self.bn2(self.deconv2(h1)))", "h2 = F.relu(self.deconv2(h1))"),
         Replace("generator", "h3 = F.relu(self.bn3(self.deconv3(h2)))", "h3 = F.relu(self.deconv3(h2))")),
        fails=("generator",),
        may_fail=BRIEF,
        note="The BatchNorm modules are still created, so the parameters are all there; only the layer trace "
             "shows that they never run. " + UNMEASURED,
    ),
    Sample(
        "buggy/generator_seed_mixes_batch.ipynb",
        "the seed is reshaped with the batch last, z.view(25, 2, 2, -1).permute(3, 0, 1, 2), so each image "
        "is built from values of several noise vectors",
        (Replace("generator", "h0 = F.relu(z.view(-1, 25, 2, 2))  # (N, 25, 2, 2)",
                 "h0 = F.relu(z.view(25, 2, 2, -1).permute(3, 0, 1, 2))  # (N, 25, 2, 2)"),),
        fails=("generator",),
        may_fail=BRIEF,
        note="Every layer has the right shape; only shuffling the batch of noise shows that an image does not "
             "depend on its own noise vector alone. " + UNMEASURED,
    ),
    Sample(
        "buggy/generator_seed_as_1x1.ipynb",
        "the noise is reshaped to (N, 100, 1, 1), PyTorch's DCGAN-tutorial habit, and a 3x3 stride-1 "
        "transposed convolution makes the (256, 3, 3) layer, instead of the 2x2x25 seed and 5x5 kernels",
        (Replace("generator", "self.deconv1 = nn.ConvTranspose2d(25, 256, kernel_size=5, stride=2, padding=2)",
                 "self.deconv1 = nn.ConvTranspose2d(100, 256, kernel_size=3, stride=1)"),
         Replace("generator", "h0 = F.relu(z.view(-1, 25, 2, 2))  # (N, 25, 2, 2)",
                 "h0 = F.relu(z.view(-1, 100, 1, 1))  # (N, 100, 1, 1)")),
        fails=("generator",),
        may_fail=BRIEF,
        note="The transposed convolutions' output shapes are all right; the first one's kernel (100, 256, 3, 3) "
             "shows the missing 2x2x25 seed. " + UNMEASURED,
    ),
    Sample(
        "buggy/generator_no_tanh.ipynb",
        "the generator returns the last transposed convolution's output without the tanh",
        (Replace("generator", "return torch.tanh(self.deconv4(h3))  # (N, 1, 28, 28)",
                 "return self.deconv4(h3)  # (N, 1, 28, 28)"),),
        fails=("generator",),
        may_fail=BRIEF,
        note=UNMEASURED,
    ),
)

LOSSES = (
    Sample(
        "buggy/losses_targets_swapped.ipynb",
        "d_loss labels the real images 0 and the generated ones 1",
        (Replace("losses", "d_loss_real = F.binary_cross_entropy_with_logits(Dx, torch.ones_like(Dx))",
                 "d_loss_real = F.binary_cross_entropy_with_logits(Dx, torch.zeros_like(Dx))"),
         Replace("losses", "d_loss_fake = F.binary_cross_entropy_with_logits(Dg, torch.zeros_like(Dg))",
                 "d_loss_fake = F.binary_cross_entropy_with_logits(Dg, torch.ones_like(Dg))")),
        fails=("loss_functions",),
        may_fail=BRIEF,
        note="The discriminator learns to call generated images real, which the generator's loss already "
             "rewards, so the generator gets little signal. " + UNMEASURED,
    ),
    Sample(
        "buggy/g_loss_target_zero.ipynb",
        "g_loss uses the label 0 for the generated images, so the generator learns to look fake",
        (Replace("losses", "g_loss = F.binary_cross_entropy_with_logits(Dg, torch.ones_like(Dg))",
                 "g_loss = F.binary_cross_entropy_with_logits(Dg, torch.zeros_like(Dg))"),),
        fails=("loss_functions",),
        may_fail=BRIEF,
        note=UNMEASURED,
    ),
    Sample(
        "buggy/g_loss_detached_fakes.ipynb",
        "losses detaches the generated images, G(z).detach(), for both losses, so g_loss never reaches the "
        "generator and the generator never learns",
        (Replace("losses", "Gz = G(z)  # generated images", "Gz = G(z).detach()  # generated images"),),
        fails=("loss_functions", "variable_separation"), training_fails=("final_image",), may_fail=("training",),
        note="The values of both losses are right; g_loss has no gradient into G. In the loop every "
             "trainer_g.step() finds no gradient and leaves G unchanged, so the spy sees no G update "
             "(variable_separation), and the generator's samples stay noise whatever the budget "
             "(final_image). " + BATCHNORM_STATISTICS,
    ),
)

OPTIMIZERS = (
    Sample(
        "buggy/optimizer_over_both_networks.ipynb",
        "trainer_d is built over the parameters of both networks, as over TensorFlow's tf.trainable_variables()",
        (Replace("optimizers", "trainer_d = torch.optim.Adam(D.parameters(), lr=lr)",
                 "trainer_d = torch.optim.Adam(list(D.parameters()) + list(G.parameters()), lr=lr)"),),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note="Each discriminator update also moves the generator, along d_loss's gradient (towards images the "
             "discriminator calls fake). " + UNMEASURED,
    ),
    Sample(
        "buggy/optimizer_lr_ignored.ipynb",
        "make_optimizers writes the learning rate 0.0002 into both optimizers and ignores its lr argument",
        (Replace("optimizers", "lr=lr)", "lr=0.0002)", count=2),),
        fails=("variable_separation",),
        note="The notebook's own run uses the default lr, so it trains exactly as the solution does; only a "
             "call with another lr shows the bug.",
    ),
    Sample(
        "buggy/optimizer_default_lr.ipynb",
        "make_optimizers calls Adam without a learning rate, so both optimizers run at torch's default 0.001",
        (Replace("optimizers", "torch.optim.Adam(D.parameters(), lr=lr)", "torch.optim.Adam(D.parameters())"),
         Replace("optimizers", "torch.optim.Adam(G.parameters(), lr=lr)", "torch.optim.Adam(G.parameters())")),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note="The tutorial's first optimizer call, AdamOptimizer(), has the same default. " + UNMEASURED,
    ),
)

TRAIN = (
    Sample(
        "buggy/train_d_update_with_trainer_g.ipynb",
        "train steps trainer_g after d_loss.backward(): the discriminator is never updated and the generator "
        "steps twice per iteration, once along d_loss",
        (Replace("train", "trainer_d.step()  # update the discriminator", "trainer_g.step()  # update the discriminator"),),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note="No step crosses networks (trainer_g only moves G), so the step counts show the bug: no trainer_d "
             "step, two trainer_g steps per iteration. " + UNMEASURED,
    ),
    Sample(
        "buggy/train_no_zero_grad.ipynb",
        "train never clears the gradients, so each update steps on the sum of every earlier backward pass, "
        "the other network's loss included",
        (Replace("train", "        trainer_d.zero_grad()\n", ""), Replace("train", "        trainer_g.zero_grad()\n", "")),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note="Every discriminator update also follows g_loss's gradient wrt D (which pushes D to call generated "
             "images real), and every generator update d_loss's gradient wrt G. " + UNMEASURED,
    ),
    Sample(
        "buggy/train_uses_global_optimizers.ipynb",
        "train names its optimizer arguments d_optimizer and g_optimizer but its body steps the notebook's "
        "global trainer_d and trainer_g, which belong to other networks",
        (Replace("train", "def train(D, G, trainer_d, trainer_g, images,", "def train(D, G, d_optimizer, g_optimizer, images,"),),
        fails=("variable_separation",), training_fails=("final_image",), may_fail=("training",),
        note="The notebook's run passes the globals themselves, so it trains; given any other optimizers "
             "(the grader's, or those of other networks) train never updates the networks it is given, and "
             "their samples stay noise (final_image). " + BATCHNORM_STATISTICS,
    ),
    Sample(
        "buggy/train_clears_trainer_d_twice.ipynb",
        "train clears trainer_d before the generator's update too, where it means trainer_g: G's gradients "
        "are never cleared",
        (Replace("train", "        trainer_g.zero_grad()\n", "        trainer_d.zero_grad()\n"),),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note=UNMEASURED,
    ),
)

BUGGY_SAMPLES: tuple[Sample, ...] = DISCRIMINATOR + GENERATOR + LOSSES + OPTIMIZERS + TRAIN
