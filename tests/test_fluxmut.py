"""Flux+Mutability detector: conformance, calibration, conditioning, amortization, persistence."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ocbench_fluxmut.detector import FluxMut
from ocbench_fluxmut.plugin import register_detectors
from sklearn.metrics import roc_auc_score

from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.testing import check_detector
from oneclass_bench.testing.checks import planted_problem

torch.set_num_threads(1)

FAST = dict(n_layers=2, hidden=16, max_epochs=20, patience=3, n_samples=64, grid_size=8)
TASK = dict(n_layers=3, hidden=32, max_epochs=60, patience=5, n_samples=256, grid_size=32)


def linear_gaussian(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x | c ~ N(A c, S S^T), c ~ U(-1, 1): an affine MAF represents it exactly."""
    c = rng.uniform(-1, 1, size=(n, 1))
    S = np.array([[0.3, 0, 0], [0.1, 0.2, 0], [-0.1, 0.05, 0.25]])
    return c * np.array([1.0, 0.5, -1.0]) + rng.normal(size=(n, 3)) @ S.T, c


def sign_flip(n: int, rng: np.random.Generator, anomalous: bool
              ) -> tuple[np.ndarray, np.ndarray]:
    """Reference x ~ N((c, c), 0.1^2), anomalies x ~ N((-c, -c), 0.1^2), c bimodal at +-1.

    Context and feature marginals are the same for both classes: only x given c differs.
    Anomalies with c near 0 are indistinguishable, so the AUROC is high but not 1.
    """
    c = np.where(rng.random(n) < 0.5, -1.0, 1.0)[:, None] + 0.45 * rng.normal(size=(n, 1))
    x = (-c if anomalous else c) * np.ones((1, 2)) + 0.1 * rng.normal(size=(n, 2))
    return x, c


@pytest.fixture(scope="module")
def sign_flip_task():
    rng = np.random.default_rng(1)
    X, C = sign_flip(3000, rng, False)
    Xr, Cr = sign_flip(400, rng, False)
    Xa, Ca = sign_flip(400, rng, True)
    y = np.r_[np.zeros(len(Xr)), np.ones(len(Xa))]
    return X, C, np.vstack([Xr, Xa]), np.vstack([Cr, Ca]), y


def test_registered_through_plugin_hook():
    assert register_detectors() == [FluxMut]


def test_conformance():
    check_detector(FluxMut, params=FAST)


@pytest.mark.parametrize("variant", [
    dict(flow="rqs"), dict(scoring="density"), dict(scoring="logprob"),
    dict(clustering="hdbscan"), dict(clustering="none", distance="euclidean"),
    dict(tie_break="tail"), dict(mode="exact", n_samples=32), dict(eps=1.0),
])
def test_variants_find_planted_outliers(variant):
    prob = planted_problem(seed=0, with_context=True)
    det = FluxMut(**{**FAST, **variant}).fit(prob.X_train, prob.context_train)
    scores = det.score(prob.X_test, prob.context_test)
    assert scores.shape == (len(prob.X_test),) and np.isfinite(scores).all()
    assert roc_auc_score(prob.y_test, scores) >= 0.8


def test_unconditional_one_population():
    prob = planted_problem(seed=0)
    det = FluxMut(**FAST).fit(prob.X_train)
    assert det.populations_.reference.shape == (1, FAST["n_samples"])
    assert roc_auc_score(prob.y_test, det.score(prob.X_test)) >= 0.8


def test_selection_is_calibrated_on_held_out_reference():
    rng = np.random.default_rng(0)
    X, C = linear_gaussian(4000, rng)
    Xt, Ct = linear_gaussian(3000, rng)
    det = FluxMut(**TASK).fit(X, C)
    acceptance = det.select(Xt, Ct, 0.9).mean()
    assert abs(acceptance - 0.9) <= 0.03, acceptance


def test_conditioning_matters_and_amortized_matches_exact(sign_flip_task):
    X, C, Xt, Ct, y = sign_flip_task
    amortized = FluxMut(**TASK).fit(X, C)
    exact = FluxMut(**{**TASK, "mode": "exact"}).fit(X, C)
    auc_amortized = roc_auc_score(y, amortized.score(Xt, Ct))
    auc_exact = roc_auc_score(y, exact.score(Xt, Ct))
    assert auc_amortized >= 0.95
    assert abs(auc_amortized - auc_exact) <= 0.01, (auc_amortized, auc_exact)


@pytest.mark.parametrize("mode", ["amortized", "exact"])
def test_save_load_gives_identical_scores(tmp_path, mode):
    prob = planted_problem(seed=3, with_context=True)
    det = FluxMut(**{**FAST, "mode": mode}).fit(prob.X_train, prob.context_train)
    loaded = FluxMut.load(det.save(tmp_path / "model"))
    assert loaded.get_params() == det.get_params()
    np.testing.assert_array_equal(loaded.score(prob.X_test, prob.context_test),
                                  det.score(prob.X_test, prob.context_test))


def test_far_samples_get_distinct_increasing_scores():
    rng = np.random.default_rng(0)
    det = FluxMut(**FAST).fit(rng.normal(size=(1000, 2)))
    radii = np.array([6.0, 8.0, 10.0, 15.0, 30.0])
    far = radii[:, None] * np.array([[0.6, 0.8]])
    scores = det.score(far)
    assert (scores > 1.0).all() and (np.diff(scores) > 0).all()
    assert not det.select(far, None, 0.999).any()  # the fraction itself is 1
    plain = FluxMut(**{**FAST, "tie_break": "none"}).fit(rng.normal(size=(1000, 2)))
    np.testing.assert_array_equal(plain.score(far), 1.0)


def test_score_floor_is_the_selection_fraction():
    prob = planted_problem(seed=1, with_context=True)
    det = FluxMut(**FAST).fit(prob.X_train, prob.context_train)
    scores = det.score(prob.X_test, prob.context_test)
    n = FAST["n_samples"]
    for q in (0.5, 0.9):
        expected = np.minimum(np.floor(scores * n + 1e-9) / n, 1.0) <= q
        assert (det.select(prob.X_test, prob.context_test, q) == expected).mean() >= 0.99


def test_two_dimensional_context_grid():
    rng = np.random.default_rng(0)
    C = rng.normal(size=(1500, 2))
    X = C @ np.array([[1.0, 0.5], [0.0, 1.0]]) + 0.2 * rng.normal(size=(1500, 2))
    det = FluxMut(**{**FAST, "grid_size": 5}).fit(X, C)
    assert det.populations_.reference.shape[0] == 25
    outliers = X[:100] + np.array([2.0, -2.0])
    scores = det.score(np.vstack([X[:100], outliers]), np.vstack([C[:100], C[:100]]))
    assert roc_auc_score(np.r_[np.zeros(100), np.ones(100)], scores) >= 0.9


def test_bad_input_gives_clear_errors():
    with pytest.raises(ParameterError, match="flow"):
        FluxMut(flow="glow")
    prob = planted_problem(seed=0, with_context=True)
    det = FluxMut(**FAST).fit(prob.X_train, prob.context_train)
    with pytest.raises(DataError, match="context"):
        det.score(prob.X_test)
    with pytest.raises(DataError, match="features"):
        det.score(prob.X_test[:, :2], prob.context_test)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu_is_a_parameter_error():
    prob = planted_problem(seed=0)
    with pytest.raises(ParameterError, match="cuda"):
        FluxMut(**FAST, device="cuda").fit(prob.X_train)
