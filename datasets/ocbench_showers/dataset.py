"""The ``showers`` task: photons (reference) vs non-photon showers in a lead-glass array."""

from __future__ import annotations

import concurrent.futures as cf
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ocbench_showers import simulation
from ocbench_showers.features import CONTEXT_NAMES, FEATURE_NAMES, shower_features
from ocbench_showers.geometry import FEATURE_WINDOW
from ocbench_showers.loaders import load_table
from oneclass_bench.base import Dataset, LabelledSet, Split
from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.provenance import file_sha256

#: bump when the simulation changes what it produces for a given seed
SIMULATION_VERSION = "1"
#: showers per generation shard (one seed each)
SHARD_SIZE = 50_000
#: real tables: photon shares for train / calib / test / labelled (the rest); non-photons are
#: split evenly between test and labelled
PHOTON_SHARES = (0.5, 0.1, 0.2)

#: stream ids for the independent random streams of one seed
_TRAIN, _CALIB, _TEST, _LABELLED, _SHARD, _ORDER = range(6)


def parse_mixture(spec: str | None) -> dict[str, float]:
    """``"splitoff:0.5,hadronic:0.3,mip:0.2"`` -> fractions (default: simulation.MIXTURE)."""
    if not spec:
        return dict(simulation.MIXTURE)
    out = {}
    for item in spec.split(","):
        name, _, value = item.partition(":")
        name = name.strip()
        if name not in simulation.KIND_NAMES[1:]:
            raise ParameterError(f"showers: unknown non-photon kind {name!r}; "
                                 f"valid: {', '.join(simulation.KIND_NAMES[1:])}")
        try:
            out[name] = float(value)
        except ValueError as exc:
            raise ParameterError(f"showers: bad mixture fraction in {item!r}") from exc
    if any(v < 0 for v in out.values()) or sum(out.values()) <= 0:
        raise ParameterError("showers: mixture fractions must be >= 0 with a positive sum")
    return out


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def sample_frame(sample: simulation.ShowerSample) -> pd.DataFrame:
    """A simulated sample as a table: features, context, label, kind, block window, x, y."""
    X, context = shower_features(sample.blocks, sample.x, sample.y)
    n = len(X)
    cols: dict[str, Any] = dict(zip(FEATURE_NAMES, X.T, strict=True))
    cols.update(zip(CONTEXT_NAMES, context.T, strict=True))
    cols["label"] = (sample.kind != simulation.PHOTON).astype(np.int8)
    cols["kind"] = np.asarray(simulation.KIND_NAMES)[sample.kind]
    cols["true_energy"] = sample.true_energy
    cols.update({f"b{i}": col for i, col in enumerate(sample.blocks.reshape(n, -1).T)})
    cols["x"], cols["y"] = sample.x, sample.y
    return pd.DataFrame(cols)


def _shard(seed: int, index: int, n_photons: int, n_others: int, mixture: dict[str, float]
           ) -> pd.DataFrame:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SHARD, index]))
    return sample_frame(simulation.simulate(rng, n_photons, n_others, mixture))


