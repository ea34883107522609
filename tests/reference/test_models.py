"""The reference networks against the contracts the assignments publish.

Expected parameter counts are derived here from the layer arithmetic and
checked against the numbers the assignments publish; expected layer shapes
come from the assignment texts.
"""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from reference.models import cs231n_gan, cs501r_dcgan, cs501r_wgan_gp, dcgan_tutorial, mlp_gan


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def batchnorm(channels: int) -> int:
    return 2 * channels  # weight and bias; running statistics are buffers


def record(module: nn.Module, x: torch.Tensor, kinds: tuple[type, ...]) -> list[tuple[int, ...]]:
    """Per-sample output shapes of the submodules of the given kinds, in call order."""
    shapes: list[tuple[int, ...]] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
        for m in module.modules()
        if isinstance(m, kinds)
    ]
    try:
        module(x)
    finally:
        for h in hooks:
            h.remove()
    return shapes


def layer_sequence(module: nn.Module, x: torch.Tensor) -> list[type]:
    """Types of the leaf modules, in the order the forward pass calls them."""
    called: list[type] = []
    hooks = [
        m.register_forward_hook(lambda m, _i, _o: called.append(type(m)))
        for m in module.modules()
        if not list(m.children())
    ]
    try:
        module(x)
    finally:
        for h in hooks:
            h.remove()
    return called


