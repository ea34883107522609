"""The checks of the cs501r_wgan_gp pack that students may see, and its public plan.

- discriminator, generator: the lab allows any topology, so the student's
  class is judged by its contract: output shapes, range, distinct images for
  distinct z, gradient reaching every parameter, and whether a few optimizer
  steps can push the output past [-1, 1] (a critic must be unconstrained) or
  not (a generator must stay inside it).
- gradient_penalty, wgan_losses: the functions get the grader's probe critic
  (autograder.probe_networks.face_critic); values and critic-parameter gradients are
  compared with the expected ones. A batch of copies of one sample shows a
  per-sample norm; repeated calls without eps show how eps is drawn.
- training_subsets, training_loop: make_optimizers and train_step run on the
  student's own networks with spied optimizers.
- interpolation: interpolate with the probe generator (face_generator).

`items(arrays, rng, brief_training)` builds every item from one set of probe
arrays: `public_plan(fixtures)` gives it the committed public fixtures; the
hidden plan (checks.py) arrays drawn afresh.

Nothing here imports the reference: this file is part of the student kit
(`gangrade handout`), beside the public fixtures.
"""
from __future__ import annotations

import numpy as np

from autograder import probe_networks
from autograder.checks.loops import separation_outcomes, stepping_outcomes
from autograder.checks.models import fresh_network
from autograder.checks.optimizers import optimizer_outcomes
from autograder.checks.outcome import Outcome, close, equal, failed, holds
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import Probe

Z_DIM = 100
NET_BATCH = 2        # images or noise vectors per network and train_step probe (>= 2 for batch norm)
COPIES = 4           # copies of one sample in the per-sample-norm probe
EPS_BATCH = 16       # copies of one real/fake pair in the eps-sampling probe
EPS_CALLS = 80       # calls of gradient_penalty without eps


VALUE_RTOL, GRAD_RTOL = 1e-4, 1e-3  # float32 in the kernel against the float64 reference


PUSH_STEPS, PUSH_LR = 6, 0.05  # 2 steps left a valid LayerNorm critic inside [-1, 1] for 3 in 30 hidden inputs


ADAM_SETTINGS = [(2e-4, (0.5, 0.999)), (1e-4, (0.0, 0.9))]  # the lab's, and the paper's
NETWORKS = [{"role": "G", "build": "Generator", "kwarg_options": [{"z_dim": Z_DIM}, {}]},
            {"role": "critic", "build": "Critic", "kwarg_options": [{}]}]


PROBE_CRITIC = {"C": {"builder": "face_critic", "kwargs": {"seed": 0}, "prefix": "probe_critic"}}
PROBE_GENERATOR = {"G": {"builder": "face_generator", "kwargs": {"seed": 0, "z_dim": Z_DIM}, "prefix": "probe_g"}}
CRITIC_PARAMETERS = [name for name, _ in probe_networks.face_critic(0).named_parameters()]  # call_with_probes' order
PENALTY_HINT = ("x_hat = eps * real + (1 - eps) * fake; the gradient of critic(x_hat) wrt x_hat; one L2 norm per "
                "sample over all its channels and pixels; the mean over the batch of (norm - 1)^2, not scaled by lambda")


def _network_probe(probe_name: str, build: str, kwarg_options: list[dict], inputs: dict) -> Probe:
    """One probe running the class twice: its layer trace and output, and the push of its output."""
    arguments = {"name": build, "kwarg_options": kwarg_options}
    calls = {
        "layers": {"module": "layers", "primitive": "observe_layers",
                   "arguments": {**arguments, "input_keys": ["x"], "train": True}},
        "push": {"module": "trainability", "primitive": "push_output",
                 "arguments": {**arguments, "input_key": "x", "steps": PUSH_STEPS, "lr": PUSH_LR, "train": True}},
    }
    return Probe(probe_name, kernel_call("run_each", module="variants", calls=calls), inputs)


def _ran(result, label: str, what: str, hint: str) -> Outcome:
    error = result.info["errors"].get(label)
    return holds(what, error is None, "it to run", error or "", hint)


def _last_op(trace: list[dict]) -> str:
    return trace[-1]["op"] if trace else "no layer"


