"""Sharded generation of the dijets sample: Pythia 8 + FastJet -> Parquet + provenance JSON.

``events`` and ``signal_events`` count events **kept**, i.e. passing the trigger: the task
needs a given number of usable events, and the trigger efficiency (about 40% for background,
74% for signal) is recorded in the provenance instead. Work is split into shards of at most
``SHARD_EVENTS`` kept events, each with its own Pythia seed derived from the base seed, so
the sample depends on the seed and the shard size only, never on the number of workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib.metadata import version
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from ocbench_dijets.features import (
    FEATURES,
    JET_PT_MIN_GEV,
    JET_R,
    TAU_BETA,
    TAU_R0,
    TRIGGER_PT_GEV,
    dijet_features,
)
from ocbench_dijets.physics import MAX_PYTHIA_SEED, PROCESSES, pythia_config, visible_particles

DATA_FILE = "dijets.parquet"
PROVENANCE_FILE = "dijets.provenance.json"
#: kept events per shard: small enough for a smooth progress bar, large enough that
#: Pythia's initialisation (about a second) is negligible
SHARD_EVENTS = 500
#: events clustered together in one FastJet call
BATCH_EVENTS = 100
#: default signal fraction of ``events`` when ``signal_events`` is not given
DEFAULT_SIGNAL_FRACTION = 0.1


@dataclass(frozen=True)
class ShardResult:
    process: str
    shard: int
    pythia_seed: int
    features: np.ndarray  # (kept, 5) float32
    generated: int
    passed: int


def shard_seed(seed: int, process: str, shard: int) -> int:
    """Pythia seed of one shard: independent streams per (base seed, process, shard)."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(PROCESSES.index(process), shard))
    return int(ss.generate_state(1, dtype=np.uint64)[0] % MAX_PYTHIA_SEED) + 1


