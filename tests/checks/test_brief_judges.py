"""The brief-training judges on known sample sets: real digits pass; a constant image, noise and one digit fail, saying which."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.checks import brief
from autograder.data.mnist import load_mnist
from autograder.execution.probes_protocol import ProbeResult
from autograder.paths import fixtures_dir
from autograder.scoring.classifier import load_classifier
from autograder.scoring.sample_quality import DigitScorer, FaceScorer
from autograder.training_setup import CLASSIFIER_FILE

COUNT = 500


@pytest.fixture(scope="module")
def digits():
    data = load_mnist()
    order = np.random.default_rng(0).permutation(len(data.train))  # the split is sorted by class
    return data.train.as_flat_unit().numpy()[order], data.train.labels[order], data.heldout.images


@pytest.fixture(scope="module")
def context(digits):
    train, _, heldout = digits
    scorer = DigitScorer(load_classifier(fixtures_dir() / CLASSIFIER_FILE), heldout)
    noise = np.random.default_rng(1).uniform(0, 1, (COUNT, 784))
    # A reference whose brief run went from noise to real digits.
    run = {"samples": train[:COUNT], "initial_samples": noise, "curves": {}, "seconds": 1.0}
    return brief.BriefContext(100, "cpu", None, brief.weakest_reference([run], scorer), scorer)


def _result(samples, initial=None):
    initial = np.random.default_rng(2).uniform(0, 1, samples.shape) if initial is None else initial
    return ProbeResult(brief.PROBE_NAME, {"samples": samples, "initial_samples": initial}, {})


def _failed(outcomes):
    return {o.check: o.message for o in outcomes if not o.passed}


def test_real_digits_pass_every_check(context, digits):
    train, _, _ = digits
    samples = train[COUNT:2 * COUNT]
    assert _failed(brief.judge_digits(context, _result(samples))) == {}
    assert _failed(brief.judge_progress(context, _result(samples))) == {}


def test_a_constant_image_fails_as_one_image(context, digits):
    train, _, _ = digits
    constant = np.repeat(train[:1], COUNT, axis=0)
    failed = _failed(brief.judge_digits(context, _result(constant)))
    assert "not one image" in failed and "every sample is nearly the same image" in failed["not one image"]


def test_pure_noise_fails_as_noise(context):
    noise = np.random.default_rng(3).uniform(0, 1, (COUNT, 784))
    failed = _failed(brief.judge_digits(context, _result(noise)))
    assert "not noise" in failed and "look like noise" in failed["not noise"]
    assert "close to real digits" in failed


def test_always_the_same_digit_fails_naming_it(context, digits):
    train, labels, _ = digits
    threes = train[labels == 3][:COUNT]
    failed = _failed(brief.judge_digits(context, _result(threes)))
    assert "several digits" in failed and "not noise" not in failed and "not one image" not in failed
    assert "look like a 3" in failed["several digits"]


def test_no_progress_fails_the_progress_check(context):
    stuck = np.random.default_rng(4).uniform(0, 1, (COUNT, 784))
    failed = _failed(brief.judge_progress(context, _result(stuck, initial=stuck)))
    assert "brief training lowers the distance to real digits" in failed
    assert "+0% fall" in failed["brief training lowers the distance to real digits"]


def test_progress_is_not_asked_of_a_generator_whose_untrained_samples_are_already_close(context, digits):
    """BatchNorm on batch statistics can make an untrained generator's samples pass "close to real digits":
    there is no fall to measure then, and failing it would fail a valid network."""
    train, _, _ = digits
    close = train[COUNT:2 * COUNT]
    assert _failed(brief.judge_progress(context, _result(close, initial=close))) == {}
    just_above = brief.FRECHET_FACTOR * context.reference["scores"]["final"]["frechet"] * 1.01

    class Scorer:   # a distance just over the bar that does not fall: measured, and failed
        def score(self, samples):
            return {"frechet": just_above}

    stuck = brief.BriefContext(100, "cpu", None, context.reference, Scorer())
    assert "brief training lowers the distance to real digits" in _failed(brief.judge_progress(stuck, _result(close)))


def test_nan_samples_fail_as_not_finite(context, digits):
    train, _, _ = digits
    samples = train[:COUNT].copy()
    samples[0, 0] = np.nan
    assert "samples are finite" in _failed(brief.judge_digits(context, _result(samples)))


def test_faces_judge_and_the_wasserstein_direction():
    rng = np.random.default_rng(5)
    varied = rng.uniform(0, 1, (64, 3, 16, 16))
    scorer = FaceScorer()
    rising = {"critic_loss": -np.linspace(0, 5, 20), "gradient_penalty": np.zeros(20)}
    run = {"samples": varied, "initial_samples": varied, "curves": rising, "seconds": 1.0}
    context = brief.BriefContext(20, "cpu", None, brief.weakest_reference([run], scorer), scorer)
    assert _failed(brief.judge_faces(context, _result(varied))) == {}
    assert "not one image" in _failed(brief.judge_faces(context, _result(np.repeat(varied[:1], 64, axis=0))))

    def curves(critic_loss, penalty):
        return ProbeResult(brief.PROBE_NAME, {"curve.critic_loss": critic_loss, "curve.gradient_penalty": penalty}, {})

    # critic_loss includes lam * penalty; the estimate is -(critic_loss - lam * penalty).
    penalty = np.linspace(1, 0.1, 20)
    assert _failed(brief.judge_wasserstein(context, curves(-np.linspace(0, 5, 20) + 10 * penalty, penalty), 10.0)) == {}
    assert "Wasserstein estimate rises" in _failed(brief.judge_wasserstein(context, curves(np.linspace(0, 5, 20), penalty * 0), 10.0))
    missing = _failed(brief.judge_wasserstein(context, ProbeResult(brief.PROBE_NAME, {}, {}), 10.0))
    assert "return a dict of floats" in missing["Wasserstein estimate rises"]

    # The grader's own measure of the critic gap wins over what train_step returns: a critic that
    # ascends its own loss reports a rising estimate but shows a falling gap.
    falling_gap = curves(-np.linspace(0, 5, 20) + 10 * penalty, penalty)
    falling_gap.outputs["curve.critic_gap"] = -np.linspace(0, 5, 20)
    outcome = brief.judge_wasserstein(context, falling_gap, 10.0)[0]
    assert not outcome.passed and outcome.measure.seen < 0 == outcome.measure.bar


def test_the_bar_is_each_figure_of_the_weakest_reference_run(context, digits):
    train, labels, _ = digits
    scorer = context.scorer
    noise = np.random.default_rng(6).uniform(0, 1, (COUNT, 784))
    good = {"samples": train[:COUNT], "initial_samples": noise, "curves": {"d": [1.0]}, "seconds": 2.0}
    worse = {"samples": train[labels == 3][:COUNT], "initial_samples": noise, "curves": {"d": [2.0]}, "seconds": 5.0}
    bar = brief.weakest_reference([good, worse], scorer)
    final = bar["scores"]["final"]
    assert final["evenness"] == scorer.score(worse["samples"])["evenness"]
    assert final["frechet"] == scorer.score(worse["samples"])["frechet"]
    assert final["spread"] == min(scorer.score(good["samples"])["spread"], scorer.score(worse["samples"])["spread"])
    assert bar["seconds"] == 5.0 and bar["curves"] == {"d": [1.0]} and len(bar["all_curves"]) == 2


def test_progress_is_never_asked_beyond_the_references_own(digits):
    """Under a budget too short for the reference to improve, a run like the reference's still passes."""
    train, _, heldout = digits
    scorer = DigitScorer(load_classifier(fixtures_dir() / CLASSIFIER_FILE), heldout)
    better, worse = train[:COUNT], np.random.default_rng(7).uniform(0, 1, (COUNT, 784))
    rising = {"samples": worse, "initial_samples": better, "curves": {}, "seconds": 1.0}  # the distance rose
    context = brief.BriefContext(10, "cpu", None, brief.weakest_reference([rising], scorer), scorer)
    assert _failed(brief.judge_progress(context, _result(worse, initial=better))) == {}


