"""The ``showers`` dataset: simulation, features, loaders, task difficulty."""

from __future__ import annotations

import concurrent.futures as cf
import json

import numpy as np
import pandas as pd
import pytest
from ocbench_showers import dataset as dataset_module
from ocbench_showers import deposition, geometry, simulation
from ocbench_showers.dataset import Showers, sample_frame
from ocbench_showers.features import CONTEXT_NAMES, FEATURE_NAMES, shower_features
from ocbench_showers.loaders import load_table, parse_mapping
from sklearn.ensemble import HistGradientBoostingClassifier

from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.testing import check_dataset

SMALL = {"n_train": 1500, "n_test": 1500, "n_calib": 500, "n_labelled": 1000}


@pytest.fixture(scope="module")
def sample() -> simulation.ShowerSample:
    return simulation.simulate(np.random.default_rng(11), 3000, 3000)


@pytest.fixture(scope="module")
def frame(sample) -> pd.DataFrame:
    return sample_frame(sample)


def test_geometry_like_gluex():
    assert 2700 < geometry.n_blocks() < 2900
    assert not geometry.block_exists(np.array([0, 1]), np.array([0, -1])).any()  # beam hole
    assert geometry.block_exists(np.array([2]), np.array([0]))[0]


def test_radial_profile_integral_matches_sampling():
    """The closed-form block integral equals a Monte Carlo of the GFlash radial form."""
    rng = np.random.default_rng(0)
    comp = deposition.Components(np.ones((1, 1)), np.array([[1.3]]), np.array([[-0.7]]),
                                 np.array([[2.5]]))
    exact = deposition.block_fractions(comp)[0]
    u = rng.uniform(size=400_000)
    r = 2.5 * np.sqrt(u / (1 - u))  # inverse CDF of 2 r R^2 / (r^2 + R^2)^2
    phi = rng.uniform(0, 2 * np.pi, u.size)
    edges = deposition.WINDOW_EDGES_CM
    hist, _, _ = np.histogram2d(1.3 + r * np.cos(phi), -0.7 + r * np.sin(phi), [edges, edges])
    np.testing.assert_allclose(exact, hist / u.size, atol=2e-3)
    assert 0.95 < exact.sum() < 1.0  # the rest lies outside the window


def test_energy_conservation_of_the_deposition():
    rng = np.random.default_rng(1)
    dep = simulation.deposit(rng, simulation.PHOTON, 4000)
    total = dep.deposited.sum(axis=(1, 2))
    assert np.all(total <= dep.energy * (1 + 1e-9))
    assert np.all(dep.contained <= 1 + 1e-6)
    # spots are shared among blocks and leakage: their sum matches the modelled containment
    spots = np.maximum(np.rint(deposition.SPOT_N1 * np.log(geometry.Z_EFF)
                               * dep.energy ** deposition.SPOT_N2), deposition.MIN_SPOTS)
    c = np.clip(dep.contained, 1e-9, 1 - 1e-9)
    pull = (total / dep.energy - c) / np.sqrt(c * (1 - c) / spots)
    assert abs(pull.mean()) < 0.1 and 0.8 < pull.std() < 1.2
    # far from edges and hole a photon is ~fully contained (14.5 X0 deep, 9 x 9 window)
    assert np.median(dep.contained) > 0.9


def test_energy_scale_and_resolution_of_photons():
    sh = simulation.simulate_kind(np.random.default_rng(2), simulation.PHOTON, 3000)
    _, context = shower_features(sh.blocks, sh.x, sh.y)
    ratio = context[:, 0] / sh.true_energy
    high = sh.true_energy > 2.0
    assert 0.8 < np.median(ratio[high]) < 1.0
    assert np.std(ratio[high]) < 0.1


def test_feature_ranges(frame):
    X = frame[list(FEATURE_NAMES)].to_numpy()
    assert np.isfinite(X).all()
    e1_e9, e9_e25, s_long, s_trans, n_blocks, max_frac = X.T
    assert np.all((e1_e9 > 0) & (e1_e9 <= 1))
    assert np.all((e9_e25 > 0) & (e9_e25 <= 1))
    assert np.all(s_long >= 0) and np.all(s_trans >= 0)
    assert np.all((n_blocks >= simulation.MIN_CLUSTER_BLOCKS) & (n_blocks <= 49))
    assert np.all((max_frac > 0) & (max_frac <= 1))
    assert np.all(frame["energy"] >= simulation.MIN_CLUSTER_GEV)
    assert frame["radius"].between(0, geometry.OUTER_RADIUS_CM).all()


