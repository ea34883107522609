"""How far a float32 network drifts from its float64 twin, against same_function's tolerance.

The student's network runs in float32 and the grader's reference in float64
(checks.models.same_function). For each reference network of the cs231n_gan
pack, in the mode its check runs it, prints the largest float32 error over
many hidden-input draws and the worst share of the tolerance used: the old
fixed one (rtol 1e-4, atol 1e-5) and the current one (atol a share of the
output's scale). A share near 1 means a valid network can fail on some CPU.

    python bench/float32_error.py [--draws N]
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.checks.models import FLOAT32_RTOL, float32_atol  # noqa: E402
from reference.models import cs231n_gan  # noqa: E402

OLD_RTOL, OLD_ATOL = 1e-4, 1e-5
# network, input shape, input range, train mode (as in assignments/cs231n_gan/public_checks.py)
CASES = [
    (cs231n_gan.DCGenerator, (cs231n_gan.BATCH_SIZE, cs231n_gan.NOISE_DIM), 1.0, True),
    (cs231n_gan.DCDiscriminator, (cs231n_gan.BATCH_SIZE, 1, 28, 28), 3.0, False),
    (cs231n_gan.Generator, (cs231n_gan.BATCH_SIZE, cs231n_gan.NOISE_DIM), 1.0, False),
    (cs231n_gan.Discriminator, (cs231n_gan.BATCH_SIZE, 784), 3.0, False),
]


def worst_shares(network_class, shape, bound, train, draws):
    torch.manual_seed(0)
    network = network_class().train(train)
    twin = copy.deepcopy(network).double().train(train)
    largest_error, old_share, new_share = 0.0, 0.0, 0.0
    for seed in range(draws):
        x = np.random.default_rng(seed).uniform(-bound, bound, shape).astype(np.float32)
        with torch.no_grad():
            seen = network(torch.from_numpy(x)).double().numpy()
            expected = twin(torch.from_numpy(x).double()).numpy()
        error = np.abs(seen - expected)
        largest_error = max(largest_error, float(error.max()))
        old_share = max(old_share, float((error / (OLD_ATOL + OLD_RTOL * np.abs(expected))).max()))
        new_share = max(new_share, float((error / (float32_atol(expected) + FLOAT32_RTOL * np.abs(expected))).max()))
    return largest_error, old_share, new_share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.draws} draws each")
    print("| network | largest error | share of old tolerance | share of current tolerance |")
    print("|---|---|---|---|")
    for network_class, shape, bound, train in CASES:
        draws = args.draws if network_class is not cs231n_gan.DCDiscriminator else max(1, args.draws // 4)
        error, old, new = worst_shares(network_class, shape, bound, train, draws)
        print(f"| {network_class.__name__} | {error:.2e} | {old:.3f} | {new:.3f} |")


if __name__ == "__main__":
    main()
