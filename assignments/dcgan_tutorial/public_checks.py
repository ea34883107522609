"""The checks of the dcgan_tutorial pack that students may see, and its public plan.

- discriminator: the published parameter count, logits of shape (N, 1) that
  are not squashed, and the layer sequence: the recorded layer trace names
  the first wrong layer, and (hidden only) the reference network loaded with
  the student's weights must compute the student's outputs.
- generator: the recorded layer trace (seed ReLU, then transposed
  convolutions to (256,3,3), (128,6,6), (64,12,12), (1,28,28), BatchNorm and
  ReLU after each of the first three, tanh at the end), 5x5 kernels from the
  25-channel seed, outputs in [-1, 1], and each image a function of its own
  noise vector only (shuffling the batch shuffles the images).
- loss_functions: `losses` called with the grader's probe networks on z and
  x; values, and the gradients that train each network.
- variable_separation: `make_optimizers` on the student's own networks
  (Adam, lr 2e-4, the lr argument honoured, each over exactly its network),
  and the student's `train` watched for a few iterations: one D and one G
  update per iteration, each changing its own network only, each on the
  gradients of its own loss (cleared since the other network's backward
  pass).

`public_plan(fixtures)` runs these on the committed public fixtures
(grading_fixtures/dcgan_tutorial/public.npz). training and final_image are
brief training's, with no public check.

Nothing here imports the reference: this file is part of the student kit
(`gangrade handout`), beside the public fixtures.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder import probe_networks
from autograder.checks.layers import Layer, same_layer_shapes
from autograder.checks.loops import loop_outcomes
from autograder.checks.models import fresh_network, same_function, student_parameters
from autograder.checks.optimizers import optimizer_outcomes
from autograder.checks.outcome import Outcome, close, equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

Z_DIM = 100
BATCH = 8  # images or noise vectors per probe: at least 2 for the generator's BatchNorm, few for speed
DISCRIMINATOR_COUNT = 28577
LR = 2e-4
OTHER_LR = 1e-3  # passed to make_optimizers to see that it honours its lr argument


# The tutorial's Adam keeps TensorFlow's defaults, which are torch's; the DCGAN paper's beta1 = 0.5 is
# a common choice the contract does not rule out.
BETAS = [(0.9, 0.999), (0.5, 0.999)]
LOOP_ITERATIONS = 3
LOOP_BATCH = 4
LOOP_IMAGES = 32


DISCRIMINATOR_LAYERS: list[Layer] = [
    ("conv2d", (8, 28, 28)), ("relu", (8, 28, 28)), ("avg_pool2d", (8, 14, 14)),
    ("conv2d", (16, 14, 14)), ("relu", (16, 14, 14)), ("avg_pool2d", (16, 7, 7)),
    ("linear", (32,)), ("relu", (32,)),
    ("linear", (1,)),
]


DISCRIMINATOR_HINT = ("conv 5x5 1->8 with padding 2, ReLU, 2x2 average pool; conv 5x5 8->16 with padding 2, ReLU, "
                      "2x2 average pool; flatten; linear 784->32, ReLU; linear 32->1, no sigmoid")


GENERATOR_LAYERS: list[Layer] = [
    ("relu", None),  # on the seed: where the reshape to (25, 2, 2) happens decides this shape
    ("conv_transpose2d", (256, 3, 3)), ("batch_norm", (256, 3, 3)), ("relu", (256, 3, 3)),
    ("conv_transpose2d", (128, 6, 6)), ("batch_norm", (128, 6, 6)), ("relu", (128, 6, 6)),
    ("conv_transpose2d", (64, 12, 12)), ("batch_norm", (64, 12, 12)), ("relu", (64, 12, 12)),
    ("conv_transpose2d", (1, 28, 28)), ("tanh", None),  # tanh before or after a flatten
]


GENERATOR_KERNELS = [(25, 256, 5, 5), (256, 128, 5, 5), (128, 64, 5, 5), (64, 1, 5, 5)]
GENERATOR_HINT = ("reshape z to (N, 25, 2, 2) and apply a ReLU; then transposed conv (5x5, stride 2), BatchNorm2d, "
                  "ReLU to (256, 3, 3), (128, 6, 6) and (64, 12, 12); then a transposed conv to (1, 28, 28) and tanh")


NETWORKS = [
    {"role": "D", "build": "Discriminator", "kwarg_options": [{}]},
    {"role": "G", "build": "Generator", "kwarg_options": [{"z_dim": Z_DIM}, {}]},
]


def _reference_layout(params: list[np.ndarray], reference: torch.nn.Module) -> list[np.ndarray]:
    """The student's parameters, with x @ W weights stored (in, out), as the tutorial's tf.matmul has
    them, turned to nn.Linear's (out, in)."""
    wanted = {tuple(p.shape) for p in reference.parameters()}
    return [p.T if p.ndim == 2 and p.shape not in wanted and p.T.shape in wanted else p for p in params]