def _trainable(push_info: dict, network: str) -> Outcome:
    unreached = push_info.get("unreached", [])
    return holds(f"gradient reaches every parameter of the {network}", push_info.get("output_requires_grad") and not unreached,
                 "the output's gradient on every parameter",
                 "an output without a graph" if not push_info.get("output_requires_grad") else f"none on {', '.join(unreached)}",
                 "no .detach(), torch.no_grad() or numpy conversion inside forward, and no layer left unused")


def _pushed_range(outputs: dict) -> tuple[float, float]:
    """(lowest, highest) output after pushing down and up; the initial output's when it could not be pushed."""
    lowered, raised = outputs.get("push/lowered", outputs["push/initial"]), outputs.get("push/raised", outputs["push/initial"])
    return float(lowered.min()), float(raised.max())


def judge_critic(result) -> list[Outcome]:
    hint = "Critic() takes no arguments and scores a batch of images (N, 3, 64, 64)"
    outcomes = [_ran(result, "layers", "Critic runs on a batch", hint), _ran(result, "push", "Critic trains", hint),
                fresh_network(result.info["variants"].get("layers", {}), "Critic")]
    if "layers/x_out" in result.outputs:
        scores = result.outputs["layers/x_out"]
        outcomes += [
            holds("one score per image", scores.shape[:1] == (NET_BATCH,) and scores.size == NET_BATCH,
                  f"shape ({NET_BATCH},) or ({NET_BATCH}, 1)", f"shape {scores.shape}", "end with a linear layer to one output"),
            holds("finite scores", bool(np.all(np.isfinite(scores))), "finite values", "nan or inf", hint),
        ]
    push = result.info["variants"].get("push", {})
    if "output_requires_grad" in push:
        low, high = _pushed_range(result.outputs)
        last = _last_op(result.info["variants"]["layers"].get("x_layers", []))
        outcomes += [
            _trainable(push, "critic"),
            holds("unconstrained scores", high > 1 and low < -1,
                  f"scores above 1 and below -1 after {PUSH_STEPS} optimizer steps pushing them up or down",
                  f"scores from {low:.3g} to {high:.3g} (the last layer op is {last})",
                  "the critic's score is unconstrained: no sigmoid, tanh or ReLU after the last linear layer"),
        ]
    return outcomes


def judge_generator(result) -> list[Outcome]:
    hint = f"Generator(z_dim={Z_DIM}) maps noise (N, {Z_DIM}) to images (N, 3, 64, 64)"
    outcomes = [_ran(result, "layers", "Generator runs on a batch", hint), _ran(result, "push", "Generator trains", hint),
                fresh_network(result.info["variants"].get("layers", {}), "Generator")]
    if "layers/x_out" in result.outputs:
        images, trace = result.outputs["layers/x_out"], result.info["variants"]["layers"]["x_layers"]
        flat = images.reshape(len(images), -1)
        gaps = [np.abs(flat[i] - flat[j]).max() for i in range(len(flat)) for j in range(i)]
        tanh_hint = f"end with a tanh (the last layer op is {_last_op(trace)})"
        outcomes += [
            equal("output shape", (NET_BATCH, 3, 64, 64), images.shape, hint),
            holds("range [-1, 1]", bool(np.all(np.abs(images) <= 1.0)), "values in [-1, 1]",
                  f"values from {images.min():.3g} to {images.max():.3g}", tanh_hint),
            holds("both signs", bool((images < 0).any() and (images > 0).any()), "negative and positive pixel values",
                  f"values from {images.min():.3g} to {images.max():.3g}", tanh_hint + ", not a sigmoid"),
            holds("distinct images for distinct z", bool(gaps) and min(gaps) > 1e-4, "a different image for each noise vector",
                  f"two images that differ by at most {min(gaps, default=0):.3g}", "make every image from its own z"),
        ]
    push = result.info["variants"].get("push", {})
    if "output_requires_grad" in push:
        outcomes.append(_trainable(push, "generator"))
        if "push/raised" in result.outputs:  # an output without a graph cannot be pushed: _trainable fails
            low, high = _pushed_range(result.outputs)
            outcomes.append(holds("stays in [-1, 1] when trained", high <= 1.0 and low >= -1.0,
                                  f"values in [-1, 1] after {PUSH_STEPS} optimizer steps pushing them up or down",
                                  f"values from {low:.3g} to {high:.3g}", "end with a tanh: it bounds the output for any weights"))
    return outcomes


