"""Flux+Mutability detector (Fanelli, Giroux, Papandreou, MLST 3 (2022) 045012).

Flux: a conditional masked autoregressive flow q(x | c) (affine ``maf`` or rational-quadratic
spline ``rqs``) fit by maximum likelihood on standardized reference data, with a validation
split and early stopping. Mutability: for a test point (x*, c*), a population of
``n_samples`` points is generated from q(. | c*), clustered (DBSCAN / HDBSCAN / none) into
core clusters that are summarized by centroid and covariance; the distance of a point to the
population is the minimum Mahalanobis (or Euclidean) distance to the core clusters, and the
mutability fraction s(x*) is the fraction of the population closer than x*.

Choices the paper leaves open, each a parameter (README.md explains them):
- ``select`` accepts iff s(x*) <= q; ``score`` breaks the ties of s (steps of 1/N, and all
  points beyond the population at 1) with ``tie_break``: ``interpolate`` (default) is linear
  between the population's order statistics and continues as 1 + (d* - d_max) / std(d)
  beyond it; ``tail`` adds only that tail term; ``none`` returns s.
- ``scoring``: ``mutability`` (above), ``density`` (rank of -log q(x*|c*) among the
  population's -log q, same tie-breaking), ``logprob`` (plain -log q(x*|c*) in the original
  units; its ``select`` uses the density rank). Named ``scoring`` because ``score`` is the
  method.
- each population's base noise is seeded by (seed, its context): independent across
  contexts, and a point's score does not depend on which other points are scored with it;
- ``mode=amortized`` (default) generates populations once, at fit, on a grid of training-context
  quantiles (``grid_size`` per context dimension, product grid) and scores each test point
  against the nearest grid population; ``mode=exact`` generates one per distinct test context.
- DBSCAN ``eps``: None = the ``eps_quantile`` quantile of each population's
  ``min_samples``-nearest-neighbour distances (so about that fraction are core points);
  ``min_samples`` None = 2 x dimension; core clusters hold >= ``min_cluster_fraction`` of the
  population; covariances get a ridge of ``cov_reg`` x their mean variance.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import torch

from ocbench_fluxmut.flow import (
    FLOWS,
    FlowSpec,
    TrainConfig,
    build_flow,
    generate,
    log_prob,
    population_noise,
    train_flow,
)
from ocbench_fluxmut.mutability import (
    CLUSTERINGS,
    DISTANCES,
    TIE_BREAKS,
    ClusterConfig,
    Populations,
)
from oneclass_bench.base import Detector, as_float_matrix
from oneclass_bench.errors import DataError, ParameterError

SCORINGS = ("mutability", "density", "logprob")
MODES = ("amortized", "exact")
DEVICES = ("auto", "cpu", "cuda")
CONFIG_FILE, WEIGHTS_FILE = "fluxmut.json", "fluxmut_weights.pt"
GEN_ROWS = 1 << 16  # flow samples generated per batched call


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Use n torch threads inside the block, then restore the caller's setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class FluxMut(Detector):
    """Flux+Mutability: conditional flow + generated-population quantile score."""

    name: ClassVar[str] = "fluxmut"
    tags: ClassVar[frozenset[str]] = frozenset(
        {"uses_context", "seedable", "supports_gpu", "selection"})

    def __init__(
        self, *, flow: str = "maf", n_layers: int = 4, hidden: int = 48, n_blocks: int = 2,
        n_bins: int = 8, tail_bound: float = 4.0, max_epochs: int = 50, patience: int = 5,
        val_fraction: float = 0.1, batch_size: int = 1024, lr: float = 2e-3,
        n_samples: int = 256, clustering: str = "dbscan", eps: float | None = None,
        eps_quantile: float = 0.9, min_samples: int | None = None,
        min_cluster_fraction: float = 0.05, distance: str = "mahalanobis",
        cov_reg: float = 1e-3, scoring: str = "mutability", tie_break: str = "interpolate",
        mode: str = "amortized", grid_size: int = 64, seed: int = 0, device: str = "auto",
        threads: int = 1,
    ):
        self.flow = flow
        self.n_layers = n_layers
        self.hidden = hidden
        self.n_blocks = n_blocks
        self.n_bins = n_bins
        self.tail_bound = tail_bound
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.batch_size = batch_size
        self.lr = lr
        self.n_samples = n_samples
        self.clustering = clustering
        self.eps = eps
        self.eps_quantile = eps_quantile
        self.min_samples = min_samples
        self.min_cluster_fraction = min_cluster_fraction
        self.distance = distance
        self.cov_reg = cov_reg
        self.scoring = scoring
        self.tie_break = tie_break
        self.mode = mode
        self.grid_size = grid_size
        self.seed = seed
        self.device = device
        self.threads = threads
        self._check_params()

    def _check_params(self) -> None:
        for key, allowed in (("flow", FLOWS), ("clustering", CLUSTERINGS),
                             ("distance", DISTANCES), ("scoring", SCORINGS),
                             ("tie_break", TIE_BREAKS), ("mode", MODES), ("device", DEVICES)):
            if getattr(self, key) not in allowed:
                raise ParameterError(
                    f"fluxmut: {key}={getattr(self, key)!r}; expected one of {', '.join(allowed)}")
        for key in ("n_layers", "hidden", "n_blocks", "n_bins", "max_epochs", "patience",
                    "batch_size", "grid_size", "threads"):
            if int(getattr(self, key)) < 1:
                raise ParameterError(f"fluxmut: {key} must be >= 1")
        if self.n_samples < 8:
            raise ParameterError("fluxmut: n_samples must be >= 8")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ParameterError("fluxmut: val_fraction must be in [0, 1)")
        if not 0.0 < self.eps_quantile <= 1.0 or not 0.0 < self.min_cluster_fraction <= 1.0:
            raise ParameterError("fluxmut: eps_quantile and min_cluster_fraction must be in (0, 1]")

    # ------------------------------------------------------------------ fitting

    def _device(self) -> torch.device:
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ParameterError("fluxmut: device='cuda' asked but no CUDA device is available")
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _spec(self, features: int, context_features: int) -> FlowSpec:
        return FlowSpec(features, context_features, self.flow, self.n_layers, self.hidden,
                        self.n_blocks, self.n_bins, self.tail_bound)

    def _cluster_config(self) -> ClusterConfig:
        return ClusterConfig(self.clustering, self.eps, self.eps_quantile, self.min_samples,
                             self.min_cluster_fraction, self.distance, self.cov_reg)

    def fit(self, X: np.ndarray, context: np.ndarray | None = None) -> FluxMut:
        X = as_float_matrix(X, "X")
        C = self._check_context(context, len(X), "context")
        self.x_mean_, self.x_std_ = _moments(X)
        self.c_mean_, self.c_std_ = (None, None) if C is None else _moments(C)
        xs, cs = self._standardize(X, C)
        device = self._device()
        with torch_threads(self.threads):
            torch.manual_seed(self.seed)  # weight initialisation
            self.flow_ = build_flow(self._spec(X.shape[1], 0 if C is None else C.shape[1]))
            self.flow_.to(device)
            cfg = TrainConfig(self.max_epochs, self.patience, self.val_fraction,
                              self.batch_size, self.lr)
            self.training_ = train_flow(self.flow_, xs, cs, cfg, self.seed, device)
            self.grid_ = None if cs is None else _quantile_grid(cs, self.grid_size)
            self._prepare()
        return self

    def _prepare(self) -> None:
        """Generate the populations reused at scoring (unconditional / amortized)."""
        if self.grid_ is None:
            self.populations_ = self._populations(None)
        elif self.mode == "amortized":
            self.populations_ = self._populations(_grid_points(self.grid_))
        else:
            self.populations_ = None

    def _populations(self, contexts: np.ndarray | None) -> Populations:
        device = next(self.flow_.parameters()).device
        d = len(self.x_mean_)
        if contexts is None:
            P, logp = generate(self.flow_, population_noise(None, self.n_samples, d, self.seed),
                               None, device)
        else:
            per = max(1, GEN_ROWS // self.n_samples)
            parts = [generate(self.flow_, population_noise(chunk, self.n_samples, d, self.seed),
                              chunk, device)
                     for chunk in (contexts[b: b + per] for b in range(0, len(contexts), per))]
            P = np.concatenate([p for p, _ in parts])
            logp = np.concatenate([lp for _, lp in parts])
        return Populations.build(P, -logp, self._cluster_config(),
                                 density=self.scoring != "mutability")

    # ------------------------------------------------------------------ scoring

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        """Tie-broken mutability (or density rank, or -log q); higher = more anomalous."""
        if self.scoring == "logprob":
            xs, cs = self._validated(X, context)
            with torch_threads(self.threads):
                logq = log_prob(self.flow_, xs, cs, next(self.flow_.parameters()).device)
            return -(logq - np.log(self.x_std_).sum())  # density in the original units
        return self._rank(X, context)[1]

    def select(self, X: np.ndarray, context: np.ndarray | None,
               q: float | Sequence[float]) -> np.ndarray:
        """Accepted as reference iff the mutability (or density-rank) fraction is <= q;
        several cuts at once give a (len(q), n) array from one ranking pass."""
        frac = self._rank(X, context)[0]
        cuts = np.asarray(q, dtype=float)
        return frac <= cuts if cuts.ndim == 0 else frac[None, :] <= cuts[:, None]

    def _rank(self, X: np.ndarray, context: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray]:
        xs, cs = self._validated(X, context)
        with torch_threads(self.threads):
            if self.populations_ is not None:
                index = np.zeros(len(xs), int) if cs is None else _nearest(self.grid_, cs)
                ctx = None if cs is None else _grid_points(self.grid_)[index]
                return self._rank_against(self.populations_, xs, ctx, index)
            # exact: one population per distinct test context, generated in batches
            uniq, inverse = np.unique(cs, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            frac, score = np.empty(len(xs)), np.empty(len(xs))
            per = max(1, GEN_ROWS // self.n_samples)
            for b in range(0, len(uniq), per):
                pops = self._populations(uniq[b: b + per])
                rows = np.nonzero((inverse >= b) & (inverse < b + per))[0]
                index = inverse[rows] - b
                frac[rows], score[rows] = self._rank_against(pops, xs[rows], cs[rows], index)
            return frac, score

    def _rank_against(self, pops: Populations, xs: np.ndarray, cs: np.ndarray | None,
                      index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.scoring == "mutability":
            stat = pops.distance(xs, index)
        else:  # density rank, at the context the population was generated for
            stat = -log_prob(self.flow_, xs, cs, next(self.flow_.parameters()).device)
        return pops.rank(stat, index, self.tie_break)

    # ------------------------------------------------------------------ data handling

    def _check_context(self, context: Any, n: int, what: str) -> np.ndarray | None:
        if context is None:
            return None
        C = as_float_matrix(context, what)
        if len(C) != n:
            raise DataError(f"{what}: {len(C)} rows for {n} samples")
        return C

    def _validated(self, X: Any, context: Any) -> tuple[np.ndarray, np.ndarray | None]:
        if not hasattr(self, "flow_"):
            raise ParameterError("fluxmut: score/select called before fit")
        X = as_float_matrix(X, "X")
        if X.shape[1] != len(self.x_mean_):
            raise DataError(f"X: {X.shape[1]} features, fitted on {len(self.x_mean_)}")
        C = self._check_context(context, len(X), "context")
        if (C is None) != (self.c_mean_ is None):
            raise DataError("context: must be given at scoring iff it was given at fit")
        if C is not None and C.shape[1] != len(self.c_mean_):
            raise DataError(f"context: {C.shape[1]} columns, fitted on {len(self.c_mean_)}")
        return self._standardize(X, C)

    def _standardize(self, X: np.ndarray, C: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray | None]:
        xs = (X - self.x_mean_) / self.x_std_
        return xs, None if C is None else (C - self.c_mean_) / self.c_std_

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | pathlib.Path) -> pathlib.Path:
        """Write weights (state_dict) and a JSON config into directory ``path``."""
        out = pathlib.Path(path)
        out.mkdir(parents=True, exist_ok=True)
        state = {
            "x_mean": self.x_mean_.tolist(), "x_std": self.x_std_.tolist(),
            "c_mean": None if self.c_mean_ is None else self.c_mean_.tolist(),
            "c_std": None if self.c_std_ is None else self.c_std_.tolist(),
            "grid": None if self.grid_ is None else [a.tolist() for a in self.grid_],
            "training": self.training_,
        }
        (out / CONFIG_FILE).write_text(json.dumps(
            {"detector": self.name, "params": self.get_params(), "state": state}, indent=1))
        torch.save({k: v.cpu() for k, v in self.flow_.state_dict().items()}, out / WEIGHTS_FILE)
        return out

    @classmethod
    def load(cls, path: str | pathlib.Path) -> FluxMut:
        """Rebuild a fitted detector from :meth:`save` output; populations are regenerated."""
        src = pathlib.Path(path)
        if not (src / CONFIG_FILE).is_file() or not (src / WEIGHTS_FILE).is_file():
            raise DataError(f"fluxmut: {src} holds no saved model ({CONFIG_FILE}, {WEIGHTS_FILE})")
        config = json.loads((src / CONFIG_FILE).read_text())
        det = cls(**config["params"])
        st = config["state"]
        det.x_mean_, det.x_std_ = np.asarray(st["x_mean"]), np.asarray(st["x_std"])
        det.c_mean_ = None if st["c_mean"] is None else np.asarray(st["c_mean"])
        det.c_std_ = None if st["c_std"] is None else np.asarray(st["c_std"])
        det.grid_ = None if st["grid"] is None else [np.asarray(a) for a in st["grid"]]
        det.training_ = st["training"]
        device = det._device()
        with torch_threads(det.threads):
            det.flow_ = build_flow(det._spec(len(det.x_mean_),
                                             0 if det.c_mean_ is None else len(det.c_mean_)))
            weights = torch.load(src / WEIGHTS_FILE, weights_only=True, map_location="cpu")
            det.flow_.load_state_dict(weights)
            det.flow_.to(device).eval()
            det._prepare()
        return det


def _moments(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    std = A.std(axis=0)
    return A.mean(axis=0), np.where(std > 0, std, 1.0)  # constant columns stay as they are


def _quantile_grid(cs: np.ndarray, size: int) -> list[np.ndarray]:
    """Per context dimension: ``size`` quantiles (at (i + 1/2) / size) of the training contexts."""
    levels = (np.arange(size) + 0.5) / size
    return [np.unique(np.quantile(cs[:, j], levels)) for j in range(cs.shape[1])]


def _grid_points(grid: list[np.ndarray]) -> np.ndarray:
    """The product grid as rows, in C order (matching np.ravel_multi_index)."""
    mesh = np.meshgrid(*grid, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _nearest(grid: list[np.ndarray], cs: np.ndarray) -> np.ndarray:
    """Flat index of the nearest product-grid point (nearest per axis)."""
    idx = []
    for j, axis in enumerate(grid):
        hi = np.clip(np.searchsorted(axis, cs[:, j]), 1, max(len(axis) - 1, 1))
        lo = hi - 1
        if len(axis) == 1:
            idx.append(np.zeros(len(cs), int))
            continue
        idx.append(np.where(np.abs(cs[:, j] - axis[lo]) <= np.abs(axis[hi] - cs[:, j]), lo, hi))
    return np.ravel_multi_index(idx, [len(a) for a in grid])