def _channels_last_flatten(params: list[np.ndarray]) -> list[np.ndarray]:
    """The first linear layer's columns reordered from a (7, 7, 16) flatten (TensorFlow's channels-last
    order, which a faithful port keeps with a permute) to PyTorch's (16, 7, 7)."""
    return [p.reshape(32, 7, 7, 16).transpose(0, 3, 1, 2).reshape(32, 784) if p.shape == (32, 784) else p
            for p in params]


def _same_discriminator(reference_factory, params, x, seen) -> Outcome:
    """The reference discriminator with the student's weights computes the student's logits on x.

    Both flatten orders are the seed's network: TensorFlow flattens (7, 7, 16), PyTorch (16, 7, 7). The
    tolerance is relative to the largest logit (same_function's default), so that networks with the
    tutorial's small initial weights (logits of order 1e-4 on images) are compared as closely as those
    with PyTorch's.
    """
    params = _reference_layout(params, reference_factory())
    outcome = None
    for candidate in (params, _channels_last_flatten(params)):
        outcome = same_function("computes the seed's network with your weights", reference_factory(), candidate,
                                x, seen, False, DISCRIMINATOR_HINT)
        if outcome.passed:
            return outcome
    return outcome


def _discriminator_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "x": rng.uniform(0, 1, (BATCH, 1, 28, 28)).astype(np.float32),  # images as the notebook feeds them
        # A ReLU network is positively homogeneous but for its biases, D(a x) ~ a D(x) for large a: inputs this
        # large give logits far outside [0, 1] even from small weights (the tutorial's std 0.02, a gain of about
        # 1e-4 over the four layers), unless the output is squashed.
        "wide": rng.uniform(-1e6, 1e6, (BATCH, 1, 28, 28)).astype(np.float32),
    }


def discriminator_groups(rng: np.random.Generator, reference_factory=None) -> list[CheckGroup]:
    inputs = _discriminator_inputs(rng)
    code = kernel_call("observe_layers", module="layers", name="Discriminator", kwarg_options=[{}],
                       input_keys=sorted(inputs), layouts=["nchw", "flat"], train=False)

    def judge(result):
        out, info = result.outputs, result.info
        wide = out["wide_out"]
        structure = same_layer_shapes("layer sequence", DISCRIMINATOR_LAYERS, info["x_layers"], DISCRIMINATOR_HINT, every_layer=True)
        if reference_factory is not None:
            computed = _same_discriminator(reference_factory, student_parameters(out, info), inputs["x"], out["x_out"])
            # The network's function is what counts; a trace that differs only names the layer to look at.
            structure = Outcome("layer sequence", True) if computed.passed else (
                computed if structure.passed else structure)
        return [
            fresh_network(info, "Discriminator"),
            equal("parameter count", DISCRIMINATOR_COUNT, info["parameter_count"],
                  "count the layers and their sizes against the list above the Discriminator cell"),
            *[equal(f"output shape for {BATCH} images", (BATCH, 1), tuple(out[f"{key}_out"].shape),
                    "return one logit per image, shape (N, 1)") for key in sorted(inputs)],
            holds("logits not squashed", bool((wide < 0).any() or (wide > 1).any()), "raw scores (logits)",
                  "every score in [0, 1] for inputs of up to +-1e6", "do not end with a sigmoid: the loss takes logits"),
            structure,
        ]

    return [CheckGroup(Probe("discriminator", code, inputs), judge,
                       hint_on_error=f"Discriminator() must build and take a batch of {BATCH} images (N, 1, 28, 28)")]


