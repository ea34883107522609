"""The hidden checks of the cs231n_gan pack.

`plan(rng)` draws fresh hidden inputs and returns, per rubric item, the
probes to run in the student's kernel and the judges of what they return
(most of them in public_checks.py). Expected values come from the reference
(`reference.packs.cs231n_gan`) in the grader's process, imported only when a
hidden plan is made. The `training` item is graded by brief training
(`BRIEF`).
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.checks import brief
from autograder.checks.brief import BriefContext
from autograder.checks.loops import loop_outcomes
from autograder.checks.outcome import Outcome, close, equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

from .public_checks import (
    BATCH,
    GAN_HINT,
    LSGAN_HINT,
    NOISE_DIM,
    dc_discriminator_groups,
    dc_generator_groups,
    discriminator_groups,
    generator_groups,
    get_optimizer_groups,
    loss_group,
    sample_noise_groups,
)


def _reference():
    """The reference's cs231n_gan module (hidden plans only: students do not have it)."""
    from reference.packs import cs231n_gan

    return cs231n_gan


def leaky_relu_groups(rng: np.random.Generator) -> list[CheckGroup]:
    ref = _reference()
    inputs = {
        "x0": (rng.standard_normal((4, 5)) * 3).astype(np.float32),
        "x1": rng.standard_normal((2, 3, 4)) * 3,
        "x2": np.concatenate([[0.0, -0.0, 1e6, -1e6], rng.standard_normal(12)]).astype(np.float32),
    }
    calls = [["x0"], ["x1"], ["x2"]]

    def judge_default(result):
        return [
            close(f"leaky_relu(x{i})", ref.leaky_relu(torch.from_numpy(inputs[f"x{i}"]).double()).numpy(),
                  result.outputs.get(f"call{i}"), 1e-6, 1e-12,
                  "leaky ReLU is x where x >= 0 and alpha * x where x < 0, elementwise, same shape as x")
            for i in range(len(calls))
        ]

    def judge_alpha(result):
        expected = ref.leaky_relu(torch.from_numpy(inputs["x1"]), alpha=0.2).numpy()
        return [close("leaky_relu(x, alpha=0.2)", expected, result.outputs.get("call0"), 1e-6, 1e-12,
                      "use the alpha argument, not a fixed slope")]

    return [
        CheckGroup(Probe("leaky_relu", kernel_call("call_on_tensors", name="leaky_relu", calls=calls), inputs), judge_default, 2),
        CheckGroup(Probe("leaky_relu_alpha", kernel_call("call_on_tensors", name="leaky_relu", calls=[["x1"]],
                                                         kwargs={"alpha": 0.2}), inputs), judge_alpha, 1),
    ]


def _hidden_logits(rng, ref) -> dict[str, np.ndarray]:
    logits = rng.standard_normal((2, BATCH, 1)) * 3
    logits[:, :4, 0] = [[25.0, -25.0, 60.0, -60.0]] * 2  # saturated logits need a stable formula
    return {"real": logits[0].astype(np.float32), "fake": logits[1].astype(np.float32),
            "pub_real": np.array(ref.PUBLISHED_LOGITS_REAL).reshape(-1, 1),
            "pub_fake": np.array(ref.PUBLISHED_LOGITS_FAKE).reshape(-1, 1)}


def _reference_values(function, inputs, keys):
    """(value, gradients) of a reference loss on the probe's inputs, in float64."""
    args = [torch.from_numpy(inputs[key]).double().requires_grad_() for key in keys]
    value = function(*args)
    return value.detach().numpy(), [g.numpy() for g in torch.autograd.grad(value, args)]


def gan_loss_groups(rng):
    ref = _reference()
    inputs = _hidden_logits(rng, ref)
    return [
        loss_group("gan_loss", "discriminator_loss", ["real", "fake"], inputs,
                    _reference_values(ref.discriminator_loss, inputs, ["real", "fake"]), ref.PUBLISHED_LOSSES["d_loss"], GAN_HINT),
        loss_group("gan_loss", "generator_loss", ["fake"], inputs,
                    _reference_values(ref.generator_loss, inputs, ["fake"]), ref.PUBLISHED_LOSSES["g_loss"], GAN_HINT),
    ]