def network_groups(rng: np.random.Generator) -> dict[str, list[CheckGroup]]:
    x = {"x": rng.uniform(-1, 1, (NET_BATCH, 3, 64, 64)).astype(np.float32)}
    z = {"x": rng.standard_normal((NET_BATCH, Z_DIM)).astype(np.float32)}
    return {
        "discriminator": [CheckGroup(_network_probe("critic", "Critic", [{}], x), judge_critic)],
        "generator": [CheckGroup(_network_probe("generator", "Generator", NETWORKS[0]["kwarg_options"], z), judge_generator)],
    }


def _critic_inputs(fx: dict, **arrays) -> dict[str, np.ndarray]:
    inputs = {key: value for key, value in fx.items() if key.startswith("probe_critic/")}
    return inputs | {key: np.asarray(value, dtype=np.float32) for key, value in arrays.items()}


def _call(name: str, args: list[str], kwargs: dict | None = None, grad_inputs: tuple = (), repeat: int = 1) -> str:
    """call_with_probes code: `name(probe critic, *inputs[args], **kwargs)`; kwargs values are input keys or literals."""
    specs = {key: ({"input": value} if isinstance(value, str) else {"value": value}) for key, value in (kwargs or {}).items()}
    return kernel_call("call_with_probes", module="probe_calls", name=name, networks=PROBE_CRITIC,
                       args=[{"network": "C"}] + [{"input": key} for key in args], kwargs=specs,
                       grad_inputs=list(grad_inputs), repeat=repeat)


def _critic_gradient(fx: dict, prefix: str) -> np.ndarray:
    return np.concatenate([fx[f"{prefix}/{name}"].ravel() for name in CRITIC_PARAMETERS])


def _value_and_gradient(result, what: str, value: np.ndarray, gradient: np.ndarray, hint: str, graph_hint: str) -> list[Outcome]:
    """The result `value` of a probe call and its gradient wrt the probe critic's parameters."""
    out, info = result.outputs, result.info
    outcomes = [close(f"{what} value", value, out.get("value"), VALUE_RTOL, 1e-6, hint)]
    # A parameter may be legitimately unreached (the penalty never depends on the critic's last bias),
    # so "no graph" is every gradient missing or zero.
    grads = [out.get(f"value.grad.C.{i}") for i in range(len(CRITIC_PARAMETERS))]
    if any(g is None for g in grads) or not any(np.any(g != 0) for g in grads):
        outcomes.append(failed(f"{what} gradient wrt the critic's parameters", "a gradient on the critic's parameters",
                               f"none ({info['types'].get('value')} without a graph to the critic)", graph_hint))
    else:
        outcomes.append(close(f"{what} gradient wrt the critic's parameters", gradient,
                              np.concatenate([g.ravel() for g in grads]), GRAD_RTOL,
                              1e-4 * float(np.abs(gradient).max()) + 1e-9, hint))
    return outcomes


def penalty_groups(fx: dict) -> list[CheckGroup]:
    def judge_value(result):
        return _value_and_gradient(result, "penalty", fx["gradient_penalty"], _critic_gradient(fx, "gradient_penalty_grad_critic"),
                                   PENALTY_HINT, "take the input gradient with torch.autograd.grad(..., create_graph=True), so that "
                                   "the penalty can be differentiated again with respect to the critic's weights")

    copies = {key: np.repeat(fx[key][:1], COPIES, axis=0) for key in ("real", "fake", "eps")}

    def judge_per_sample(result):
        return [close(f"penalty of {COPIES} copies of one sample", fx["gradient_penalty_first"], result.outputs.get("value"),
                      VALUE_RTOL, 1e-6, "the penalty of a batch of identical samples is that sample's penalty: take one "
                      "norm per sample (flatten each sample's gradient, norm over dim=1), then average over the batch")]

    return [
        CheckGroup(Probe("penalty", _call("gradient_penalty", ["real", "fake"], {"eps": "eps"}),
                         _critic_inputs(fx, real=fx["real"], fake=fx["fake"], eps=fx["eps"])), judge_value, weight=2,
                   hint_on_error="gradient_penalty(critic, real, fake, eps) with eps of shape (N, 1, 1, 1) must return a scalar"),
        CheckGroup(Probe("penalty_per_sample", _call("gradient_penalty", ["real", "fake"], {"eps": "eps"}),
                         _critic_inputs(fx, **copies)), judge_per_sample),
        eps_sampling_group(fx),
    ]


