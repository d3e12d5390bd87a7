"""Runner: grid expansion, failure isolation, context handling, store contents, resume."""

from __future__ import annotations

import numpy as np
import pytest

from oneclass_bench.cells import expand_grid, parse_params
from oneclass_bench.errors import ParameterError, UnknownNameError
from oneclass_bench.runner import run_grid, split_finished
from oneclass_bench.store import ResultStore


def _run(registry, tmp_path, detectors, datasets, seeds=(0,), params=None, **kw):
    cells = expand_grid(registry, detectors, datasets, list(seeds), params or {})
    store = ResultStore(tmp_path)
    summary = run_grid(cells, registry, store, **kw)
    return summary, store


def test_grid_expands_detectors_datasets_seeds(registry):
    cells = expand_grid(registry, ["toy-center", "toy-slow"], ["toy-gauss"], [0, 1, 2])
    assert len(cells) == 6 and {c.seed for c in cells} == {0, 1, 2}
    assert len({c.key for c in cells}) == 6


def test_default_seeds_are_0_1_2(registry):
    cells = expand_grid(registry, ["toy-center"], ["toy-gauss"])
    assert [c.seed for c in cells] == [0, 1, 2]


def test_unknown_names_and_params_fail_before_running(registry):
    with pytest.raises(UnknownNameError, match="known detectors"):
        expand_grid(registry, ["nope"], ["toy-gauss"])
    with pytest.raises(ParameterError, match="valid: power"):
        expand_grid(registry, ["toy-center"], ["toy-gauss"], params=parse_params(
            ["toy-center.pwr=2"]))
    with pytest.raises(ParameterError, match="not a detector or dataset of this run"):
        expand_grid(registry, ["toy-center"], ["toy-gauss"], params=parse_params(["x.y=1"]))
    with pytest.raises(ParameterError, match="NAME.key=value"):
        parse_params(["novalue"])


def test_parse_params_types():
    assert parse_params(["a.n=5", "a.f=0.5", "a.b=true", "a.s=maf", "b.l=[1,2]"]) == {
        "a": {"n": 5, "f": 0.5, "b": True, "s": "maf"}, "b": {"l": [1, 2]}}


def test_failures_are_isolated_and_recorded(registry, tmp_path):
    dets = ["toy-center", "toy-nan", "toy-shape", "toy-raises", "toy-crashes"]
    summary, store = _run(registry, tmp_path, dets, ["toy-gauss"], workers=2)
    by_det = {r["detector"]: r for r in store.records()}
    assert by_det["toy-center"]["status"] == "ok"
    assert by_det["toy-center"]["metrics"]["auroc"] > 0.95
    assert "NaN" in by_det["toy-nan"]["error"]
    assert "shape" in by_det["toy-shape"]["error"]
    assert "toy failure in fit" in by_det["toy-raises"]["error"]
    assert "worker process died (exit code 3)" in by_det["toy-crashes"]["error"]
    assert {r["detector"] for r in summary.failed} == set(dets) - {"toy-center"}


def test_timeout_stops_a_hung_cell(registry, tmp_path):
    summary, store = _run(registry, tmp_path, ["toy-sleeps", "toy-center"], ["toy-gauss"],
                          timeout=2.0)
    status = {r["detector"]: r["status"] for r in store.records()}
    assert status == {"toy-sleeps": "timed_out", "toy-center": "ok"}


def test_nan_in_dataset_fails_the_cell_with_a_clear_message(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-center"], ["toy-gauss"],
                    params={"toy-gauss": {"nan": True}})
    (rec,) = store.records()
    assert rec["status"] == "failed"
    assert "DataError: train features: 1 NaN/inf value(s) in 1 row(s), first row 3" in rec["error"]


def test_context_is_appended_for_detectors_without_native_context(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-center", "toy-context"], ["toy-gauss"],
                    params={"toy-gauss": {"context": True}})
    recs = {r["detector"]: r for r in store.records()}
    assert recs["toy-center"]["context_mode"] == "as_features"
    assert recs["toy-context"]["context_mode"] == "native"


