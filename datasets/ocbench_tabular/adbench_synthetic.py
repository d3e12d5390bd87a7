"""ADBench-style anomaly types planted on real reference data (Han et al., NeurIPS 2022).

The generators are fitted to the reference class of a bundled scikit-learn dataset (``base``),
standardized with its own mean and standard deviation; the task's reference samples are drawn
from the fitted generator, as in ADBench, so that anomalies differ from them only in the
planted way.

- ``adbench-local``, ``adbench-clustered``, ``adbench-global``: a full-covariance Gaussian
  mixture, its number of components chosen by BIC among 1..9 (ADBench) restricted to mixtures
  with fewer free parameters than samples (beyond that BIC rewards degenerate fits). Local
  anomalies come from the mixture with covariances x ``alpha`` (5), clustered ones from the
  mixture with component means x ``alpha`` (5), global ones uniform per feature in
  [``alpha`` x min, ``alpha`` x max] of the reference samples (``alpha`` 1.1). ADBench applies
  these factors to the raw features, so they scale about the origin of the original units; so
  do we (in standardized coordinates that point is -mean/std). Scaling about the standardized
  origin would leave a one-component mixture's mean, and so the clustered type, unchanged.
- ``adbench-dependency``: ADBench draws reference samples from a vine copula with KDE
  marginals and anomalies from independent per-feature KDEs. Simplified here: reference samples
  from a Gaussian copula with the empirical marginals, anomalies from the same marginals with
  the dependence removed (independent uniforms through each feature's empirical quantile
  function). Only the dependence separates the two.

Then the one-class protocol: ``n_reference`` reference samples split (1 - ``test_fraction``) /
``test_fraction`` into train / test, ``n_anomalies`` anomalies in the test set only (defaults:
700 train, 300 reference + 100 anomalies in test, an anomaly share of 25 %).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from sklearn.mixture import GaussianMixture

from ocbench_tabular.protocol import check_test_fraction, one_class_split
from ocbench_tabular.sklearn_real import BreastCancer, Iris, SklearnDataset, Wine
from oneclass_bench.base import Dataset, Split
from oneclass_bench.errors import ParameterError

#: real datasets whose reference class can serve as the base (with their default reference)
BASES: dict[str, type[SklearnDataset]] = {
    "breast_cancer": BreastCancer, "wine": Wine, "iris": Iris,
}
MAX_COMPONENTS = 9


class PlantedAnomalies(Dataset):
    """Base: subclasses implement ``plant`` (reference samples, anomalies) in standardized units."""

    metrics = ("auroc", "auprc")

    def __init__(self, base: str = "breast_cancer", n_reference: int = 1000,
                 n_anomalies: int = 100, test_fraction: float = 0.3):
        self.base = base
        self.n_reference = n_reference
        self.n_anomalies = n_anomalies
        self.test_fraction = test_fraction

    def plant(self, Z: np.ndarray, origin: np.ndarray, rng: np.random.Generator, seed: int
              ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Reference samples, anomalies and generator details fitted to standardized ``Z``.

        ``origin`` is the origin of the original units in standardized coordinates.
        """
        raise NotImplementedError

    def load(self, seed: int) -> Split:
        if self.base not in BASES:
            raise ParameterError(f"{self.name}: base must be one of {sorted(BASES)}, "
                                 f"got {self.base!r}")
        if self.n_reference < 2 or self.n_anomalies < 1:
            raise ParameterError(f"{self.name}: need n_reference >= 2 and n_anomalies >= 1")
        check_test_fraction(self.test_fraction)
        X, _, names, base_provenance = BASES[self.base]().reference_and_anomalies()
        mean, std = X.mean(axis=0), X.std(axis=0)
        std[std == 0] = 1.0
        # a stream of its own, so the split permutation does not reuse the generator's draws
        rng = np.random.default_rng([seed, 1])
        X_ref, X_anom, details = self.plant((X - mean) / std, -mean / std, rng, seed)
        provenance = {"dataset": self.name, "generator": "adbench-style planted anomalies",
                      "base": base_provenance, "params": self.get_params(), **details}
        return one_class_split(X_ref, X_anom, seed, self.test_fraction, names, provenance)


