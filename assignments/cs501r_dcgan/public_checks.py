"""The checks of the cs501r_dcgan pack that students may see, and its public plan.

- discriminator, generator: the student's class is built and run while every
  layer call is recorded; the weight layers' output shapes, the activations
  between them and the output are judged (the lab fixes widths and shapes,
  not kernel sizes).
- loss_functions, variable_sharing: `gan_losses` gets the grader's probe D
  and G; its values and gradients are compared with expected ones, and the
  probe D's calls and the parameters created during the call show whether
  one discriminator served both batches.
- training_subsets: `make_optimizers` on the student's own networks, and the
  student's `train` run for two iterations with spied optimizers.

`public_plan(fixtures)` runs these checks on the committed public fixtures,
judged against the values stored there. final_image (brief training) has no
public check.

Nothing here imports the reference: this file is part of the student kit
(`gangrade handout`), beside the public fixtures.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from autograder import probe_networks
from autograder.checks.layers import WEIGHT_OPS, describe, weight_layers
from autograder.checks.loops import loop_outcomes
from autograder.checks.models import fresh_network
from autograder.checks.optimizers import optimizer_outcomes
from autograder.checks.outcome import Outcome, close, equal, failed, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

Z_DIM = 100
MODEL_BATCH = 32  # images (or noise vectors) per structure probe
MAX_LEAK = 0.3    # leaky-ReLU slopes in (0, MAX_LEAK] are accepted


# The lab's layers by name, with the output shape (without the batch) each must have.
D_LAYERS = [("H0", "conv2d", (32, 14, 14)), ("H1", "conv2d", (64, 7, 7)), ("H2", "linear", (1024,)), ("H3", "linear", (1,))]
G_LAYERS = [("H1", "linear", (128 * 7 * 7,)), ("D2", "conv_transpose2d", (128, 14, 14)), ("D3", "conv_transpose2d", (1, 28, 28))]


# The activation each layer must be followed by (the next weight layer's input, or the output).
D_ACTIVATIONS = ["leaky_relu", "leaky_relu", "leaky_relu", "sigmoid"]
G_ACTIVATIONS = ["relu", "relu", "sigmoid"]
ADAM_SETTINGS = [(2e-4, (0.5, 0.999))]


# Two iterations on batches of 4 show the step pattern twice; bigger batches only cost time.
TRAIN_IMAGES, TRAIN_BATCH, TRAIN_ITERATIONS, G_STEPS = 16, 4, 2, 3


NETWORKS = [{"role": "D", "build": "Discriminator", "kwarg_options": [{}]},
            {"role": "G", "build": "Generator", "kwarg_options": [{}]}]


NORMALISATION = ("batch_norm", "layer_norm", "instance_norm", "group_norm", "dropout")  # tolerated between layers
D_HINT = ("H0: conv to (32, 14, 14); H1: conv to (64, 7, 7); H2: linear to 1024; H3: linear to 1; a leaky ReLU "
          f"(slope at most {MAX_LEAK}) after H0, H1 and H2 and a sigmoid after H3; the input is (N, 784)")


G_HINT = ("H1: linear from z to 128 * 7 * 7 and a ReLU, reshaped to (128, 7, 7); D2: transposed conv to (128, 14, 14) "
          "and a ReLU; D3: transposed conv to (1, 28, 28) and a sigmoid; flattened to (N, 784)")


def _blocks(trace: list[dict]) -> list[list[dict]]:
    """The other layers (activations, normalisation) run after each weight layer, before the next one."""
    blocks: list[list[dict]] = []
    for entry in trace:
        if entry["op"] in WEIGHT_OPS:
            blocks.append([])
        elif blocks:
            blocks[-1].append(entry)
    return blocks


def _activation(entry: dict) -> str:
    """An activation as judged: a leaky ReLU of slope 0 is a ReLU."""
    if entry["op"] == "leaky_relu" and entry.get("slope") == 0:
        return "relu"
    return entry["op"]


def _shown(entry: dict) -> str:
    slope = entry.get("slope")
    return f"{entry['op']} (slope {slope:g})" if entry["op"] == "leaky_relu" and slope is not None else entry["op"]


def layer_outcome(check: str, names_and_layers: list, trace: list[dict], hint: str) -> Outcome:
    """The weight layers have the lab's ops and output shapes, in order; the first that differs is named."""
    seen = weight_layers(trace)
    for (name, op, shape), got in zip(names_and_layers, seen):
        if (op, shape) != got:
            return failed(check, f"{name} to be {describe((op, shape))}", describe(got), hint)
    if len(seen) < len(names_and_layers):
        name, op, shape = names_and_layers[len(seen)]
        return failed(check, f"{name} to be {describe((op, shape))}", f"no weight layer after the first {len(seen)}", hint)
    if len(seen) > len(names_and_layers):
        names = ", ".join(name for name, _, _ in names_and_layers)
        extra = ", ".join(describe(layer) for layer in seen[len(names_and_layers):])
        return failed(check, f"{len(names_and_layers)} weight layers ({names})", f"{len(seen)}, the extra {extra}", hint)
    return Outcome(check, True)