def lsgan_loss_groups(rng):
    ref = _reference()
    inputs = _hidden_logits(rng, ref)
    return [
        loss_group("lsgan_loss", "ls_discriminator_loss", ["real", "fake"], inputs,
                    _reference_values(ref.ls_discriminator_loss, inputs, ["real", "fake"]),
                    ref.PUBLISHED_LOSSES["d_loss_lsgan"], LSGAN_HINT),
        loss_group("lsgan_loss", "ls_generator_loss", ["fake"], inputs,
                    _reference_values(ref.ls_generator_loss, inputs, ["fake"]), ref.PUBLISHED_LOSSES["g_loss_lsgan"], LSGAN_HINT),
    ]


LOOP_BATCHES = 3


# The vanilla GAN of the notebook, trained briefly with the student's parts and run_a_gan.
BRIEF = brief.BriefTraining(
    recipe={
        "networks": [{"role": "D", "build": "discriminator", "kwarg_options": [{}]},
                     {"role": "G", "build": "generator", "kwarg_options": [{}]}],
        "optimizers": {"per_network": "get_optimizer"},
        "loop": {
            "function": "run_a_gan",
            "args": [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1},
                     {"notebook": "discriminator_loss"}, {"notebook": "generator_loss"},
                     {"loader": True, "parameter": "loader_train"}],
            "kwargs": {"show_every": {"value": 10**9}, "batch_size": {"value": BATCH},
                       "noise_size": {"value": NOISE_DIM}, "num_epochs": {"value": 1}},
        },
        "watch": {"discriminator_loss": ["d_loss"], "generator_loss": ["g_loss"]},
        "data": {"layout": "flat", "range": "unit"},
        # G is sampled on the notebook's own sample_noise, the noise run_a_gan trained it on.
        "sample": {"network": "G", "noise": "uniform", "z_dim": NOISE_DIM, "range": "tanh",
                   "noise_function": "sample_noise"},
        "batch_size": BATCH,
    },
    steps={"cpu": 1500, "cuda": 6000},
)


def training_groups(rng, brief_context):
    """run_a_gan watched with spy networks, solvers and loader; and the vanilla GAN trained briefly."""
    batches = {f"batch{i}": rng.uniform(0, 1, (BATCH, 784)).astype(np.float32) for i in range(LOOP_BATCHES)}
    for batch in batches.values():
        batch[:, :2] = [0.0, 1.0]  # exact ends, so raw and rescaled images are told apart
    code = kernel_call("observe_gan_loop", module="spies", name="run_a_gan", batch_size=BATCH, noise_size=NOISE_DIM)
    loop = CheckGroup(Probe("training_loop", code, batches, timeout=60.0), judge_gan_loop,
                      hint_on_error="run_a_gan must run one epoch over loader_train with the D, G and solvers it is given")
    return [loop, brief.digits_quality_group(BRIEF, brief_context)]


def _iterations(events: list[dict]) -> list[list[dict]]:
    """The loop's events split at each batch it drew."""
    iterations: list[list[dict]] = []
    for event in events:
        if event["kind"] == "batch":
            iterations.append([])
        elif iterations:
            iterations[-1].append(event)
    return iterations