def expected_spread(grid: np.ndarray, grid_penalty: np.ndarray, batch: int, draws: int = 20000) -> tuple[float, float]:
    """Mean and standard deviation of the penalty on `batch` copies of the pair with eps ~ U[0, 1] per sample."""
    eps = np.random.default_rng(0).uniform(0, 1, (draws, batch))
    values = np.interp(eps, grid, grid_penalty).mean(axis=1)
    return float(values.mean()), float(values.std())


def eps_sampling_group(fx: dict) -> CheckGroup:
    """gradient_penalty without eps, called EPS_CALLS times on copies of one pair.

    With one eps ~ U[0, 1] per sample the penalty averages EPS_BATCH
    independent draws; one eps for the whole batch spreads it about
    sqrt(EPS_BATCH) times wider, and another distribution moves its mean.
    """
    mean, spread = expected_spread(fx["eps_grid"], fx["eps_grid_penalty"], EPS_BATCH)
    pair = {key: np.repeat(fx[f"eps_pair_{key}"], EPS_BATCH, axis=0) for key in ("real", "fake")}

    def judge(result):
        values = np.array([result.outputs["value"]] + [result.outputs[f"value#{r}"] for r in range(1, EPS_CALLS)], dtype=float)
        seen_mean, seen_spread = values.mean(), values.std(ddof=1)
        ratio = seen_spread / spread
        spread_hint = ("one eps for the whole batch spreads the penalty this much: draw one weight per sample, "
                       "shape (N, 1, 1, 1)" if ratio > 2 else
                       "eps varies too little: one U[0, 1] weight per sample, shared by all of that sample's pixels")
        return [
            holds("eps drawn afresh at each call", bool(np.ptp(values) > 0), f"different penalties over {EPS_CALLS} calls",
                  "the same value every time", "draw eps inside gradient_penalty at every call, without reseeding"),
            holds("one eps per sample", 0.5 <= ratio <= 2.0,
                  f"penalties spread by about {spread:.3g} over calls on {EPS_BATCH} copies of one sample",
                  f"a spread of {seen_spread:.3g}", spread_hint),
            holds("eps ~ U[0, 1]", abs(seen_mean - mean) <= 6 * spread / np.sqrt(EPS_CALLS) + 1e-5,
                  f"a mean penalty of {mean:.4g} over the calls", f"{seen_mean:.4g}",
                  "draw eps from the uniform distribution on [0, 1] (torch.rand), not a normal one"),
        ]

    return CheckGroup(Probe("penalty_eps", _call("gradient_penalty", ["real", "fake"], repeat=EPS_CALLS),
                            _critic_inputs(fx, **pair), timeout=60.0), judge,
                      hint_on_error="gradient_penalty(critic, real, fake) without eps must draw its own")


LOSS_HINT = ("critic_loss = mean critic(fake) - mean critic(real) + lam * gradient_penalty(critic, real, fake, eps); "
             "generator_loss = -mean critic(fake); use the critic, lam and eps passed in")


def loss_groups(fx: dict) -> list[CheckGroup]:
    inputs = _critic_inputs(fx, real=fx["real"], fake=fx["fake"], eps=fx["eps"])
    graph_hint = "return the loss tensor itself (no .item() or .detach())"

    def judge_critic_loss(key):
        return lambda result: _value_and_gradient(result, f"critic_loss (lam={10.0 if key == 'critic_loss' else 0.0})",
                                                  fx[key], _critic_gradient(fx, f"{key}_grad_critic"), LOSS_HINT, graph_hint)

    def judge_generator_loss(result):
        outcomes = _value_and_gradient(result, "generator_loss", fx["generator_loss"],
                                       _critic_gradient(fx, "generator_loss_grad_critic"), LOSS_HINT, graph_hint)
        outcomes.append(close("generator_loss gradient wrt the generated images", fx["generator_loss_grad_fake"],
                              result.outputs.get("value.grad.fake"), GRAD_RTOL, 1e-9,
                              "do not detach fake in generator_loss: the generator learns through it"))
        return outcomes

    return [
        CheckGroup(Probe("critic_loss", _call("critic_loss", ["real", "fake"], {"lam": 10.0, "eps": "eps"}), inputs),
                   judge_critic_loss("critic_loss"), weight=2),
        CheckGroup(Probe("critic_loss_no_penalty", _call("critic_loss", ["real", "fake"], {"lam": 0.0, "eps": "eps"}), inputs),
                   judge_critic_loss("wasserstein")),
        CheckGroup(Probe("generator_loss", _call("generator_loss", ["fake"], grad_inputs=("fake",)), inputs), judge_generator_loss),
    ]


