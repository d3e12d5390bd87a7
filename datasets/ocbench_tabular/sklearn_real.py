"""Real datasets bundled with scikit-learn (``load_*``: offline) under the one-class protocol.

One class is the reference; every other class is an anomaly and appears in the test set only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import sklearn
import sklearn.datasets
from sklearn.utils import Bunch

from ocbench_tabular.protocol import one_class_split
from oneclass_bench.base import Dataset, Split
from oneclass_bench.errors import ParameterError


class SklearnDataset(Dataset):
    """Base: ``loader`` names the ``sklearn.datasets`` function; subclasses pick the reference."""

    metrics = ("auroc", "auprc")
    loader: ClassVar[str] = ""

    def __init__(self, test_fraction: float = 0.3):
        self.test_fraction = test_fraction

    def reference_label(self, data: Bunch) -> int:
        raise NotImplementedError

    def reference_and_anomalies(self) -> tuple[np.ndarray, np.ndarray, tuple[str, ...],
                                              dict[str, Any]]:
        """Rows of the reference class, rows of all other classes, feature names, provenance."""
        data = getattr(sklearn.datasets, self.loader)()
        label = self.reference_label(data)
        is_ref = data.target == label
        provenance = {
            "source": f"sklearn.datasets.{self.loader}",
            "sklearn_version": sklearn.__version__,
            "reference": str(data.target_names[label]),
            "params": self.get_params(),
        }
        names = tuple(str(f) for f in data.feature_names)
        return data.data[is_ref], data.data[~is_ref], names, provenance

    def load(self, seed: int) -> Split:
        X_ref, X_anom, names, provenance = self.reference_and_anomalies()
        return one_class_split(X_ref, X_anom, seed, self.test_fraction, names,
                               {"dataset": self.name, **provenance})


class BreastCancer(SklearnDataset):
    """Wisconsin breast cancer: benign tumours are the reference, malignant ones anomalies."""

    name = "breast_cancer"
    loader = "load_breast_cancer"

    def reference_label(self, data: Bunch) -> int:
        return list(data.target_names).index("benign")


class _ChosenClass(SklearnDataset):
    """Multi-class data: ``reference_class`` is the reference, all other classes anomalies."""

    def __init__(self, reference_class: int = 0, test_fraction: float = 0.3):
        self.reference_class = reference_class
        self.test_fraction = test_fraction

    def reference_label(self, data: Bunch) -> int:
        classes = np.unique(data.target).tolist()
        if self.reference_class not in classes:
            raise ParameterError(
                f"{self.name}: reference_class must be one of {classes}, "
                f"got {self.reference_class!r}"
            )
        return int(self.reference_class)


class Wine(_ChosenClass):
    name = "wine"
    loader = "load_wine"


class Iris(_ChosenClass):
    name = "iris"
    loader = "load_iris"


class _Digits(SklearnDataset):
    """8x8 handwritten digits: ``reference_digit`` is the reference, the other nine anomalies."""

    loader = "load_digits"
    reference_digit: ClassVar[int]

    def reference_label(self, data: Bunch) -> int:
        return self.reference_digit


# One registered dataset per digit, so that a table row names the task by itself.
DIGITS: list[type[_Digits]] = [
    type(f"Digits{d}", (_Digits,), {"name": f"digits-{d}", "reference_digit": d,
                                     "__module__": __name__})
    for d in range(10)
]


DATASETS: tuple[type[SklearnDataset], ...] = (BreastCancer, Wine, Iris, *DIGITS)
