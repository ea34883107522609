"""The checks of the mlp_gan pack that students may see, and its public plan.

The notebook may write its networks in either style the contract allows:
functions `G(z)` / `D(x)` over weight tensors kept in notebook globals (the
original notebook's style), or `Generator()` / `Discriminator()` modules.
`autograder.observe.networks` finds them by one rule (a class of that name
wins, else the function, whose weights are the trainable tensors its output
depends on), so every check below runs on the student's own networks
whichever style they chose.

`public_plan(fixtures)` runs them on the committed fixtures; `training` and
`final_image` are graded by brief training, with no public check.

Nothing here imports the reference: this file is part of the student kit
(`gangrade handout`), beside the public fixtures.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import torch

from autograder import probe_networks
from autograder.checks.loops import loop_outcomes
from autograder.checks.models import fresh_network, same_function
from autograder.checks.optimizers import optimizer_outcomes
from autograder.checks.outcome import Outcome, close, equal, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

BATCH = 64
Z_DIM = 100
ROLES = {
    "G": {"role": "G", "build": "Generator", "function": "G", "kwarg_options": [{}], "input": "z"},
    "D": {"role": "D", "build": "Discriminator", "function": "D", "kwarg_options": [{}], "input": "x"},
}


def network_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"z": rng.standard_normal((BATCH, Z_DIM)).astype(np.float32),
            "x": rng.uniform(0, 1, (BATCH, 784)).astype(np.float32)}


# Draws of xavier_init are judged against N(0, sigma^2), sigma = 1/shape[0], with
# bounds of SIGMAS standard errors of each statistic over the n draws of a shape:
# the mean's is sigma/sqrt(n), the sample std's (relative) 1/sqrt(2n), and the
# fraction of draws within one sigma's sqrt(p(1-p)/n), p = 0.6827. At 6 standard
# errors a correct initialiser fails one of these checks with probability
# about 2e-9 each. The wrong rules are far outside: std 1/sqrt(fan_in) is
# sqrt(fan_in) (>= 10) times too large, Glorot's sqrt(2/(fan_in + fan_out))
# (normal, or uniform of that std) at least 4 times; a rule on shape[1] is off
# by the fan ratio (>= 1.5 in the shapes drawn); a uniform with the right std
# has only 57.7% of its draws within one sigma.
SIGMAS = 6.0
WITHIN_ONE_SIGMA = math.erf(1 / math.sqrt(2))  # 0.6827 for a normal
INIT_HINT = "draw N(0, 1) values with torch.randn(shape) and multiply by 1 / shape[0] (a standard deviation, not a variance)"


def weight_init_groups(shapes: list[tuple[int, int]]) -> list[CheckGroup]:
    """xavier_init called twice on each shape."""
    calls = [2] * len(shapes)
    code = kernel_call("initializer_draws", module="networks", name="xavier_init", shapes=[list(s) for s in shapes], calls=calls)

    def judge(result):
        types = result.info["types"]
        outcomes = [holds("returns a tensor", all(t in ("Tensor", "Parameter") for t in types), "torch tensors",
                          ", ".join(sorted(set(types))), "build the weights with torch, not numpy")]
        for i, shape in enumerate(shapes):
            first, second = result.outputs[f"draw{i}_0"], result.outputs[f"draw{i}_1"]
            outcomes.append(equal(f"shape of xavier_init({shape})", shape, tuple(first.shape),
                                  "return a tensor of exactly the shape given"))
            if tuple(first.shape) == shape:
                outcomes += _distribution_outcomes(shape, np.concatenate([first.ravel(), second.ravel()]).astype(np.float64))
            outcomes.append(holds(f"xavier_init({shape}) draws afresh", not np.array_equal(first, second),
                                  "two calls to give different values", "the same values twice",
                                  "do not reseed the random number generator inside xavier_init"))
        return outcomes

    return [CheckGroup(Probe("weight_init", code, {}), judge, hint_on_error="xavier_init(shape) must return a tensor of that shape")]


def _distribution_outcomes(shape: tuple[int, int], values: np.ndarray) -> list[Outcome]:
    sigma, n = 1.0 / shape[0], values.size
    mean, std = float(values.mean()), float(values.std())
    mean_bound = SIGMAS * sigma / math.sqrt(n)
    std_bound = SIGMAS / math.sqrt(2 * n)
    within = float(np.mean(np.abs(values) < sigma))
    within_bound = SIGMAS * math.sqrt(WITHIN_ONE_SIGMA * (1 - WITHIN_ONE_SIGMA) / n)
    return [
        holds(f"mean of xavier_init({shape})", abs(mean) <= mean_bound, f"about 0 (within {mean_bound:.2g})",
              f"{mean:.3g}", "centre the weights on 0"),
        holds(f"standard deviation of xavier_init({shape})", abs(std / sigma - 1) <= std_bound,
              f"1/shape[0] = {sigma:.4g} (within {100 * std_bound:.2g}%)", f"{std:.4g}", INIT_HINT),
        holds(f"normal shape of xavier_init({shape})", abs(within - WITHIN_ONE_SIGMA) <= within_bound,
              f"{100 * WITHIN_ONE_SIGMA:.1f}% of the draws within one standard deviation of 0, as for a normal distribution",
              f"{100 * within:.1f}%", "draw from a normal distribution (torch.randn), not a uniform one"),
    ]


MAX_READINGS = 4  # readings of the weights tried against the reference
NETWORK_HINTS = {
    "G": "G: z (N, 100) @ w1 (100, 400) + b1, ReLU, @ out (400, 784) + b2, sigmoid; all four tensors trainable",
    "D": "D: x (N, 784) @ w1 (784, 400) + b1, ReLU, @ out (400, 1) + b2, sigmoid; all four tensors trainable",
}


def _layouts(param: np.ndarray) -> list[np.ndarray]:
    """The ways a notebook may keep an nn.Linear tensor: as is, transposed, or a bias as a row or column."""
    options = [param]
    if param.ndim == 2:
        options.append(param.T)
        if 1 in param.shape:
            options.append(param.reshape(param.size))
    return options


def torch_layouts(params: list[np.ndarray], reference: torch.nn.Module) -> list[list[np.ndarray]]:
    """Readings of the student's weights in the reference's nn.Linear layouts, most likely first.

    The notebook's style keeps a matrix as (fan_in, fan_out) and may keep a
    bias as (1, n); nn.Linear keeps (fan_out, fan_in) and (n,). A reading
    takes one layout per tensor so that the shapes are exactly the
    reference's; readings that put more tensors at their place in the
    reference's order come first (a bias row (1, 400) and D's output matrix
    (1, 400) have one shape, but not one place).
    """
    wanted = [tuple(p.shape) for p in reference.parameters()]
    readings = [list(choice) for choice in itertools.product(*(_layouts(p) for p in params))
                if Counter(tuple(c.shape) for c in choice) == Counter(wanted)]

    def in_place(reading):
        return sum(i < len(wanted) and tuple(c.shape) == wanted[i] for i, c in enumerate(reading))

    return sorted(readings, key=in_place, reverse=True)[:MAX_READINGS] or [params]


def same_network(reference_factory, params: list[np.ndarray], x: np.ndarray, seen: np.ndarray, hint: str) -> Outcome:
    """same_function for the first reading of the weights that reproduces the student's output."""
    outcomes = []
    for reading in torch_layouts(params, reference_factory()):
        outcomes.append(same_function("the seed's layers", reference_factory(), [np.ascontiguousarray(c) for c in reading],
                                      x, seen, False, hint))
        if outcomes[-1].passed:
            return outcomes[-1]
    return outcomes[0]