ROLE_OF_OPTIMIZER = {0: "G", 1: "critic"}  # make_optimizers(G, critic) -> (g_opt, c_opt)
LOOP_CALLS = 2  # train_step is called twice on the same optimizers: uncleared gradients show on the second call


def _train_step_probe(name: str, real: np.ndarray, n_critic: int, calls: int = 1) -> Probe:
    code = kernel_call("observe_training", module="training_spies", train="train_step", networks=NETWORKS,
                       factory="make_optimizers",
                       args=[{"network": "G"}, {"network": "critic"}, {"optimizer": 0}, {"optimizer": 1}, {"input": "real"}],
                       kwargs={"z_dim": {"value": Z_DIM}, "n_critic": {"value": n_critic}, "lam": {"value": 10.0}},
                       calls=calls)
    return Probe(name, code, {"real": real}, timeout=120.0)


TRAIN_STEP_ERROR = "train_step(G, critic, g_opt, c_opt, real, z_dim, n_critic, lam) must run with make_optimizers' optimizers"


def training_subsets_groups(rng: np.random.Generator) -> list[CheckGroup]:
    def judge_optimizers(result):
        reports = result.info["optimizers"]
        if len(reports) != 2:
            return [equal("make_optimizers returns two optimizers", 2, len(reports), "return (g_opt, c_opt)")]
        hint = "Adam with lr=2e-4, betas=(0.5, 0.999) (the lab's) or lr=1e-4, betas=(0.0, 0.9) (the paper's)"
        return optimizer_outcomes(reports[0], "G", ADAM_SETTINGS, hint) + optimizer_outcomes(reports[1], "critic", ADAM_SETTINGS, hint)

    def judge_updates(result):
        return separation_outcomes(result.info["events"], ROLE_OF_OPTIMIZER)

    code = kernel_call("optimizers_of_networks", module="training_spies", factory="make_optimizers", networks=NETWORKS)
    real = rng.uniform(-1, 1, (NET_BATCH, 3, 64, 64)).astype(np.float32)
    return [
        CheckGroup(Probe("make_optimizers", code, {}, timeout=60.0), judge_optimizers,
                   hint_on_error="make_optimizers(G, critic) must return (g_opt, c_opt) for the notebook's Generator() and Critic()"),
        CheckGroup(_train_step_probe("train_step_updates", real, 1), judge_updates, hint_on_error=TRAIN_STEP_ERROR),
    ]


RETURNED_KEYS = ("critic_loss", "generator_loss", "gradient_penalty")


def judge_loop(n_critic: int):
    def judge(result):
        events = result.info["events"]
        steps = [ROLE_OF_OPTIMIZER.get(e["optimizer"], "?") for e in events if e["kind"] == "step"]
        expected = (["critic"] * n_critic + ["G"]) * LOOP_CALLS
        returned = result.info["returned"]
        values = returned.get("values", {})
        missing = [key for key in RETURNED_KEYS if key not in values or not np.isfinite(values[key])]
        return [
            holds(f"n_critic={n_critic}: critic steps, then one G step", steps == expected,
                  f"{' '.join(expected)} in {LOOP_CALLS} calls", " ".join(steps) or "no steps of the optimizers passed in",
                  "loop n_critic times over the critic update (c_opt), then update G once with g_opt"),
            *stepping_outcomes(events, ROLE_OF_OPTIMIZER),
            holds("returns a dict of floats", returned["type"] == "dict" and not missing,
                  "a dict with float values for " + ", ".join(RETURNED_KEYS),
                  f"a {returned['type']}" + (f" without (finite numbers for) {', '.join(missing)}" if missing else ""),
                  "return {'critic_loss': ..., 'generator_loss': ..., 'gradient_penalty': ...} with .item() values"),
        ]
    return judge