def activation_outcomes(names_and_layers: list, wanted: list[str], trace: list[dict], hint: str) -> list[Outcome]:
    """Exactly the lab's activation after each weight layer (normalisation and dropout may sit beside it)."""
    blocks = _blocks(trace)
    if len(blocks) != len(names_and_layers):
        return []  # the layer check names what is missing or extra
    outcomes = []
    for (name, _, _), want, block in zip(names_and_layers, wanted, blocks):
        activations = [entry for entry in block if entry["op"] not in NORMALISATION]
        ok = [_activation(entry) for entry in activations] == [want]
        if ok and want == "leaky_relu":
            ok = 0 < activations[0].get("slope", 0.01) <= MAX_LEAK
        expected = f"a leaky ReLU with slope in (0, {MAX_LEAK}]" if want == "leaky_relu" else f"a {want}"
        outcomes.append(holds(f"activation after {name}", ok, expected,
                              ", ".join(_shown(entry) for entry in activations) or "none", hint))
    return outcomes


def output_outcomes(seen: np.ndarray, shape: tuple[int, ...], what: str, hint: str) -> list[Outcome]:
    low, high = (float(seen.min()), float(seen.max())) if seen.size else (float("nan"), float("nan"))
    return [
        equal("output shape", shape, tuple(seen.shape), f"return {what} of shape {shape}"),
        holds("output in (0, 1)", bool(seen.size) and bool(np.all((seen > 0) & (seen < 1))),
              "every value strictly between 0 and 1", f"values from {low:.3g} to {high:.3g}", hint),
    ]


def _network_group(probe_name: str, build: str, layers: list, activations: list[str], inputs: dict,
                   shape: tuple[int, ...], what: str, hint: str) -> CheckGroup:
    """The class built with no arguments and run on inputs["x"] while its layers are recorded."""
    code = kernel_call("observe_layers", module="layers", name=build, kwarg_options=[{}], input_keys=["x"], train=False)

    def judge(result):
        trace = result.info["x_layers"]
        return ([fresh_network(result.info, build), layer_outcome("layers", layers, trace, hint)]
                + activation_outcomes(layers, activations, trace, hint)
                + output_outcomes(result.outputs["x_out"], shape, what, "end with a sigmoid"))

    return CheckGroup(Probe(probe_name, code, inputs), judge,
                      hint_on_error=f"{build}() must build without arguments and take a batch of shape {inputs['x'].shape}")


def discriminator_groups(rng: np.random.Generator) -> list[CheckGroup]:
    inputs = {"x": rng.uniform(0, 1, (MODEL_BATCH, 784)).astype(np.float32)}  # flat images, as the lab feeds them
    return [_network_group("discriminator", "Discriminator", D_LAYERS, D_ACTIVATIONS, inputs, (MODEL_BATCH, 1),
                           "one probability per image", D_HINT)]


def generator_groups(rng: np.random.Generator) -> list[CheckGroup]:
    inputs = {"x": rng.uniform(-1, 1, (MODEL_BATCH, Z_DIM)).astype(np.float32)}  # the lab's z ~ U(-1, 1)
    return [_network_group("generator", "Generator", G_LAYERS, G_ACTIVATIONS, inputs, (MODEL_BATCH, 784),
                           "one flat image per noise vector", G_HINT)]


PROBE_NETWORKS = {
    "D": {"builder": "mnist_discriminator", "kwargs": {"seed": 0, "output": "probability"}, "prefix": "probe_d"},
    "G": {"builder": "mnist_generator", "kwargs": {"seed": 0, "z_dim": Z_DIM, "output": "sigmoid"}, "prefix": "probe_g"},
}


VALUE_RTOL, VALUE_ATOL, GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-6, 1e-3, 1e-6  # float32 in the kernel, float64 here


LOSS_HINT = ("d_loss = -mean(log D(x) + log(1 - D(G(z)))), g_loss = -mean(log D(G(z))), with the D, G, z and "
             "true_images passed in; sample_images = G(z)")


ACC_HINT = ("d_acc: the fraction of right decisions over the real and the generated images together, a real "
            "image right when D(x) > 0.5 and a generated one when D(G(z)) < 0.5")


SHARING_HINT = "score the real and the generated images with the one D passed in; do not copy it or build another"


