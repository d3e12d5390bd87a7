"""Harness costs: overhead per cell, detector scoring throughput, dataset load/generation
rates, parallel speed-up. Run: pytest tests/benchmarks -m benchmark --benchmark-json=FILE"""

from __future__ import annotations

import time

import numpy as np
import pytest
import toy_plugins

from oneclass_bench.cells import expand_grid
from oneclass_bench.execution import detector_inputs
from oneclass_bench.plugins import get_registry
from oneclass_bench.runner import run_grid
from oneclass_bench.store import ResultStore

pytestmark = pytest.mark.benchmark

REGISTRY = get_registry(extra_plugins=[toy_plugins])
THROUGHPUT_N = 100_000
DIM = 5


def test_harness_overhead_per_one_second_cell(benchmark, tmp_path):
    """Wall time per 1-second cell through run_grid (a grid of 5 cells, so a worker's start
    is shared as in real grids) vs the same fit+score called directly."""
    split = REGISTRY.dataset("toy-gauss")().load(0)
    X, _ = detector_inputs(split, False, "train")
    Xt, _ = detector_inputs(split, False, "test")

    def direct():
        toy_plugins.Slow(delay=1.0).fit(X).score(Xt)

    t0 = time.perf_counter()
    direct()
    direct_s = time.perf_counter() - t0
    cells = expand_grid(REGISTRY, ["toy-slow"], ["toy-gauss"], [0, 1, 2, 3, 4],
                        {"toy-slow": {"delay": 1.0}})
    store = ResultStore(tmp_path)
    benchmark.pedantic(lambda: run_grid(cells, REGISTRY, store), rounds=3, iterations=1)
    harness_s = benchmark.stats.stats.median / len(cells)
    benchmark.extra_info.update(direct_s=direct_s, harness_s=harness_s,
                                overhead_fraction=harness_s / direct_s - 1)


def _detectors() -> list[str]:
    return sorted(n for n, c in REGISTRY.detectors.items() if not n.startswith("toy-"))


@pytest.mark.parametrize("name", _detectors())
def test_scoring_throughput(benchmark, name):
    """Samples/s of ``score`` on a common 100k × 5 input, after fitting on 5k reference."""
    rng = np.random.default_rng(0)
    cls = REGISTRY.detector(name)
    X_fit = rng.normal(size=(5000, DIM))
    X = rng.normal(size=(THROUGHPUT_N, DIM))
    ctx_fit = ctx = None
    if "uses_context" in cls.tags:
        ctx_fit, ctx = rng.uniform(size=(5000, 1)), rng.uniform(size=(THROUGHPUT_N, 1))
    det = cls.create()
    if "supervised" in cls.tags:
        y = (rng.uniform(size=5000) < 0.3).astype(int)
        det.fit_supervised(X_fit + y[:, None], y, context=ctx_fit)
    else:
        det.fit(X_fit, context=ctx_fit)
    benchmark.pedantic(lambda: det.score(X, context=ctx), rounds=2, iterations=1)
    benchmark.extra_info["samples_per_s"] = THROUGHPUT_N / benchmark.stats.stats.median


@pytest.mark.parametrize("name", ["dijets", "showers", "breast_cancer", "adbench-local"])
def test_dataset_load_rate(benchmark, name):
    ds = REGISTRY.dataset(name)()
    split = benchmark.pedantic(lambda: ds.load(0), rounds=3, iterations=1)
    n = len(split.X_train) + len(split.X_test)
    benchmark.extra_info.update(samples=n, samples_per_s=n / benchmark.stats.stats.median)


def test_parallel_speedup_two_workers(benchmark, tmp_path):
    """Same 8-cell grid with --workers 1 and --workers 2 (1 thread each); speed-up = ratio."""
    cells = expand_grid(REGISTRY, ["iforest", "knn", "lof", "ecod"], ["dijets"], [0, 1])
    assert len(cells) >= 8

    def grid(workers: int) -> float:
        t0 = time.perf_counter()
        run_grid(cells, REGISTRY, ResultStore(tmp_path / f"w{workers}-{time.time()}"),
                 workers=workers, threads=1)
        return time.perf_counter() - t0

    serial = grid(1)
    benchmark.pedantic(lambda: grid(2), rounds=1, iterations=1)
    parallel = benchmark.stats.stats.median
    benchmark.extra_info.update(serial_s=serial, parallel_s=parallel, speedup=serial / parallel)


@pytest.mark.parametrize("name,events,signal", [("showers", 20_000, 20_000), ("dijets", 40, 20)])
def test_generation_rate(benchmark, tmp_path, name, events, signal):
    """Events/s of ``ocbench data generate NAME`` with one worker (includes start-up)."""
    cls = REGISTRY.dataset(name)
    counter = iter(range(100))

    def generate():
        return cls.generate(tmp_path / str(next(counter)), events, signal_events=signal,
                            workers=1, seed=0, progress=False)

    benchmark.pedantic(generate, rounds=1, iterations=1)
    benchmark.extra_info["events_per_s"] = (events + signal) / benchmark.stats.stats.median
