"""The buggy sample submissions: each is the solution with one realistic bug.

Each record names the rubric items whose checks must fail (`fails`), those
that brief training must fail (`training_fails`: training_loop's Wasserstein
direction, final_image) and those whose brief-training outcome depends on
the budget or device (`may_fail`). More one-bug variants, cheaper to grade
in-process, are in tests/checks/test_cs501r_wgan_gp_checks.py.
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample

BRIEF_NOTE = "Brief training (not graded yet) would likely fail `final_image` too."

NETWORKS = (
    Sample(
        "buggy/critic_sigmoid_output.ipynb",
        "Critic ends with a sigmoid, as a classic GAN discriminator does: scores are squashed into (0, 1)",
        (Replace("critic", "        return self.fc(x.flatten(start_dim=1))               # (N, 1), no activation",
                 "        return torch.sigmoid(self.fc(x.flatten(start_dim=1)))  # probability of real"),),
        fails=("discriminator",),
        note="At initialisation the scores lie inside (0, 1) anyway; only pushing them with a few optimizer "
             "steps shows that they cannot leave it. " + BRIEF_NOTE,
    ),
    Sample(
        "buggy/generator_no_tanh.ipynb",
        "Generator returns the last transposed convolution's output without the tanh",
        (Replace("generator", "        return torch.tanh(self.deconv4(x))          # (N, 3, 64, 64) in [-1, 1]",
                 "        return self.deconv4(x)                      # (N, 3, 64, 64)"),),
        fails=("generator",),
        note="A fresh network's values may happen to lie in [-1, 1]; a few optimizer steps pushing them "
             "up show that nothing bounds them.",
    ),
)

PENALTY = (
    Sample(
        "buggy/penalty_without_create_graph.ipynb",
        "gradient_penalty takes the input gradient without create_graph=True: the right value, but no "
        "gradient reaches the critic's weights through it",
        (Replace("penalty", "grads, = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)",
                 "grads, = torch.autograd.grad(scores.sum(), x_hat)"),),
        fails=("gradient_penalty", "wgan_losses"),
        note="critic_loss adds lam times this penalty, so its gradient wrt the critic misses the "
             "penalty's part too.",
    ),
    Sample(
        "buggy/penalty_whole_batch_norm.ipynb",
        "gradient_penalty takes one L2 norm of the gradient over the whole batch instead of one per sample",
        (Replace("penalty", "    norms = grads.flatten(start_dim=1).norm(2, dim=1)  # one norm per sample\n"
                            "    return ((norms - 1) ** 2).mean()",
                 "    return (grads.norm(2) - 1) ** 2"),),
        fails=("gradient_penalty", "wgan_losses"),
        note="critic_loss with lam=10 uses the penalty, so its value is wrong as well.",
    ),
    Sample(
        "buggy/penalty_one_eps_per_batch.ipynb",
        "gradient_penalty draws a single eps for the whole batch (torch.rand(1)) when none is given",
        (Replace("penalty", "eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)",
                 "eps = torch.rand(1, device=real.device, dtype=real.dtype)"),),
        fails=("gradient_penalty",),
        note="With eps given (as critic_loss is checked) the penalty is right; only the penalties of "
             "repeated calls without eps, spread about sqrt(N) times too wide, show the bug.",
    ),
    Sample(
        "buggy/penalty_eps_normal.ipynb",
        "gradient_penalty draws eps from a standard normal (torch.randn) instead of U[0, 1]",
        (Replace("penalty", "eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)",
                 "eps = torch.randn(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)"),),
        fails=("gradient_penalty",),
        note="Points with eps outside [0, 1] lie beyond the real or the generated image; the mean penalty "
             "over repeated calls differs from the uniform draw's.",
    ),
    Sample(
        "buggy/penalty_without_minus_one.ipynb",
        "gradient_penalty returns the mean squared gradient norm, forgetting the - 1 (it pushes the "
        "critic's slope to 0 instead of 1)",
        (Replace("penalty", "    return ((norms - 1) ** 2).mean()", "    return (norms ** 2).mean()"),),
        fails=("gradient_penalty", "wgan_losses"),
    ),
    Sample(
        "buggy/penalty_scaled_by_lambda.ipynb",
        "gradient_penalty already multiplies by lambda = 10 (as the paper's algorithm writes it), and "
        "critic_loss multiplies by lam again",
        (Replace("penalty", "    return ((norms - 1) ** 2).mean()", "    return 10.0 * ((norms - 1) ** 2).mean()"),),
        fails=("gradient_penalty", "wgan_losses"),
        note="The contract's gradient_penalty is unscaled; the penalty is weighted 100 instead of 10 in training.",
    ),
)

LOSSES = (
    Sample(
        "buggy/generator_loss_sign_flipped.ipynb",
        "generator_loss returns +mean C(fake): the generator learns to lower its own scores",
        (Replace("losses", "    return -critic(fake).mean()", "    return critic(fake).mean()"),),
        fails=("wgan_losses",),
        note="train_step uses generator_loss, so brief training (not graded yet) would also fail.",
    ),
)

TRAINING = (
    Sample(
        "buggy/g_opt_over_both_networks.ipynb",
        "make_optimizers gives the generator's Adam the parameters of both networks, so every G step "
        "also moves the critic (up its own scores on fakes)",
        (Replace("optimizers", "    g_opt = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))",
                 "    g_opt = torch.optim.Adam(list(G.parameters()) + list(critic.parameters()), lr=2e-4, betas=(0.5, 0.999))"),),
        fails=("training_subsets",),
    ),
    Sample(
        "buggy/train_step_ignores_n_critic.ipynb",
        "train_step makes one critic update whatever n_critic is",
        (Replace("train_step", "    for _ in range(n_critic):\n", "    for _ in range(1):  # TODO: n_critic\n"),),
        fails=("training_loop",),
    ),
    Sample(
        "buggy/train_step_returns_gp_key.ipynb",
        "train_step returns the penalty under the key 'gp' instead of 'gradient_penalty'",
        (Replace("train_step", '"gradient_penalty": penalty.item(),', '"gp": penalty.item(),'),
         Replace("train", "GP {stats['gradient_penalty']:.3f}", "GP {stats['gp']:.3f}"),
         Replace("train", 'h["gradient_penalty"] for h in history', 'h["gp"] for h in history')),
        fails=("training_loop",),
    ),
    Sample(
        "buggy/train_step_clears_critic_before_g_step.ipynb",
        "train_step calls c_opt.zero_grad() before the generator's backward pass where it means "
        "g_opt.zero_grad(): G's gradients pile up from one train_step to the next",
        (Replace("train_step", "    g_opt.zero_grad()\n", "    c_opt.zero_grad()\n"),),
        fails=("training_loop",),
        may_fail=("training_loop", "final_image"),
        note="The bug shows from the second call of train_step on, so the grader calls it twice on the same "
             "optimizers. " + BRIEF_NOTE,
    ),
    Sample(
        "buggy/train_step_critic_ascends_its_loss.ipynb",
        "train_step's critic loss has the Wasserstein term's sign flipped (wasserstein + lam * penalty): "
        "each critic step pushes real scores down and generated ones up",
        (Replace("train_step", "        c_loss = -wasserstein + lam * penalty\n",
                 "        c_loss = wasserstein + lam * penalty\n"),),
        training_fails=("training_loop",),
        may_fail=("final_image",),
        note="Every step count, optimizer and returned key is right, so only brief training can see it: the grader "
             "measures mean critic(real) - mean critic(G(z)) itself after every step, and it falls instead of rising. "
             "The returned values would hide it (the loop returns its own, consistently wrong, critic_loss).",
    ),
)

INTERPOLATION = (
    Sample(
        "buggy/interpolate_excludes_z1.ipynb",
        "interpolate takes steps points of linspace(0, 1, steps + 1) without the last: the walk stops "
        "one step short of z1",
        (Replace("interpolate", "t = torch.linspace(0, 1, steps, device=z0.device, dtype=z0.dtype).view(-1, 1)",
                 "t = torch.linspace(0, 1, steps + 1, device=z0.device, dtype=z0.dtype)[:-1].view(-1, 1)"),),
        fails=("interpolation",),
    ),
)

BUGGY_SAMPLES: tuple[Sample, ...] = NETWORKS + PENALTY + LOSSES + TRAINING + INTERPOLATION