class Expected(NamedTuple):
    """The reference's gan_losses on the probe networks; gradients per parameter, in registration order."""
    d_loss: float
    g_loss: float
    d_acc: float
    sample_images: np.ndarray
    d_loss_grad_d: list[np.ndarray]
    g_loss_grad_g: list[np.ndarray]
    real_half_grad_d: list[np.ndarray] | None  # of -mean(log D(x)) alone: d_loss when the fakes meet another D


def _probe_parameters(role: str) -> list[str]:
    """The probe network's parameter names, in the order call_with_probes reports their gradients."""
    spec = PROBE_NETWORKS[role]
    return [name for name, _ in getattr(probe_networks, spec["builder"])(**spec["kwargs"]).named_parameters()]


def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def _gradient(out: dict, result: str, role: str) -> np.ndarray:
    return _flat(out[f"{result}.grad.{role}.{i}"] for i in range(len(_probe_parameters(role))))


def _reaches(info: dict, result: str, role: str) -> bool:
    return result in info["unreached"] and role not in info["unreached"][result]


def loss_outcomes(result, expected: Expected) -> list[Outcome]:
    """loss_functions: the four results and the gradients that train each network."""
    out, info = result.outputs, result.info
    outcomes = [close("d_loss", expected.d_loss, out.get("d_loss"), VALUE_RTOL, VALUE_ATOL, LOSS_HINT),
                close("g_loss", expected.g_loss, out.get("g_loss"), VALUE_RTOL, VALUE_ATOL, LOSS_HINT),
                close("d_acc", expected.d_acc, out.get("d_acc"), VALUE_RTOL, VALUE_ATOL, ACC_HINT),
                close("sample_images", expected.sample_images, out.get("sample_images"), VALUE_RTOL, VALUE_ATOL,
                      "return G(z) for the z passed in as sample_images")]
    for name, role, grad in (("d_loss", "D", expected.d_loss_grad_d), ("g_loss", "G", expected.g_loss_grad_g)):
        reached = _reaches(info, name, role)
        outcomes.append(holds(f"{name} reaches {role}", reached, f"a tensor {name} with gradients into {role}'s parameters",
                              f"a {info['types'].get(name)} with no gradient into {role}",
                              f"return {name} as a tensor and do not detach the path from it to {role}"))
        if reached:
            outcomes.append(close(f"{name} gradient on {role}'s parameters", _flat(grad), _gradient(out, name, role),
                                  GRAD_RTOL, GRAD_ATOL, LOSS_HINT))
    return outcomes


def sharing_outcomes(result, expected: Expected, n: int) -> list[Outcome]:
    """variable_sharing: one discriminator, the one passed in, scored both batches."""
    out, info = result.outputs, result.info
    calls = info["calls"]["D"]
    shapes = ", ".join(str(tuple(call["shape"])) for call in calls)
    outcomes = [
        equal("no parameters created inside gan_losses", 0, info["parameters_registered"], SHARING_HINT),
        holds("D scores both batches", sum(call["shape"][0] for call in calls if call["shape"]) >= 2 * n,
              f"D called on {2 * n} rows in all ({n} real and {n} generated images)",
              f"calls on batches of shapes {shapes}" if calls else "no call of D", SHARING_HINT),
    ]
    carries = "d_loss" in info["unreached"] and set(info["unreached"]["d_loss"]) != set(PROBE_NETWORKS)
    if not carries:
        return outcomes  # no gradient to judge: sharing rests on D's calls (loss_functions asks for the gradient)
    if not close("d_loss", expected.d_loss, out.get("d_loss"), VALUE_RTOL, VALUE_ATOL, LOSS_HINT).passed:
        return outcomes + [holds("d_loss reaches D", _reaches(info, "d_loss", "D"), "gradient of d_loss on D's parameters",
                                 "none", SHARING_HINT)]  # a wrong formula is loss_functions' failure, not sharing's
    seen = _gradient(out, "d_loss", "D")
    gradient = close("both halves of d_loss train D", _flat(expected.d_loss_grad_d), seen, GRAD_RTOL, GRAD_ATOL, SHARING_HINT)
    if not gradient.passed and expected.real_half_grad_d is not None and np.allclose(
            seen, _flat(expected.real_half_grad_d), rtol=GRAD_RTOL, atol=GRAD_ATOL):
        gradient = failed(gradient.check, "the gradient of both halves of d_loss on D's parameters",
                          "the gradient of the real half only: the generated images went through another discriminator",
                          SHARING_HINT)
    return outcomes + [gradient]