def test_photons_differ_from_non_photons_in_the_expected_direction(frame):
    photon = frame[frame.label == 0]
    other = frame[frame.label == 1]
    hadronic = frame[frame.kind.isin(["hadronic", "splitoff"])]
    assert photon.e1_e9.mean() > other.e1_e9.mean()  # compact core
    assert photon.e9_e25.mean() > hadronic.e9_e25.mean()  # little energy outside 3 x 3
    assert photon.sigma2_trans.mean() < hadronic.sigma2_trans.mean()  # narrow across
    assert photon.sigma2_long.mean() < hadronic.sigma2_long.mean()
    assert photon.energy.median() > other.energy.median()  # non-photons are soft


def test_same_seed_same_split_and_other_seed_differs():
    a, b = Showers(**SMALL).load(3), Showers(**SMALL).load(3)
    for attr in ("X_train", "X_test", "y_test", "context_test", "X_calib"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    np.testing.assert_array_equal(a.labelled.X, b.labelled.X)
    assert not np.array_equal(a.X_train, Showers(**SMALL).load(4).X_train)


def test_split_layout():
    split = Showers(**SMALL, anomaly_fraction=0.3).load(0)
    assert split.feature_names == FEATURE_NAMES and split.context_names == CONTEXT_NAMES
    assert split.X_train.shape == (1500, 6) and split.X_calib.shape == (500, 6)
    assert split.y_test.mean() == pytest.approx(0.3)
    assert set(np.unique(split.labelled.y)) == {0, 1}
    assert split.provenance["generator"] == "ocbench_showers.simulation"
    assert Showers.quantiles == (0.9, 0.95)


def test_conformance_simulated():
    check_dataset(Showers, SMALL)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="anomaly_fraction"):
        Showers.create(anomaly_fraction=1.5)
    with pytest.raises(ParameterError, match="unknown non-photon kind"):
        Showers.create(mixture="pion:1")
    split = Showers(**SMALL, mixture="mip:1").load(0)
    assert split.y_test.sum() > 0


# ----------------------------------------------------------------------------- loaders