def _generator_inputs(rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    z = rng.standard_normal((BATCH, Z_DIM)).astype(np.float32)
    order = rng.permutation(BATCH)
    return {"z": z, "z_shuffled": z[order]}, order


def _transposed_kernels(out, info) -> list[tuple[int, ...]]:
    return [tuple(p.shape) for p in student_parameters(out, info) if p.ndim == 4]


def generator_groups(rng: np.random.Generator) -> list[CheckGroup]:
    inputs, order = _generator_inputs(rng)
    code = kernel_call("observe_layers", module="layers", name="Generator", kwarg_options=[{"z_dim": Z_DIM}, {}],
                       input_keys=sorted(inputs), train=True)

    def judge(result):
        out, info = result.outputs, result.info
        images, shuffled = out["z_out"], out["z_shuffled_out"]
        outcomes = [
            fresh_network(info, "Generator"),
            equal("output size", BATCH * 784, int(images.size), "return N images of 28x28: (N, 1, 28, 28)"),
            holds("range [-1, 1]", bool(np.all(np.abs(images) <= 1.0)), "values in [-1, 1]",
                  f"values from {images.min():.3g} to {images.max():.3g}", "end with a tanh"),
            same_layer_shapes("layer sequence", GENERATOR_LAYERS, info["z_layers"], GENERATOR_HINT, every_layer=True),
            equal("transposed convolution kernels", GENERATOR_KERNELS, _transposed_kernels(out, info),
                  "four nn.ConvTranspose2d with kernel_size=5: 25->256, 256->128, 128->64, 64->1 channels"),
        ]
        if images.size == BATCH * 784 and shuffled.size == images.size:
            outcomes.append(close("each image made from its own noise vector", images.reshape(BATCH, -1)[order],
                                  shuffled.reshape(BATCH, -1), 1e-4, 1e-5,
                                  "shuffling the batch of z must shuffle the images the same way: reshape with "
                                  "z.view(-1, 25, 2, 2) (batch first), never mixing values of different vectors"))
        return outcomes

    return [CheckGroup(Probe("generator", code, inputs), judge,
                       hint_on_error=f"Generator() must build and take a batch of {BATCH} noise vectors (N, {Z_DIM})")]


LOSS_HINT = ("d_loss = mean ce(D(x), 1) + mean ce(D(G(z)), 0) and g_loss = mean ce(D(G(z)), 1), with the sigmoid "
             "cross-entropy on D's logits (F.binary_cross_entropy_with_logits), using the D, G, z and x passed in")


def _probe_networks(seed: int) -> dict[str, dict]:
    return {
        "D": {"builder": "mnist_discriminator", "kwargs": {"seed": seed, "output": "logits"}, "prefix": "probe_d"},
        "G": {"builder": "mnist_generator", "prefix": "probe_g",
              "kwargs": {"seed": seed + 1, "z_dim": Z_DIM, "output": "tanh", "image_shape": (1, 28, 28)}},
    }


def loss_group(inputs: dict[str, np.ndarray], seed: int, expected: dict[str, np.ndarray]) -> CheckGroup:
    """`losses(D, G, z, x)` on the probe networks whose weights are in `inputs`.

    expected: the values `d_loss`, `g_loss` and the gradients `d_loss.grad.D` (wrt the probe D's
    parameters, flattened and concatenated) and `g_loss.grad.G` (wrt the probe G's).
    """
    code = kernel_call("call_with_probes", module="probe_calls", name="losses", networks=_probe_networks(seed),
                       args=[{"network": "D"}, {"network": "G"}, {"input": "z"}, {"input": "x"}],
                       results=["d_loss", "g_loss"])

    def gradient(out, result, role, count):
        return np.concatenate([out[f"{result}.grad.{role}.{i}"].ravel() for i in range(count)])

    def judge(result):
        out, info = result.outputs, result.info
        unreached = info["unreached"]
        outcomes = [close(f"{name} value", expected[name], out.get(name), 1e-5, 1e-6, LOSS_HINT)
                    for name in ("d_loss", "g_loss")]
        for name, role, network in (("d_loss", "D", "discriminator"), ("g_loss", "G", "generator")):
            reached = name in unreached and role not in unreached[name]
            outcomes.append(holds(f"{name} reaches the {network}", reached, f"a {name} tensor with gradients into {role}",
                                  f"a {info['types'].get(name)} with no gradient into {role}" if not reached else "",
                                  f"return tensors, and do not detach the path from {name} to {role}'s weights"))
            if reached:
                count = sum(1 for key in out if key.startswith(f"{name}.grad.{role}."))
                outcomes.append(close(f"{name} gradient wrt {role}'s parameters", expected[f"{name}.grad.{role}"],
                                      gradient(out, name, role, count), 1e-4, 1e-6, LOSS_HINT))
        return outcomes

    return CheckGroup(Probe("loss_functions", code, inputs), judge,
                      hint_on_error="losses(D, G, z, x) must return (d_loss, g_loss) for any networks D and G")


OPTIMIZERS = {0: ("trainer_d", "D"), 1: ("trainer_g", "G")}  # make_optimizers' results in order, and their networks
LR_HINT = "build each Adam with lr=lr, the function's argument, whose default is 2e-4"


def _two_optimizers(report: dict, lr: float, what: str) -> list[Outcome]:
    optimizers = report["optimizers"]
    if len(optimizers) != 2:
        return [equal(f"{what} returns two optimizers", 2, len(optimizers), "return (trainer_d, trainer_g)")]
    accepted = [(lr, betas) for betas in BETAS]
    return [outcome for index, (name, role) in OPTIMIZERS.items()
            for outcome in optimizer_outcomes(optimizers[index], role, accepted, LR_HINT, label=f"{what}: {name}")]


def _loop_outcomes(events: list[dict]) -> list[Outcome]:
    """One D update (optimizer 0) and one G update (optimizer 1) per iteration."""
    order = [e["optimizer"] for e in events if e["kind"] == "step"]
    paired = len(order) == 2 * LOOP_ITERATIONS and all(sorted(order[i:i + 2]) == [0, 1] for i in range(0, len(order), 2))
    return [
        holds("one D update and one G update per iteration", paired,
              f"{LOOP_ITERATIONS} iterations, each with one trainer_d.step() and one trainer_g.step()",
              f"{order.count(0)} trainer_d steps and {order.count(1)} trainer_g steps, in the order "
              + (" ".join(OPTIMIZERS.get(i, ("?", "?"))[1] for i in order) or "(none)"),
              "per iteration step trainer_d after d_loss.backward(), then trainer_g after g_loss.backward(); "
              "use the optimizers passed to train"),
    ]


def separation_groups(rng: np.random.Generator) -> list[CheckGroup]:
    images = {"images": rng.uniform(0, 1, (LOOP_IMAGES, 1, 28, 28)).astype(np.float32)}
    factory = kernel_call("optimizers_of_networks", module="training_spies", factory="make_optimizers",
                          networks=NETWORKS)
    honoured = kernel_call("optimizers_of_networks", module="training_spies", factory="make_optimizers",
                           networks=NETWORKS, factory_kwargs={"lr": OTHER_LR})
    loop = kernel_call("observe_training", module="training_spies", train="train", networks=NETWORKS,
                       factory="make_optimizers",
                       args=[{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"input": "images"}],
                       kwargs={"iterations": {"value": LOOP_ITERATIONS}, "batch_size": {"value": LOOP_BATCH}})
    return [
        CheckGroup(Probe("make_optimizers", factory, {}),
                   lambda result: _two_optimizers(result.info, LR, "make_optimizers(D, G)"),
                   hint_on_error="make_optimizers(D, G) must return (trainer_d, trainer_g) for your own networks"),
        CheckGroup(Probe("make_optimizers_lr", honoured, {}),
                   lambda result: _two_optimizers(result.info, OTHER_LR, f"make_optimizers(D, G, lr={OTHER_LR})"),
                   weight=0.5, hint_on_error="make_optimizers must take the learning rate as its argument lr"),
        CheckGroup(Probe("separation_loop", loop, images, timeout=60.0),
                   lambda result: loop_outcomes(result.info["events"], {0: "D", 1: "G"}) + _loop_outcomes(result.info["events"]),
                   hint_on_error=f"train(D, G, trainer_d, trainer_g, images, iterations={LOOP_ITERATIONS}, "
                                 f"batch_size={LOOP_BATCH}) must run on images of shape (N, 1, 28, 28)"),
    ]


def _fixture_gradient(fixtures: dict[str, np.ndarray], name: str, network: torch.nn.Module) -> np.ndarray:
    """A fixture gradient, stored per parameter as '<name>/<parameter>', flattened in registration order."""
    return np.concatenate([fixtures[f"{name}/{param}"].ravel() for param, _ in network.named_parameters()])


def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The public checks, on the committed fixtures (grading_fixtures/dcgan_tutorial/public.npz).

    The discriminator's structure is judged on its layer trace alone (students
    do not have the reference network); brief training has no public check.
    """
    rng = np.random.default_rng(0)
    shapes_from = probe_networks.mnist_pair(0, Z_DIM, discriminator_output="logits", generator_output="tanh",
                                    image_shape=(1, 28, 28))  # parameter names only; the weights come from the fixtures
    inputs = {key: value for key, value in fixtures.items() if key.startswith(("probe_d/", "probe_g/"))}
    inputs |= {"z": fixtures["z"].astype(np.float32), "x": fixtures["x"].astype(np.float32)}
    expected = {
        "d_loss": fixtures["d_loss"], "g_loss": fixtures["g_loss"],
        "d_loss.grad.D": _fixture_gradient(fixtures, "d_loss_grad_d", shapes_from[0]),
        "g_loss.grad.G": _fixture_gradient(fixtures, "g_loss_grad_g", shapes_from[1]),
    }
    return {
        "discriminator": discriminator_groups(rng),
        "generator": generator_groups(rng),
        "loss_functions": [loss_group(inputs, 0, expected)],
        "variable_separation": separation_groups(rng),
    }
