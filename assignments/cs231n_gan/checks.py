"""Checks of the cs231n_gan pack: hidden (`plan`) and public (`public_plan`).

`plan(rng)` draws fresh hidden inputs and returns, per rubric item, the
probes to run in the student's kernel and the judges of what they return.
Expected values come from the reference (`reference.packs.cs231n_gan`) in
the grader's process, imported only when a hidden plan is made.

`public_plan(fixtures)` is what `gangrade check` and the notebook's
`check(...)` cells run: the same probes on the committed public fixtures,
judged against the expected values stored there, so students need no
reference. The `training` item is graded by brief training.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.checks import brief
from autograder.checks.loops import loop_outcomes
from autograder.checks.models import fresh_network, same_function, student_parameters
from autograder.checks.outcome import Outcome, close, equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

BATCH = 128  # the notebook's batch size: models may be fixed to it (Unflatten(batch_size, ...))
NOISE_DIM = 96
NOISE_SEED = 1234
COUNTS = {"discriminator": 267009, "generator@4": 1858320, "dc_discriminator": 1102721, "dc_generator@4": 6580801}


def _reference():
    """The reference's cs231n_gan module (hidden plans only: students do not have it)."""
    from reference.packs import cs231n_gan

    return cs231n_gan


# ---------------------------------------------------------------- leaky_relu

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
        CheckGroup(Probe("leaky_relu_alpha", kernel_call("call_on_tensors", name="leaky_relu", calls=[["x1"]], kwargs={"alpha": 0.2}), inputs), judge_alpha, 1),
    ]


# -------------------------------------------------------------- sample_noise

NOISE_SHAPES = [[3, 4], [128, 96], [4000, 50]]


def sample_noise_groups(rng: np.random.Generator) -> list[CheckGroup]:
    def judge(result):
        out, info = result.outputs, result.info
        big = out["shape2"].astype(np.float64).ravel()
        outcomes = [
            equal(f"shape of sample_noise{tuple(s)}", tuple(s), out[f"shape{i}"].shape, "return shape (batch_size, dim)")
            for i, s in enumerate(NOISE_SHAPES)
        ]
        outcomes += [
            holds("returns a float tensor", info["is_tensor"] and "float" in info["dtype"], "a torch float tensor",
                  info["dtype"], "build the noise with torch (torch.rand), not numpy"),
            holds("range", bool(np.all(np.abs(big) <= 1.0)), "values in [-1, 1]",
                  f"values from {big.min():.3g} to {big.max():.3g}", "scale U[0, 1) samples to (-1, 1): 2 * u - 1"),
            holds("both signs", bool((big < 0).any() and (big > 0).any()), "negative and positive values",
                  f"min {big.min():.3g}, max {big.max():.3g}", "centre the noise on 0"),
            holds("not constant", float(big.std()) > 0.1, "spread-out values", f"standard deviation {big.std():.3g}",
                  "draw random values, do not fill a constant"),
            holds("fresh each call", not np.array_equal(out["shape2"], out["again"]), "two calls to differ",
                  "the same values twice", "do not reseed the generator on every call unless a seed is given"),
            _uniformity(big),
        ]
        if info["takes_seed"]:
            outcomes.append(holds("seed reproduces", np.array_equal(out["seeded_a"], out["seeded_b"]),
                                  "identical draws for the same seed", "different draws",
                                  "when seed is given, call torch.manual_seed(seed) before drawing"))
        return outcomes

    code = kernel_call("sample_noise_draws", name="sample_noise", shapes=NOISE_SHAPES, seed=NOISE_SEED)
    return [CheckGroup(Probe("sample_noise", code, {}), judge)]


def _uniformity(values: np.ndarray):
    # 200,000 draws: the bin fractions of U(-1, 1) have a standard deviation of
    # about 0.0007 and the mean about 0.0013, so these bounds are > 7 sigma.
    fractions = np.histogram(values, bins=10, range=(-1, 1))[0] / len(values)
    uniform = bool(np.all(np.abs(fractions - 0.1) < 0.005)) and abs(values.mean()) < 0.01
    return holds("roughly uniform", uniform, "about 10% of values in each tenth of (-1, 1)",
                 "bin fractions " + " ".join(f"{f:.2f}" for f in fractions),
                 "draw from a uniform distribution (torch.rand), not a normal one")


# ------------------------------------------------------------- the networks

