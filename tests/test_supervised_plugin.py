"""Supervised upper bound: conformance, the labelled-only contract, probability scores."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from oneclass_bench.errors import ContractError, DataError
from oneclass_bench.plugins import get_registry
from oneclass_bench.testing import check_detector, planted_problem

Supervised = get_registry().detector("supervised")


def labelled(seed=0, n=600):
    """Anomalies differ from the reference only in one feature's sign: hard for one-class."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (rng.uniform(size=n) < 0.3).astype(int)
    X[:, 0] = np.abs(X[:, 0]) * np.where(y == 1, 1.0, -1.0)
    return X, y


def test_registered_and_flagged():
    assert Supervised.tags == {"supervised", "seedable"}
    assert "VIOLATES the one-class protocol" in Supervised.__doc__


def test_conformance():
    check_detector(Supervised, {"max_iter": 50})


def test_one_class_fit_is_refused_with_a_clear_message():
    prob = planted_problem()
    with pytest.raises(ContractError, match="needs a labelled split.*Split.labelled"):
        Supervised().fit(prob.X_train)


def test_scores_are_anomaly_probabilities():
    X, y = labelled(0)
    X_test, y_test = labelled(1)
    scores = Supervised().fit_supervised(X, y).score(X_test)
    assert scores.dtype == np.float64 and scores.shape == (len(X_test),)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert roc_auc_score(y_test, scores) > 0.95


@pytest.mark.parametrize("y, message", [
    (np.zeros(10), "needs both classes"),
    (np.r_[np.zeros(5), np.full(5, 2)], "needs both classes"),
    (np.r_[np.zeros(5), np.ones(4)], r"y has shape \(9,\)"),
])
def test_bad_labels_are_data_errors(y, message):
    with pytest.raises(DataError, match=message):
        Supervised().fit_supervised(np.zeros((10, 2)), y)