def loss_and_sharing_groups(inputs: dict[str, np.ndarray], expected: Expected, n: int) -> tuple[list[CheckGroup], list[CheckGroup]]:
    """One call of gan_losses(D, G, z, true_images) with the probe networks, judged for both items."""
    code = kernel_call("call_with_probes", module="probe_calls", name="gan_losses", networks=PROBE_NETWORKS,
                       args=[{"network": "D"}, {"network": "G"}, {"input": "z"}, {"input": "true_images"}],
                       results=["d_loss", "g_loss", "d_acc", "sample_images"], dtype="float32")
    probe = Probe("gan_losses", code, inputs)
    hint = "gan_losses(D, G, z, true_images) must return (d_loss, g_loss, d_acc, sample_images) for any D and G"
    return ([CheckGroup(probe, lambda result: loss_outcomes(result, expected), hint_on_error=hint)],
            [CheckGroup(probe, lambda result: sharing_outcomes(result, expected, n), hint_on_error=hint)])


OPTIMIZER_HINT = "torch.optim.Adam(..., lr=2e-4, betas=(0.5, 0.999)) for each network"
ROLE_OF_OPTIMIZER = {0: "D", 1: "G"}  # make_optimizers(D, G) -> (d_optim, g_optim)
LOOP_ARGS = [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"input": "images"}]


def judge_optimizers(result) -> list[Outcome]:
    reports = result.info["optimizers"]
    if len(reports) != 2:
        return [equal("number of optimizers returned", 2, len(reports), "return the pair (d_optim, g_optim)")]
    return (optimizer_outcomes(reports[0], "D", ADAM_SETTINGS, OPTIMIZER_HINT, label="d_optim (first returned)")
            + optimizer_outcomes(reports[1], "G", ADAM_SETTINGS, OPTIMIZER_HINT, label="g_optim (second returned)"))


def judge_loop(result) -> list[Outcome]:
    events = result.info["events"]
    steps = [ROLE_OF_OPTIMIZER.get(e["optimizer"], "?") for e in events if e["kind"] == "step"]
    expected = (["D"] + ["G"] * G_STEPS) * TRAIN_ITERATIONS
    return loop_outcomes(events, ROLE_OF_OPTIMIZER) + [
        holds(f"one D step then {G_STEPS} G steps per iteration", steps == expected,
              f"{' '.join(expected)} in {TRAIN_ITERATIONS} iterations", " ".join(steps) or "no steps",
              f"per iteration: d_optim.step() once, then g_optim.step() {G_STEPS} times (g_steps={G_STEPS})"),
    ]


def training_subsets_groups(rng: np.random.Generator) -> list[CheckGroup]:
    """make_optimizers on the student's own networks, and two iterations of train with spied optimizers."""
    factory = kernel_call("optimizers_of_networks", module="training_spies", factory="make_optimizers", networks=NETWORKS)
    images = {"images": rng.uniform(0, 1, (TRAIN_IMAGES, 784)).astype(np.float32)}
    loop = kernel_call("observe_training", module="training_spies", train="train", networks=NETWORKS,
                       factory="make_optimizers", args=LOOP_ARGS,
                       kwargs={"iterations": {"value": TRAIN_ITERATIONS}, "batch_size": {"value": TRAIN_BATCH}})
    return [
        CheckGroup(Probe("make_optimizers", factory, {}), judge_optimizers,
                   hint_on_error="make_optimizers(D, G) must return (d_optim, g_optim) for your own networks"),
        CheckGroup(Probe("train_loop", loop, images, timeout=60.0), judge_loop,
                   hint_on_error=f"train(D, G, d_optim, g_optim, images, iterations={TRAIN_ITERATIONS}, "
                                 f"batch_size={TRAIN_BATCH}) must run on flat images of shape (N, 784)"),
    ]


def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The public checks, on the committed fixtures (grading_fixtures/cs501r_dcgan/public.npz).

    The networks and the training subsets are judged against the lab's
    shapes and settings, which need no reference; gan_losses against the
    values stored in the fixtures. The final image has no public check.
    """
    rng = np.random.default_rng(0)
    inputs = {key: value for key, value in fixtures.items() if key.startswith(("probe_d/", "probe_g/"))}
    inputs.update(z=fixtures["z"], true_images=fixtures["true_images"])
    expected = Expected(
        float(fixtures["d_loss"]), float(fixtures["g_loss"]), float(fixtures["d_acc"]), fixtures["sample_images"],
        [fixtures[f"d_loss_grad_d/{name}"] for name in _probe_parameters("D")],
        [fixtures[f"g_loss_grad_g/{name}"] for name in _probe_parameters("G")],
        None,
    )
    return plan_items(rng, *loss_and_sharing_groups(inputs, expected, len(fixtures["z"])))


def plan_items(rng: np.random.Generator, loss_functions: list[CheckGroup],
               variable_sharing: list[CheckGroup]) -> dict[str, list[CheckGroup]]:
    """The items both plans share, around their own loss cases (`rng` draws the networks' inputs)."""
    return {
        "discriminator": discriminator_groups(rng),
        "generator": generator_groups(rng),
        "loss_functions": loss_functions,
        "variable_sharing": variable_sharing,
        "training_subsets": training_subsets_groups(rng),
    }