def fit_gmm(Z: np.ndarray, seed: int) -> GaussianMixture:
    """Full-covariance GMM, components by BIC among those with fewer parameters than samples."""
    n, d = Z.shape
    free = [k for k in range(1, MAX_COMPONENTS + 1) if k * (d + d * (d + 1) / 2) + k - 1 < n]
    fits = [GaussianMixture(k, covariance_type="full", random_state=seed).fit(Z)
            for k in free or [1]]
    return min(fits, key=lambda gm: gm.bic(Z))


def sample_gmm(gm: GaussianMixture, n: int, rng: np.random.Generator,
               means: np.ndarray | None = None, cov_scale: float = 1.0) -> np.ndarray:
    """Draw from ``gm``, optionally with replaced means and scaled covariances.

    Own sampler: ``GaussianMixture.sample`` reseeds from ``random_state`` on every call, so
    reference samples and anomalies would share their noise.
    """
    means = gm.means_ if means is None else means
    component = rng.choice(gm.n_components, size=n, p=gm.weights_)
    chol = np.linalg.cholesky(gm.covariances_ * cov_scale)
    noise = rng.standard_normal((n, means.shape[1]))
    return means[component] + np.einsum("nij,nj->ni", chol[component], noise)


def scale_about(x: np.ndarray, origin: np.ndarray, alpha: float) -> np.ndarray:
    return origin + alpha * (x - origin)


class _MixturePlanted(PlantedAnomalies):
    """Mixture-based types: ``alpha`` is ADBench's scale factor (5 for local and clustered)."""

    def __init__(self, base: str = "breast_cancer", n_reference: int = 1000,
                 n_anomalies: int = 100, alpha: float = 5.0, test_fraction: float = 0.3):
        self.base = base
        self.n_reference = n_reference
        self.n_anomalies = n_anomalies
        self.alpha = alpha
        self.test_fraction = test_fraction

    def anomalies(self, gm: GaussianMixture, X_ref: np.ndarray, origin: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def plant(self, Z: np.ndarray, origin: np.ndarray, rng: np.random.Generator, seed: int
              ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        gm = fit_gmm(Z, seed)
        X_ref = sample_gmm(gm, self.n_reference, rng)
        return X_ref, self.anomalies(gm, X_ref, origin, rng), {"gmm_components": gm.n_components}


class Local(_MixturePlanted):
    name = "adbench-local"

    def anomalies(self, gm: GaussianMixture, X_ref: np.ndarray, origin: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        return sample_gmm(gm, self.n_anomalies, rng, cov_scale=self.alpha)


class Clustered(_MixturePlanted):
    name = "adbench-clustered"

    def anomalies(self, gm: GaussianMixture, X_ref: np.ndarray, origin: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        return sample_gmm(gm, self.n_anomalies, rng,
                          means=scale_about(gm.means_, origin, self.alpha))


class Global(_MixturePlanted):
    name = "adbench-global"

    def __init__(self, base: str = "breast_cancer", n_reference: int = 1000,
                 n_anomalies: int = 100, alpha: float = 1.1, test_fraction: float = 0.3):
        super().__init__(base, n_reference, n_anomalies, alpha, test_fraction)

    def anomalies(self, gm: GaussianMixture, X_ref: np.ndarray, origin: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        low = scale_about(X_ref.min(axis=0), origin, self.alpha)
        high = scale_about(X_ref.max(axis=0), origin, self.alpha)
        return rng.uniform(low, high, size=(self.n_anomalies, X_ref.shape[1]))


class Dependency(PlantedAnomalies):
    name = "adbench-dependency"

    def plant(self, Z: np.ndarray, origin: np.ndarray, rng: np.random.Generator, seed: int
              ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        n, d = Z.shape
        normal_scores = stats.norm.ppf(stats.rankdata(Z, axis=0) / (n + 1))
        corr = np.corrcoef(normal_scores, rowvar=False)
        u_ref = stats.norm.cdf(rng.multivariate_normal(np.zeros(d), corr, size=self.n_reference))
        u_anom = rng.uniform(size=(self.n_anomalies, d))

        def marginals(u: np.ndarray) -> np.ndarray:
            return np.column_stack([np.quantile(Z[:, j], u[:, j]) for j in range(d)])

        return marginals(u_ref), marginals(u_anom), {"copula": "gaussian",
                                                     "marginals": "empirical"}


DATASETS: tuple[type[PlantedAnomalies], ...] = (Local, Global, Dependency, Clustered)
