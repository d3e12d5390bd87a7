"""Toy plugins for the harness tests: a sound detector and dataset, and deliberately broken
detectors that the conformance kit and the runner must catch.

Loaded by tests through ``get_registry(extra_plugins=[toy_plugins])`` or, for CLI
subprocesses, ``OCBENCH_PLUGINS=toy_plugins`` with this directory on PYTHONPATH.
"""

from __future__ import annotations

import os
import time

import numpy as np

from oneclass_bench import Dataset, Detector, LabelledSet, Split
from oneclass_bench.errors import DataError
from oneclass_bench.hookspecs import hookimpl
from oneclass_bench.testing import planted_problem


class CenterDistance(Detector):
    """Distance to the training mean in units of the training std."""

    name = "toy-center"

    def __init__(self, power: float = 1.0):
        self.power = power

    def fit(self, X, context=None):
        self.mean_ = X.mean(axis=0)
        self.std_ = X.std(axis=0) + 1e-12
        return self

    def score(self, X, context=None):
        return np.linalg.norm((X - self.mean_) / self.std_, axis=1) ** self.power


class NaNScores(CenterDistance):
    name = "toy-nan"

    def score(self, X, context=None):
        s = super().score(X)
        s[::7] = np.nan
        return s


class WrongShape(CenterDistance):
    name = "toy-shape"

    def score(self, X, context=None):
        return super().score(X)[:-1]


class NonDeterministic(CenterDistance):
    name = "toy-random"
    tags = frozenset({"seedable"})

    def __init__(self, seed: int = 0, power: float = 1.0):
        self.seed = seed
        self.power = power

    def score(self, X, context=None):
        return super().score(X) + np.random.default_rng().normal(size=len(X))


class MutatingScore(CenterDistance):
    """Updates its mean while scoring: later scores depend on what was scored before."""

    name = "toy-mutating"

    def score(self, X, context=None):
        s = super().score(X)
        self.mean_ = 0.5 * (self.mean_ + X.mean(axis=0))
        return s


class Inverted(CenterDistance):
    """Wrong score direction: higher = more normal."""

    name = "toy-inverted"

    def score(self, X, context=None):
        return -super().score(X)


class Raising(CenterDistance):
    name = "toy-raises"

    def fit(self, X, context=None):
        raise RuntimeError("toy failure in fit")


class Sleeper(CenterDistance):
    """Hangs forever in fit (for --timeout)."""

    name = "toy-sleeps"

    def fit(self, X, context=None):
        while True:
            time.sleep(1)


class Crasher(CenterDistance):
    """Kills its own process (as a segfaulting extension or the OOM killer would)."""

    name = "toy-crashes"

    def fit(self, X, context=None):
        os._exit(3)


class MemoryHog(CenterDistance):
    """Allocates far more memory than any cell should get."""

    name = "toy-hog"

    def fit(self, X, context=None):
        self.blob_ = np.ones((64, 2**30), dtype=np.uint8)  # 64 GiB, touched
        return super().fit(X)


class Slow(CenterDistance):
    """Sleeps ``delay`` seconds in fit: a cell of known duration."""

    name = "toy-slow"

    def __init__(self, delay: float = 0.5, power: float = 1.0):
        self.delay = delay
        self.power = power

    def fit(self, X, context=None):
        time.sleep(self.delay)
        return super().fit(X)


class ContextAware(CenterDistance):
    """Models context natively: distance of x from the context value."""

    name = "toy-context"
    tags = frozenset({"uses_context"})

    def fit(self, X, context=None):
        self.saw_context_ = context is not None
        return super().fit(X)

    def score(self, X, context=None):
        if context is None:
            return super().score(X)
        return np.abs(X[:, 0] - context[:, 0])


class Selector(CenterDistance):
    """Quantile-cut selection: fraction of training distances below the sample's distance."""

    name = "toy-select"
    tags = frozenset({"selection"})

    def fit(self, X, context=None):
        super().fit(X)
        self.train_d_ = np.sort(super().score(X))
        return self

    def select(self, X, context, q):
        frac = np.searchsorted(self.train_d_, super().score(X)) / len(self.train_d_)
        cuts = np.asarray(q, dtype=float)
        return frac <= cuts if cuts.ndim == 0 else frac[None, :] <= cuts[:, None]


class OneCutSelector(Selector):
    """Ignores the multi-cut form of select: the runner must reject the shape."""

    name = "toy-select-onecut"

    def select(self, X, context, q):
        return super().select(X, context, np.ravel(q)[0])


class Oracle(CenterDistance):
    """Supervised upper bound: nearest class mean, trained with labels."""

    name = "toy-supervised"
    tags = frozenset({"supervised"})

    def fit(self, X, context=None):
        raise DataError("toy-supervised needs labels")

    def fit_supervised(self, X, y, context=None):
        self.mu0_, self.mu1_ = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
        self.std_ = X[y == 0].std(axis=0)
        return self

    def score(self, X, context=None):
        # far outliers: distance from the reference mean separates them
        return np.linalg.norm((X - self.mu0_) / self.std_, axis=1)


