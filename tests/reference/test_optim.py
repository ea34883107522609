"""Optimizer ownership: which tensors an optimizer steps, compared by identity."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from torch import nn

from reference.optim import OwnershipReport, adam, ownership_report, owns_exactly, stepped_parameter_ids


def small_net() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))


def test_adam_hyperparameters_and_exact_ownership():
    net = small_net()
    optimizer = adam(net, lr=2e-4, betas=(0.5, 0.999))
    assert isinstance(optimizer, torch.optim.Adam)
    group = optimizer.param_groups[0]
    assert group["lr"] == 2e-4 and group["betas"] == (0.5, 0.999)
    report = ownership_report(optimizer, net)
    assert report == OwnershipReport(missing=[], foreign=0, duplicates=0)
    assert report.exact and owns_exactly(optimizer, net)


def test_adam_defaults_are_torchs():
    group = adam(small_net()).param_groups[0]
    assert group["lr"] == 1e-3 and group["betas"] == (0.9, 0.999)


def test_stepped_parameter_ids_lists_every_group_in_order():
    net = small_net()
    first, second = net[0], net[2]
    optimizer = torch.optim.SGD([{"params": first.parameters()}, {"params": second.parameters(), "lr": 0.5}], lr=0.1)
    expected = [id(first.weight), id(first.bias), id(second.weight), id(second.bias)]
    assert stepped_parameter_ids(optimizer) == expected


def test_missing_parameters_are_named():
    net = small_net()
    optimizer = torch.optim.Adam(net[0].parameters())
    report = ownership_report(optimizer, net)
    assert report.missing == ["2.weight", "2.bias"]
    assert report.foreign == 0 and report.duplicates == 0 and not report.exact
    assert not owns_exactly(optimizer, net)


def test_optimizer_over_both_networks_has_foreign_tensors():
    discriminator, generator = small_net(), small_net()
    optimizer = torch.optim.Adam(list(discriminator.parameters()) + list(generator.parameters()))
    report = ownership_report(optimizer, discriminator)
    assert report.missing == [] and report.foreign == 4 and report.duplicates == 0
    assert not report.exact


def test_duplicates_are_counted():
    net = small_net()
    params = list(net.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the repeat; that is the point here
        optimizer = torch.optim.SGD(params + params[:2], lr=0.1)
    report = ownership_report(optimizer, net)
    assert report.duplicates == 2 and report.missing == [] and report.foreign == 0
    assert not report.exact


def test_deep_copy_is_foreign_even_with_equal_values():
    net = small_net()
    twin = copy.deepcopy(net)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), twin.parameters()))
    report = ownership_report(adam(twin), net)
    assert report.foreign == 4
    assert report.missing == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_tied_parameter_counts_once():
    net = small_net()
    net.extra = nn.Linear(4, 3)
    net.extra.weight = net[0].weight  # tied: one tensor, two names
    report = ownership_report(adam(net), net)
    assert report.exact


@pytest.mark.parametrize(
    "report, words",
    [
        (OwnershipReport(), ["exactly"]),
        (OwnershipReport(missing=["fc.weight"]), ["1 parameter ", "fc.weight"]),
        (OwnershipReport(foreign=3), ["3 tensors", "not own"]),
        (OwnershipReport(duplicates=1), ["1 duplicate entry"]),
        (OwnershipReport(missing=["a", "b"], foreign=2, duplicates=2), ["2 parameters", "a, b", "2 tensors", ", and ",
                                                                        "2 duplicate entries"]),
    ],
)
def test_describe_is_one_sentence_naming_the_problem(report, words):
    sentence = report.describe()
    assert sentence.startswith("The optimizer ") and sentence.endswith(".") and ". " not in sentence
    for word in words:
        assert word in sentence
