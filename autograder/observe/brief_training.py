"""Brief training of the student's own parts (kernel side), and the same run for the reference.

A pack describes its run as a recipe (plain data in its checks.py):

    networks    specs as in training_spies: the student's classes/factories,
                or function-style networks with their weight globals; or
    roles       roles as in autograder.observe.networks, for packs whose
                networks may be classes or functions over weight globals
                (found the same way the pack's other checks find them)
    optimizers  {"factory": "make_optimizers"} (called once with every network)
                or {"per_network": "get_optimizer"} (called once per network)
    loop        {"function": "train", "args": [...], "kwargs": {...}}: the
                student's whole loop, called once; or {"step_function":
                "train_step", ...}: called once per step with the next batch
    watch       {notebook function: [names of its scalar results]}: functions
                the loop looks up as globals, wrapped to record their values
                (the loss curves)
    critic_gap  {"critic": role, "generator": role, "noise": ..., "z_dim": int}:
                after every step of a step function, mean critic(real) - mean
                critic(G(z)) on a fixed held-out batch, measured by the grader
                rather than read from what the student's code returns (curve
                "critic_gap")
    data        {"layout": "flat" | "nchw", "range": "unit" | "symmetric"}
    sample      {"network": "G", "noise": "uniform" | "normal", "z_dim": int,
                 "range": "tanh" | "sigmoid" | "unit", "mode": "train" | "eval",
                 "noise_function": name}
                (the mode G samples in; by default the mode the loop left it in).
                With "noise_function", G is sampled on the noise the notebook's
                own function draws, `name(count, z_dim)` (the noise its loop
                trained G on), and on the recipe's noise only where that
                function fails or gives the wrong shape: a wrong noise
                function costs its own item, not the samples' too

Argument specs: {"network": role}, {"optimizer": i}, {"notebook": name}
(a notebook global, wrapped when watched), {"images": true} (every training
image), {"loader": true} (a loader of exactly `steps` batches), {"batch":
true} (the next batch, step functions only), {"steps": true}, {"value":
literal}. Keyword arguments the function does not take are left out, and a
spec with "parameter": name that the function does not take is set as that
notebook global for the run instead (older notebooks read their data loader
from a global).

`train_briefly` runs one recipe on a namespace: the student's kernel
namespace in the sandbox, or the reference pack's in the grader. It returns
samples as pixel values in [0, 1] and the recorded curves.
"""
from __future__ import annotations

import contextlib
import inspect
import os
import time

import numpy as np
import torch

from autograder.observe.primitives import lookup
from autograder.observe.training_spies import build_networks, make_optimizers

SAMPLE_COUNT = 500


class BatchSource:
    """Batches drawn with replacement from the training images by a seeded generator."""

    def __init__(self, images: torch.Tensor, batch_size: int, seed: int) -> None:
        self.images, self.batch_size = images, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def next(self) -> torch.Tensor:
        index = torch.randint(len(self.images), (self.batch_size,), generator=self.generator, device="cpu")
        return self.images[index.to(self.images.device)]


class BriefLoader:
    """A data loader of exactly `steps` batches of (images, labels)."""

    def __init__(self, source: BatchSource, steps: int) -> None:
        self.source, self.steps = source, steps

    def __iter__(self):
        for _ in range(self.steps):
            batch = self.source.next()
            yield batch, torch.zeros(len(batch), dtype=torch.long)

    def __len__(self) -> int:
        return self.steps


class Curves:
    """Scalar results of watched functions, call by call; `on_call` runs after each call."""

    def __init__(self, on_call=lambda: None) -> None:
        self.values: dict[str, list[float]] = {}
        self.on_call = on_call

    def wrap(self, function, names: list[str]):
        def watched(*args, **kwargs):
            result = function(*args, **kwargs)
            results = result if isinstance(result, (tuple, list)) else (result,)
            for name, value in zip(names, results):
                if isinstance(value, torch.Tensor) and value.numel() == 1:
                    self.values.setdefault(name, []).append(float(value.detach()))
            self.on_call()
            return result
        return watched