def test_supervised_detector_uses_the_labelled_split(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-supervised"], ["toy-gauss"])
    (rec,) = store.records()
    assert rec["status"] == "ok" and rec["supervised"] is True
    assert rec["metrics"]["auroc"] > 0.95


def test_record_holds_everything_the_spec_lists(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-center"], ["toy-gauss"], seeds=(1,),
                    params={"toy-center": {"power": 2.0}})
    (rec,) = store.records()
    assert rec["detector_params"] == {"power": 2.0}
    assert rec["dataset_params"] == {}
    assert rec["provenance"]["seed"] == 1 and len(rec["provenance_hash"]) == 16
    assert set(rec["metrics"]) >= {"auroc", "auprc", "max_sic", "rejection_at_0.5", "fit_s",
                                   "score_s", "peak_mem_mb"}
    assert rec["fit_s"] >= 0 and rec["score_s"] >= 0 and rec["peak_mem_mb"] is not None
    assert rec["versions"]["numpy"] == np.__version__
    assert rec["status"] == "ok" and rec["error"] is None
    assert len(rec["curves"]["fpr"]) == len(rec["curves"]["tpr"]) > 2
    assert sum(rec["curves"]["histogram"]["anomaly"]) == 40
    (run,) = store.runs()
    assert run["cells"] == 1 and run["wall_s"] > 0


def test_quantile_cut_metrics_use_calibration_data(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-center"], ["toy-quantile"])
    m = store.records()[0]["metrics"]
    assert 0.8 < m["efficiency_q0.9"] < 0.97
    assert m["rejection_q0.95"] > 0.9
    assert "acceptance_q0.9" not in m  # toy-center has no select()


def test_identical_results_serial_and_parallel(registry, tmp_path):
    _, s1 = _run(registry, tmp_path / "a", ["toy-center", "toy-slow"], ["toy-gauss"], (0, 1),
                 workers=1)
    _, s2 = _run(registry, tmp_path / "b", ["toy-center", "toy-slow"], ["toy-gauss"], (0, 1),
                 workers=2)
    def key(store):
        return {(r["detector"], r["seed"]): r["metrics"]["auroc"] for r in store.records()}
    assert key(s1) == key(s2)


def test_resume_skips_finished_cells(registry, tmp_path):
    summary, store = _run(registry, tmp_path, ["toy-center", "toy-raises"], ["toy-gauss"])
    assert len(summary.records) == 2
    cells = expand_grid(registry, ["toy-center", "toy-raises"], ["toy-gauss"], [0, 1])
    todo, skipped = split_finished(cells, store)
    assert [c.detector for c in skipped] == ["toy-center"]
    again = run_grid(todo, registry, store)
    # the failed cell is retried, the new seed runs
    assert sorted((r["detector"], r["seed"]) for r in again.records) == [
        ("toy-center", 1), ("toy-raises", 0), ("toy-raises", 1)]
    assert store.integrity_ok()


def test_selection_detectors_report_acceptance_and_calibration(registry, tmp_path):
    _, store = _run(registry, tmp_path, ["toy-select", "toy-select-onecut"], ["toy-gauss"],
                    params={"toy-gauss": {"n_train": 2000}})
    recs = {r["detector"]: r for r in store.records()}
    m = recs["toy-select"]["metrics"]
    for q in (0.5, 0.8, 0.9, 0.95, 0.99):
        assert abs(m[f"acceptance_q{q:g}"] - q) == pytest.approx(m[f"calibration_error_q{q:g}"])
        assert m[f"calibration_error_q{q:g}"] < 0.08  # held-out reference vs training CDF
    assert recs["toy-select-onecut"]["status"] == "failed"
    error = recs["toy-select-onecut"]["error"]
    assert "select with 5 cuts returned bool (240,), expected bool (5, 240)" in error
