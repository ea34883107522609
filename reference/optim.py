"""Optimizers over exactly one network, and the checks that say so.

Each GAN pack trains two networks with two optimizers, and a classic bug is an
optimizer that also steps (or misses) the other network's parameters. The
helpers here compare the tensors an optimizer steps with a module's
parameters by identity, never by value or name: a copy of a network holds
equal values in different tensors, and stepping the copy trains nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


def adam(
    module: nn.Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999)
) -> torch.optim.Adam:
    """Adam over ``module.parameters()`` and nothing else (defaults: torch's)."""
    return torch.optim.Adam(module.parameters(), lr=lr, betas=betas)


def stepped_parameter_ids(optimizer: torch.optim.Optimizer) -> list[int]:
    """``id`` of every tensor in the optimizer's parameter groups, in order,
    repeats included."""
    return [id(p) for group in optimizer.param_groups for p in group["params"]]


@dataclass
class OwnershipReport:
    """How an optimizer's tensors compare with one module's parameters.

    ``missing``: names of the module's parameters the optimizer does not step;
    ``foreign``: how many distinct tensors it steps that are not the module's;
    ``duplicates``: how many of its entries repeat a tensor listed before.
    """

    missing: list[str] = field(default_factory=list)
    foreign: int = 0
    duplicates: int = 0

    @property
    def exact(self) -> bool:
        """True when the optimizer steps each of the module's parameters once and nothing else."""
        return not self.missing and self.foreign == 0 and self.duplicates == 0

    def describe(self) -> str:
        """One plain sentence saying what is wrong, or that nothing is."""
        if self.exact:
            return "The optimizer steps exactly the module's parameters, each once."
        problems = []
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (", ..." if len(self.missing) > 5 else "")
            problems.append(f"does not step {_count(len(self.missing), 'parameter')} of the module ({shown})")
        if self.foreign:
            problems.append(f"steps {_count(self.foreign, 'tensor')} that the module does not own")
        if self.duplicates:
            problems.append(f"holds {_count(self.duplicates, 'duplicate entry', 'duplicate entries')}")
        if len(problems) > 1:
            problems[-1] = "and " + problems[-1]
        joiner = ", " if len(problems) > 2 else " "
        return "The optimizer " + joiner.join(problems) + "."


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def ownership_report(optimizer: torch.optim.Optimizer, module: nn.Module) -> OwnershipReport:
    """Compare the tensors ``optimizer`` steps with ``module``'s parameters, by identity."""
    stepped = stepped_parameter_ids(optimizer)
    stepped_set = set(stepped)
    # named_parameters() lists a tied (shared) parameter once, under its first name.
    owned = {id(p): name for name, p in module.named_parameters()}
    return OwnershipReport(
        missing=[name for pid, name in owned.items() if pid not in stepped_set],
        foreign=len(stepped_set - owned.keys()),
        duplicates=len(stepped) - len(stepped_set),
    )


def owns_exactly(optimizer: torch.optim.Optimizer, module: nn.Module) -> bool:
    """True when ``optimizer`` steps exactly ``module``'s parameters, each once."""
    return ownership_report(optimizer, module).exact