class LastFiniteState:
    """The sampled network's latest state whose parameters are all finite, kept as training goes.

    The textbook objectives `-log D(G(z))` and `-log(1 - D(G(z)))` turn to nan once D saturates
    to exactly 0 or 1, which the assignment's own formula can reach within the budget. Such a run
    is judged on the samples of its last finite state, and says when it diverged; a run that
    diverges before the first look keeps its non-finite samples, and fails.
    """

    EVERY = 10   # look every 10th call of a watched function (or step)

    def __init__(self, network) -> None:
        self.network = network
        self.calls = 0
        self.saved: list[torch.Tensor] | None = None
        self.saved_at = 0
        self.diverged_at: int | None = None

    def tensors(self) -> list[torch.Tensor]:
        if isinstance(self.network.value, torch.nn.Module):
            return list(self.network.value.state_dict(keep_vars=True).values())   # buffers too (BatchNorm)
        return list(self.network.parameters)

    def finite(self) -> bool:
        return all(bool(torch.isfinite(t.detach()).all()) for t in self.tensors() if t.is_floating_point())

    def look(self) -> None:
        self.calls += 1
        if self.diverged_at is not None or self.calls % self.EVERY:
            return
        if self.finite():
            self.saved, self.saved_at = [t.detach().clone() for t in self.tensors()], self.calls
        else:
            self.diverged_at = self.calls

    def restore_if_diverged(self) -> dict:
        """Put the last finite state back when the run ended non-finite; what happened, for the report."""
        if self.finite():
            return {}
        if self.diverged_at is None:
            self.diverged_at = self.calls
        if self.saved is not None:
            with torch.no_grad():
                for tensor, saved in zip(self.tensors(), self.saved):
                    tensor.copy_(saved)
        return {"diverged_after_calls": self.diverged_at, "judged_after_calls": self.saved_at}


class CriticGap:
    """mean critic(real) - mean critic(G(z)) on one fixed batch, measured after each step.

    The grader's own reading of the Wasserstein estimate: a critic stepped up its own loss shows a
    falling gap here, whatever its train_step returns. The forward passes draw no random numbers
    from the student's stream (dropout, if any, runs on a forked one) and record no gradients.
    """

    COUNT = 32

    def __init__(self, roles: dict, spec: dict, images: torch.Tensor, seed: int, device: str) -> None:
        self.critic, self.generator = roles[spec["critic"]], roles[spec["generator"]]
        draw = torch.Generator().manual_seed(seed + 3)
        self.real = images[torch.randint(len(images), (self.COUNT,), generator=draw, device="cpu").to(images.device)]
        shape = (self.COUNT, spec["z_dim"])
        z = torch.rand(shape, generator=draw, device="cpu") * 2 - 1 if spec.get("noise") == "uniform" else \
            torch.randn(shape, generator=draw, device="cpu")
        self.z = z.to(device)
        self.devices = [torch.cuda.current_device()] if device == "cuda" else []
        self.values: list[float] = []

    def look(self) -> None:
        with torch.random.fork_rng(devices=self.devices), torch.no_grad():
            gap = self.critic(self.real).mean() - self.critic(self.generator(self.z)).mean()
        self.values.append(float(gap))


def training_images(raw: np.ndarray, data: dict) -> torch.Tensor:
    """uint8 images as float tensors in the recipe's layout and range."""
    images = torch.from_numpy(raw).float() / 255.0
    if images.dim() == 3:  # MNIST (N, 28, 28)
        images = images.reshape(len(images), -1) if data.get("layout", "flat") == "flat" else images.unsqueeze(1)
    if data.get("range", "unit") == "symmetric":
        images = 2 * images - 1
    return images


