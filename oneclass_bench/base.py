"""Detector and Dataset contracts, and the Split a dataset hands to the harness.

Score convention (the only place it is defined): ``Detector.score`` returns a float array of
shape (n,) where **higher = more anomalous**.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from oneclass_bench.errors import ContractError, DataError, ParameterError

#: Tags a detector may declare (class attribute ``tags``). Checks are selected by tag.
DETECTOR_TAGS = frozenset(
    {
        "uses_context",  # models the conditioning variables natively
        "seedable",  # has a ``seed`` parameter; same seed -> same scores
        "supports_gpu",
        # implements ``select(X, context, q)`` -> bool (n,) accepted as reference at cut q;
        # with a sequence of q, bool (len(q), n) from one pass over X
        "selection",
        "supervised",  # violates the one-class protocol: trained with labels (upper bound)
        "slow",  # too slow for the quick conformance run on planted problems
    }
)

DEFAULT_METRICS = ("auroc", "auprc")


class Configurable:
    """Constructor keyword parameters stored unchanged (scikit-learn style).

    Subclasses declare every parameter as a keyword argument of ``__init__`` and store it
    under the same attribute name, so ``get_params`` can read them back and
    ``--param NAME.key=value`` maps onto them.
    """

    name: ClassVar[str] = ""

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.name in cls.param_names() and p.default is not inspect.Parameter.empty
        }

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.param_names()}

    @classmethod
    def create(cls, **params: Any) -> Configurable:
        """Instantiate; an unknown key raises ParameterError naming the valid ones."""
        valid = cls.param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ParameterError(
                f"{cls.name}: unknown parameter(s) {', '.join(unknown)}; "
                f"valid: {', '.join(valid) or '(none)'}"
            )
        try:
            return cls(**params)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{cls.name}: bad parameter: {exc}") from exc

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class Detector(Configurable):
    """A one-class detector: learns the reference class, scores new samples.

    ``fit(X, context=None)`` sees reference samples only and returns ``self``.
    ``score(X, context=None)`` returns float array (n,), higher = more anomalous.
    Detectors without the ``uses_context`` tag receive no context: the harness appends the
    context columns to ``X`` for them so that all detectors see the same information.
    Detectors tagged ``supervised`` implement ``fit_supervised(X, y, context=None)`` instead
    and are flagged in every table.
    """

    tags: ClassVar[frozenset[str]] = frozenset()

    def fit(self, X: np.ndarray, context: np.ndarray | None = None) -> Detector:
        raise NotImplementedError

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class LabelledSet:
    """Labelled events, separate from train and test; only ``supervised`` detectors see it."""

    X: np.ndarray
    y: np.ndarray
    context: np.ndarray | None = None


@dataclass(frozen=True)
class Split:
    """One task instance. ``X_train`` holds reference samples only; ``y_test``: 1 = anomaly."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    provenance: dict[str, Any]
    context_train: np.ndarray | None = None
    context_test: np.ndarray | None = None
    context_names: tuple[str, ...] = ()
    #: held-out reference samples for quantile-cut thresholds of detectors without ``select``
    X_calib: np.ndarray | None = None
    context_calib: np.ndarray | None = None
    labelled: LabelledSet | None = None

    def provenance_hash(self) -> str:
        blob = json.dumps(self.provenance, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


class Dataset(Configurable):
    """A standardized task. ``load(seed)`` returns a :class:`Split`.

    ``metrics`` names the metric keys the task reports (see ``oneclass_bench.metrics``).
    ``quantiles`` are the cut levels for quantile-cut metrics (``efficiency_q``, ...).
    """

    metrics: ClassVar[tuple[str, ...]] = DEFAULT_METRICS
    quantiles: ClassVar[tuple[float, ...]] = ()

    def load(self, seed: int) -> Split:
        raise NotImplementedError


def as_float_matrix(X: Any, what: str = "X") -> np.ndarray:
    """Validate user data as a finite 2-D float array; raise DataError saying what is wrong."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: not numeric ({exc})") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"{what}: expected a 2-D array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError(f"{what}: no samples")
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise DataError(
            f"{what}: {bad.sum()} NaN/inf value(s) in {rows.size} row(s), first row {rows[0]}"
        )
    return arr


def check_scores(scores: Any, n: int, who: str) -> np.ndarray:
    """Enforce the score contract: finite floats, shape (n,)."""
    arr = np.asarray(scores)
    if arr.shape != (n,):
        raise ContractError(f"{who}: score returned shape {arr.shape}, expected ({n},)")
    if not np.issubdtype(arr.dtype, np.number):
        raise ContractError(f"{who}: score returned dtype {arr.dtype}, expected float")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ContractError(
            f"{who}: score returned {int((~np.isfinite(arr)).sum())} NaN/inf value(s)"
        )
    return arr
