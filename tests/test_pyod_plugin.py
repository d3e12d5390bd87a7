"""PyOD baselines: registration, conformance, seeding and standardization."""

import numpy as np
import pytest
import torch

from oneclass_bench.plugins import get_registry
from oneclass_bench.testing import check_detector, planted_problem

PYOD_NAMES = {"iforest", "deepsvdd", "autoencoder", "ocsvm", "lof", "knn", "ecod", "copod",
              "hbos", "pca"}
# few epochs keep the deep ones to about a second per fit
FAST = {"deepsvdd": {"epochs": 5}, "autoencoder": {"epoch_num": 5}}

REGISTRY = get_registry()
PYOD = sorted(n for (kind, n), who in REGISTRY.providers.items()
              if kind == "detector" and who == "pyod")


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_registers_exactly_the_baselines():
    assert set(PYOD) == PYOD_NAMES


@pytest.mark.parametrize("name", PYOD)
def test_conformance(name):
    check_detector(REGISTRY.detector(name), FAST.get(name, {}))


@pytest.mark.parametrize("name", sorted(n for n in PYOD
                                        if "seedable" in REGISTRY.detector(n).tags))
def test_seed_has_an_effect(name):
    prob = planted_problem()
    cls = REGISTRY.detector(name)
    a = cls(seed=1, **FAST.get(name, {})).fit(prob.X_train).score(prob.X_test)
    b = cls(seed=2, **FAST.get(name, {})).fit(prob.X_train).score(prob.X_test)
    assert not np.allclose(a, b)


@pytest.mark.parametrize("name", ["ocsvm", "knn", "lof", "pca", "deepsvdd"])
def test_scores_do_not_depend_on_feature_units(name):
    prob = planted_problem()
    units = np.array([1e-3, 1.0, 1e3, 5.0])
    cls = REGISTRY.detector(name)
    a = cls(**FAST.get(name, {})).fit(prob.X_train).score(prob.X_test)
    b = cls(**FAST.get(name, {})).fit(prob.X_train * units).score(prob.X_test * units)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_deep_fit_leaves_global_state_alone():
    prob = planted_problem()
    np.random.seed(5)
    expected = np.random.get_state()[1].copy()
    REGISTRY.detector("deepsvdd")(epochs=1, threads=2).fit(prob.X_train)
    assert torch.get_num_threads() == 1
    np.testing.assert_array_equal(np.random.get_state()[1], expected)


@pytest.mark.parametrize("name", ["ecod", "copod"])
def test_ecdf_scores_are_pyods_one_row_scores_and_batch_independent(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) + rng.exponential(size=(200, 5))
    det = REGISTRY.detector(name)().fit(X)
    # test rows include exact copies of reference rows, to exercise ties in the ECDF
    T = np.vstack([rng.normal(size=(30, 5)), X[:5]])
    pyod_one_row = [det.model_.decision_function(z[None])[0] for z in det.scaler_.transform(T)]
    scores = det.score(T)
    np.testing.assert_allclose(scores, pyod_one_row, rtol=1e-10)
    # a batch full of anomalies must not change the scores of the other rows
    shifted = np.vstack([T, X[:100] + 10.0])
    np.testing.assert_allclose(det.score(shifted)[: len(T)], scores, rtol=1e-12)