def sample_noise(sample: dict, generator: torch.Generator, ns: dict | None = None) -> torch.Tensor:
    """SAMPLE_COUNT noise vectors: the notebook's own noise function's (see "noise_function"), else the recipe's."""
    z_shape = (SAMPLE_COUNT, sample["z_dim"])
    function = (ns or {}).get(sample.get("noise_function", ""))
    if callable(function):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
            try:
                z = function(*z_shape)
            except Exception:  # the notebook's bug: its own item says so
                z = None
        if isinstance(z, torch.Tensor) and tuple(z.shape) == z_shape and bool(torch.isfinite(z).all()):
            return z.detach().to("cpu", torch.float32)
    if sample["noise"] == "uniform":
        return torch.rand(z_shape, generator=generator, device="cpu") * 2 - 1
    return torch.randn(z_shape, generator=generator, device="cpu")


def sample_images(network, sample: dict, generator: torch.Generator, ns: dict | None = None) -> np.ndarray:
    """SAMPLE_COUNT samples of G on the noise `sample_noise` draws, as pixel values in [0, 1]."""
    z = sample_noise(sample, generator, ns)
    module = network if isinstance(network, torch.nn.Module) else None
    was_training = module.training if module is not None else None
    if module is not None and sample.get("mode") == "eval":
        module.eval()  # BatchNorm on its running statistics: what G has learned, not this batch's
    try:
        with torch.no_grad():
            out = torch.cat([network(chunk.to(torch.get_default_device())) for chunk in z.split(100)])
    finally:
        if module is not None:
            module.train(was_training)
    out = out.detach().float().cpu()
    if sample["range"] == "tanh":
        out = (out + 1) / 2
    return out.clamp(0, 1).numpy()


def train_briefly(ns: dict, raw_images: np.ndarray, recipe: dict, steps: int, seed: int, device: str = "cpu") -> dict:
    """Run the recipe for `steps` on `ns`; returns {"samples", "initial_samples", "curves", "seconds", "cpu_seconds",
    "steps"}.

    Function-style weights (notebook globals) are trained in place and put back afterwards, so
    checks that run later see the notebook's own weights.
    """
    torch.set_default_device(device)
    try:
        specs, keep = _network_specs(ns, recipe)
        with keep:
            return _run(ns, raw_images, recipe, specs, steps, seed, device)
    finally:
        torch.set_default_device("cpu")


def _network_specs(ns: dict, recipe: dict):
    """The training spies' network specs, and a context that restores notebook weights after the run."""
    if "roles" not in recipe:
        return recipe["networks"], contextlib.nullcontext()
    from autograder.observe import networks as notebook_networks
    generator = torch.Generator().manual_seed(0)
    probe_inputs = {"z": torch.randn(8, recipe["sample"]["z_dim"], generator=generator, device="cpu").numpy(),
                    "x": torch.rand(8, 784, generator=generator, device="cpu").numpy()}
    specs, found = notebook_networks.spy_specs(ns, probe_inputs, recipe["roles"], {})
    return specs, notebook_networks.restored(notebook_networks.notebook_weights(ns, found))


