"""The buggy sample submissions: each is the solution (or a valid style) with one realistic bug.

Each record names the rubric items whose checks must fail (`fails`), those
that brief training must fail (`training_fails`) and those whose
brief-training outcome depends on the budget or device (`may_fail`, with a
note saying why).
"""
from __future__ import annotations

from tools.samplekit.edits import Replace, Sample

from .valid_samples import MODULE_CLASSES

BRIEF = ("training", "final_image")
INIT_NOTE = ("The original notebook's author reports that other initialisations did not learn; whether "
             "the brief training's budget shows it has not been measured, so `training` and "
             "`final_image` may fail too.")

WEIGHT_INIT = (
    Sample(
        "buggy/init_std_inverse_sqrt_fan_in.ipynb",
        "xavier_init scales by 1/sqrt(fan_in) (LeCun's rule) instead of the notebook's 1/fan_in",
        (Replace("xavier_init", "return torch.randn(shape) * (1.0 / shape[0])",
                 "return torch.randn(shape) * (1.0 / shape[0] ** 0.5)"),),
        fails=("weight_init",), may_fail=BRIEF, note=INIT_NOTE,
    ),
    Sample(
        "buggy/init_uniform.ipynb",
        "xavier_init draws uniformly from (-1/fan_in, 1/fan_in) instead of from a normal distribution",
        (Replace("xavier_init", "return torch.randn(shape) * (1.0 / shape[0])",
                 "return (2 * torch.rand(shape) - 1) / shape[0]"),),
        fails=("weight_init",), may_fail=BRIEF, note=INIT_NOTE,
    ),
    Sample(
        "buggy/init_fan_out.ipynb",
        "xavier_init divides by shape[1], the number of outputs, instead of shape[0]",
        (Replace("xavier_init", "return torch.randn(shape) * (1.0 / shape[0])",
                 "return torch.randn(shape) * (1.0 / shape[1])"),),
        fails=("weight_init",), may_fail=BRIEF, note=INIT_NOTE,
    ),
)

NETWORKS = (
    Sample(
        "buggy/generator_relu_output.ipynb",
        "G ends in a ReLU instead of a sigmoid, so its pixels are not confined to (0, 1)",
        (Replace("models", "h1 = torch.relu(z @ w['w1'] + w['b1'])\n    return torch.sigmoid(h1 @ w['out'] + w['b2'])",
                 "h1 = torch.relu(z @ w['w1'] + w['b1'])\n    return torch.relu(h1 @ w['out'] + w['b2'])"),),
        fails=("generator",), may_fail=BRIEF,
        note="The objectives are checked with the grader's probe networks, so only `generator` is "
             "sure to fail; a generator that can output exact zeros and values above 1 may or may "
             "not still learn digits in the brief training.",
    ),
    Sample(
        "buggy/generator_hidden_300.ipynb",
        "the generator's hidden layer has 300 units instead of 400",
        (Replace("sizes", "g_w1_size = 400", "g_w1_size = 300"),),
        fails=("generator",),
        note="A 300-unit generator still trains; only the architecture is wrong (274,384 parameters).",
    ),
    Sample(
        "buggy/discriminator_hidden_300.ipynb",
        "the discriminator's hidden layer has 300 units instead of 400",
        (Replace("sizes", "d_w1_size = 400", "d_w1_size = 300"),),
        fails=("discriminator",),
        note="A 300-unit discriminator still trains; only the architecture is wrong (235,801 parameters).",
    ),
    Sample(
        "buggy/discriminator_no_sigmoid.ipynb",
        "D returns the logit h1 @ out + b2 without the sigmoid, so it is not a probability",
        (Replace("models", "h1 = torch.relu(x @ w['w1'] + w['b1'])\n    return torch.sigmoid(h1 @ w['out'] + w['b2'])",
                 "h1 = torch.relu(x @ w['w1'] + w['b1'])\n    return h1 @ w['out'] + w['b2']"),),
        fails=("discriminator",), training_fails=("final_image",), may_fail=("training",),
        note="The objectives take the log of D's output: with logits they are NaN for every negative "
             "score, so training cannot make digits. "
             "Brief training keeps the last finite weights, and the distance to real digits has fallen by then (training may pass).",
    ),
)

