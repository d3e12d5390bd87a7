"""Scale and resilience: SIGKILL + resume, concurrent writers, memory limits, Dask."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oneclass_bench.cells import expand_grid
from oneclass_bench.runner import run_grid
from oneclass_bench.store import ResultStore, db_path

TESTS_DIR = Path(__file__).parent


def _ok_rows(out: Path) -> dict[str, tuple[str, str]]:
    path = db_path(out)
    if not path.exists():
        return {}
    con = sqlite3.connect(path, timeout=30)
    try:
        rows = con.execute("SELECT key, run_id, finished_at FROM cells WHERE status='ok'")
        return {k: (r, f) for k, r, f in rows}
    except sqlite3.OperationalError:  # table not created yet
        return {}
    finally:
        con.close()


def _grid_args(out: Path, seeds: str) -> list[str]:
    return [sys.executable, "-m", "oneclass_bench.cli", "run", "-d", "toy-slow", "-D",
            "toy-gauss", "--seeds", seeds, "--param", "toy-slow.delay=0.6", "--out", str(out),
            "--quiet", "--json"]


def test_sigkill_mid_run_then_resume_loses_and_repeats_nothing(tmp_path, cli_env):
    proc = subprocess.Popen(_grid_args(tmp_path, "0,1,2,3,4,5,6,7"), env=cli_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_ok_rows(tmp_path)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its cell process, mid-grid
    proc.wait()
    before = _ok_rows(tmp_path)
    assert 3 <= len(before) < 8
    assert ResultStore(tmp_path).integrity_ok()

    done = subprocess.run(_grid_args(tmp_path, "0,1,2,3,4,5,6,7") + ["--resume"], env=cli_env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    after = _ok_rows(tmp_path)
    assert len(after) == 8  # none missing
    for key, row in before.items():
        assert after[key] == row  # finished cells were not recomputed
    assert len(done.stdout.splitlines()) == 8 - len(before)
    assert ResultStore(tmp_path).integrity_ok()


def test_two_runs_writing_one_store_at_once(tmp_path, cli_env):
    a = subprocess.Popen(_grid_args(tmp_path, "0,1,2,3"), env=cli_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(_grid_args(tmp_path, "10,11,12,13"), env=cli_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert a.wait() == 0, a.stderr.read()
    assert b.wait() == 0, b.stderr.read()
    store = ResultStore(tmp_path)
    assert store.integrity_ok()
    assert sorted(r["seed"] for r in store.records()) == [0, 1, 2, 3, 10, 11, 12, 13]
    assert len(store.runs()) == 2


def test_memory_hog_fails_only_its_own_cell(registry, tmp_path):
    cells = expand_grid(registry, ["toy-hog", "toy-center"], ["toy-gauss"], [0])
    summary = run_grid(cells, registry, ResultStore(tmp_path), memory_mb=2048)
    status = {r["detector"]: (r["status"], r["error"]) for r in summary.records}
    assert status["toy-center"] == ("ok", None)
    assert status["toy-hog"][0] == "failed" and "MemoryError" in status["toy-hog"][1]


@pytest.fixture
def dask_env(monkeypatch):
    """Dask worker processes must see the toy plugins too."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("OCBENCH_PLUGINS", "toy_plugins")


def test_dask_local_cluster_matches_local_run(registry, tmp_path, dask_env):
    cells = expand_grid(registry, ["toy-center", "toy-crashes", "toy-sleeps"], ["toy-gauss"],
                        [0, 1])
    dask_run = run_grid(cells, registry, ResultStore(tmp_path / "dask"), workers=2,
                        executor="dask", timeout=3.0)
    local_run = run_grid(cells, registry, ResultStore(tmp_path / "local"), workers=2,
                         timeout=3.0)

    def view(summary):
        return sorted((r["detector"], r["seed"], r["status"], r["metrics"].get("auroc"))
                      for r in summary.records)

    assert view(dask_run) == view(local_run)
    statuses = {r["detector"]: r["status"] for r in dask_run.records}
    assert statuses == {"toy-center": "ok", "toy-crashes": "failed", "toy-sleeps": "timed_out"}


