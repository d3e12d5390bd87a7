"""dijets dataset: generator physics, LHCO R&D loader, task protocol, conformance."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ocbench_dijets.dataset import SR_HIGH, SR_LOW, SUBSTRUCTURE, Dijets, committed_sample
from ocbench_dijets.features import FEATURES, TRIGGER_PT_GEV, dijet_features
from ocbench_dijets.generate import PROVENANCE_FILE, run_shard, shard_seed
from ocbench_dijets.loaders import LHCO_COLUMNS, read_lhco

from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.plugins import get_registry
from oneclass_bench.testing import check_dataset

# ------------------------------------------------------------------------------ helpers


def _particle(pt: float, eta: float, phi: float, m: float = 0.0) -> list[float]:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return [px, py, pz, np.sqrt(px**2 + py**2 + pz**2 + m**2)]


def _rows(X: np.ndarray, ctx: np.ndarray) -> set[bytes]:
    full = np.ascontiguousarray(np.column_stack([X, ctx]), dtype=np.float64)
    return {r.tobytes() for r in full}


def _write_lhco(path, n_bkg: int = 600, n_sig: int = 150, seed: int = 0, **to_hdf) -> pd.DataFrame:
    """A small file in the exact LHCO R&D layout: back-to-back jets (pz = 0) in GeV."""
    rng = np.random.default_rng(seed)
    n = n_bkg + n_sig
    label = np.r_[np.zeros(n_bkg), np.ones(n_sig)]
    p = np.where(label == 1, rng.normal(1740, 40, n), rng.uniform(1200, 2200, n))
    m1 = np.where(label == 1, rng.normal(500, 10, n), rng.uniform(20, 300, n))
    m2 = np.where(label == 1, rng.normal(100, 5, n), rng.uniform(20, 300, n))
    tau1 = rng.uniform(0.2, 0.6, (n, 2))
    tau2 = tau1 * rng.uniform(0.1, 0.9, (n, 2))
    df = pd.DataFrame({
        "pxj1": p, "pyj1": np.zeros(n), "pzj1": np.zeros(n), "mj1": m1,
        "tau1j1": tau1[:, 0], "tau2j1": tau2[:, 0], "tau3j1": 0.5 * tau2[:, 0],
        "pxj2": -p, "pyj2": np.zeros(n), "pzj2": np.zeros(n), "mj2": m2,
        "tau1j2": tau1[:, 1], "tau2j2": tau2[:, 1], "tau3j2": 0.5 * tau2[:, 1],
        "label": label,
    })[list(LHCO_COLUMNS)]
    df.to_hdf(path, key="df", mode="w", **to_hdf)
    return df


@pytest.fixture(scope="module")
def lhco_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lhco") / "events_anomalydetection_v2.features.h5"
    return path, _write_lhco(path)


# ------------------------------------------------------------------------------ generator


def test_trigger_and_features_on_hand_made_events():
    # two back-to-back single-particle "jets" at eta 0: mjj = 2 pT, massless, tau21 = 0
    hard = np.array([_particle(1300, 0, 0), _particle(1300, 0, np.pi)])
    soft = np.array([_particle(TRIGGER_PT_GEV - 100, 0, 0), _particle(1000, 0, np.pi)])
    # one jet of two massive halves (mass 500 GeV), recoiling against a 100 GeV-mass jet
    fat = np.array([_particle(700, 0.2, 0, 10), _particle(700, -0.2, 0.3, 10),
                    _particle(1350, 0, np.pi, 100)])
    out = dijet_features([hard, soft, fat])
    assert out.shape == (2, len(FEATURES))  # the soft event fails the trigger
    mjj, mj_min, delta_mj, t21_light, t21_heavy = out[0]
    assert mjj == pytest.approx(2.6, rel=1e-9)
    assert mj_min == pytest.approx(0.0, abs=1e-6) and delta_mj == pytest.approx(0, abs=1e-6)
    assert t21_light == 0.0 and t21_heavy == 0.0
    fat_light, fat_heavy = out[1, 1], out[1, 1] + out[1, 2]
    assert fat_light == pytest.approx(0.1, rel=1e-6)  # the single massive particle
    assert 0.15 < fat_heavy < 0.4
    assert out[1, 4] == pytest.approx(0.0, abs=1e-9)  # two prongs: tau2 = 0


def test_jet_smearing_changes_masses_not_tau21():
    event = np.array([_particle(700, 0.2, 0, 10), _particle(700, -0.2, 0.3, 10),
                      _particle(1350, 0, np.pi, 100)])
    plain = dijet_features([event])
    smeared = dijet_features([event], jet_smearing=0.1, rng=np.random.default_rng(1))
    assert not np.allclose(plain[:, :3], smeared[:, :3])
    np.testing.assert_allclose(plain[:, 3:], smeared[:, 3:])
    with pytest.raises(ValueError, match="rng"):
        dijet_features([event], jet_smearing=0.1)


def test_shard_is_reproducible_by_seed():
    a = run_shard("signal", shard=0, seed=11, keep=4, batch=5)
    b = run_shard("signal", shard=0, seed=11, keep=4, batch=3)
    np.testing.assert_array_equal(a.features, b.features)  # batching does not matter
    assert a.pythia_seed == b.pythia_seed and a.generated >= a.passed >= 4
    assert len({shard_seed(11, "background", 1), shard_seed(12, "background", 0),
                shard_seed(11, "background", 0), a.pythia_seed}) == 4


@pytest.mark.parametrize("kwargs", [{"events": 0}, {"events": 5, "workers": 0},
                                    {"events": 5, "signal_events": -1}])
def test_generate_rejects_bad_counts(tmp_path, kwargs):
    with pytest.raises(ValueError):
        Dijets.generate(tmp_path, progress=False, **kwargs)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    path = Dijets.generate(out, events=40, signal_events=40, workers=2, seed=5, progress=False)
    return pd.read_parquet(path), json.loads((out / PROVENANCE_FILE).read_text())


def test_generated_file_layout_and_provenance(generated):
    df, prov = generated
    assert list(df.columns) == [*FEATURES, "label"]
    assert all(df[c].dtype == np.float32 for c in FEATURES)
    assert (df.label == 0).sum() == 40 and (df.label == 1).sum() == 40
    for process in ("background", "signal"):
        counts = prov["counts"][process]
        assert counts["kept"] == 40
        assert counts["generated"] >= counts["passed_trigger"] >= 40
        assert counts["trigger_efficiency"] == counts["passed_trigger"] / counts["generated"]
        assert "Print:quiet = on" in counts["pythia_config"]
    assert "PhaseSpace:pTHatMin = 1000." in prov["counts"]["background"]["pythia_config"]
    assert "34:m0 = 3500." in prov["counts"]["signal"]["pythia_config"]
    assert prov["versions"]["pythia8mc"] == "8.317.2" and prov["seed"] == 5


def test_sample_depends_on_seed_not_on_executor(generated, tmp_path):
    df, _ = generated
    with ThreadPoolExecutor(max_workers=2) as pool:
        path = Dijets.generate(tmp_path, events=40, signal_events=40, seed=5, executor=pool,
                               progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(path), df)


def test_generated_physics(generated):
    df, _ = generated
    X = df[list(FEATURES)].to_numpy()
    assert np.isfinite(X).all()
    assert (df.mjj > 1.2).all()  # a > 1.2 TeV jet plus a second one
    assert (df.mj_min > 0).all() and (df.delta_mj >= 0).all()
    assert ((df.tau21_lighter >= 0) & (df.tau21_lighter < 1.5)).all()
    assert ((df.tau21_heavier >= 0) & (df.tau21_heavier < 1.5)).all()
    sig, bkg = df[df.label == 1], df[df.label == 0]
    assert SR_LOW < sig.mjj.median() < SR_HIGH  # the 3.5 TeV W' peak
    heavy = sig.mj_min + sig.delta_mj
    assert 0.4 < heavy.median() < 0.6  # the 500 GeV X
    assert (bkg.mj_min + bkg.delta_mj).median() < 0.3
    # two-prong signal jets are more two-prong than QCD jets
    assert sig.tau21_heavier.median() < bkg.tau21_heavier.median()


# ------------------------------------------------------------------------------ LHCO loader


def test_lhco_features_from_four_momenta(lhco_file):
    path, df = lhco_file
    X, y = read_lhco(path)
    e1 = np.sqrt(df.pxj1**2 + df.mj1**2)
    e2 = np.sqrt(df.pxj2**2 + df.mj2**2)
    np.testing.assert_allclose(X[:, 0], (e1 + e2) / 1000, rtol=1e-12)  # back to back, pz = 0
    m = np.column_stack([df.mj1, df.mj2]) / 1000
    np.testing.assert_allclose(X[:, 1], m.min(axis=1))
    np.testing.assert_allclose(X[:, 2], m.max(axis=1) - m.min(axis=1))
    t21 = np.column_stack([df.tau2j1 / df.tau1j1, df.tau2j2 / df.tau1j2])
    light = np.argmin(m, axis=1)
    rows = np.arange(len(df))
    np.testing.assert_allclose(X[:, 3], t21[rows, light])
    np.testing.assert_allclose(X[:, 4], t21[rows, 1 - light])
    np.testing.assert_array_equal(y, df.label.to_numpy())


def test_lhco_file_loads_through_the_dataset(lhco_file):
    path, _ = lhco_file
    split = Dijets(source=str(path), n_signal_test=50).load(seed=0)
    assert split.feature_names == SUBSTRUCTURE and split.context_names == ("mjj",)
    assert split.provenance["sha256"] and split.provenance["source"] == str(path)
    assert int(split.y_test.sum()) == 50
    ctx = split.context_test[:, 0]
    assert ((ctx > SR_LOW) & (ctx < SR_HIGH)).all()
    assert set(np.unique(split.labelled.y)) == {0, 1}


def test_lhco_extra_string_column_is_ignored(tmp_path):
    path = tmp_path / "extra.h5"
    df = _write_lhco(path)
    df.assign(comment="x").to_hdf(path, key="df", mode="w")
    X, _ = read_lhco(path)
    assert len(X) == len(df)


@pytest.mark.parametrize("case, message", [
    ("garbage", "neither Parquet nor HDF5"),
    ("missing_column", "missing column(s) tau2j2"),
    ("nan", "NaN"),
    ("table_format", "'table' format is not supported"),
    ("bad_label", "must be 0 or 1"),
    ("absent", "not found"),
])
def test_bad_files_raise_data_error(tmp_path, case, message):
    path = tmp_path / "events.h5"
    if case == "garbage":
        path.write_bytes(b"this is not an event file\n" * 10)
    elif case == "table_format":
        _write_lhco(path, format="table")
    elif case != "absent":
        df = _write_lhco(path)
        if case == "missing_column":
            df = df.drop(columns="tau2j2")
        elif case == "nan":
            df.loc[7, "mj1"] = np.nan
        elif case == "bad_label":
            df.loc[3, "label"] = 2
        df.to_hdf(path, key="df", mode="w")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Dijets(source=str(path)).load(seed=0)


def test_parquet_missing_column_is_named(tmp_path):
    path = tmp_path / "dijets.parquet"
    pq.write_table(pa.table({f: np.ones(3) for f in FEATURES if f != "delta_mj"}), path)
    with pytest.raises(DataError, match="missing column\\(s\\) delta_mj, label"):
        Dijets(source=str(tmp_path)).load(seed=0)


@pytest.mark.parametrize("params", [
    {"n_signal_test": 0}, {"test_fraction": 1.0}, {"test_fraction": 0.6, "labelled_fraction": 0.4},
    {"format": "root"}, {"nonsense": 1},
])
def test_bad_parameters(params):
    with pytest.raises(ParameterError):
        Dijets.create(**params)


def test_too_many_test_signals_is_a_clear_error(lhco_file):
    path, _ = lhco_file
    with pytest.raises(ParameterError, match="n_signal_test=100000"):
        Dijets(source=str(path), n_signal_test=100_000).load(seed=0)


# ------------------------------------------------------------------------------ the task


@pytest.fixture(scope="module")
def committed():
    if not committed_sample().is_file():
        pytest.fail(f"committed sample missing at {committed_sample()}")
    data = pd.read_parquet(committed_sample())
    return data, Dijets().load(seed=0)


def test_committed_sample_size_and_provenance(committed):
    data, split = committed
    assert (data.label == 0).sum() >= 60_000 and (data.label == 1).sum() >= 6_000
    gen = split.provenance["generator"]
    assert gen["counts"]["background"]["kept"] == int((data.label == 0).sum())
    assert split.provenance["committed_sample"] is True


def test_split_protocol(committed):
    data, split = committed
    signal = data[data.label == 1]
    signal_rows = _rows(signal[list(SUBSTRUCTURE)].to_numpy(np.float32).astype(np.float64),
                        signal[["mjj"]].to_numpy(np.float32).astype(np.float64))
    train = _rows(split.X_train, split.context_train)
    test = _rows(split.X_test, split.context_test)
    labelled = _rows(split.labelled.X, split.labelled.context)
    assert not train & signal_rows  # reference-only training
    assert not train & test and not train & labelled and not test & labelled
    ctx = split.context_train[:, 0]
    assert (ctx < SR_LOW).any() and (ctx > SR_HIGH).any()  # trained across all mjj
    test_mjj = split.context_test[:, 0]
    assert ((test_mjj > SR_LOW) & (test_mjj < SR_HIGH)).all()
    assert int(split.y_test.sum()) == 1000 and (split.y_test == 0).sum() >= 1000
    assert split.provenance["split"]["test_background"] == (split.y_test == 0).sum()


def test_split_deterministic_by_seed(committed):
    _, split = committed
    again = Dijets().load(seed=0)
    other = Dijets().load(seed=1)
    np.testing.assert_array_equal(split.X_train, again.X_train)
    np.testing.assert_array_equal(split.X_test, again.X_test)
    np.testing.assert_array_equal(split.labelled.X, again.labelled.X)
    assert not np.array_equal(split.X_test, other.X_test)


def test_conformance():
    check_dataset(Dijets)
    check_dataset(Dijets, {"n_signal_test": 200, "test_fraction": 0.3})


def test_registered_through_entry_point():
    assert get_registry().datasets["dijets"] is Dijets