OBJECTIVES = (
    Sample(
        "buggy/d_objective_without_fake_term.ipynb",
        "d_objective is -mean(log D(x)) only: the log(1 - D(G(z))) half is missing",
        (Replace("objectives", "d_objective = -torch.mean(torch.log(D(x)) + torch.log(1 - p_fake))",
                 "d_objective = -torch.mean(torch.log(D(x)))"),),
        fails=("objectives",), training_fails=("training",), may_fail=("final_image",),
        note="A discriminator never shown generated images learns to call everything real and gives "
             "the generator no signal. "
             "At the CPU budget the final-image bars are loose (2.5 times the reference's distance is above that of untrained noise), so final_image may pass.",
    ),
    Sample(
        "buggy/g_objective_minimax_wrong_sign.ipynb",
        "g_objective is -mean(log(1 - D(G(z)))): the minimax form with its sign flipped, so the "
        "generator is pushed to make D more sure its images are fake",
        (Replace("objectives", "g_objective = -torch.mean(torch.log(p_fake))",
                 "g_objective = -torch.mean(torch.log(1 - p_fake))"),),
        fails=("objectives",), training_fails=(), may_fail=("training", "final_image"),
        note="The generator cooperates with the discriminator instead of fooling it; objectives catches it. "
             "Within the CPU budget its samples partly collapse (spread 0.013), which is also where a valid run "
             "can land on an unlucky seed, so final_image judges it leniently.",
    ),
    Sample(
        "buggy/objectives_summed.ipynb",
        "both objectives sum over the batch instead of taking the mean",
        (Replace("objectives", "g_objective = -torch.mean(torch.log(p_fake))",
                 "g_objective = -torch.sum(torch.log(p_fake))"),
         Replace("objectives", "d_objective = -torch.mean(torch.log(D(x)) + torch.log(1 - p_fake))",
                 "d_objective = -torch.sum(torch.log(D(x)) + torch.log(1 - p_fake))")),
        fails=("objectives",), may_fail=BRIEF,
        note="A sum is the mean times the batch size: Adam is nearly invariant to that scale, so "
             "training may well still work; the objectives are wrong all the same.",
    ),
)

OPTIMIZERS = (
    Sample(
        "buggy/d_optimizer_over_all_weights.ipynb",
        "d_opt is given the generator's weights as well as the discriminator's",
        (Replace("make_optimizers", "d_opt = torch.optim.Adam(d_weights.values())",
                 "d_opt = torch.optim.Adam(list(d_weights.values()) + list(g_weights.values()))"),),
        fails=("variable_separation",), may_fail=BRIEF,
        note="Each D step also moves G, towards images D finds easier to reject; how much that "
             "spoils the brief training has not been measured.",
    ),
    Sample(
        "buggy/optimizers_lr_2e-4.ipynb",
        "both optimizers use lr=2e-4 (the DCGAN paper's value) instead of Adam's default 1e-3",
        (Replace("make_optimizers", "d_opt = torch.optim.Adam(d_weights.values())",
                 "d_opt = torch.optim.Adam(d_weights.values(), lr=2e-4)"),
         Replace("make_optimizers", "g_opt = torch.optim.Adam(g_weights.values())",
                 "g_opt = torch.optim.Adam(g_weights.values(), lr=2e-4)")),
        fails=("variable_separation",), may_fail=BRIEF,
        note="A smaller learning rate trains more slowly; within the brief budget it may fall short.",
    ),
    Sample(
        "buggy/optimizers_returned_swapped.ipynb",
        "make_optimizers returns (g_opt, d_opt), so train's d_opt steps the generator and its g_opt "
        "the discriminator",
        (Replace("make_optimizers", "return d_opt, g_opt", "return g_opt, d_opt"),),
        fails=("variable_separation",), training_fails=("final_image",), may_fail=("training",),
        note="Each network is then updated with the other one's objective. "
             "The distance to real digits still falls at first (training may pass); the samples end up noise (final_image).",
    ),
    Sample(
        "buggy/train_d_step_with_g_opt.ipynb",
        "train's discriminator step calls g_opt.step(): the discriminator is never updated",
        (Replace("train", "d_opt.zero_grad()\n        d_objective.backward()\n        d_opt.step()",
                 "d_opt.zero_grad()\n        d_objective.backward()\n        g_opt.step()"),),
        fails=("variable_separation",), training_fails=("training", "final_image"),
        note="G also takes a second step per iteration, on the gradient d_objective left on its "
             "weights (added to the generator step's).",
    ),
    Sample(
        "buggy/module_classes_shared_optimizer.ipynb",
        "module style: d_opt is built over list(D.parameters()) + list(G.parameters())",
        MODULE_CLASSES.edits + (
            Replace("make_optimizers", "return torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())",
                    "return torch.optim.Adam(list(D.parameters()) + list(G.parameters())), torch.optim.Adam(G.parameters())"),
        ),
        fails=("variable_separation",), may_fail=BRIEF,
        note="The module-style twin of d_optimizer_over_all_weights.",
    ),
    Sample(
        "buggy/train_clears_d_opt_for_g_step.ipynb",
        "train's generator step calls d_opt.zero_grad() where it means g_opt.zero_grad(): G's gradients "
        "are never cleared and each G step adds up every earlier one",
        (Replace("train", "        g_opt.zero_grad()\n", "        d_opt.zero_grad()\n"),),
        fails=("variable_separation",),
        may_fail=BRIEF,
        note="Brief training's outcome for this bug has not been measured.",
    ),
)

BUGGY_SAMPLES: tuple[Sample, ...] = WEIGHT_INIT + NETWORKS + OBJECTIVES + OPTIMIZERS
