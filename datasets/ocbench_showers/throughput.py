"""Measure simulation throughput: ``OMP_NUM_THREADS=1 python -m ocbench_showers.throughput``.

Prints showers per CPU second (process time, so a loaded machine does not distort it; with
one thread that is the one-core rate) per kind and for the 50/50 task mix with features.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ocbench_showers import simulation
from ocbench_showers.features import shower_features

N = 20000


def rate(fn: Callable[[], object]) -> float:
    """Showers per CPU second of ``fn``, which simulates N showers."""
    start = time.process_time()
    fn()
    return N / (time.process_time() - start)


def main() -> None:
    rng = np.random.default_rng(0)
    simulation.simulate_kind(rng, simulation.PHOTON, 1000)  # warm-up
    for kind, name in enumerate(simulation.KIND_NAMES):
        print(f"{name:>9}: {rate(lambda k=kind: simulation.simulate_kind(rng, k, N)):8.0f} /s")

    def task_mix() -> None:
        sample = simulation.simulate(rng, N // 2, N // 2)
        shower_features(sample.blocks, sample.x, sample.y)

    print(f"{'50/50 mix':>9}: {rate(task_mix):8.0f} /s (with features)")


if __name__ == "__main__":
    main()
