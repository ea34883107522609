"""Brief training: the student's parts trained for a fixed budget, judged against the reference's run.

A pack declares its run as a `BriefTraining` (the recipe of
autograder.observe.brief_training, the step budget per device, the data) in
its checks.py, and builds its items' groups with the functions below. One
probe trains the student's parts in the sandbox; the reference runs the
same recipe in the grader (cached, see autograder.scoring.reference_runs);
the judges compare the two sets of samples. Thresholds are fractions of the
reference's own figures under the same budget, so a longer budget on a GPU
raises the bar with the reference.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autograder.checks.outcome import Outcome, holds, measured, not_graded
from autograder.checks.plan import CheckGroup, kernel_call
from autograder.execution.probes_protocol import WALL_BACKSTOP_FACTOR, Probe, ProbeResult

PROBE_NAME = "brief_training"

# Why these fractions: a valid solution is the reference with different
# random draws, so the bars are set against the weakest of several reference
# runs (REFERENCE_SEEDS), each figure taken from whichever run did worst on
# it, and then loosened by a factor. Under the default CPU budgets the
# reference's Frechet distance varied by up to 1.5x between seeds and its
# class evenness from 0.12 to 0.53 (bench/brief_training.py prints this).
# The bugs the bars are meant to catch (G never stepped, gradients never
# cleared, a constant, noisy or one-digit generator) land several times
# further away.
FRECHET_FACTOR = 2.5        # final distance may be up to 2.5x the reference's
PROGRESS_FRACTION = 0.4     # the distance must fall by at least 40% of the reference's relative fall
PROGRESS_TOLERANCE = 1e-6   # relative falls that differ by less are equal (rounding)
SPREAD_FRACTION = 0.25      # samples must vary at least a quarter as much as the reference's
EVENNESS_FRACTION = 0.4     # class evenness at least 40% of the reference's ...
EVENNESS_MIN_REFERENCE = 0.3  # ... judged only when every reference run's samples spread over classes
ROUGHNESS_FACTOR = 2.0      # pixel-to-pixel roughness at most twice the reference's (else: noise)
# Faces: a twentieth of the reference's spread and mean pairwise distance. Under the CPU budget (40
# WGAN-GP steps) valid generators of the DCGAN kind (BatchNorm, transposed convolutions) have only
# begun to spread, to 0.032-0.054 over seeds where the reference reaches 0.35 (bench/calibration.py);
# these bars catch a collapsed or constant generator, not a slow one, and the critic's progress is
# judged by the measured critic gap.
FACES_SPREAD_FRACTION = 0.05
DIVERSITY_FRACTION = 0.05


REFERENCE_SEEDS = (0, 1, 2)
# The names of the checks brief training reports (every outcome below is named one of these).
CHECK_NAMES = ("brief training", "brief training lowers the distance to real digits", "samples are finite",
               "not one image", "not noise", "close to real digits", "several digits", "diverse",
               "Wasserstein estimate rises")


@dataclass(frozen=True)
class DigitBars:
    """How far a student's brief run may fall short of the reference's weakest run on digits."""

    spread_fraction: float = SPREAD_FRACTION   # "not one image": this share of the reference's spread
    frechet_factor: float = FRECHET_FACTOR     # "close to real digits": this many times its distance


@dataclass(frozen=True)
class BriefTraining:
    """A pack's brief-training run: what to train and for how long."""

    recipe: dict
    steps: dict[str, int]          # default budget per device ("cpu", "cuda")
    data: str = "mnist"            # "mnist" (digits, classifier scores) or "celeba" (faces)
    seed: int = 0                  # the student's run; the reference runs REFERENCE_SEEDS
    timeout_factor: float = 4.0    # the probe may use this many times the reference's CPU seconds ...
    min_timeout_s: float = 120.0   # ... and never less than this many
    wall_per_cpu: float = WALL_BACKSTOP_FACTOR  # a wall-clock backstop, this many times the CPU budget
    # Digit bars per device; a pack loosens them where brief training on that device cannot
    # separate its valid runs from its bugs within the budget (README, "Calibration")
    bars: dict[str, DigitBars] = field(default_factory=dict)

    def bars_on(self, device: str) -> DigitBars:
        return self.bars.get(device, DigitBars())