DEFECTS = {
    "empty_train": "train features: no samples",
    "one_test": "test set of 1 sample(s) holds only class 0",
    "context_mismatch": "train: context has 299 rows but features have 300",
    "object_dtype": "test features: not numeric",
    "inf": "test features: 1 NaN/inf value(s) in 1 row(s), first row 5",
    "bad_labels": "test labels must be 0 (reference) or 1 (anomaly)",
}


def test_bad_inputs_get_specific_errors_and_lose_nothing(registry, tmp_path):
    store = ResultStore(tmp_path)
    first = run_grid(expand_grid(registry, ["toy-center"], ["toy-gauss"], [0]), registry, store)
    (good,) = first.records
    for defect, message in DEFECTS.items():
        cells = expand_grid(registry, ["toy-center"], ["toy-gauss"], [0],
                            {"toy-gauss": {"defect": defect}})
        (rec,) = run_grid(cells, registry, store).records
        assert rec["status"] == "failed", defect
        assert message in rec["error"], (defect, rec["error"])
    # usable-but-unusual data runs: integer dtype and constant features
    for defect in ("int_dtype", "constant"):
        cells = expand_grid(registry, ["toy-center", "iforest", "knn"], ["toy-gauss"], [0],
                            {"toy-gauss": {"defect": defect}})
        for rec in run_grid(cells, registry, store).records:
            assert rec["status"] == "ok", (defect, rec["detector"], rec["error"])
    kept = {r["key"]: r for r in store.records()}
    assert kept[good["key"]]["metrics"] == good["metrics"]  # nothing already stored is lost
    assert len(kept) == 1 + len(DEFECTS) + 6
    assert store.integrity_ok()


def _truncated(src: Path, dst: Path) -> str:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return str(dst)


def test_truncated_files_fail_their_cells_with_clear_errors(registry, tmp_path):
    import numpy as np
    import pandas as pd
    import scipy.io
    from ocbench_dijets.dataset import committed_sample

    store = ResultStore(tmp_path / "store")
    (good,) = run_grid(expand_grid(registry, ["toy-center"], ["toy-gauss"], [0]), registry,
                       store).records
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 3)), np.r_[np.zeros(360), np.ones(40)]
    scipy.io.savemat(tmp_path / "full.mat", {"X": X, "y": y[:, None]})
    lhco = pd.DataFrame(rng.uniform(1, 100, size=(200, 15)), columns=[
        "pxj1", "pyj1", "pzj1", "mj1", "tau1j1", "tau2j1", "tau3j1", "pxj2", "pyj2", "pzj2",
        "mj2", "tau1j2", "tau2j2", "tau3j2", "label"])
    lhco.to_hdf(tmp_path / "full.h5", key="df", format="fixed")
    cases = {
        "dijets": {"source": _truncated(committed_sample(), tmp_path / "cut.parquet")},
        "odds": {"data_dir": str(tmp_path), "file": Path(_truncated(
            tmp_path / "full.mat", tmp_path / "cut.mat")).name},
    }
    lhco_cut = {"source": _truncated(tmp_path / "full.h5", tmp_path / "cut.h5")}
    for dataset, params in [*cases.items(), ("dijets", lhco_cut)]:
        cells = expand_grid(registry, ["iforest"], [dataset], [0], {dataset: params})
        (rec,) = run_grid(cells, registry, store).records
        assert rec["status"] == "failed", (dataset, params)
        assert rec["error"].startswith("DataError:"), rec["error"]
        assert "cut." in rec["error"], rec["error"]  # the message names the file
    kept = {r["key"]: r for r in store.records()}
    assert kept[good["key"]]["metrics"] == good["metrics"]
    assert store.integrity_ok()