def judge_gan_loop(result) -> list[Outcome]:
    iterations = _iterations(result.info["events"])
    kinds = [[e["kind"] for e in it] for it in iterations]
    steps_ok = len(iterations) == LOOP_BATCHES and all(k.count("D_solver.step") == 1 and k.count("G_solver.step") == 1 for k in kinds)
    wrong_loss, attached, raw, unscaled = set(), set(), set(), set()
    last_loss = None
    for number, iteration in enumerate(iterations, start=1):
        in_d_phase, saw_scaled = True, False
        for event in iteration:
            kind = event["kind"]
            if kind in ("discriminator_loss", "generator_loss"):
                last_loss = kind
            elif kind == "D.forward" and in_d_phase:
                if event["attached"]:
                    attached.add(number)
                if event.get("real_raw"):
                    raw.add(number)
                saw_scaled |= bool(event.get("real_scaled"))
            elif kind.endswith("_solver.step"):
                network = kind[0]
                if last_loss != ("discriminator_loss" if network == "D" else "generator_loss"):
                    wrong_loss.add(number)
                in_d_phase = in_d_phase and network != "D"
        if not saw_scaled:
            unscaled.add(number)
    hint_steps = "per batch: D_solver steps after the discriminator loss, then G_solver after the generator loss"
    return [
        holds("one D step and one G step per batch", steps_ok, f"{LOOP_BATCHES} batches, each with one D_solver.step and one G_solver.step",
              "; ".join(f"batch {i + 1}: {k.count('D_solver.step')} D, {k.count('G_solver.step')} G steps" for i,
                        k in enumerate(kinds)) or "no batches drawn",
              hint_steps),
        holds("each solver steps on its own loss", not wrong_loss,
              "D_solver.step after discriminator_loss, G_solver.step after generator_loss",
              f"a step after the other network's loss in batch(es) {sorted(wrong_loss)}", hint_steps),
        holds("D step on detached fakes", not attached, "generated images detached from G in the D step",
              f"D given images attached to G's graph in batch(es) {sorted(attached)}", "use G(z).detach() for the discriminator's step"),
        holds("real images rescaled to [-1, 1]", not (raw or unscaled), "D fed 2 * (x - 0.5) for the real batch",
              f"raw [0, 1] images in batch(es) {sorted(raw | unscaled)}", "D sees real images in the generator's range: 2 * (x - 0.5)"),
        *loop_outcomes(result.info["steps"], {0: "D", 1: "G"}),
    ]


def inline_minimax_groups(rng):
    ref = _reference()
    def judge(result):
        expected = np.asarray(ref.INLINE_Q1, dtype=np.float64)
        seen = result.outputs["value"]
        if seen.shape != expected.shape:
            return [equal("six (x_t, y_t) pairs", expected.shape, seen.shape,
                          "give six pairs, t = 1..6, starting after (x_0, y_0) = (1, 1)")]
        wrong = [t + 1 for t in range(len(expected)) if not np.allclose(seen[t], expected[t])]
        return [holds("the alternating steps", not wrong, "the pairs of six alternating steps", f"step(s) {wrong} differ",
                      "y moves first by gradient ascent on xy, then x by gradient descent using the new y, step size 1")]

    return [CheckGroup(Probe("inline_minimax", kernel_call("read_constant", name="INLINE_Q1"), {}), judge)]


def plan(rng: np.random.Generator, brief_context: BriefContext | None = None) -> dict[str, list[CheckGroup]]:
    """Every graded item's checks, on hidden inputs drawn from `rng`.

    brief_context: what brief training of BRIEF needs (the engine's); None leaves it out (not run).
    """
    from reference.models import cs231n_gan as models
    return {
        "leaky_relu": leaky_relu_groups(rng),
        "sample_noise": sample_noise_groups(rng),
        "discriminator": discriminator_groups(rng, models.Discriminator),
        "generator": generator_groups(rng, models.Generator),
        "gan_loss": gan_loss_groups(rng),
        "get_optimizer": get_optimizer_groups(rng),
        "lsgan_loss": lsgan_loss_groups(rng),
        "dc_discriminator": dc_discriminator_groups(rng, models.DCDiscriminator),
        "dc_generator": dc_generator_groups(rng, models.DCGenerator),
        "training": training_groups(rng, brief_context),
        "inline_minimax": inline_minimax_groups(rng),
    }