def _model_group(name, probe_name, kwarg_options, inputs, layouts, reference_factory, count, train, hint,
                 check_output) -> CheckGroup:
    code = kernel_call("observe_model", name=name, kwarg_options=kwarg_options, input_keys=sorted(inputs),
                       layouts=layouts, train=train)

    def judge(result):
        info, out = result.info, result.outputs
        params = student_parameters(out, info)
        outcomes = [fresh_network(info, name)] + ([] if count is None else [
            equal("parameter count", count, info["parameter_count"], "count the layers and their sizes against the notebook's list")])
        for key in sorted(inputs):
            seen = out[f"{key}_out"]
            if reference_factory is not None:  # public checks have no reference network
                outcomes.append(same_function("layer sequence", reference_factory(), params, inputs[key], seen, train, hint))
            outcomes += check_output(seen, len(inputs[key]))
        return outcomes

    return CheckGroup(Probe(probe_name, code, inputs), judge, hint_on_error=f"{name}() must build the network and run on a batch of {BATCH}")


def _logits(seen, n):
    return [
        equal("output shape", (n, 1), tuple(seen.shape), "return one logit per image, shape (N, 1)"),
        holds("logits not squashed", bool((seen < 0).any() or (seen > 1).any()), "raw scores (logits)",
              "every score in [0, 1]", "do not end with a sigmoid: the loss takes logits"),
    ]


def _images(seen, n):
    return [
        equal("output size", n * 784, int(seen.size), "return N images of 784 values: (N, 784) or (N, 1, 28, 28)"),
        holds("range [-1, 1]", bool(np.all(np.abs(seen) <= 1.0)), "values in [-1, 1]",
              f"values from {seen.min():.3g} to {seen.max():.3g}", "end with a tanh"),
    ]


def _counted(name, probe_name, kwargs, z_dim, count) -> CheckGroup:
    """A generator's parameter count at a small noise_dim (the notebook's test)."""
    code = kernel_call("observe_model", name=name, kwarg_options=[kwargs], input_keys=["z"], train=True)

    def judge(result):
        return [equal(f"parameter count at noise_dim={z_dim}", count, result.info["parameter_count"],
                      "noise_dim sets the first layer's input size; the rest follows the notebook's list")]

    inputs = {"z": np.random.default_rng(0).uniform(-1, 1, (BATCH, z_dim)).astype(np.float32)}
    return CheckGroup(Probe(probe_name, code, inputs), judge, weight=1, hint_on_error=f"{name}({kwargs}) must build")


def discriminator_groups(rng, reference_factory):
    x = {"x": rng.uniform(-3, 3, (BATCH, 784)).astype(np.float32)}
    return [_model_group("discriminator", "discriminator", [{}], x, ["flat", "nchw"], reference_factory, COUNTS["discriminator"], False,
                         "Linear 784-256, LeakyReLU(0.01), Linear 256-256, LeakyReLU(0.01), Linear 256-1", _logits)]


def generator_groups(rng, reference_factory):
    z = {"z": rng.uniform(-1, 1, (BATCH, NOISE_DIM)).astype(np.float32)}
    return [
        _counted("generator", "generator_count", {"noise_dim": 4}, 4, COUNTS["generator@4"]),
        _model_group("generator", "generator", [{}], z, None, reference_factory, None, False,
                     "Linear nd-1024, ReLU, Linear 1024-1024, ReLU, Linear 1024-784, Tanh", _images),
    ]


def dc_discriminator_groups(rng, reference_factory):
    x = {"x": rng.uniform(-3, 3, (BATCH, 784)).astype(np.float32)}
    return [_model_group("build_dc_classifier", "dc_discriminator", [{"batch_size": BATCH}, {}], x, ["nchw", "flat"],
                         reference_factory, COUNTS["dc_discriminator"], False,
                         "Conv 1-32 5x5, LeakyReLU(0.01), MaxPool 2, Conv 32-64 5x5, LeakyReLU, MaxPool 2, Flatten, "
                         "Linear 1024-1024, LeakyReLU, Linear 1024-1", _logits)]


def dc_generator_groups(rng, reference_factory):
    z = {"z": rng.uniform(-1, 1, (BATCH, NOISE_DIM)).astype(np.float32)}
    return [
        _counted("build_dc_generator", "dc_generator_count", {"noise_dim": 4}, 4, COUNTS["dc_generator@4"]),
        _model_group("build_dc_generator", "dc_generator", [{}], z, None, reference_factory, None, True,
                     "Linear nd-1024, ReLU, BatchNorm1d, Linear 1024-6272, ReLU, BatchNorm1d, reshape (128, 7, 7), "
                     "ConvTranspose 128-64 4x4 stride 2 pad 1, ReLU, BatchNorm2d, ConvTranspose 64-1, Tanh (ReLU before each BatchNorm)",
                     _images),
    ]


# ------------------------------------------------------------------- losses

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