class Showers(Dataset):
    """Neutral showers in a GlueX FCAL-like lead-glass calorimeter (see the dataset card).

    ``source=None`` simulates on the fly (deterministic by seed); otherwise ``source`` is a
    CSV / Parquet / ROOT shower table (see ``ocbench_showers.loaders``), split by seed.
    X holds the shape features; energy and radius are the context.
    """

    name: ClassVar[str] = "showers"
    # photon efficiency at 60 % background rejection: the real-data anchor of §5.2
    metrics: ClassVar[tuple[str, ...]] = ("auroc", "auprc", "efficiency_at_rejection_0.6")
    quantiles: ClassVar[tuple[float, ...]] = (0.9, 0.95)

    def __init__(self, source: str | None = None, n_train: int = 20000, n_test: int = 20000,
                 n_calib: int = 10000, n_labelled: int = 20000, anomaly_fraction: float = 0.5,
                 mixture: str | None = None, columns: str | None = None,
                 tree: str | None = None):
        self.source = source
        self.n_train = n_train
        self.n_test = n_test
        self.n_calib = n_calib
        self.n_labelled = n_labelled
        self.anomaly_fraction = anomaly_fraction
        self.mixture = mixture
        self.columns = columns
        self.tree = tree
        for key in ("n_train", "n_test", "n_calib", "n_labelled"):
            if int(getattr(self, key)) < 1:
                raise ParameterError(f"showers: {key} must be >= 1")
        if not 0.0 < float(anomaly_fraction) < 1.0:
            raise ParameterError("showers: anomaly_fraction must lie in (0, 1)")
        parse_mixture(mixture)

    def load(self, seed: int) -> Split:
        if self.source is None:
            return self._simulated(seed)
        return self._from_file(seed)

    def _features(self, rng: np.random.Generator, n_photons: int, n_others: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sample = simulation.simulate(rng, n_photons, n_others, parse_mixture(self.mixture))
        X, context = shower_features(sample.blocks, sample.x, sample.y)
        return X, context, (sample.kind != simulation.PHOTON).astype(int)

    def _simulated(self, seed: int) -> Split:
        n_anom = int(round(self.n_test * self.anomaly_fraction))
        X_train, c_train, _ = self._features(_rng(seed, _TRAIN), self.n_train, 0)
        X_calib, c_calib, _ = self._features(_rng(seed, _CALIB), self.n_calib, 0)
        X_test, c_test, y_test = self._features(_rng(seed, _TEST), self.n_test - n_anom, n_anom)
        half = self.n_labelled // 2
        X_lab, c_lab, y_lab = self._features(_rng(seed, _LABELLED), self.n_labelled - half, half)
        order = _rng(seed, _ORDER).permutation(len(y_test))
        provenance = {
            "generator": "ocbench_showers.simulation", "version": SIMULATION_VERSION,
            "seed": int(seed), "mixture": parse_mixture(self.mixture),
            **{k: v for k, v in self.get_params().items() if k not in ("columns", "tree")},
        }
        return Split(
            X_train=X_train, X_test=X_test[order], y_test=y_test[order],
            feature_names=FEATURE_NAMES, provenance=provenance,
            context_train=c_train, context_test=c_test[order], context_names=CONTEXT_NAMES,
            X_calib=X_calib, context_calib=c_calib,
            labelled=LabelledSet(X_lab, y_lab, c_lab),
        )

    def _from_file(self, seed: int) -> Split:
        path = Path(self.source).expanduser()
        X, context, y = load_table(path, self.columns, self.tree)
        rng = _rng(seed, _TRAIN)
        photons = rng.permutation(np.flatnonzero(y == 0))
        others = rng.permutation(np.flatnonzero(y == 1))
        if len(photons) < 10 or len(others) < 2:
            raise DataError(f"{path}: need at least 10 photons (label 0) and 2 non-photons "
                            f"(label 1), found {len(photons)} and {len(others)}")
        cuts = (np.cumsum(PHOTON_SHARES) * len(photons)).astype(int)
        train, calib, test_ph, lab_ph = np.split(photons, cuts)
        test_other, lab_other = np.split(others, [len(others) // 2])
        test = rng.permutation(np.concatenate([test_ph, test_other]))
        lab = np.concatenate([lab_ph, lab_other])
        return Split(
            X_train=X[train], X_test=X[test], y_test=y[test],
            feature_names=FEATURE_NAMES,
            provenance={"source": str(path), "sha256": file_sha256(path), "seed": int(seed),
                        "columns": self.columns, "tree": self.tree},
            context_train=context[train], context_test=context[test],
            context_names=CONTEXT_NAMES,
            X_calib=X[calib], context_calib=context[calib],
            labelled=LabelledSet(X[lab], y[lab], context[lab]),
        )

    @classmethod
    def generate(cls, out: Path, events: int, signal_events: int | None = None,
                 workers: int = 1, seed: int = 0, executor: cf.Executor | None = None,
                 progress: bool = True) -> Path:
        """Write ``events`` photons and ``signal_events`` non-photons (default: as many) to
        ``out/showers_seed{seed}.parquet`` with a provenance JSON next to it.

        Shards of SHARD_SIZE showers, each with its own seed stream, run on ``executor`` or
        on a process pool of ``workers``; the output does not depend on either.
        """
        n_others = events if signal_events is None else signal_events
        if events < 0 or n_others < 0 or events + n_others == 0:
            raise ParameterError("showers: need events >= 0, signal_events >= 0, not both 0")
        mixture = parse_mixture(None)
        jobs = []
        for index, start in enumerate(range(0, max(events, n_others), SHARD_SIZE)):
            jobs.append((seed, index, max(0, min(SHARD_SIZE, events - start)),
                         max(0, min(SHARD_SIZE, n_others - start)), mixture))
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        own = executor is None and workers > 1 and len(jobs) > 1
        pool = cf.ProcessPoolExecutor(workers) if own else executor
        try:
            if pool is None:
                results = (_shard(*job) for job in jobs)
            else:
                futures = [pool.submit(_shard, *job) for job in jobs]
                results = (f.result() for f in futures)
            frames = []
            for frame in results:
                frames.append(frame)
                if progress:
                    print(f"showers: shard {len(frames)}/{len(jobs)} done", file=sys.stderr)
        finally:
            if own:
                pool.shutdown()
        frame = pd.concat(frames, ignore_index=True)
        path = out / f"showers_seed{seed}.parquet"
        frame.to_parquet(path, index=False)
        provenance = {
            "generator": "ocbench_showers.simulation", "version": SIMULATION_VERSION,
            "seed": seed, "photons": events, "non_photons": n_others, "mixture": mixture,
            "shard_size": SHARD_SIZE, "feature_window": FEATURE_WINDOW,
            "file": path.name, "sha256": file_sha256(path),
        }
        path.with_suffix(".json").write_text(json.dumps(provenance, indent=2))
        return path
