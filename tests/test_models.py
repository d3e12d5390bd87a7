"""Fit once, score later from the CLI: `ocbench model fit` then `ocbench model score`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oneclass_bench.cli.app import main

FAST_FLUX = ["--param", "fluxmut.max_epochs=3", "--param", "fluxmut.n_samples=64",
             "--param", "fluxmut.grid_size=8"]


def test_fit_save_then_score_a_csv(capsys, tmp_path):
    model = tmp_path / "model"
    assert main(["model", "fit", "-d", "fluxmut", "-D", "iris", "--seed", "1", "--out",
                 str(model), *FAST_FLUX]) == 0
    from ocbench_tabular.sklearn_real import Iris

    split = Iris().load(1)
    table = pd.DataFrame(split.X_test, columns=split.feature_names)
    table.to_csv(tmp_path / "new.csv", index=False)
    capsys.readouterr()
    assert main(["model", "score", str(model), "-i", str(tmp_path / "new.csv"), "--q", "0.9",
                 "-o", str(tmp_path / "scores.csv")]) == 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["score", "accepted"] and len(scores) == len(table)
    # the saved model ranks the anomalies of its training task
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(split.y_test, scores["score"]) > 0.9
    # and scores again identically
    assert main(["model", "score", str(model), "-i", str(tmp_path / "new.csv")]) == 0
    again = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    np.testing.assert_array_equal(again["score"], scores["score"])


@pytest.mark.parametrize("args,message", [
    (["model", "fit", "-d", "iforest", "-D", "iris", "--out", "X"], "cannot be saved"),
    (["model", "score", "/nonexistent", "-i", "x.csv"], "input file x.csv not found"),
])
def test_model_errors_are_one_line(capsys, args, message):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_missing_columns_are_named(capsys, tmp_path):
    model = tmp_path / "model"
    assert main(["model", "fit", "-d", "fluxmut", "-D", "iris", "--out", str(model),
                 *FAST_FLUX]) == 0
    pd.DataFrame({"sepal length (cm)": [1.0]}).to_csv(tmp_path / "bad.csv", index=False)
    assert main(["model", "score", str(model), "-i", str(tmp_path / "bad.csv")]) == 2
    assert "input lacks column(s) sepal width (cm)" in capsys.readouterr().err
