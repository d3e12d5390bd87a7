"""Conformance checks every detector and dataset plugin must pass.

Checks are selected by the plugin's tags, never by its name. Each check raises
:class:`ConformanceError` naming itself; :func:`run_detector_checks` and
:func:`run_dataset_checks` collect the results for ``ocbench check NAME``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from oneclass_bench.base import Dataset, Detector, Split, check_scores
from oneclass_bench.errors import OCBenchError

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
PLANTED_AUC_MIN = 0.8


class ConformanceError(AssertionError):
    """A failed conformance check; the message starts with the check's name."""

    def __init__(self, check: str, message: str):
        super().__init__(f"[{check}] {message}")
        self.check = check
        self.message = message


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class PlantedProblem:
    """Gaussian reference data with far outliers planted in the test set."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    context_train: np.ndarray | None
    context_test: np.ndarray | None


def planted_problem(
    seed: int = 0, n_train: int = 400, n_test: int = 200, n_out: int = 40, dim: int = 4,
    with_context: bool = False,
) -> PlantedProblem:
    """Reference N(0, I); outliers on a shell of radius 6 (far outside the reference bulk)."""
    rng = np.random.default_rng(seed)
    X_train = rng.normal(size=(n_train, dim))
    inliers = rng.normal(size=(n_test, dim))
    direction = rng.normal(size=(n_out, dim))
    outliers = 6.0 * direction / np.linalg.norm(direction, axis=1, keepdims=True)
    X_test = np.vstack([inliers, outliers])
    y_test = np.r_[np.zeros(n_test), np.ones(n_out)].astype(int)
    ctx_train = rng.uniform(size=(n_train, 1)) if with_context else None
    ctx_test = rng.uniform(size=(n_test + n_out, 1)) if with_context else None
    return PlantedProblem(X_train, X_test, y_test, ctx_train, ctx_test)


# --------------------------------------------------------------------------- detectors


def _fit(det: Detector, prob: PlantedProblem) -> Detector:
    if "supervised" in det.tags:
        # an upper bound learns from labels: give it a labelled copy of the problem
        lab = planted_problem(seed=99, with_context=prob.context_train is not None)
        return det.fit_supervised(lab.X_test, lab.y_test, context=lab.context_test)
    return det.fit(prob.X_train, context=prob.context_train)


def _make(cls: type[Detector], params: dict[str, Any], seed: int | None = None) -> Detector:
    p = dict(params)
    if seed is not None and "seedable" in cls.tags:
        p["seed"] = seed
    return cls.create(**p)


def _problem(cls: type[Detector], seed: int = 0) -> PlantedProblem:
    return planted_problem(seed=seed, with_context="uses_context" in cls.tags)


def check_tags_known(cls: type[Detector], params: dict[str, Any]) -> None:
    from oneclass_bench.base import DETECTOR_TAGS

    unknown = set(cls.tags) - DETECTOR_TAGS
    if unknown:
        raise ConformanceError("tags_known", f"unknown tags {sorted(unknown)}")
    if "seedable" in cls.tags and "seed" not in cls.param_names():
        raise ConformanceError("tags_known", "tagged seedable but has no 'seed' parameter")


def check_params_roundtrip(cls: type[Detector], params: dict[str, Any]) -> None:
    det = _make(cls, params)
    got = det.get_params()
    for key, value in params.items():
        if got.get(key) != value:
            raise ConformanceError(
                "params_roundtrip", f"parameter {key}={value!r} stored as {got.get(key)!r}"
            )
    clone = cls(**got)
    if clone.get_params() != got:
        raise ConformanceError("params_roundtrip", "cls(**get_params()) changes the parameters")


def check_fit_returns_self(cls: type[Detector], params: dict[str, Any]) -> None:
    det = _make(cls, params, seed=0)
    if _fit(det, _problem(cls)) is not det:
        raise ConformanceError("fit_returns_self", "fit did not return self")


def check_scores_finite_shape(cls: type[Detector], params: dict[str, Any]) -> None:
    prob = _problem(cls)
    det = _fit(_make(cls, params, seed=0), prob)
    try:
        check_scores(det.score(prob.X_test, context=prob.context_test), len(prob.X_test), cls.name)
    except OCBenchError as exc:
        raise ConformanceError("scores_finite_shape", str(exc)) from exc


def check_same_seed_same_scores(cls: type[Detector], params: dict[str, Any]) -> None:
    prob = _problem(cls)
    a = _fit(_make(cls, params, seed=7), prob).score(prob.X_test, context=prob.context_test)
    b = _fit(_make(cls, params, seed=7), prob).score(prob.X_test, context=prob.context_test)
    if not np.allclose(a, b, rtol=1e-6, atol=1e-9):
        raise ConformanceError(
            "same_seed_same_scores",
            f"two fits with seed 7 differ (max |diff| {np.max(np.abs(np.subtract(a, b))):.3g})",
        )


def check_score_does_not_mutate(cls: type[Detector], params: dict[str, Any]) -> None:
    prob = _problem(cls)
    det = _fit(_make(cls, params, seed=0), prob)
    before = det.get_params()
    X_in = prob.X_test.copy()
    first = det.score(X_in, context=prob.context_test)
    if not np.array_equal(X_in, prob.X_test):
        raise ConformanceError("score_does_not_mutate", "score modified its input array")
    det.score(prob.X_train[:50], context=None if prob.context_train is None
              else prob.context_train[:50])
    again = det.score(prob.X_test, context=prob.context_test)
    if not np.allclose(first, again, rtol=1e-6, atol=1e-9):
        raise ConformanceError(
            "score_does_not_mutate", "scoring other data changed later scores of the same data"
        )
    if det.get_params() != before:
        raise ConformanceError("score_does_not_mutate", "score changed the parameters")


def check_planted_outliers(cls: type[Detector], params: dict[str, Any]) -> None:
    prob = _problem(cls)
    det = _fit(_make(cls, params, seed=0), prob)
    scores = det.score(prob.X_test, context=prob.context_test)
    auc = roc_auc_score(prob.y_test, np.asarray(scores, dtype=float))
    if auc < PLANTED_AUC_MIN:
        raise ConformanceError(
            "planted_outliers",
            f"AUROC {auc:.3f} < {PLANTED_AUC_MIN} on planted far outliers "
            "(is the score direction higher = more anomalous?)",
        )


def check_select(cls: type[Detector], params: dict[str, Any]) -> None:
    prob = _problem(cls)
    det = _fit(_make(cls, params, seed=0), prob)
    lo = np.asarray(det.select(prob.X_test, prob.context_test, 0.5))
    hi = np.asarray(det.select(prob.X_test, prob.context_test, 0.95))
    if lo.shape != (len(prob.X_test),) or lo.dtype != bool:
        raise ConformanceError("select",
                               f"select returned {lo.dtype} {lo.shape}, expected bool (n,)")
    if (lo & ~hi).any():
        raise ConformanceError("select", "a sample accepted at q=0.5 is rejected at q=0.95")
    both = np.asarray(det.select(prob.X_test, prob.context_test, [0.5, 0.95]))
    if both.shape != (2, len(prob.X_test)) or not (both == np.stack([lo, hi])).all():
        raise ConformanceError("select", "select with cuts [0.5, 0.95] must equal the two "
                               "single-cut selections stacked, shape (2, n)")


DetectorCheck = Callable[[type[Detector], dict[str, Any]], None]


def detector_checks(cls: type[Detector]) -> Iterator[DetectorCheck]:
    """The checks that apply to ``cls``, selected by its tags."""
    yield check_tags_known
    yield check_params_roundtrip
    yield check_fit_returns_self
    yield check_scores_finite_shape
    if "seedable" in cls.tags:
        yield check_same_seed_same_scores
    yield check_score_does_not_mutate
    yield check_planted_outliers
    if "selection" in cls.tags:
        yield check_select


# ---------------------------------------------------------------------------- datasets


def check_dataset_name(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    if not NAME_PATTERN.match(cls.name or ""):
        raise ConformanceError(
            "dataset_name", f"name {cls.name!r} must match {NAME_PATTERN.pattern} (no dots)"
        )


def check_shapes(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    d = len(split.feature_names)
    for what, arr in (("X_train", split.X_train), ("X_test", split.X_test)):
        if arr.ndim != 2 or arr.shape[1] != d:
            raise ConformanceError(
                "shapes", f"{what} has shape {arr.shape}, expected (n, {d}) from feature_names"
            )
        if not np.isfinite(arr).all():
            raise ConformanceError("shapes", f"{what} holds NaN/inf")
    if split.y_test.shape != (len(split.X_test),):
        raise ConformanceError(
            "shapes", f"y_test shape {split.y_test.shape} != ({len(split.X_test)},)")
    for what, ctx, X in (
        ("context_train", split.context_train, split.X_train),
        ("context_test", split.context_test, split.X_test),
        ("context_calib", split.context_calib, split.X_calib),
    ):
        if ctx is None:
            continue
        if ctx.ndim != 2 or X is None or len(ctx) != len(X):
            raise ConformanceError("shapes", f"{what} shape {ctx.shape} does not match its X")
        if len(split.context_names) != ctx.shape[1]:
            raise ConformanceError("shapes", f"context_names do not match {what} columns")
    if (split.context_train is None) != (split.context_test is None):
        raise ConformanceError("shapes", "context given for train or test only")


def check_labels(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    values = set(np.unique(split.y_test).tolist())
    if not values <= {0, 1}:
        raise ConformanceError("labels", f"y_test values {sorted(values)} not in {{0, 1}}")
    if values != {0, 1}:
        raise ConformanceError("labels", "y_test needs both reference (0) and anomalies (1)")


def check_train_reference_only(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    # rows are compared with their context: equal features at another context are no leak
    def rows(X: np.ndarray, ctx: np.ndarray | None) -> np.ndarray:
        full = X if ctx is None else np.hstack([X, ctx])
        return np.ascontiguousarray(full, dtype=np.float64)

    anomalies = rows(split.X_test, split.context_test)[split.y_test == 1]
    train_rows = {r.tobytes() for r in rows(split.X_train, split.context_train)}
    leaked = sum(r.tobytes() in train_rows for r in anomalies)
    if leaked:
        raise ConformanceError(
            "train_reference_only", f"{leaked} anomalous test sample(s) also appear in X_train"
        )


def check_same_seed_same_split(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    again = cls.create(**params).load(seed=0)
    for attr in ("X_train", "X_test", "y_test", "context_train", "context_test"):
        a, b = getattr(split, attr), getattr(again, attr)
        if (a is None) != (b is None) or (a is not None and not np.array_equal(a, b)):
            raise ConformanceError("same_seed_same_split", f"{attr} differs between two loads")


def check_provenance(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    if not split.provenance:
        raise ConformanceError("provenance", "empty provenance")
    try:
        json.dumps(split.provenance)
    except TypeError as exc:
        raise ConformanceError("provenance", f"not JSON-serialisable: {exc}") from exc


def check_metric_names(cls: type[Dataset], params: dict[str, Any], split: Split) -> None:
    from oneclass_bench.metrics import known_metric

    unknown = [m for m in cls.metrics if not known_metric(m)]
    if unknown:
        raise ConformanceError("metric_names", f"unknown metric keys {unknown}")


DatasetCheck = Callable[[type[Dataset], dict[str, Any], Split], None]

DATASET_CHECKS: tuple[DatasetCheck, ...] = (
    check_dataset_name,
    check_shapes,
    check_labels,
    check_train_reference_only,
    check_same_seed_same_split,
    check_provenance,
    check_metric_names,
)


# ----------------------------------------------------------------------------- runners


def _name(check: Callable[..., None]) -> str:
    return check.__name__.removeprefix("check_")


def run_detector_checks(cls: type[Detector], params: dict[str, Any] | None = None
                        ) -> list[CheckResult]:
    results = []
    for check in detector_checks(cls):
        try:
            check(cls, dict(params or {}))
            results.append(CheckResult(_name(check), True))
        except ConformanceError as exc:
            results.append(CheckResult(_name(check), False, exc.message))
        except Exception as exc:  # the plugin raised: that is a failed check too
            results.append(CheckResult(_name(check), False, f"raised {type(exc).__name__}: {exc}"))
    return results


def run_dataset_checks(cls: type[Dataset], params: dict[str, Any] | None = None
                       ) -> list[CheckResult]:
    params = dict(params or {})
    try:
        split = cls.create(**params).load(seed=0)
    except Exception as exc:
        return [CheckResult("load", False, f"raised {type(exc).__name__}: {exc}")]
    results = [CheckResult("load", True)]
    for check in DATASET_CHECKS:
        try:
            check(cls, params, split)
            results.append(CheckResult(_name(check), True))
        except ConformanceError as exc:
            results.append(CheckResult(_name(check), False, exc.message))
        except Exception as exc:
            results.append(CheckResult(_name(check), False, f"raised {type(exc).__name__}: {exc}"))
    return results


def _raise_first(results: list[CheckResult]) -> None:
    failed = [r for r in results if not r.passed]
    if failed:
        others = "".join(f"; [{r.check}] {r.message}" for r in failed[1:])
        raise ConformanceError(failed[0].check, failed[0].message + others)


def check_detector(cls: type[Detector], params: dict[str, Any] | None = None) -> None:
    """Run every applicable detector check; raise ConformanceError listing the failures."""
    _raise_first(run_detector_checks(cls, params))


def check_dataset(cls: type[Dataset], params: dict[str, Any] | None = None) -> None:
    """Run every dataset check; raise ConformanceError listing the failures."""
    _raise_first(run_dataset_checks(cls, params))