@dataclass
class BriefContext:
    """What a grade's brief training needs from the engine: budget, device, data and the reference's run."""

    steps: int                     # 0: brief training is skipped
    device: str
    images: np.ndarray | None      # uint8 training images, (N, 28, 28) or (N, 3, 64, 64)
    reference: dict | None         # the reference's runs combined by `weakest_reference`
    scorer: object | None          # scoring.sample_quality.Scorer for this data set
    notes: list[str] = field(default_factory=list)
    seed: int = 0                  # the student's run's seed (the pack's, unless a calibration run varies it)


# For each figure, whether a larger value is better (the weakest run is the one with the smallest).
HIGHER_IS_BETTER = {"confidence": True, "evenness": True, "classes_seen": True, "spread": True, "diversity": True,
                    "frechet": False, "roughness": False}


def weakest_reference(runs: list[dict], scorer) -> dict:
    """The reference's runs as one bar: each final figure from the run that did worst on it.

    Also the smallest relative Frechet fall (progress) and the smallest rise of the Wasserstein
    estimate are what the progress judges compare against; curves and seconds come from the
    first run and the slowest run.
    """
    finals = [scorer.score(run["samples"]) for run in runs]
    initials = [scorer.score(run["initial_samples"]) for run in runs]
    final = dict(finals[0])
    for key, higher in HIGHER_IS_BETTER.items():
        if key in final:
            final[key] = (min if higher else max)(score[key] for score in finals)
    if "frechet" in final:
        falls = [1 - f["frechet"] / i["frechet"] for f, i in zip(finals, initials)]
        final["frechet_fall"] = min(falls)
    return {"scores": {"final": final, "initial": initials[0], "runs": len(runs)},
            "curves": runs[0]["curves"], "all_curves": [run["curves"] for run in runs],
            "seconds": max(run["seconds"] for run in runs),
            "cpu_seconds": max(run.get("cpu_seconds", 0.0) for run in runs)}


def brief_probe(spec: BriefTraining, context: BriefContext) -> Probe:
    """The student's run, limited in work: CPU seconds against the reference's, not wall time.

    A busy machine, a slow cluster worker or fewer torch threads stretch the wall time of the same
    work; they do not change how much CPU time it needs (within the thread overheads the factor
    covers). On a GPU the CPU time is mostly waiting, so there the limit stays in wall time. An
    endless or pathologically slow loop still runs out of its CPU budget and fails; one that runs
    out of wall time first (the backstop, `wall_per_cpu` times the budget) was starved, and is not
    graded rather than failed.
    """
    code = kernel_call("brief_training", module="brief_training", recipe=spec.recipe, steps=context.steps,
                       seed=context.seed, device=context.device)
    reference = context.reference or {}
    if context.device == "cpu" and reference.get("cpu_seconds"):
        cpu_budget = max(spec.min_timeout_s, spec.timeout_factor * reference["cpu_seconds"])
        return Probe(PROBE_NAME, code, {"images": context.images}, timeout=spec.wall_per_cpu * cpu_budget,
                     cpu_timeout=cpu_budget)
    timeout = max(spec.min_timeout_s, spec.timeout_factor * reference.get("seconds", 0.0))
    return Probe(PROBE_NAME, code, {"images": context.images}, timeout=timeout)


def skipped_group(reason: str) -> CheckGroup:
    return CheckGroup(None, lambda _: [not_graded("brief training", f"not run: {reason}")])


def _group(spec: BriefTraining, context: BriefContext | None, judge, hint: str) -> CheckGroup:
    if context is None:
        return skipped_group("brief training runs only when the notebook is graded (gangrade grade)")
    if context.steps <= 0:
        return skipped_group("brief training was switched off for this run (--train-steps 0)")
    return CheckGroup(brief_probe(spec, context), lambda result: judge(context, result), hint_on_error=hint)


TRAINING_HINT = "the networks, losses, optimizers and loop must train together on the data the notebook uses"


def digits_progress_group(spec: BriefTraining, context: BriefContext | None) -> CheckGroup:
    """'Brief training lowers the classifier distance': the student's distance falls like the reference's."""
    return _group(spec, context, lambda ctx, result: judge_progress(ctx, result, spec.bars_on(ctx.device)),
                  TRAINING_HINT)


def digits_quality_group(spec: BriefTraining, context: BriefContext | None) -> CheckGroup:
    """'Legible digits after brief training': close to real digits, varied, over several classes, not noise."""
    return _group(spec, context, lambda ctx, result: judge_digits(ctx, result, spec.bars_on(ctx.device)),
                  TRAINING_HINT)


