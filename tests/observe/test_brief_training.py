"""The brief-training primitive on a toy GAN namespace, the reference-run cache, and the pictures."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import numpy as np
import torch
from PIL import Image
from torch import nn

from autograder.observe.brief_training import SAMPLE_COUNT, sample_noise, train_briefly
from autograder.report.figures import loss_curves_png, notebook_final_image, sample_grid_png
from autograder.scoring import reference_runs
from autograder.scoring.reference_runs import ReferenceRuns

Z_DIM = 4


def toy_namespace(step_generator: bool = True, loader_as_global: bool = False) -> dict:
    """A tiny MLP GAN in the cs231n style: factories, per-network optimizers, a loop over a loader."""
    def discriminator():
        return nn.Sequential(nn.Linear(784, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def generator():
        return nn.Sequential(nn.Linear(Z_DIM, 784), nn.Tanh())

    def get_optimizer(model):
        return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def discriminator_loss(real, fake):
        bce = nn.functional.binary_cross_entropy_with_logits
        return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))

    def generator_loss(fake):
        return nn.functional.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))

    def body(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader, batch_size):
        for x, _ in loader:
            D_solver.zero_grad()
            fake = G(torch.rand(batch_size, Z_DIM) * 2 - 1).detach()
            discriminator_loss(D(2 * x - 1), D(fake)).backward()
            D_solver.step()
            G_solver.zero_grad()
            generator_loss(D(G(torch.rand(batch_size, Z_DIM) * 2 - 1))).backward()
            if step_generator:
                G_solver.step()

    ns = {"discriminator": discriminator, "generator": generator, "get_optimizer": get_optimizer,
          "discriminator_loss": discriminator_loss, "generator_loss": generator_loss}
    if loader_as_global:
        def run(D, G, D_solver, G_solver, discriminator_loss, generator_loss, batch_size=16):
            body(D, G, D_solver, G_solver, discriminator_loss, generator_loss, ns["loader_train"], batch_size)
    else:
        def run(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train, batch_size=16):
            body(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train, batch_size)
    ns["run"] = run
    return ns


RECIPE = {
    "networks": [{"role": "D", "build": "discriminator"}, {"role": "G", "build": "generator"}],
    "optimizers": {"per_network": "get_optimizer"},
    "loop": {"function": "run",
             "args": [{"network": "D"}, {"network": "G"}, {"optimizer": 0}, {"optimizer": 1},
                      {"notebook": "discriminator_loss"}, {"notebook": "generator_loss"},
                      {"loader": True, "parameter": "loader_train"}],
             "kwargs": {"batch_size": {"value": 16}, "show_every": {"value": 10**9}}},
    "watch": {"discriminator_loss": ["d_loss"], "generator_loss": ["g_loss"]},
    "data": {"layout": "flat", "range": "unit"},
    "sample": {"network": "G", "noise": "uniform", "z_dim": Z_DIM, "range": "tanh"},
    "batch_size": 16,
}
IMAGES = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)


def test_a_run_trains_the_notebook_parts_and_records_their_losses():
    ns = toy_namespace()
    run = train_briefly(ns, IMAGES, RECIPE, steps=12, seed=3)
    assert run["samples"].shape == (SAMPLE_COUNT, 784) and run["initial_samples"].shape == (SAMPLE_COUNT, 784)
    assert run["samples"].min() >= 0 and run["samples"].max() <= 1  # tanh output mapped to pixel values
    assert len(run["curves"]["d_loss"]) == 12 and len(run["curves"]["g_loss"]) == 12
    assert not np.allclose(run["samples"], run["initial_samples"])
    assert ns["discriminator_loss"].__name__ == "discriminator_loss"  # the watch wrappers are removed again


def test_the_same_seed_gives_the_same_run():
    first = train_briefly(toy_namespace(), IMAGES, RECIPE, steps=5, seed=7)
    second = train_briefly(toy_namespace(), IMAGES, RECIPE, steps=5, seed=7)
    np.testing.assert_array_equal(first["samples"], second["samples"])
    np.testing.assert_array_equal(first["curves"]["d_loss"], second["curves"]["d_loss"])


def test_a_generator_never_stepped_keeps_its_initial_samples():
    run = train_briefly(toy_namespace(step_generator=False), IMAGES, RECIPE, steps=5, seed=0)
    initial_again = train_briefly(toy_namespace(step_generator=False), IMAGES, RECIPE, steps=0, seed=0)
    np.testing.assert_allclose(run["samples"], initial_again["samples"])


def test_a_loop_reading_its_loader_from_a_global_gets_it_there():
    ns = toy_namespace(loader_as_global=True)
    ns["loader_train"] = "the notebook's own loader"
    run = train_briefly(ns, IMAGES, RECIPE, steps=4, seed=0)
    assert len(run["curves"]["d_loss"]) == 4
    assert ns["loader_train"] == "the notebook's own loader"


def diverging_namespace(nan_from_step: int) -> dict:
    """The toy GAN whose generator loss turns to nan from one step on (as log(0) does once D saturates)."""
    ns = toy_namespace()
    calls = {"n": 0}
    healthy = ns["generator_loss"]

    def generator_loss(fake):
        calls["n"] += 1
        loss = healthy(fake)
        return loss * float("nan") if calls["n"] >= nan_from_step else loss

    ns["generator_loss"] = generator_loss
    return ns


def test_a_run_that_diverges_is_judged_on_its_last_finite_state():
    run = train_briefly(diverging_namespace(nan_from_step=16), IMAGES, RECIPE, steps=30, seed=2)
    divergence = run["divergence"]
    assert divergence["judged_after_calls"] < divergence["diverged_after_calls"] <= 2 * 16 + 10
    assert np.isfinite(run["samples"]).all()
    # A look after the 2k-th watched call (step k's generator loss) sees G stepped k - 1 times.
    stepped = divergence["judged_after_calls"] // 2 - 1
    clean = train_briefly(toy_namespace(), IMAGES, RECIPE, steps=stepped, seed=2)
    np.testing.assert_array_equal(run["samples"], clean["samples"])


def test_a_run_that_is_never_finite_keeps_its_nan_samples():
    run = train_briefly(diverging_namespace(nan_from_step=1), IMAGES, RECIPE, steps=30, seed=2)
    assert run["divergence"]["judged_after_calls"] == 0 and np.isnan(run["samples"]).all()


def test_a_finite_run_reports_no_divergence():
    assert train_briefly(toy_namespace(), IMAGES, RECIPE, steps=12, seed=3)["divergence"] == {}


class CountingPack:
    """A stand-in pack whose reference namespace is the toy GAN, counting how often it is built."""

    id = "toy"
    built = 0

    def reference(self):
        CountingPack.built += 1
        module = type("Module", (), {})()
        for name, value in toy_namespace().items():
            setattr(module, name, value)
        return module

    def reference_sources(self):
        here = Path(__file__)
        return here.parent, [here]   # the toy GAN's source: this file


def test_reference_runs_are_cached_on_disk(tmp_path):
    pack = CountingPack()
    first = ReferenceRuns(tmp_path).get(pack, RECIPE, 3, "cpu", 0, IMAGES)
    again = ReferenceRuns(tmp_path).get(pack, RECIPE, 3, "cpu", 0, IMAGES)  # a new batch, same cache folder
    assert CountingPack.built == 1
    np.testing.assert_array_equal(first["samples"], again["samples"])
    np.testing.assert_array_equal(first["curves"]["d_loss"], again["curves"]["d_loss"])
    ReferenceRuns(tmp_path).get(pack, RECIPE, 4, "cpu", 0, IMAGES)  # another budget is another run
    assert CountingPack.built == 2


def test_the_cache_key_changes_with_what_decides_a_run():
    pack = CountingPack()
    key = reference_runs.run_key(pack, RECIPE, 3, "cpu", 0, IMAGES)
    assert key == reference_runs.run_key(pack, RECIPE, 3, "cpu", 0, IMAGES.copy())
    assert key != reference_runs.run_key(pack, RECIPE, 3, "cuda", 0, IMAGES)
    assert key != reference_runs.run_key(pack, RECIPE, 3, "cpu", 1, IMAGES)
    assert key != reference_runs.run_key(pack, RECIPE, 3, "cpu", 0, IMAGES[:-1])


# ----------------------------------------------------------------- pictures

def test_sample_grids_are_pngs_of_the_samples():
    digits = Image.open(io.BytesIO(sample_grid_png(np.random.default_rng(0).uniform(0, 1, (100, 784)))))
    faces = Image.open(io.BytesIO(sample_grid_png(np.random.default_rng(0).uniform(0, 1, (10, 3, 64, 64)))))
    assert digits.format == "PNG" and digits.mode == "L" and digits.width >= 8 * 28
    assert faces.mode == "RGB" and faces.height < faces.width  # 10 faces: two rows of eight


def test_loss_curves_are_drawn_when_there_are_curves():
    assert loss_curves_png({}) is None
    picture = Image.open(io.BytesIO(loss_curves_png({"d_loss": np.linspace(1, 0, 10)}, {"d_loss": np.ones(10)})))
    assert picture.format == "PNG"


def test_the_notebooks_last_real_image_is_extracted():
    def png(colour):
        buffer = io.BytesIO()
        Image.new("L", (4, 4), colour).save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue()).decode()

    notebook = nbformat.v4.new_notebook()
    first, last = nbformat.v4.new_code_cell("plot()"), nbformat.v4.new_code_cell("plot()")
    first.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(10)})]
    last.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(200)}),
                    nbformat.v4.new_output("display_data", data={"image/png": "not a png"})]
    notebook.cells = [first, last]
    extracted = Image.open(io.BytesIO(notebook_final_image(notebook)))
    assert extracted.getpixel((0, 0)) == 200
    assert notebook_final_image(nbformat.v4.new_notebook()) is None


def test_samples_are_drawn_on_the_notebooks_own_noise_function_where_it_works():
    spec = {"network": "G", "noise": "uniform", "z_dim": 3, "range": "tanh", "noise_function": "sample_noise"}
    gaussian = {"sample_noise": lambda n, d: torch.randn(n, d) * 50}
    z = sample_noise(spec, torch.Generator().manual_seed(0), gaussian)
    assert z.shape == (SAMPLE_COUNT, 3) and z.abs().max() > 1   # the notebook's noise, not the recipe's
    again = sample_noise(spec, torch.Generator().manual_seed(0), gaussian)
    assert torch.equal(z, again)   # seeded from the grader's generator

    def raises(n, d):
        raise ValueError("bug")
    for broken in (raises, lambda n, d: torch.zeros(n, d + 1), lambda n, d: torch.full((n, d), float("nan")), None):
        fallback = sample_noise(spec, torch.Generator().manual_seed(0), {"sample_noise": broken})
        assert fallback.shape == (SAMPLE_COUNT, 3) and fallback.abs().max() <= 1   # the recipe's uniform noise
    assert torch.equal(sample_noise({**spec, "noise_function": "absent"}, torch.Generator().manual_seed(0), gaussian),
                       sample_noise(spec, torch.Generator().manual_seed(0), {}))