class Gaussian(Dataset):
    """Planted-outlier Gaussian task; with ``context`` the first feature tracks a context."""

    name = "toy-gauss"
    metrics = ("auroc", "auprc", "max_sic", "rejection_at_0.5")

    def __init__(self, n_train: int = 300, dim: int = 3, context: bool = False,
                 nan: bool = False, quantile_cuts: bool = False, defect: str = ""):
        self.n_train = n_train
        self.dim = dim
        self.context = context
        self.nan = nan
        self.quantile_cuts = quantile_cuts
        self.defect = defect

    def load(self, seed: int) -> Split:
        p = planted_problem(seed=seed, n_train=self.n_train, dim=self.dim)
        calib = planted_problem(seed=seed + 1000, n_train=200, dim=self.dim).X_train
        X_train = p.X_train.copy()
        if self.nan:
            X_train[3, 1] = np.nan
        ctx_train = ctx_test = ctx_calib = None
        if self.context:
            rng = np.random.default_rng(seed)
            ctx_train = rng.uniform(-3, 3, size=(len(X_train), 1))
            ctx_test = rng.uniform(-3, 3, size=(len(p.X_test), 1))
            ctx_calib = rng.uniform(-3, 3, size=(len(calib), 1))
            X_train[:, 0] += ctx_train[:, 0]
            X_test = p.X_test.copy()
            X_test[:, 0] += ctx_test[:, 0]
            calib = calib.copy()
            calib[:, 0] += ctx_calib[:, 0]
        else:
            X_test = p.X_test
        lab = planted_problem(seed=seed + 2000, dim=self.dim)
        split = Split(
            X_train=X_train, X_test=X_test, y_test=p.y_test,
            feature_names=tuple(f"x{i}" for i in range(self.dim)),
            provenance={"generator": "toy-gauss", "seed": seed, "n_train": self.n_train},
            context_train=ctx_train, context_test=ctx_test,
            context_names=("c",) if self.context else (),
            X_calib=calib if self.quantile_cuts else None,
            context_calib=ctx_calib if self.quantile_cuts else None,
            labelled=LabelledSet(lab.X_test, lab.y_test),
        )
        return _with_defect(split, self.defect)


def _with_defect(s: Split, defect: str) -> Split:
    """Malformed variants of a split, as a buggy loader or a bad user file would produce."""
    from dataclasses import replace

    if defect == "empty_train":
        return replace(s, X_train=s.X_train[:0])
    if defect == "one_test":
        return replace(s, X_test=s.X_test[:1], y_test=s.y_test[:1])
    if defect == "constant":
        X_train, X_test = s.X_train.copy(), s.X_test.copy()
        X_train[:, 1] = X_test[:, 1] = 7.0
        return replace(s, X_train=X_train, X_test=X_test)
    if defect == "context_mismatch":
        return replace(s, context_train=np.zeros((len(s.X_train) - 1, 1)),
                       context_test=np.zeros((len(s.X_test), 1)), context_names=("c",))
    if defect == "int_dtype":
        return replace(s, X_train=np.rint(s.X_train * 10).astype(np.int64),
                       X_test=np.rint(s.X_test * 10).astype(np.int64))
    if defect == "object_dtype":
        X_test = s.X_test.astype(object)
        X_test[2, 0] = "n/a"
        return replace(s, X_test=X_test)
    if defect == "inf":
        X_test = s.X_test.copy()
        X_test[5, 2] = np.inf
        return replace(s, X_test=X_test)
    if defect == "bad_labels":
        y = s.y_test.copy()
        y[0] = 2
        return replace(s, y_test=y)
    return s


class QuantileGaussian(Gaussian):
    name = "toy-quantile"
    metrics = ("auroc",)
    quantiles = (0.9, 0.95)

    def __init__(self, n_train: int = 300, dim: int = 3, context: bool = False,
                 nan: bool = False, quantile_cuts: bool = True):
        super().__init__(n_train, dim, context, nan, quantile_cuts)


class LeakyDataset(Gaussian):
    """Puts anomalies into the training set: the kit must notice."""

    name = "toy-leaky"

    def load(self, seed: int) -> Split:
        s = super().load(seed)
        X_train = np.vstack([s.X_train, s.X_test[s.y_test == 1][:5]])
        return Split(X_train, s.X_test, s.y_test, s.feature_names, s.provenance)


DETECTORS = [CenterDistance, NaNScores, WrongShape, NonDeterministic, MutatingScore, Inverted,
             Raising, Sleeper, Crasher, MemoryHog, Slow, ContextAware, Selector,
             OneCutSelector, Oracle]
BROKEN = {NaNScores: "scores_finite_shape", WrongShape: "scores_finite_shape",
          NonDeterministic: "same_seed_same_scores", MutatingScore: "score_does_not_mutate",
          Inverted: "planted_outliers"}


@hookimpl
def register_detectors():
    return DETECTORS


@hookimpl
def register_datasets():
    return [Gaussian, QuantileGaussian, LeakyDataset]