def training_loop_groups(rng: np.random.Generator) -> list[CheckGroup]:
    """train_step watched with n_critic = 1 and 2 (the Wasserstein half is in brief_training_groups)."""
    real = rng.uniform(-1, 1, (NET_BATCH, 3, 64, 64)).astype(np.float32)
    return [CheckGroup(_train_step_probe(f"train_step_n_critic_{n}", real, n, calls=LOOP_CALLS), judge_loop(n),
                       hint_on_error=TRAIN_STEP_ERROR)
            for n in (1, 2)]


def interpolation_groups(fx: dict) -> list[CheckGroup]:
    inputs = {key: value for key, value in fx.items() if key.startswith("probe_g/")}
    z = {"z0": fx["z0"], "z1": fx["z1"], "z0_row": fx["z0"][None], "z1_row": fx["z1"][None]}
    inputs |= {key: value.astype(np.float32) for key, value in z.items()}
    steps = len(fx["interpolation"])

    def call(suffix):
        return {"module": "probe_calls", "primitive": "call_with_probes", "arguments": {
            "name": "interpolate", "networks": PROBE_GENERATOR, "kwargs": {"steps": {"value": steps}},
            "args": [{"network": "G"}, {"input": "z0" + suffix}, {"input": "z1" + suffix}]}}

    def judge(result):
        out, errors = result.outputs, result.info["errors"]
        expected = fx["interpolation"]
        forms = [label for label in ("vector", "row") if out.get(f"{label}/value") is not None]
        shaped = [label for label in forms if out[f"{label}/value"].size == expected.size]
        if not shaped:
            seen = "; ".join([f"{label}: {errors[label]}" for label in errors]
                             + [f"{label}: shape {out[f'{label}/value'].shape}" for label in forms])
            return [failed("interpolate runs", f"images of shape {expected.shape} for z0, z1 of shape ({Z_DIM},) or (1, {Z_DIM})",
                           seen, "return G applied to the steps points of the line, stacked into one batch")]
        seen = out[f"{shaped[0]}/value"].reshape(expected.shape)
        line_hint = "t = torch.linspace(0, 1, steps): the points (1 - t) * z0 + t * z1, from z0 to z1 included"
        return [
            equal("shape", expected.shape, out[f"{shaped[0]}/value"].shape, f"return a batch of {steps} images (steps, 3, 64, 64)"),
            close("first image is G(z0)", expected[0], seen[0], VALUE_RTOL, 1e-5, line_hint),
            close("last image is G(z1)", expected[-1], seen[-1], VALUE_RTOL, 1e-5, line_hint),
            close("images on the straight line from z0 to z1", expected, seen, VALUE_RTOL, 1e-5, line_hint),
        ]

    code = kernel_call("run_each", module="variants", calls={"vector": call(""), "row": call("_row")})
    return [CheckGroup(Probe("interpolate", code, inputs), judge)]


def plan_items(fx: dict, rng: np.random.Generator, brief_training: dict[str, list[CheckGroup]]) -> dict[str, list[CheckGroup]]:
    networks = network_groups(rng)
    items = {
        "discriminator": networks["discriminator"],
        "generator": networks["generator"],
        "gradient_penalty": penalty_groups(fx),
        "wgan_losses": loss_groups(fx),
        "training_subsets": training_subsets_groups(rng),
        "training_loop": training_loop_groups(rng) + brief_training.get("training_loop", []),
        "final_image": brief_training.get("final_image", []),
        "interpolation": interpolation_groups(fx),
    }
    return {item: groups for item, groups in items.items() if groups}


def public_plan(fixtures: dict[str, np.ndarray]) -> dict[str, list[CheckGroup]]:
    """The public checks, on the committed fixtures (grading_fixtures/cs501r_wgan_gp/public.npz).

    Brief training is not part of them: final_image has no public check, and
    training_loop's public check is its train_step half.
    """
    return plan_items(fixtures, np.random.default_rng(0), {})