def _run(ns: dict, raw_images: np.ndarray, recipe: dict, specs: list[dict], steps: int, seed: int, device: str) -> dict:
    np.random.seed(seed)  # notebooks often draw batches with numpy
    info: dict = {}
    networks = build_networks(ns, specs, info)  # seeds torch first; modules are built on `device`
    for network in networks:  # function-style weights are notebook globals, made on the CPU
        for param in network.parameters:
            param.data = param.data.to(device)
    if "factory" in recipe["optimizers"]:
        optimizers = make_optimizers(ns, recipe["optimizers"]["factory"], networks)
    else:
        optimizers = [make_optimizers(ns, recipe["optimizers"]["per_network"], [n])[0] for n in networks]
    roles = {n.role: n.value for n in networks}
    images = training_images(raw_images, recipe.get("data", {})).to(device)
    source = BatchSource(images, recipe["batch_size"], seed)
    noise = torch.Generator().manual_seed(seed + 1)
    initial = sample_images(roles[recipe["sample"]["network"]], recipe["sample"], torch.Generator().manual_seed(seed + 2),
                            ns)

    sampled = next(n for n in networks if n.role == recipe["sample"]["network"])
    last_finite = LastFiniteState(sampled)
    curves = Curves(on_call=last_finite.look)
    saved = {name: ns[name] for name in recipe.get("watch", {}) if name in ns}
    for name, names in recipe.get("watch", {}).items():
        if name in ns:
            ns[name] = curves.wrap(ns[name], names)

    def resolve(spec):
        if "network" in spec:
            return roles[spec["network"]]
        if "optimizer" in spec:
            return optimizers[spec["optimizer"]]
        if "notebook" in spec:
            return lookup(ns, spec["notebook"])
        if "images" in spec:
            return images
        if "loader" in spec:
            return BriefLoader(source, steps)
        if "batch" in spec:
            return source.next()
        if "steps" in spec:
            return steps
        return spec["value"]

    gap = CriticGap(roles, recipe["critic_gap"], images, seed, device) if "critic_gap" in recipe else None
    loop = recipe["loop"]
    function = lookup(ns, loop.get("function") or loop["step_function"])
    args, kwargs, as_globals = _fit_to_signature(function, loop["args"], loop.get("kwargs", {}))
    saved.update({name: ns[name] for name in as_globals if name in ns})
    for name, spec in as_globals.items():
        ns[name] = resolve(spec)
    torch.manual_seed(seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    # Loops print progress; in a kernel every print crosses to the grader and costs steps.
    with open(os.devnull, "w") as discard, contextlib.redirect_stdout(discard):
        try:
            if "function" in loop:
                function(*[resolve(s) for s in args], **{k: resolve(s) for k, s in kwargs.items()})
            else:
                for _ in range(steps):
                    returned = function(*[resolve(s) for s in args], **{k: resolve(s) for k, s in kwargs.items()})
                    last_finite.look()
                    if gap is not None:
                        gap.look()
                    for key, value in (returned.items() if isinstance(returned, dict) else ()):
                        try:
                            curves.values.setdefault(str(key), []).append(float(value))
                        except (TypeError, ValueError, RuntimeError):
                            continue
        finally:
            for name in as_globals:
                ns.pop(name, None)
            ns.update(saved)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    if gap is not None:
        curves.values["critic_gap"] = gap.values
    divergence = last_finite.restore_if_diverged()
    return {
        "samples": sample_images(roles[recipe["sample"]["network"]], recipe["sample"], noise, ns),
        "initial_samples": initial,
        "curves": curves.values,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,   # all the process's threads: the work, whatever else the machine does
        "steps": steps,
        "divergence": divergence,
    }


def _fit_to_signature(function, args: list[dict], kwargs: dict[str, dict]) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """The positional and keyword specs the function takes, and those to set as notebook globals instead."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return args, kwargs, {}
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return args, kwargs, {}
    as_globals = {s["parameter"]: s for s in args if "parameter" in s and s["parameter"] not in parameters}
    args = [s for s in args if s.get("parameter") not in as_globals]
    return args, {key: spec for key, spec in kwargs.items() if key in parameters}, as_globals


def brief_training(ns: dict, inputs: dict, outputs: dict, info: dict, recipe: dict, steps: int, seed: int,
                   device: str = "cpu") -> None:
    """The probe primitive: train the notebook's parts briefly; samples and curves come back."""
    run = train_briefly(ns, inputs["images"], recipe, steps, seed, device)
    outputs["samples"] = run["samples"]
    outputs["initial_samples"] = run["initial_samples"]
    for name, values in run["curves"].items():
        outputs[f"curve.{name}"] = np.asarray(values, dtype=np.float64)
    info["seconds"], info["steps"], info["device"] = run["seconds"], run["steps"], device
    info.update(run["divergence"])