def faces_quality_group(spec: BriefTraining, context: BriefContext | None) -> CheckGroup:
    """WGAN-GP samples: finite, not one image, diverse (no classifier for faces)."""
    return _group(spec, context, judge_faces, TRAINING_HINT)


def wasserstein_group(spec: BriefTraining, context: BriefContext | None, lam: float) -> CheckGroup:
    """The critic's Wasserstein estimate moves as the reference's does over the run (it rises)."""
    return _group(spec, context, lambda ctx, result: judge_wasserstein(ctx, result, lam), TRAINING_HINT)


# ------------------------------------------------------------------ judges

def _student_scores(context: BriefContext, result: ProbeResult) -> tuple[dict, dict]:
    scorer = context.scorer
    return scorer.score(result.outputs["samples"]), scorer.score(result.outputs["initial_samples"])


def _budget(context: BriefContext) -> str:
    return f"after {context.steps} steps on {context.device}"


def judge_progress(context: BriefContext, result: ProbeResult, bars: DigitBars = DigitBars()) -> list[Outcome]:
    final, initial = _student_scores(context, result)
    ref_final = context.reference["scores"]["final"]
    close_enough = bars.frechet_factor * ref_final["frechet"]
    if initial["frechet"] <= close_enough:
        # The untrained generator's samples already pass "close to real digits" (BatchNorm on batch
        # statistics can make them so): there is no fall to measure, and the final samples are judged
        # by the quality checks. Passing here is lenient; failing would fail valid networks.
        return [Outcome("brief training lowers the distance to real digits", True,
                        f"not measured: the untrained samples were already close to real digits "
                        f"({initial['frechet']:.0f} <= {close_enough:.0f})")]
    ref_fall = ref_final["frechet_fall"]
    fall = 1 - final["frechet"] / initial["frechet"] if initial["frechet"] > 0 else 0.0
    # A fraction of the reference's fall; when the budget is too short for the reference itself to
    # improve (its distance rose), a rise up to 1 / PROGRESS_FRACTION times the reference's own.
    needed = PROGRESS_FRACTION * ref_fall if ref_fall >= 0 else ref_fall / PROGRESS_FRACTION
    return [measured(holds(
        "brief training lowers the distance to real digits", fall >= needed - PROGRESS_TOLERANCE,
        (f"the Frechet distance to real digits to fall by at least {needed:.0%}" if needed >= 0 else
         f"the Frechet distance to real digits to rise by at most {-needed:.0%}")
        + f" {_budget(context)} (the reference's changed by {-ref_fall:+.0%} in its weakest run)",
        f"{initial['frechet']:.0f} -> {final['frechet']:.0f} ({fall:+.0%} fall)",
        "check that every step clears the gradients, that G's optimizer steps on G's loss, and that the "
        "losses push D and G in opposite directions"), fall, needed, higher_is_better=True)]


def not_degenerate(final: dict, ref: dict, spread_fraction: float = SPREAD_FRACTION) -> list[Outcome]:
    """Finite samples that differ from each other (as much as `spread_fraction` of the reference's spread)."""
    bar = spread_fraction * ref["spread"]
    return [
        holds("samples are finite", final["finite"], "finite pixel values", "nan or inf",
              "a loss or a learning rate makes training diverge"),
        measured(holds("not one image", final["spread"] >= bar,
                       f"samples that differ from each other (pixel spread >= {bar:.3f}; "
                       f"the reference's is {ref['spread']:.3f})",
                       f"spread {final['spread']:.3f}: every sample is nearly the same image",
                       "the generator must use its noise input; a collapsed or constant generator makes one image"),
                 final["spread"], bar, higher_is_better=True),
    ]