def test_csv_feature_columns_with_mapping(tmp_path, frame):
    df = frame[list(FEATURE_NAMES + CONTEXT_NAMES) + ["label"]].rename(
        columns={"e1_e9": "E1E9", "label": "is_splitoff"})
    path = tmp_path / "showers.csv"
    df.to_csv(path, index=False)
    X, context, y = load_table(path, columns="E1E9:e1_e9, is_splitoff:label")
    np.testing.assert_allclose(X, frame[list(FEATURE_NAMES)].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(context, frame[list(CONTEXT_NAMES)].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(y, frame.label.to_numpy())
    json_map = tmp_path / "map.json"
    json_map.write_text(json.dumps({"E1E9": "e1_e9", "is_splitoff": "label"}))
    np.testing.assert_array_equal(load_table(path, columns=str(json_map))[0], X)


def test_parquet_block_level_gives_the_simulation_features(tmp_path, frame):
    blocks = [f"b{i}" for i in range(49)]
    path = tmp_path / "blocks.parquet"
    frame[blocks + ["x", "y", "label"]].to_parquet(path)
    X, context, _ = load_table(path)
    np.testing.assert_allclose(X, frame[list(FEATURE_NAMES)].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(context, frame[list(CONTEXT_NAMES)].to_numpy(), rtol=1e-12)


def test_root_ttree_with_array_branch(tmp_path, frame):
    uproot = pytest.importorskip("uproot")
    blocks = frame[[f"b{i}" for i in range(49)]].to_numpy()
    path = tmp_path / "showers.root"
    with uproot.recreate(path) as f:
        f.mktree("fcal", {"b": ("float64", (49,)), "xc": "float64", "y": "float64",
                          "label": "int32"})
        f["fcal"].extend({"b": blocks, "xc": frame.x.to_numpy(), "y": frame.y.to_numpy(),
                          "label": frame.label.to_numpy().astype(np.int32)})
    X, _, y = load_table(path, columns="xc:x")
    np.testing.assert_allclose(X, frame[list(FEATURE_NAMES)].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(y, frame.label.to_numpy())
    with pytest.raises(DataError, match="no tree named 'nope'"):
        load_table(path, tree="nope")


def test_root_rntuple_written_by_plain_assignment(tmp_path, frame):
    uproot = pytest.importorskip("uproot")
    cols = list(FEATURE_NAMES + CONTEXT_NAMES) + ["label"]
    path = tmp_path / "features.root"
    with uproot.recreate(path) as f:
        f["tree"] = {c: frame[c].to_numpy() for c in cols}
    X, _, y = load_table(path)
    np.testing.assert_allclose(X, frame[list(FEATURE_NAMES)].to_numpy(), rtol=1e-12)
    assert y.sum() == frame.label.sum()


def test_loader_errors(tmp_path, frame):
    cols = list(FEATURE_NAMES + CONTEXT_NAMES) + ["label"]
    path = tmp_path / "t.csv"
    frame[cols].drop(columns=["sigma2_trans", "radius"]).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing feature column.*sigma2_trans, radius"):
        load_table(path)
    bad = frame[cols].copy()
    bad.loc[7, "e9_e25"] = np.nan
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match="column 'e9_e25' has 1 NaN.*row 7"):
        load_table(path)
    bad = frame[cols].copy()
    bad.loc[3, "label"] = 2
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match="0 \\(photon\\) or 1"):
        load_table(path)
    frame[cols].drop(columns=["label"]).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing label column"):
        load_table(path)
    with pytest.raises(DataError, match="mapped column.*nothere"):
        load_table(path, columns="nothere:label")
    with pytest.raises(DataError, match="not found.*showers.source"):
        load_table(tmp_path / "absent.parquet")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(DataError, match="unknown file type"):
        load_table(tmp_path / "t.txt")
    with pytest.raises(ParameterError, match="expected file_col:name"):
        parse_mapping("a-b")
    with pytest.raises(DataError, match="negative block energies, first row 1"):
        shower_features(np.stack([np.ones((5, 5)), -np.ones((5, 5))]), [0, 0], [0, 0])
    with pytest.raises(DataError, match="empty centre block"):
        shower_features(np.ones((2, 5, 5)) * np.pad([[0.0]], 2, constant_values=1.0), [0, 0],
                        [0, 0])


def test_dataset_from_file_passes_conformance(tmp_path, frame):
    path = tmp_path / "real.parquet"
    frame.to_parquet(path)
    check_dataset(Showers, {"source": str(path)})
    split = Showers(source=str(path)).load(0)
    assert len(split.provenance["sha256"]) == 64
    n_used = len(split.X_train) + len(split.X_calib) + len(split.X_test) + len(split.labelled.y)
    assert n_used == len(frame)


def test_generate_is_deterministic_across_executors(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset_module, "SHARD_SIZE", 150)
    serial = Showers.generate(tmp_path / "a", events=400, signal_events=250, seed=5,
                              progress=False)
    with cf.ThreadPoolExecutor(2) as pool:
        pooled = Showers.generate(tmp_path / "b", events=400, signal_events=250, seed=5,
                                  executor=pool, progress=False)
    a, b = pd.read_parquet(serial), pd.read_parquet(pooled)
    pd.testing.assert_frame_equal(a, b)
    assert (a.label == 0).sum() == 400 and (a.label == 1).sum() == 250
    prov = json.loads(serial.with_suffix(".json").read_text())
    assert prov["seed"] == 5 and prov["photons"] == 400 and len(prov["sha256"]) == 64
    split = Showers(source=str(serial)).load(0)
    assert split.X_train.shape[1] == len(FEATURE_NAMES)


# -------------------------------------------------------------------------- difficulty


def supervised_efficiency_at_rejection(rejection: float = 0.6, n: int = 8000) -> float:
    """Photon efficiency of a supervised classifier where it rejects ``rejection`` of the
    non-photons (the Barsotti & Shepherd working point), on independent train/test samples."""
    def features(seed):
        sh = simulation.simulate(np.random.default_rng(seed), n, n)
        X, context = shower_features(sh.blocks, sh.x, sh.y)
        return np.hstack([X, context]), (sh.kind != simulation.PHOTON).astype(int)

    X_fit, y_fit = features(100)
    X_eval, y_eval = features(101)
    clf = HistGradientBoostingClassifier(random_state=0).fit(X_fit, y_fit)
    p = clf.predict_proba(X_eval)[:, 1]
    cut = np.quantile(p[y_eval == 1], 1 - rejection)
    return float(np.mean(p[y_eval == 0] < cut))


def test_difficulty_matches_the_real_data_anchor():
    # anchor: ~85 % photon efficiency at 60 % rejection on GlueX data (arXiv:2002.09530)
    assert 0.75 <= supervised_efficiency_at_rejection() <= 0.95
