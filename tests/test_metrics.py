"""Metric definitions against hand-computed values and sklearn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from oneclass_bench.metrics import (
    compute_metrics,
    cut_metrics,
    efficiency_at_rejection,
    known_metric,
    max_sic,
    rejection_at,
    sic_curve,
    tpr_at_fpr,
)


@pytest.fixture
def toy():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(1000), np.ones(100)].astype(int)
    s = np.r_[rng.normal(size=1000), rng.normal(2.0, 1.0, size=100)]
    return y, s


def test_auroc_matches_sklearn(toy):
    y, s = toy
    assert compute_metrics(["auroc"], y, s)["auroc"] == pytest.approx(roc_auc_score(y, s))


def test_rejection_and_tpr_at_fpr_by_hand():
    y = np.array([0, 0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.95])
    # TPR 0.5 reached at threshold 0.95 with FPR 0 -> rejection is the background count
    assert rejection_at(y, s, 0.5) == 4
    # TPR 1.0 needs threshold 0.8: one of four background passes -> rejection 4
    assert rejection_at(y, s, 1.0) == 4
    assert tpr_at_fpr(y, s, 0.0) == 0.5
    # rejecting half the anomalies (score 0.95 cut) keeps all four reference samples
    assert efficiency_at_rejection(y, s, 0.5) == 1.0
    assert efficiency_at_rejection(y, s, 1.0) == 0.75
    assert tpr_at_fpr(y, s, 0.25) == 1.0


def test_max_sic_ignores_working_points_with_few_background_events(toy):
    y, s = toy
    strict = max_sic(y, s, min_background=50)
    loose = max_sic(y, s, min_background=1)
    assert loose >= strict > 1
    few = np.r_[0:60, 1000:1010]  # 60 background events: no working point has 100
    assert np.isnan(max_sic(y[few], s[few], min_background=100))


def test_perfect_separation_sic_is_bounded_by_min_background():
    y = np.r_[np.zeros(100), np.ones(10)].astype(int)
    s = np.r_[np.zeros(100), np.ones(10)]
    # the best allowed working point passes all 100 background and all signal: SIC = 1
    assert max_sic(y, s, min_background=50) == pytest.approx(1.0)


def test_cut_metrics():
    y = np.array([0, 0, 0, 0, 1, 1])
    acc = {0.5: np.array([1, 1, 0, 0, 0, 1], bool), 0.9: np.array([1, 1, 1, 1, 0, 1], bool)}
    out = cut_metrics(y, acc, selection=True, quantile_task=True)
    assert out["acceptance_q0.5"] == 0.5 and out["calibration_error_q0.5"] == 0
    assert out["acceptance_q0.9"] == 1.0 and out["calibration_error_q0.9"] == pytest.approx(0.1)
    assert out["efficiency_q0.9"] == 1.0 and out["rejection_q0.9"] == 0.5


@pytest.mark.parametrize("key,ok", [("auroc", True), ("rejection_at_0.2", True),
                                    ("calibration_error_q0.95", True), ("tpr_at_fpr_0.01", True),
                                    ("efficiency_q0.9", True), ("accuracy", False),
                                    ("rejection_at_x", False)])
def test_known_metric(key, ok):
    assert known_metric(key) is ok


def test_sic_curve_is_thinned_and_json_safe(toy):
    y, s = toy
    c = sic_curve(y, s, points=50)
    assert len(c["fpr"]) == len(c["tpr"]) == len(c["sic"]) <= 50
    assert c["sic"][0] is None  # FPR = 0: undefined, stored as null