def test_every_brief_outcome_is_named_in_check_names():
    # bench/calibration.py tells brief-training failures from the others by these names.
    import inspect
    import re
    used = set(re.findall(r'(?:holds|Outcome)\(\s*"([^"]+)"', inspect.getsource(brief)))
    assert used and used <= set(brief.CHECK_NAMES)


class FrechetOnly:
    """A scorer stand-in whose samples are their own Frechet distance (a 1-element array)."""

    def score(self, samples):
        return {"frechet": float(samples[0])}


@settings(max_examples=50, deadline=None)
@given(start=st.floats(1e3, 1e5), reference_change=st.floats(-0.9, 3.0), wobble=st.floats(-0.1, 0.1))
def test_a_run_like_the_references_passes_the_progress_check(start, reference_change, wobble):
    """Whether the reference's distance fell or (under a budget too short) rose, a run within 10% of it passes;
    one that rises several times more than the reference fails."""
    scorer = FrechetOnly()
    reference = {"scores": {"final": {"frechet_fall": -reference_change, "frechet": 1.0}}}
    context = brief.BriefContext(40, "cpu", None, reference, scorer)

    def run(change):
        return _result(np.array([start * (1 + change)]), initial=np.array([start]))

    assert brief.judge_progress(context, run(reference_change * (1 + wobble)))[0].passed
    assert not brief.judge_progress(context, run(abs(reference_change) * 3 + 1.0))[0].passed