def _loss_group(item, name, keys, inputs, expected, published, hint, rtol=1e-5) -> CheckGroup:
    """One loss function called on `inputs[keys]` (and on the published logits when `published` is given).

    expected: (value, gradients or None); published: the notebook's published value, or None.
    """
    calls = [keys] + ([["pub_" + key for key in keys]] if published is not None else [])

    def judge(result):
        value, grads = expected
        outcomes = [close(f"{name} value", value, result.outputs.get("call0"), rtol, 1e-7, hint)]
        outcomes += [close(f"{name} gradient wrt {key}", grad, result.outputs.get(f"call0_grad{j}"), 1e-4, 1e-8, hint)
                     for j, (key, grad) in enumerate(zip(keys, grads or []))]
        if published is not None:
            outcomes.append(close(f"{name} on the notebook's published logits", published,
                                  result.outputs.get("call1"), PUBLISHED_RTOL, 0.0, hint))
        return outcomes

    code = kernel_call("call_on_tensors", name=name, calls=calls, with_grad=True)
    return CheckGroup(Probe(f"{item}_{name}", code, inputs), judge)


PUBLISHED_RTOL = 1e-7
GAN_HINT = ("binary cross-entropy on logits, averaged separately over real and fake (targets 1 and 0), "
            "computed stably (e.g. with bce_loss or binary_cross_entropy_with_logits)")
LSGAN_HINT = "0.5 * mean((s_real - 1)^2) + 0.5 * mean(s_fake^2); generator 0.5 * mean((s_fake - 1)^2)"


def gan_loss_groups(rng):
    ref = _reference()
    inputs = _hidden_logits(rng, ref)
    return [
        _loss_group("gan_loss", "discriminator_loss", ["real", "fake"], inputs,
                    _reference_values(ref.discriminator_loss, inputs, ["real", "fake"]), ref.PUBLISHED_LOSSES["d_loss"], GAN_HINT),
        _loss_group("gan_loss", "generator_loss", ["fake"], inputs,
                    _reference_values(ref.generator_loss, inputs, ["fake"]), ref.PUBLISHED_LOSSES["g_loss"], GAN_HINT),
    ]


def lsgan_loss_groups(rng):
    ref = _reference()
    inputs = _hidden_logits(rng, ref)
    return [
        _loss_group("lsgan_loss", "ls_discriminator_loss", ["real", "fake"], inputs,
                    _reference_values(ref.ls_discriminator_loss, inputs, ["real", "fake"]),
                    ref.PUBLISHED_LOSSES["d_loss_lsgan"], LSGAN_HINT),
        _loss_group("lsgan_loss", "ls_generator_loss", ["fake"], inputs,
                    _reference_values(ref.ls_generator_loss, inputs, ["fake"]), ref.PUBLISHED_LOSSES["g_loss_lsgan"], LSGAN_HINT),
    ]


# ---------------------------------------------------------------- optimizer

def get_optimizer_groups(rng):
    def judge(result):
        outcomes = []
        for n, report in enumerate(result.info["optimizers"], start=1):
            settings = {(g["lr"], tuple(g["betas"] or ())) for g in report["groups"]}
            outcomes += [
                holds(f"model {n}: Adam", report["is_adam"], "torch.optim.Adam", report["class"], "use torch.optim.Adam"),
                holds(f"model {n}: lr and betas", settings == {(1e-3, (0.5, 0.999))}, "lr=1e-3, betas=(0.5, 0.999)",
                      ", ".join(f"lr={lr}, betas={betas}" for lr, betas in sorted(settings, key=repr)) or "no parameter groups",
                      "pass lr=1e-3 and betas=(0.5, 0.999)"),
                holds(f"model {n}: steps exactly that model's parameters",
                      report["owned"] == list(range(report["own_parameters"])) and not report["foreign"] and not report["duplicates"],
                      f"all {report['own_parameters']} parameters of the model passed in, and nothing else",
                      f"{len(report['owned'])} of them, {report['foreign']} other tensors, {report['duplicates']} repeated",
                      "build the optimizer over model.parameters() of the model argument"),
            ]
        return outcomes

    return [CheckGroup(Probe("get_optimizer", kernel_call("optimizer_for_probes", name="get_optimizer"), {}), judge)]


