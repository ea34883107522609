"""Spies for watching a student's training loop from inside the kernel.

The grader hands the student's loop its own small networks, optimizers and
data loader, each of which records what happens to it: which network saw
which input (real images as given, real images rescaled, generated images
still attached to G's graph), which loss was computed, when each optimizer
cleared gradients and stepped. The solvers are also watched as every
pack's optimizers are (autograder.observe.training_spies: which network each
step changed, and whether it ran on uncleared gradients), so the shared loop
checks judge this loop too. The events go back as JSON; the grader's process
judges them.
"""
from __future__ import annotations

import inspect

import numpy as np
import torch
from torch import nn

from autograder.observe.primitives import lookup
from autograder.observe.training_spies import ChangeWatch, GradientLedger, Network, spy_on


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, kind: str, **details) -> None:
        self.events.append({"kind": kind, **details})


class SpyLoader:
    """Yields (images in [0, 1], labels) batches and remembers the current one."""

    def __init__(self, batches: list[np.ndarray], recorder: Recorder) -> None:
        self.batches = [torch.from_numpy(b.copy()) for b in batches]
        self.recorder = recorder
        self.current: torch.Tensor | None = None

    def __iter__(self):
        for index, batch in enumerate(self.batches):
            self.current = batch
            self.recorder.add("batch", index=index)
            yield batch, torch.zeros(len(batch), dtype=torch.long)

    def __len__(self) -> int:
        return len(self.batches)


class SpyNetwork(nn.Module):
    """A small network that records, for every call, what kind of input it got."""

    def __init__(self, name: str, body: nn.Module, recorder: Recorder, loader: SpyLoader | None = None) -> None:
        super().__init__()
        self.name, self.body, self.recorder, self.loader = name, body, recorder, loader

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        details = {"attached": bool(x.requires_grad), "batch": int(x.shape[0])}
        if self.loader is not None and self.loader.current is not None and flat.shape == self.loader.current.shape:
            real = self.loader.current.to(flat.dtype)
            details["real_scaled"] = bool(torch.allclose(flat.detach(), 2 * real - 1, atol=1e-5))
            details["real_raw"] = bool(torch.allclose(flat.detach(), real, atol=1e-5))
        self.recorder.add(f"{self.name}.forward", **details)
        return self.body(flat if self.name == "D" else x)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.recorder.add(f"{self.name}.zero_grad")
        super().zero_grad(set_to_none=set_to_none)


class SpyAdam(torch.optim.Adam):
    """Adam over one network that records its zero_grad and step calls."""

    def __init__(self, name: str, network: nn.Module, recorder: Recorder, **settings) -> None:
        super().__init__(network.parameters(), **settings)
        self.spy_name, self.recorder = name, recorder

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.recorder.add(f"{self.spy_name}_solver.zero_grad")
        super().zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):
        self.recorder.add(f"{self.spy_name}_solver.step")
        return super().step(closure)


def observe_gan_loop(ns: dict, inputs: dict, outputs: dict, info: dict, name: str, batch_size: int,
                     noise_size: int, loader_arg: str = "loader_train") -> None:
    """Run the student's loop for one epoch over the spy loader with spy networks, losses and solvers."""
    loop = lookup(ns, name)
    recorder = Recorder()
    loader = SpyLoader([inputs[key] for key in sorted(inputs) if key.startswith("batch")], recorder)
    torch.manual_seed(0)
    D = SpyNetwork("D", nn.Sequential(nn.Linear(784, 8), nn.LeakyReLU(0.01), nn.Linear(8, 1)), recorder, loader)
    G = SpyNetwork("G", nn.Sequential(nn.Linear(noise_size, 784), nn.Tanh()), recorder)
    D_solver = SpyAdam("D", D, recorder, lr=1e-3, betas=(0.5, 0.999))
    G_solver = SpyAdam("G", G, recorder, lr=1e-3, betas=(0.5, 0.999))
    networks = [Network("D", D, list(D.parameters())), Network("G", G, list(G.parameters()))]
    watch, steps = ChangeWatch(networks), []
    ledger = GradientLedger(networks)
    for index, solver in enumerate((D_solver, G_solver)):
        spy_on(solver, index, watch, steps, ledger)

    def discriminator_loss(logits_real, logits_fake):
        recorder.add("discriminator_loss")
        bce = nn.functional.binary_cross_entropy_with_logits
        return bce(logits_real, torch.ones_like(logits_real)) + bce(logits_fake, torch.zeros_like(logits_fake))

    def generator_loss(logits_fake):
        recorder.add("generator_loss")
        return nn.functional.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))

    arguments = dict(show_every=10**9, batch_size=batch_size, noise_size=noise_size, num_epochs=1)
    parameters = inspect.signature(loop).parameters
    arguments = {key: value for key, value in arguments.items() if key in parameters}
    takes_loader = loader_arg in parameters
    saved = ns.get(loader_arg)
    if takes_loader:
        arguments[loader_arg] = loader
    else:  # older notebooks read the loader from a global
        ns[loader_arg] = loader
    try:
        loop(D, G, D_solver, G_solver, discriminator_loss, generator_loss, **arguments)
    finally:
        if not takes_loader:
            ns[loader_arg] = saved
    after = watch.changes()
    if any(after.values()):
        steps.append({"kind": "changed_outside_step", "changed": after})
    info["events"] = recorder.events
    info["steps"] = steps   # in training_spies' form, for autograder.checks.loops
    info["batches"] = len(loader)