def _output_outcomes(role: str, seen: np.ndarray, n: int) -> list[Outcome]:
    if role == "G":
        shape_ok = tuple(seen.shape) in ((n, 784), (n, 1, 28, 28))
        shape = holds("output shape", shape_ok, f"({n}, 784)", repr(tuple(seen.shape)), "return one row of 784 pixels per noise vector")
    else:
        shape = equal("output shape", (n, 1), tuple(seen.shape), "return one probability per image, shape (N, 1)")
    low, high = (float(seen.min()), float(seen.max())) if seen.size else (math.nan, math.nan)
    in_range = bool(seen.size) and bool(np.all((seen > 0) & (seen < 1)))
    return [shape, holds("output in (0, 1)", in_range, "every value strictly between 0 and 1",
                         f"values from {low:.3g} to {high:.3g}", "end with a sigmoid")]


def network_groups(role: str, inputs: dict[str, np.ndarray], reference_factory, count: int) -> list[CheckGroup]:
    """The student's network: its weight count, outputs with its own weights and with grader-set weights.

    With a reference, the network carrying the grader-set weights must compute
    the reference architecture's function (same_function); the notebook's own
    initial weights are too small to tell layers apart (D's output is 0.5 to
    about 1e-4 at the 1/fan-in initialisation).
    """
    key = ROLES[role]["input"]
    code = kernel_call("observe_network", module="networks", role=ROLES[role])
    hint = NETWORK_HINTS[role]

    def judge(result):
        info, out = result.info, result.outputs
        seen = info["parameter_count"]
        outcomes = [holds("number of trainable parameters", seen == count, str(count), f"{seen} ({info['found_as']})", hint),
                    fresh_network(info, ROLES[role]["build"])]
        outcomes += _output_outcomes(role, out["out"], BATCH)
        outcomes += [Outcome(f"with other weights: {o.check}", o.passed, o.message)
                     for o in _output_outcomes(role, out["set_out"], BATCH)[1:]]
        if reference_factory is not None:
            params = [out[f"set_param{i}"] for i in range(len(info["parameter_names"]))]
            outcomes.append(same_network(reference_factory, params, inputs[key], out["set_out"], hint))
        return outcomes

    return [CheckGroup(Probe(f"network_{role.lower()}", code, inputs), judge,
                       hint_on_error=f"define {ROLES[role]['function']}({key}) over its weights, or a class {ROLES[role]['build']}")]