_quiet_lock = threading.Lock()
_quiet_users = 0
_saved_stdout_fd = -1


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C/C++ output on file descriptor 1 (FastJet's banner, Pythia messages).

    Reference counted, so shards running in threads of one worker process (Dask) share one
    redirection and the last one to finish restores stdout.
    """
    global _quiet_users, _saved_stdout_fd
    with _quiet_lock:
        if _quiet_users == 0:
            sys.stdout.flush()
            _saved_stdout_fd = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                os.dup2(_saved_stdout_fd, 1)
                os.close(_saved_stdout_fd)


def run_shard(process: str, shard: int, seed: int, keep: int, jet_smearing: float = 0.0,
              batch: int = BATCH_EVENTS) -> ShardResult:
    """Generate events of ``process`` until ``keep`` pass the trigger (runs in a worker).

    Events are clustered ``batch`` at a time; the kept events do not depend on ``batch``
    (only how many are generated beyond the last kept one does).
    """
    pythia_seed = shard_seed(seed, process, shard)
    rng = np.random.default_rng(pythia_seed)
    kept: list[np.ndarray] = []
    generated = passed = 0
    with _quiet_stdout():
        stream = visible_particles(process, pythia_seed)
        while passed < keep:
            batch_events = list(islice(stream, batch))
            features = dijet_features(batch_events, jet_smearing=jet_smearing, rng=rng)
            generated += len(batch_events)
            passed += len(features)
            kept.append(features)
    features = np.concatenate(kept)[:keep].astype(np.float32)
    return ShardResult(process, shard, pythia_seed, features, generated, passed)


def _shards(process: str, n: int) -> list[tuple[str, int, int]]:
    sizes = [SHARD_EVENTS] * (n // SHARD_EVENTS) + ([n % SHARD_EVENTS] if n % SHARD_EVENTS else [])
    return [(process, i, size) for i, size in enumerate(sizes)]


def _run(tasks: list[tuple[str, int, int]], seed: int, jet_smearing: float,
         executor: Executor, progress: bool) -> list[ShardResult]:
    from tqdm.auto import tqdm

    futures: list[Future] = [
        executor.submit(run_shard, process, shard, seed, keep, jet_smearing)
        for process, shard, keep in tasks
    ]
    results = []
    with tqdm(total=sum(t[2] for t in tasks), unit="ev", desc="dijets",
              disable=not progress) as bar:
        for fut in as_completed(futures):
            res = fut.result()
            results.append(res)
            bar.update(len(res.features))
    return sorted(results, key=lambda r: (PROCESSES.index(r.process), r.shard))


def _write_parquet(path: Path, results: list[ShardResult]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    X = np.concatenate([r.features for r in results])
    label = np.concatenate([np.full(len(r.features), r.process == "signal", dtype=np.int8)
                            for r in results])
    table = pa.table({**{name: X[:, i] for i, name in enumerate(FEATURES)}, "label": label})
    pq.write_table(table, path, compression="zstd", compression_level=9)


def _provenance(results: list[ShardResult], seed: int, jet_smearing: float,
                wall_s: float, workers: int | None) -> dict[str, Any]:
    counts = {}
    for process in PROCESSES:
        rs = [r for r in results if r.process == process]
        generated = sum(r.generated for r in rs)
        passed = sum(r.passed for r in rs)
        counts[process] = {
            "kept": sum(len(r.features) for r in rs),
            "generated": generated,
            "passed_trigger": passed,
            "trigger_efficiency": passed / generated if generated else None,
            # the seed line differs per shard: listed below as shard_seeds
            "pythia_config": [line for line in pythia_config(process, 1)
                              if not line.startswith("Random:seed ")],
            "shard_seeds": [r.pythia_seed for r in rs],
        }
    return {
        "generator": "ocbench_dijets.generate",
        "versions": {"pythia8mc": version("pythia8mc"), "fastjet": version("fastjet"),
                     "python": platform.python_version()},
        "seed": seed,
        "shard_events": SHARD_EVENTS,
        "seed_derivation": "numpy SeedSequence(entropy=seed, spawn_key=(process index, shard))"
                           f" -> state % {MAX_PYTHIA_SEED} + 1 = Random:seed of the shard",
        "reconstruction": {
            "particles": "visible final state (Pythia isFinal and isVisible; no neutrinos)",
            "jets": f"anti-kT R={JET_R}, inclusive jets pT > {JET_PT_MIN_GEV} GeV",
            "trigger": f"leading-jet pT > {TRIGGER_PT_GEV} GeV and >= 2 jets",
            "tau_N": f"NormalizedMeasure, KT_Axes (exclusive kT), beta={TAU_BETA}, R0={TAU_R0}",
            "jet_smearing": jet_smearing,
        },
        "features": list(FEATURES),
        "units": "TeV (masses); tau21 dimensionless",
        "label": "1 = signal (W' -> X Y), 0 = QCD background",
        "counts": counts,
        "wall_s": round(wall_s, 1),
        "workers": workers,
    }


def generate(out: Path, events: int, signal_events: int | None = None, workers: int = 1,
             seed: int = 0, executor: Executor | None = None, progress: bool = True,
             jet_smearing: float = 0.0) -> Path:
    """Write ``out/dijets.parquet`` (+ provenance JSON) with ``events`` background and
    ``signal_events`` signal events passing the trigger; return the Parquet path."""
    if events < 1:
        raise ValueError(f"events must be >= 1, got {events}")
    if signal_events is None:
        signal_events = max(1, round(DEFAULT_SIGNAL_FRACTION * events))
    if signal_events < 0 or workers < 1 or jet_smearing < 0:
        raise ValueError("signal_events and jet_smearing must be >= 0, workers >= 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = _shards("background", events) + _shards("signal", signal_events)
    start = time.perf_counter()
    if executor is None:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = _run(tasks, seed, jet_smearing, pool, progress)
    else:
        results = _run(tasks, seed, jet_smearing, executor, progress)
    wall_s = time.perf_counter() - start
    path = out / DATA_FILE
    _write_parquet(path, results)
    prov = _provenance(results, seed, jet_smearing, wall_s, None if executor else workers)
    (out / PROVENANCE_FILE).write_text(json.dumps(prov, indent=2) + "\n")
    return path