def test_a_pack_may_lower_the_spread_bar_for_one_device(context, digits):
    """A partly collapsed generator (a fifth of the reference's spread) fails the default bar and passes
    a pack's lower CPU bar; a constant generator fails both."""
    train, _, _ = digits
    real = train[COUNT:2 * COUNT].astype(np.float64)
    partly_collapsed = real.mean(axis=0) + 0.18 * (real - real.mean(axis=0))
    constant = np.repeat(real[:1], COUNT, axis=0)
    spec = brief.BriefTraining(recipe={}, steps={"cpu": 100}, bars={"cpu": brief.DigitBars(spread_fraction=0.1)})
    assert spec.bars_on("cuda") == brief.DigitBars()

    def judged_by(spec, samples):
        return _failed(brief.digits_quality_group(spec, context).judge(_result(samples)))

    default = brief.BriefTraining(recipe={}, steps={"cpu": 100})
    assert "not one image" in judged_by(default, partly_collapsed)
    assert "not one image" not in judged_by(spec, partly_collapsed)
    assert "not one image" in judged_by(spec, constant)


def test_a_pack_may_loosen_the_distance_bar_for_one_device(context, digits):
    """A run three times the reference's distance fails the default bar (2.5x) on every device and
    passes a pack's looser CPU bar (5x) on the CPU only; ten times fails both."""
    train, _, _ = digits
    ref = context.reference["scores"]["final"]
    spec = brief.BriefTraining(recipe={}, steps={"cpu": 100}, bars={"cpu": brief.DigitBars(frechet_factor=5.0)})
    default = brief.BriefTraining(recipe={}, steps={"cpu": 100})

    def judged(spec, device, times_reference):
        class Scorer:   # the reference's own figures, at a distance of `times_reference` its own
            def score(self, samples):
                return {**ref, "frechet": times_reference * ref["frechet"]}
        run = brief.BriefContext(100, device, None, context.reference, Scorer())
        return _failed(brief.digits_quality_group(spec, run).judge(_result(train[:COUNT])))

    assert "close to real digits" in judged(default, "cpu", 3.0)
    assert judged(spec, "cpu", 3.0) == {}
    assert "close to real digits" in judged(spec, "cuda", 3.0)
    assert "close to real digits" in judged(spec, "cpu", 10.0)
