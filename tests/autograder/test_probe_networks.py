"""The grader's probe networks: seeded, round-trippable through plain arrays, and smooth enough to probe with."""
from __future__ import annotations

import torch

from autograder import probe_networks


def test_probes_are_fixed_by_their_seed():
    a, b, c = (probe_networks.face_critic(seed) for seed in (1, 1, 2))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_arrays_round_trip_into_a_fresh_probe():
    D = probe_networks.mnist_discriminator(7, output="probability")
    fresh = probe_networks.load_probe_arrays(probe_networks.mnist_discriminator(8, output="probability"),
                                             probe_networks.probe_arrays(D, "d"), "d")
    x = torch.rand(5, 784)
    assert torch.equal(D(x), fresh(x))


def test_mnist_pair_shapes_and_ranges():
    D, G = probe_networks.mnist_pair(3, 100, discriminator_output="probability", generator_output="tanh", image_shape=(1, 28, 28))
    images = G(torch.randn(4, 100, dtype=torch.float64))
    assert images.shape == (4, 1, 28, 28) and images.abs().max() <= 1
    p = D(images)
    assert p.shape == (4, 1) and ((p > 0) & (p < 1)).all()


def test_face_critic_input_gradient_norm_differs_per_sample():
    """A gradient-penalty probe is useless if every sample has the same gradient norm."""
    critic = probe_networks.face_critic(5).double()
    x = (torch.rand(6, 3, 64, 64, dtype=torch.float64) * 2 - 1).requires_grad_()
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    norms = grad.flatten(1).norm(dim=1)
    assert norms.std() > 1e-3 * norms.mean()


def test_face_generator_output_contract():
    G = probe_networks.face_generator(4, 100)
    out = G(torch.randn(3, 100))
    assert out.shape == (3, 3, 64, 64) and out.abs().max() <= 1
    assert not torch.equal(out[0], out[1])