# ------------------------------------------------------------------ training

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
        "sample": {"network": "G", "noise": "uniform", "z_dim": NOISE_DIM, "range": "tanh"},
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
              "; ".join(f"batch {i + 1}: {k.count('D_solver.step')} D, {k.count('G_solver.step')} G steps" for i, k in enumerate(kinds)) or "no batches drawn",
              hint_steps),
        holds("each solver steps on its own loss", not wrong_loss, "D_solver.step after discriminator_loss, G_solver.step after generator_loss",
              f"a step after the other network's loss in batch(es) {sorted(wrong_loss)}", hint_steps),
        holds("D step on detached fakes", not attached, "generated images detached from G in the D step",
              f"D given images attached to G's graph in batch(es) {sorted(attached)}", "use G(z).detach() for the discriminator's step"),
        holds("real images rescaled to [-1, 1]", not (raw or unscaled), "D fed 2 * (x - 0.5) for the real batch",
              f"raw [0, 1] images in batch(es) {sorted(raw | unscaled)}", "D sees real images in the generator's range: 2 * (x - 0.5)"),
        *loop_outcomes(result.info["steps"], {0: "D", 1: "G"}),
    ]


# ----------------------------------------------------------- inline question

def inline_minimax_groups(rng):
    ref = _reference()
    def judge(result):
        expected = np.asarray(ref.INLINE_Q1, dtype=np.float64)
        seen = result.outputs["value"]
        if seen.shape != expected.shape:
            return [equal("six (x_t, y_t) pairs", expected.shape, seen.shape, "give six pairs, t = 1..6, starting after (x_0, y_0) = (1, 1)")]
        wrong = [t + 1 for t in range(len(expected)) if not np.allclose(seen[t], expected[t])]
        return [holds("the alternating steps", not wrong, "the pairs of six alternating steps", f"step(s) {wrong} differ",
                      "y moves first by gradient ascent on xy, then x by gradient descent using the new y, step size 1")]

    return [CheckGroup(Probe("inline_minimax", kernel_call("read_constant", name="INLINE_Q1"), {}), judge)]


def plan(rng: np.random.Generator, brief=None) -> dict[str, list[CheckGroup]]:
    """Every graded item's checks, on hidden inputs drawn from `rng`.

    brief: the engine's `spec -> BriefContext` for brief training; None leaves it out (not run).
    """
    from reference.models import cs231n as models
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
        "training": training_groups(rng, brief(BRIEF) if brief else None),
        "inline_minimax": inline_minimax_groups(rng),
    }


# ------------------------------------------------------------- public checks

def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The public checks, on the committed fixtures (grading_fixtures/cs231n_gan/public.npz).

    The networks are checked for their counts, output shapes and ranges (not
    against the reference layers, which students do not have); the inline
    question has no public check.
    """
    rng = np.random.default_rng(0)
    logits = {"real": fixtures["logits_real"], "fake": fixtures["logits_fake"],
              "pub_real": fixtures["published_logits_real"].reshape(-1, 1),
              "pub_fake": fixtures["published_logits_fake"].reshape(-1, 1)}
    lrelu = {"x0": fixtures["lrelu_x"]}

    def judge_lrelu(result):
        return [close("leaky_relu on the fixture input", fixtures["lrelu_y"], result.outputs.get("call0"), 1e-6, 1e-12,
                      "leaky ReLU is x where x >= 0 and alpha * x where x < 0, elementwise, same shape as x")]

    def loss(item, name, keys, value, grads, published, hint):
        return _loss_group(item, name, keys, logits, (fixtures[value], [fixtures[g] for g in grads]),
                           float(fixtures[published]), hint)

    return {
        "leaky_relu": [CheckGroup(Probe("leaky_relu", kernel_call("call_on_tensors", name="leaky_relu", calls=[["x0"]]), lrelu), judge_lrelu)],
        "sample_noise": sample_noise_groups(rng),
        "discriminator": discriminator_groups(rng, None),
        "generator": generator_groups(rng, None),
        "gan_loss": [
            loss("gan_loss", "discriminator_loss", ["real", "fake"], "d_loss_true", ["d_loss_grad_real", "d_loss_grad_fake"],
                 "published_d_loss", GAN_HINT),
            loss("gan_loss", "generator_loss", ["fake"], "g_loss_true", ["g_loss_grad_fake"], "published_g_loss", GAN_HINT),
        ],
        "get_optimizer": get_optimizer_groups(rng),
        "lsgan_loss": [
            loss("lsgan_loss", "ls_discriminator_loss", ["real", "fake"], "d_loss_lsgan_true", [], "published_d_loss_lsgan", LSGAN_HINT),
            loss("lsgan_loss", "ls_generator_loss", ["fake"], "g_loss_lsgan_true", [], "published_g_loss_lsgan", LSGAN_HINT),
        ],
        "dc_discriminator": dc_discriminator_groups(rng, None),
        "dc_generator": dc_generator_groups(rng, None),
    }