def judge_digits(context: BriefContext, result: ProbeResult, bars: DigitBars = DigitBars()) -> list[Outcome]:
    final, _ = _student_scores(context, result)
    ref = context.reference["scores"]["final"]
    close_bar = bars.frechet_factor * ref["frechet"]
    outcomes = not_degenerate(final, ref, bars.spread_fraction) + [
        measured(holds("not noise", final["roughness"] <= ROUGHNESS_FACTOR * ref["roughness"],
                       f"smooth strokes (pixel-to-pixel roughness <= {ROUGHNESS_FACTOR * ref['roughness']:.3f}; "
                       f"the reference's is {ref['roughness']:.3f})",
                       f"roughness {final['roughness']:.3f}: the samples look like noise",
                       "the generator is not learning from the discriminator: check its loss and its optimizer"),
                 final["roughness"], ROUGHNESS_FACTOR * ref["roughness"], higher_is_better=False),
        measured(holds("close to real digits", final["frechet"] <= close_bar,
                       f"a Frechet distance to real digits <= {close_bar:.0f} {_budget(context)} "
                       f"({bars.frechet_factor}x the reference's {ref['frechet']:.0f})",
                       f"{final['frechet']:.0f}", "the samples are far from real digits: check the losses and the loop"),
                 final["frechet"], close_bar, higher_is_better=False),
    ]
    if ref["evenness"] >= EVENNESS_MIN_REFERENCE:
        share = final["top_class_share"]
        outcomes.append(measured(holds(
            "several digits", final["evenness"] >= EVENNESS_FRACTION * ref["evenness"],
            f"samples spread over the digit classes (evenness >= {EVENNESS_FRACTION * ref['evenness']:.2f}; "
            f"the reference's weakest run reached {ref['evenness']:.2f})",
            f"evenness {final['evenness']:.2f}: {share:.0%} of the samples look like a {final['top_class']}",
            "the generator has collapsed onto one digit: check the discriminator's loss on generated images"),
            final["evenness"], EVENNESS_FRACTION * ref["evenness"], higher_is_better=True))
    return outcomes


def judge_faces(context: BriefContext, result: ProbeResult) -> list[Outcome]:
    final, _ = _student_scores(context, result)
    ref = context.reference["scores"]["final"]
    return not_degenerate(final, ref, FACES_SPREAD_FRACTION) + [
        measured(holds("diverse", final["diversity"] >= DIVERSITY_FRACTION * ref["diversity"],
                       f"a mean distance between samples >= {DIVERSITY_FRACTION * ref['diversity']:.2f} "
                       f"(the reference's is {ref['diversity']:.2f})",
                       f"{final['diversity']:.2f}", "the samples are too alike: the generator has collapsed"),
                 final["diversity"], DIVERSITY_FRACTION * ref["diversity"], higher_is_better=True),
    ]


def wasserstein_estimates(curves: dict[str, np.ndarray], lam: float) -> np.ndarray | None:
    """mean critic(real) - mean critic(fake) per step: the grader's own measure ("critic_gap") when the
    recipe takes it, else read from the losses train_step returns."""
    if "critic_gap" in curves:
        return curves["critic_gap"]
    if "critic_loss" not in curves or "gradient_penalty" not in curves:
        return None
    return -(curves["critic_loss"] - lam * curves["gradient_penalty"])


def judge_wasserstein(context: BriefContext, result: ProbeResult, lam: float) -> list[Outcome]:
    curves = {key.removeprefix("curve."): value for key, value in result.outputs.items() if key.startswith("curve.")}
    estimate = wasserstein_estimates(curves, lam)
    if estimate is None or len(estimate) < 2:
        return [Outcome("Wasserstein estimate rises", False,
                        "expected train_step to return critic_loss and gradient_penalty every step, saw "
                        f"{sorted(curves) or 'no values'}. Hint: return a dict of floats from train_step")]
    rise = _rise(estimate)
    ref_rise = min(_rise(wasserstein_estimates(curves, lam)) for curves in context.reference["all_curves"])
    return [measured(holds(
        "Wasserstein estimate rises", bool(np.isfinite(rise)) and rise > 0,
        f"the critic's estimate mean C(real) - mean C(fake) to grow over the run {_budget(context)} "
        f"(the reference's grew by at least {ref_rise:.3g})",
        f"a change of {rise:.3g}",
        "the critic must learn to score real images above generated ones: critic loss = "
        "mean C(fake) - mean C(real) + lambda * penalty, stepped with the critic's optimizer"),
        rise if np.isfinite(rise) else float("-inf"), 0.0, higher_is_better=True)]


def _rise(estimate: np.ndarray) -> float:
    """Mean of the last quarter minus mean of the first quarter (robust to single noisy steps)."""
    quarter = max(1, len(estimate) // 4)
    return float(np.mean(estimate[-quarter:]) - np.mean(estimate[:quarter]))