def final_layer_output(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What the last leaf module called returns (to show nothing squashes it afterwards)."""
    outputs: list[torch.Tensor] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: outputs.append(out))
        for m in module.modules()
        if not list(m.children())
    ]
    try:
        module(x)
    finally:
        for h in hooks:
            h.remove()
    return outputs[-1]


CONV_KINDS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


# ---------------------------------------------------------------- counts

def test_parameter_counts_match_the_published_numbers() -> None:
    counts = {
        "cs231n D": (
            n_params(cs231n_gan.Discriminator()),
            linear(784, 256) + linear(256, 256) + linear(256, 1),
            267009,
        ),
        "cs231n G nd=4": (
            n_params(cs231n_gan.Generator(noise_dim=4)),
            linear(4, 1024) + linear(1024, 1024) + linear(1024, 784),
            1858320,
        ),
        "cs231n DC D": (
            n_params(cs231n_gan.DCDiscriminator()),
            conv(1, 32, 5) + conv(32, 64, 5) + linear(1024, 1024) + linear(1024, 1),
            1102721,
        ),
        "cs231n DC G nd=4": (
            n_params(cs231n_gan.DCGenerator(noise_dim=4)),
            linear(4, 1024) + batchnorm(1024) + linear(1024, 6272) + batchnorm(6272)
            + conv(128, 64, 4) + batchnorm(64) + conv(64, 1, 4),
            6580801,
        ),
        "tutorial D": (
            n_params(dcgan_tutorial.Discriminator()),
            conv(1, 8, 5) + conv(8, 16, 5) + linear(16 * 7 * 7, 32) + linear(32, 1),
            28577,
        ),
        "mlp G": (n_params(mlp_gan.Generator()), linear(100, 400) + linear(400, 784), 354784),
        "mlp D": (n_params(mlp_gan.Discriminator()), linear(784, 400) + linear(400, 1), 314401),
    }
    for name, (actual, derived, published) in counts.items():
        assert derived == published, f"{name}: layer arithmetic disagrees with the contract"
        assert actual == published, f"{name}: {actual} parameters, expected {published}"


def test_cs231n_default_noise_dim_is_96() -> None:
    assert cs231n_gan.NOISE_DIM == 96
    assert cs231n_gan.Generator().fc1.in_features == 96
    assert cs231n_gan.DCGenerator().fc1.in_features == 96


# --------------------------------------------------------------- cs231n

@pytest.mark.parametrize("make", [cs231n_gan.Discriminator, cs231n_gan.DCDiscriminator])
def test_cs231n_discriminators_take_both_layouts_and_return_unsquashed_logits(make) -> None:
    torch.manual_seed(0)
    D = make()
    flat = torch.rand(5, 784)
    out = D(flat)
    assert out.shape == (5, 1)
    torch.testing.assert_close(D(flat.view(5, 1, 28, 28)), out)
    # Logits: the forward output is the last Linear's output, nothing after it.
    assert isinstance(list(D.modules())[-1], nn.Linear)
    torch.testing.assert_close(final_layer_output(D, flat), out)


def test_cs231n_mlp_layer_sequences() -> None:
    x, z = torch.rand(3, 784), torch.rand(3, 96) * 2 - 1
    assert layer_sequence(cs231n_gan.Discriminator(), x) == [
        nn.Linear, nn.LeakyReLU, nn.Linear, nn.LeakyReLU, nn.Linear,
    ]
    assert layer_sequence(cs231n_gan.Generator(), z) == [
        nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear, nn.Tanh,
    ]


def test_cs231n_dc_layer_sequences_keep_relu_before_batchnorm() -> None:
    x, z = torch.rand(3, 784), torch.rand(3, 96) * 2 - 1
    assert layer_sequence(cs231n_gan.DCDiscriminator(), x) == [
        nn.Conv2d, nn.LeakyReLU, nn.MaxPool2d,
        nn.Conv2d, nn.LeakyReLU, nn.MaxPool2d,
        nn.Flatten, nn.Linear, nn.LeakyReLU, nn.Linear,
    ]
    assert layer_sequence(cs231n_gan.DCGenerator(), z) == [
        nn.Linear, nn.ReLU, nn.BatchNorm1d,
        nn.Linear, nn.ReLU, nn.BatchNorm1d,
        nn.ConvTranspose2d, nn.ReLU, nn.BatchNorm2d,
        nn.ConvTranspose2d, nn.Tanh,
    ]
    assert record(cs231n_gan.DCDiscriminator(), x, (nn.Conv2d, nn.MaxPool2d)) == [
        (32, 24, 24), (32, 12, 12), (64, 8, 8), (64, 4, 4),
    ]
    assert record(cs231n_gan.DCGenerator(), z, CONV_KINDS) == [
        (1024,), (6272,), (64, 14, 14), (1, 28, 28),
    ]


@pytest.mark.parametrize("make", [cs231n_gan.Generator, cs231n_gan.DCGenerator])
def test_cs231n_generators_give_flat_images_in_tanh_range(make) -> None:
    torch.manual_seed(0)
    G = make(noise_dim=96)
    # Large noise drives the tanh towards its ends; the range must still hold.
    out = G(torch.randn(4, 96) * 50)
    assert out.shape == (4, 784)
    assert out.min() >= -1 and out.max() <= 1
    assert out.min() < 0 < out.max()


# --------------------------------------------------------- cs501r_dcgan

def test_cs501r_discriminator_structure() -> None:
    D = cs501r_dcgan.Discriminator()
    x = torch.rand(3, 784)
    # H0, H1, H2, H3 of the lab.
    assert record(D, x, CONV_KINDS) == [(32, 14, 14), (64, 7, 7), (1024,), (1,)]
    slopes = [m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)]
    assert slopes == [0.2, 0.2, 0.2]


def test_cs501r_discriminator_outputs_probabilities_of_its_logits() -> None:
    torch.manual_seed(0)
    D = cs501r_dcgan.Discriminator()
    x = torch.rand(6, 784)
    p = D(x)
    assert p.shape == (6, 1)
    assert ((p > 0) & (p < 1)).all()
    torch.testing.assert_close(p, torch.sigmoid(D.logits(x)))
    torch.testing.assert_close(D(x.view(6, 1, 28, 28)), p)


def test_cs501r_generator_structure_and_range() -> None:
    torch.manual_seed(0)
    G = cs501r_dcgan.Generator()
    z = torch.rand(3, 100) * 2 - 1
    assert record(G, z, CONV_KINDS) == [(128 * 7 * 7,), (128, 14, 14), (1, 28, 28)]
    assert layer_sequence(G, z) == [
        nn.Linear, nn.ReLU, nn.ConvTranspose2d, nn.ReLU, nn.ConvTranspose2d, nn.Sigmoid,
    ]
    out = G(z)
    assert out.shape == (3, 784)
    assert ((out > 0) & (out < 1)).all()


# --------------------------------------------------------------- wgan_gp

def test_wgan_generator_shapes_and_range() -> None:
    torch.manual_seed(0)
    G = cs501r_wgan_gp.Generator()
    z = torch.randn(2, 100)
    assert record(G, z, CONV_KINDS) == [
        (512 * 4 * 4,), (256, 8, 8), (128, 16, 16), (64, 32, 32), (3, 64, 64),
    ]
    out = G(z)
    assert out.shape == (2, 3, 64, 64)
    assert out.min() >= -1 and out.max() <= 1
    assert not torch.equal(out[0], out[1])


def test_wgan_generator_has_relu_and_batchnorm_after_all_but_the_last_layer() -> None:
    G = cs501r_wgan_gp.Generator()
    unit = [nn.ReLU, nn.BatchNorm2d]
    assert layer_sequence(G, torch.randn(2, 100)) == (
        [nn.Linear] + unit
        + [nn.ConvTranspose2d] + unit
        + [nn.ConvTranspose2d] + unit
        + [nn.ConvTranspose2d] + unit
        + [nn.ConvTranspose2d, nn.Tanh]
    )


def test_wgan_critic_structure() -> None:
    critic = cs501r_wgan_gp.Critic()
    x = torch.randn(2, 3, 64, 64)
    assert record(critic, x, CONV_KINDS) == [
        (64, 32, 32), (128, 16, 16), (256, 8, 8), (512, 4, 4), (1,),
    ]
    assert layer_sequence(critic, x) == [
        nn.Conv2d, nn.LeakyReLU,  # no normalisation on the first layer
        nn.Conv2d, nn.LeakyReLU, nn.BatchNorm2d,
        nn.Conv2d, nn.LeakyReLU, nn.BatchNorm2d,
        nn.Conv2d, nn.LeakyReLU, nn.BatchNorm2d,
        nn.Flatten, nn.Linear,
    ]
    slopes = {m.negative_slope for m in critic.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.2}


def test_wgan_critic_output_is_unconstrained() -> None:
    torch.manual_seed(0)
    critic = cs501r_wgan_gp.Critic()
    x = torch.randn(8, 3, 64, 64)
    scores = critic(x)
    assert scores.shape == (8, 1)
    torch.testing.assert_close(final_layer_output(critic, x), scores)
    # Scaling the last layer scales the scores: no sigmoid or ReLU bounds them.
    with torch.no_grad():
        critic.fc.weight.mul_(1000)
    scores = critic(x)
    assert scores.min() < 0 and scores.max() > 1


# -------------------------------------------------------- dcgan_tutorial

def test_tutorial_discriminator_structure_and_logits() -> None:
    torch.manual_seed(0)
    D = dcgan_tutorial.Discriminator()
    x = torch.rand(4, 1, 28, 28)
    assert layer_sequence(D, x) == [
        nn.Conv2d, nn.ReLU, nn.AvgPool2d,
        nn.Conv2d, nn.ReLU, nn.AvgPool2d,
        nn.Flatten, nn.Linear, nn.ReLU, nn.Linear,
    ]
    assert record(D, x, (nn.Conv2d, nn.AvgPool2d, nn.Linear)) == [
        (8, 28, 28), (8, 14, 14), (16, 14, 14), (16, 7, 7), (32,), (1,),
    ]
    out = D(x)
    assert out.shape == (4, 1)
    torch.testing.assert_close(final_layer_output(D, x), out)
    torch.testing.assert_close(D(x.view(4, 784)), out)


def test_tutorial_generator_shapes_order_and_range() -> None:
    torch.manual_seed(0)
    G = dcgan_tutorial.Generator()
    z = torch.randn(3, 100)
    assert record(G, z, (nn.ConvTranspose2d,)) == [
        (256, 3, 3), (128, 6, 6), (64, 12, 12), (1, 28, 28),
    ]
    unit = [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU]  # the tutorial's order
    assert layer_sequence(G, z) == [nn.ReLU] + unit * 3 + [nn.ConvTranspose2d, nn.Tanh]
    out = G(z * 50)
    assert out.shape == (3, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1


def test_tutorial_generator_rejects_a_noise_size_that_cannot_be_reshaped() -> None:
    with pytest.raises(ValueError):
        dcgan_tutorial.Generator(z_dim=64)


# --------------------------------------------------------------- mlp_gan

def test_mlp_networks_output_ranges() -> None:
    torch.manual_seed(0)
    G, D = mlp_gan.Generator(), mlp_gan.Discriminator()
    images = G(torch.randn(5, mlp_gan.Z_DIM))
    assert images.shape == (5, 784)
    assert ((images > 0) & (images < 1)).all()
    p = D(images)
    assert p.shape == (5, 1)
    assert ((p > 0) & (p < 1)).all()


@settings(max_examples=25, deadline=None)
@given(fan_in=st.integers(1, 64), fan_out=st.integers(1, 64))
def test_xavier_init_has_the_requested_shape(fan_in: int, fan_out: int) -> None:
    w = mlp_gan.xavier_init((fan_in, fan_out))
    assert w.shape == (fan_in, fan_out)
    assert w.dtype == torch.float32


@pytest.mark.parametrize("shape", [(10, 20000), (500, 400)])
def test_xavier_init_std_is_one_over_fan_in(shape: tuple[int, int]) -> None:
    torch.manual_seed(0)
    w = mlp_gan.xavier_init(shape).double()
    n = w.numel()
    std = 1 / shape[0]
    # Sample mean has standard error std/sqrt(n); sample std about std/sqrt(2n).
    assert abs(w.mean().item()) < 5 * std / n**0.5
    assert abs(w.std().item() / std - 1) < 5 / (2 * n) ** 0.5


def test_mlp_networks_start_from_the_notebook_initialisation() -> None:
    torch.manual_seed(0)
    for layer in [*mlp_gan.Generator().modules(), *mlp_gan.Discriminator().modules()]:
        if not isinstance(layer, nn.Linear):
            continue
        fan_in = layer.in_features
        assert layer.weight.shape == (layer.out_features, fan_in)  # PyTorch's layout
        assert torch.count_nonzero(layer.bias) == 0
        n = layer.weight.numel()
        ratio = layer.weight.std().item() * fan_in
        assert abs(ratio - 1) < 5 / (2 * n) ** 0.5, f"std*fan_in = {ratio} for {tuple(layer.weight.shape)}"


# ------------------------------------------------------------ determinism

ALL_MODELS = [
    cs231n_gan.Discriminator, cs231n_gan.Generator, cs231n_gan.DCDiscriminator, cs231n_gan.DCGenerator,
    cs501r_dcgan.Discriminator, cs501r_dcgan.Generator,
    cs501r_wgan_gp.Generator, cs501r_wgan_gp.Critic,
    dcgan_tutorial.Discriminator, dcgan_tutorial.Generator,
    mlp_gan.Generator, mlp_gan.Discriminator,
]


@pytest.mark.parametrize("make", ALL_MODELS, ids=lambda m: f"{m.__module__.split('.')[-1]}.{m.__name__}")
def test_construction_is_reproducible_under_manual_seed(make) -> None:
    def weights(seed: int) -> list[torch.Tensor]:
        torch.manual_seed(seed)
        return list(make().parameters())

    first, again, other = weights(0), weights(0), weights(1)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    # Every weight tensor (biases may start at a constant) depends on the seed.
    assert all(
        not torch.equal(a, c) for a, c in zip(first, other) if a.dim() > 1
    )
