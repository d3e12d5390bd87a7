"""Flux+Mutability benchmarks: fit time and scoring throughput (samples/s).

5-D features, 1-D context, default architecture.
Run: pytest tests/benchmarks/test_fluxmut_bench.py -m benchmark
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ocbench_fluxmut.detector import FluxMut

pytestmark = pytest.mark.benchmark

torch.set_num_threads(1)


def dijet_like(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Five features whose location and scale drift with a positive 1-D context."""
    rng = np.random.default_rng(seed)
    c = rng.lognormal(1.0, 0.15, size=(n, 1))
    X = np.hstack([0.05 * c * rng.gamma(2, 1, size=(n, 1)), rng.beta(2, 3, size=(n, 2)),
                   c * rng.normal(size=(n, 2))])
    return X, c


@pytest.fixture(scope="module", params=[256, 1024], ids=lambda n: f"N{n}")
def fitted(request):
    X, C = dijet_like(10_000, 0)
    dets = {mode: FluxMut(n_samples=request.param, mode=mode, max_epochs=3).fit(X, C)
            for mode in ("amortized", "exact")}
    return request.param, dets


def test_fit_time(benchmark):
    X, C = dijet_like(10_000, 0)
    det = benchmark.pedantic(lambda: FluxMut(max_epochs=10, patience=10).fit(X, C),
                             rounds=1, iterations=1)
    benchmark.extra_info["epochs"] = det.training_["epochs"]
    benchmark.extra_info["events"] = len(X)


@pytest.mark.parametrize("mode,n_test", [("amortized", 20_000), ("exact", 100)])
def test_score_throughput(benchmark, fitted, mode, n_test):
    n_samples, dets = fitted
    X, C = dijet_like(n_test, 1)
    scores = benchmark.pedantic(dets[mode].score, args=(X, C), rounds=3, iterations=1)
    assert np.isfinite(scores).all()
    benchmark.extra_info["n_samples"] = n_samples
    benchmark.extra_info["samples_per_s"] = round(n_test / benchmark.stats.stats.mean, 1)
