"""The checks of the cs231n_gan pack that students may see, and its public plan.

Each item's judges take their expected values as arguments;
`public_plan(fixtures)` gives them the values stored in the committed public
fixtures. It is what `gangrade check` and the notebook's `check(...)` cells
run. The `training` item is graded by brief training and has no public
check.

Nothing here imports the reference: this file is part of the student kit
(`gangrade handout`), beside the public fixtures.
"""
from __future__ import annotations

import numpy as np

from autograder.checks.models import fresh_network, same_function, student_parameters
from autograder.checks.outcome import close, equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

BATCH = 128  # the notebook's batch size: models may be fixed to it (Unflatten(batch_size, ...))
NOISE_DIM = 96
NOISE_SEED = 1234
COUNTS = {"discriminator": 267009, "generator@4": 1858320, "dc_discriminator": 1102721, "dc_generator@4": 6580801}
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

    return CheckGroup(Probe(probe_name, code, inputs), judge,
                      hint_on_error=f"{name}() must build the network and run on a batch of {BATCH}")


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


def loss_group(item, name, keys, inputs, expected, published, hint, rtol=1e-5) -> CheckGroup:
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
        return loss_group(item, name, keys, logits, (fixtures[value], [fixtures[g] for g in grads]),
                           float(fixtures[published]), hint)

    return {
        "leaky_relu": [CheckGroup(Probe("leaky_relu", kernel_call("call_on_tensors", name="leaky_relu",
                                                                  calls=[["x0"]]), lrelu), judge_lrelu)],
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