PROBE_NETWORKS = {
    "D": {"builder": "mnist_discriminator", "kwargs": {"output": "probability"}, "prefix": "probe_d"},
    "G": {"builder": "mnist_generator", "kwargs": {"z_dim": Z_DIM, "output": "sigmoid"}, "prefix": "probe_g"},
}


OBJECTIVES_HINT = ("g_objective = -mean(log D(G(z))), d_objective = -mean(log D(x) + log(1 - D(G(z)))), "
                   "both computed with the D and G passed in, returned as (g_objective, d_objective)")


VALUE_RTOL, GRAD_RTOL = 1e-5, 1e-4  # float32 in the kernel against the float64 reference


JUDGED_GRADIENTS = (("g_objective", "G"), ("g_objective", "D"), ("d_objective", "D"))


def objectives_groups(inputs: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> list[CheckGroup]:
    """objectives(D, G, x, z) with the grader's probe networks: values and gradients.

    expected: g_objective, d_objective, and the gradients `<objective>.grad.<role>.<i>`
    wrt the i-th parameter of probe network `role`, for the pairs in
    JUDGED_GRADIENTS. The D objective's gradient wrt G is not judged:
    detaching G(z) there is a fair PyTorch habit (only D's optimizer uses it).
    """
    networks = {role: {**spec, "kwargs": {**spec["kwargs"], "seed": 0}} for role, spec in PROBE_NETWORKS.items()}
    arguments = dict(name="objectives", networks=networks, results=["g_objective", "d_objective"],
                     args=[{"network": "D"}, {"network": "G"}, {"input": "x"}, {"input": "z"}])
    code = kernel_call("call_with_probes", module="probe_calls", **arguments)

    def judge(result):
        out, info = result.outputs, result.info
        outcomes = [close(name, expected[name], out.get(name), VALUE_RTOL, 1e-7, OBJECTIVES_HINT)
                    for name in ("g_objective", "d_objective")]
        for name, role in JUDGED_GRADIENTS:
            keys = sorted(k for k in expected if k.startswith(f"{name}.grad.{role}."))
            reached = role not in info["unreached"].get(name, [role])
            outcomes.append(holds(f"{name} depends on the {role} passed in", reached, f"gradient reaching {role}'s parameters",
                                  "none", f"compute {name} with the networks passed as arguments, not global ones"))
            if reached:
                outcomes += [close(f"gradient of {name} wrt {role}'s parameter {k.rsplit('.', 1)[1]}", expected[k], out.get(k),
                                   GRAD_RTOL, 1e-8, OBJECTIVES_HINT) for k in keys]
        return outcomes

    return [CheckGroup(Probe("objectives", code, inputs), judge,
                       hint_on_error="objectives(D, G, x, z) must return the pair (g_objective, d_objective)")]


ADAM_DEFAULTS = [(1e-3, (0.9, 0.999))]
LOOP_ITERATIONS = 3
LOOP_BATCH = 16
LOOP_IMAGES = 256
OPTIMIZER_HINT = "torch.optim.Adam with its defaults: lr=1e-3, betas=(0.9, 0.999)"
NETWORK_ROLES = [ROLES["D"], ROLES["G"]]  # make_optimizers(D, G) -> (d_opt, g_opt)


def variable_separation_groups(rng: np.random.Generator) -> list[CheckGroup]:
    """make_optimizers on the student's own networks, then a few iterations of train watched by spies."""
    networks = network_inputs(rng)
    optimizers = CheckGroup(
        Probe("make_optimizers", kernel_call("optimizers_of_notebook_networks", module="networks", factory="make_optimizers",
                                             roles=NETWORK_ROLES), networks),
        judge_optimizers, hint_on_error="make_optimizers(D, G) must return (d_opt, g_opt)")
    images = rng.uniform(0, 1, (LOOP_IMAGES, 784)).astype(np.float32)
    code = kernel_call("observe_notebook_training", module="networks", train="train", roles=NETWORK_ROLES, factory="make_optimizers",
                       args=[{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1}, {"input": "images"}],
                       kwargs={"iterations": {"value": LOOP_ITERATIONS}, "batch_size": {"value": LOOP_BATCH}})
    loop = CheckGroup(Probe("train_loop", code, {**networks, "images": images}, timeout=60.0), judge_loop,
                      hint_on_error="train(D, G, d_opt, g_opt, images, iterations, batch_size) must run "
                                    "with the optimizers of make_optimizers")
    return [optimizers, loop]


def judge_optimizers(result) -> list[Outcome]:
    reports = result.info["optimizers"]
    if len(reports) != 2:
        return [equal("number of optimizers returned", 2, len(reports), "return the pair (d_opt, g_opt)")]
    return (optimizer_outcomes(reports[0], "D", ADAM_DEFAULTS, OPTIMIZER_HINT, label="d_opt (first returned)")
            + optimizer_outcomes(reports[1], "G", ADAM_DEFAULTS, OPTIMIZER_HINT, label="g_opt (second returned)"))


def judge_loop(result) -> list[Outcome]:
    events = result.info["events"]
    steps = [{0: "D", 1: "G"}.get(e["optimizer"], "?") for e in events if e["kind"] == "step"]
    expected = ["G", "D"] * LOOP_ITERATIONS
    return loop_outcomes(events, {0: "D", 1: "G"}) + [
        holds("one G step then one D step per iteration", steps == expected,
              f"{LOOP_ITERATIONS} iterations: " + " ".join(expected), " ".join(steps) or "no steps",
              "per iteration: g_opt.step() after the generator's objective, then d_opt.step() after the discriminator's"),
    ]


PUBLIC_INIT_SHAPES = [(784, 400), (100, 400)]  # the notebook's own weight matrices


def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The public checks, on the committed fixtures (grading_fixtures/mlp_gan/public.npz).

    The networks are checked for their counts, output shapes and ranges (not
    against the reference layers, which students do not have); the
    objectives against the stored values on the stored probe networks.
    """
    rng = np.random.default_rng(0)
    return {
        "weight_init": weight_init_groups(PUBLIC_INIT_SHAPES),
        "generator": network_groups("G", network_inputs(rng), None, int(fixtures["count_generator"])),
        "discriminator": network_groups("D", network_inputs(rng), None, int(fixtures["count_discriminator"])),
        "objectives": objectives_groups(*public_objectives(fixtures)),
        "variable_separation": variable_separation_groups(rng),
    }


def public_objectives(fixtures: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """The fixture's probe networks, data and expected values, in the names objectives_groups uses."""
    inputs = {key: value for key, value in fixtures.items() if key.startswith(("probe_d/", "probe_g/"))}
    inputs["x"], inputs["z"] = fixtures["x"].astype(np.float32), fixtures["z"].astype(np.float32)
    expected = {"g_objective": fixtures["g_objective"], "d_objective": fixtures["d_objective"]}
    networks = {"G": probe_networks.mnist_generator(0, Z_DIM, output="sigmoid"),
                "D": probe_networks.mnist_discriminator(0, output="probability")}
    for name, role in JUDGED_GRADIENTS:
        for i, (parameter, _) in enumerate(networks[role].named_parameters()):  # the order call_with_probes reports
            expected[f"{name}.grad.{role}.{i}"] = fixtures[f"{name}_grad_{role.lower()}/{parameter}"]
    return inputs, expected
