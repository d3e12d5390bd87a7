"""Tabular suites: conformance, the one-class protocol, user files and planted anomalies."""

import hashlib

import numpy as np
import pytest
import scipy.io
from sklearn.datasets import load_breast_cancer, load_digits

from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.plugins import get_registry
from oneclass_bench.testing import check_dataset

REGISTRY = get_registry()
TABULAR = sorted(n for (kind, n), who in REGISTRY.providers.items()
                 if kind == "dataset" and who == "tabular")
FILE_BASED = {"odds", "adbench"}
PLANTED = ["adbench-local", "adbench-global", "adbench-dependency", "adbench-clustered"]


def labelled_data(seed=0, n_ref=60, n_anom=12, d=5):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(n_ref, d)), rng.normal(4.0, 1.0, size=(n_anom, d))])
    return X, np.r_[np.zeros(n_ref), np.ones(n_anom)]


def write_mat_v73(path, X, y):
    """A MATLAB v7.3 file: HDF5 behind a 512-byte MATLAB header, arrays column-major."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w", userblock_size=512) as f:
        f["X"], f["y"] = X.T, y[None, :]
    header = b"MATLAB 7.3 MAT-file, written by the test".ljust(116) + b"\0" * 8 + b"\x00\x02IM"
    with open(path, "r+b") as f:
        f.write(header)


def test_registers_the_suites():
    expected = {"breast_cancer", "wine", "iris", *PLANTED, *FILE_BASED,
                *(f"digits-{d}" for d in range(10))}
    assert set(TABULAR) == expected


@pytest.mark.parametrize("name", [n for n in TABULAR if n not in FILE_BASED])
def test_conformance(name):
    check_dataset(REGISTRY.dataset(name))


@pytest.mark.parametrize("name", [n for n in TABULAR if n not in FILE_BASED])
def test_float64_metrics_provenance_and_seed(name):
    ds = REGISTRY.dataset(name)()
    a, b = ds.load(0), ds.load(1)
    assert a.X_train.dtype == np.float64 and a.X_test.dtype == np.float64
    assert ds.metrics == ("auroc", "auprc")
    assert a.provenance["seed"] == 0 and a.provenance["params"] == ds.get_params()
    assert not np.array_equal(a.X_train, b.X_train)


def test_breast_cancer_trains_on_benign_only():
    data = load_breast_cancer()
    benign = {r.tobytes() for r in data.data[data.target == 1]}
    split = REGISTRY.dataset("breast_cancer")().load(0)
    assert all(r.tobytes() in benign for r in split.X_train)
    n_benign, n_malignant = len(benign), int((data.target == 0).sum())
    assert len(split.X_train) == n_benign - round(0.3 * n_benign)
    assert int(split.y_test.sum()) == n_malignant
    assert split.provenance["reference"] == "benign"
    assert split.feature_names == tuple(data.feature_names)


@pytest.mark.parametrize("digit", [0, 7])
def test_digits_reference_is_the_named_digit(digit):
    data = load_digits()
    own = {r.tobytes() for r in data.data[data.target == digit]}
    split = REGISTRY.dataset(f"digits-{digit}")().load(0)
    assert all(r.tobytes() in own for r in split.X_train)
    assert (split.y_test == 0).sum() + len(split.X_train) == len(own)


def test_reference_class_and_test_fraction_are_checked():
    with pytest.raises(ParameterError, match="reference_class must be one of"):
        REGISTRY.dataset("wine")(reference_class=5).load(0)
    with pytest.raises(ParameterError, match="test_fraction"):
        REGISTRY.dataset("iris")(test_fraction=1.5).load(0)
    split = REGISTRY.dataset("iris")(reference_class=2, test_fraction=0.5).load(0)
    assert len(split.X_train) == 25 and split.provenance["reference"] == "virginica"


# ------------------------------------------------------------------------------ user files


@pytest.fixture
def odds_file(tmp_path):
    X, y = labelled_data()
    scipy.io.savemat(tmp_path / "toy.mat", {"X": X, "y": y[:, None]})
    return tmp_path / "toy.mat"


@pytest.fixture
def adbench_file(tmp_path):
    X, y = labelled_data()
    np.savez(tmp_path / "toy.npz", X=X, y=y)
    return tmp_path / "toy.npz"


@pytest.mark.parametrize("name, fixture", [("odds", "odds_file"), ("adbench", "adbench_file")])
def test_user_file_conformance_and_protocol(name, fixture, request):
    path = request.getfixturevalue(fixture)
    params = {"file": "toy", "data_dir": str(path.parent)}
    check_dataset(REGISTRY.dataset(name), params)
    split = REGISTRY.dataset(name)(**params).load(0)
    assert split.X_train.shape == (42, 5) and len(split.X_test) == 18 + 12
    assert int(split.y_test.sum()) == 12
    assert split.provenance["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert split.provenance["file"] == str(path)


def test_odds_mat_v73_reads_through_h5py(tmp_path):
    X, y = labelled_data()
    write_mat_v73(tmp_path / "big.mat", X, y)
    split = REGISTRY.dataset("odds")(file="big.mat", data_dir=str(tmp_path)).load(0)
    reference = {r.tobytes() for r in X[y == 0]}
    assert split.X_train.shape == (42, 5)
    assert all(r.tobytes() in reference for r in split.X_train)


def test_data_dir_defaults_to_the_environment(adbench_file, monkeypatch):
    monkeypatch.setenv("OCBENCH_DATA_DIR", str(adbench_file.parent))
    assert REGISTRY.dataset("adbench")(file="toy.npz").load(0).provenance["file"] == str(
        adbench_file)


@pytest.mark.parametrize("name, suffix", [("odds", ".mat"), ("adbench", ".npz")])
def test_missing_file_says_where_to_put_it(name, suffix, tmp_path):
    with pytest.raises(DataError) as err:
        REGISTRY.dataset(name)(file="cardio", data_dir=str(tmp_path)).load(0)
    assert str(tmp_path / f"cardio{suffix}") in str(err.value)
    assert "Put the" in str(err.value)


def test_missing_file_name_is_a_parameter_error():
    with pytest.raises(ParameterError, match="file"):
        REGISTRY.dataset("odds")().load(0)


def _bad(tmp_path, **arrays):
    np.savez(tmp_path / "bad.npz", **arrays)
    return REGISTRY.dataset("adbench")(file="bad", data_dir=str(tmp_path))


@pytest.mark.parametrize("arrays, message", [
    ({"X": np.zeros((4, 2))}, "no array named y"),
    ({"y": np.zeros(4)}, "no array named X"),
    ({"X": np.zeros((4, 2)), "y": np.zeros(3)}, r"y has shape \(3,\)"),
    ({"X": np.zeros((2, 2, 2)), "y": np.zeros(2)}, "expected a 2-D array"),
    ({"X": np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 2.0]]), "y": np.array([0, 0, 1])},
     "NaN/inf value"),
    ({"X": np.zeros((3, 2)), "y": np.array([0, 2, 1])}, r"found \[0.0, 1.0, 2.0\]"),
    ({"X": np.zeros((3, 2)), "y": np.zeros(3)}, "needs both reference"),
    ({"X": np.array([[1], ["a"]], dtype=object), "y": np.array([0, 1])}, "not a readable"),
])
def test_malformed_npz_names_the_problem(tmp_path, arrays, message):
    with pytest.raises(DataError, match=message):
        _bad(tmp_path, **arrays).load(0)


def test_malformed_mat_names_the_problem(tmp_path):
    scipy.io.savemat(tmp_path / "nolabels.mat", {"X": np.zeros((4, 2))})
    with pytest.raises(DataError, match="no array named y"):
        REGISTRY.dataset("odds")(file="nolabels", data_dir=str(tmp_path)).load(0)
    (tmp_path / "junk.mat").write_bytes(b"not a mat file" * 20)
    with pytest.raises(DataError, match="not a readable .mat file"):
        REGISTRY.dataset("odds")(file="junk", data_dir=str(tmp_path)).load(0)


# ----------------------------------------------------------------------- planted anomalies


def planted(name, **params):
    split = REGISTRY.dataset(name)(**params).load(0)
    return split.X_train, split.X_test[split.y_test == 0], split.X_test[split.y_test == 1]


def test_planted_sizes_and_params():
    train, ref, anom = planted("adbench-local", n_reference=200, n_anomalies=20)
    assert (len(train), len(ref), len(anom)) == (140, 60, 20)
    with pytest.raises(ParameterError, match="base must be one of"):
        REGISTRY.dataset("adbench-global")(base="mnist").load(0)


def test_global_anomalies_leave_the_reference_range():
    train, ref, anom = planted("adbench-global")
    lo, hi = train.min(axis=0), train.max(axis=0)

    def outside(X):
        return ((X < lo) | (X > hi)).any(axis=1).mean()

    assert outside(anom) > 0.5 > 0.1 > outside(ref)


def test_local_anomalies_are_wider_around_the_same_centre():
    train, ref, anom = planted("adbench-local", n_anomalies=400)
    spread = anom.var(axis=0).sum() / train.var(axis=0).sum()
    assert 3.5 < spread < 6.5  # covariances x 5
    assert np.linalg.norm(anom.mean(axis=0) - train.mean(axis=0)) < 0.5 * np.sqrt(
        anom.var(axis=0).sum())


def test_clustered_anomalies_form_a_distant_cluster():
    train, ref, anom = planted("adbench-clustered")
    shift = np.linalg.norm(anom.mean(axis=0) - train.mean(axis=0))
    width = np.sqrt(train.var(axis=0).sum())
    assert shift > 5 * width
    assert anom.var(axis=0).sum() < 2 * train.var(axis=0).sum()


def test_dependency_anomalies_keep_marginals_but_lose_correlation():
    train, ref, anom = planted("adbench-dependency", n_anomalies=400)
    off = ~np.eye(train.shape[1], dtype=bool)
    corr_train = np.abs(np.corrcoef(train, rowvar=False)[off]).mean()
    corr_anom = np.abs(np.corrcoef(anom, rowvar=False)[off]).mean()
    assert corr_train > 0.25 and corr_anom < 0.1
    np.testing.assert_allclose(np.median(anom, axis=0), np.median(train, axis=0), atol=0.3)
    np.testing.assert_allclose(anom.std(axis=0), train.std(axis=0), rtol=0.25)
