"""The ``dijets`` task: LHC Olympics 2020 R&D style resonant anomaly detection.

Train on QCD background across all mjj (mjj as the conditioning variable, the four jet
substructure features as X); test on held-out signal-region background plus signal-region
signal. A third, disjoint labelled split of signal-region events serves supervised upper
bounds only.
"""

from __future__ import annotations

import json
from concurrent.futures import Executor
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ocbench_dijets import generate as _generate
from ocbench_dijets.features import CONTEXT, FEATURES
from ocbench_dijets.loaders import FORMATS, load_events
from oneclass_bench.base import Dataset, LabelledSet, Split
from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.provenance import file_sha256

#: signal region in mjj (TeV)
SR_LOW, SR_HIGH = 3.3, 3.7
SUBSTRUCTURE = tuple(f for f in FEATURES if f != CONTEXT)


def committed_sample() -> Path:
    """The reference sample shipped with the package."""
    return Path(str(files("ocbench_dijets") / "data" / _generate.DATA_FILE))


class Dijets(Dataset):
    """Dijet resonance search as one-class classification.

    Parameters
    ----------
    source: event file (generated Parquet, a directory holding ``dijets.parquet``, or the
        LHCO R&D ``events_anomalydetection_v2.features.h5``); None = the committed sample.
    n_signal_test: signal-region signal events in the test set (the rest of the
        signal-region signal goes to the labelled split). The metrics do not depend on the
        signal count, only their statistical precision does; 1000 keeps the test set
        background dominated (about 4:1 on the committed sample) as in a real search.
    test_fraction: share of the signal-region background held out for the test set.
    labelled_fraction: share of the signal-region background in the labelled split.
    format: ``auto`` (from the file's leading bytes), ``parquet`` or ``lhco``.
    """

    name: ClassVar[str] = "dijets"
    metrics: ClassVar[tuple[str, ...]] = (
        "auroc", "auprc", "max_sic", "rejection_at_0.2", "rejection_at_0.5",
    )

    def __init__(self, source: str | None = None, n_signal_test: int = 1000,
                 test_fraction: float = 0.5, labelled_fraction: float = 0.25,
                 format: str = "auto"):
        self.source = source
        self.n_signal_test = n_signal_test
        self.test_fraction = test_fraction
        self.labelled_fraction = labelled_fraction
        self.format = format
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        if not (isinstance(n_signal_test, int) and n_signal_test >= 1):
            raise ValueError(f"n_signal_test must be an integer >= 1, got {n_signal_test!r}")
        if not (0 < test_fraction < 1 and 0 <= labelled_fraction < 1
                and test_fraction + labelled_fraction < 1):
            raise ValueError("need 0 < test_fraction, 0 <= labelled_fraction and "
                             "test_fraction + labelled_fraction < 1 (some SR background "
                             "must stay in training)")

    @classmethod
    def generate(cls, out: Path, events: int, signal_events: int | None = None,
                 workers: int = 1, seed: int = 0, executor: Executor | None = None,
                 progress: bool = True, jet_smearing: float = 0.0) -> Path:
        """Generate a sample with Pythia 8 + FastJet; ``events``/``signal_events`` count
        events passing the trigger (see :func:`ocbench_dijets.generate.generate`)."""
        return _generate.generate(out, events, signal_events=signal_events, workers=workers,
                                  seed=seed, executor=executor, progress=progress,
                                  jet_smearing=jet_smearing)

    def _path(self) -> Path:
        if self.source is None:
            path = committed_sample()
            if not path.is_file():
                raise DataError(f"the committed dijets sample is missing at {path}; "
                                "reinstall the package or pass source=PATH")
            return path
        path = Path(self.source).expanduser()
        if path.is_dir():
            path = path / _generate.DATA_FILE
        if not path.is_file():
            raise DataError(f"dijets source {path} not found; pass source=PATH to a file made "
                            "by 'ocbench data generate dijets' or to the LHCO R&D "
                            "events_anomalydetection_v2.features.h5")
        return path

    def _provenance(self, path: Path) -> dict[str, Any]:
        prov: dict[str, Any] = {"source": str(path), "sha256": file_sha256(path),
                                "committed_sample": self.source is None}
        sidecar = path.with_name(path.stem + ".provenance.json")
        if sidecar.is_file():
            try:
                prov["generator"] = json.loads(sidecar.read_text())
            except json.JSONDecodeError as exc:
                raise DataError(f"{sidecar}: not valid JSON ({exc})") from exc
        return prov

    def load(self, seed: int) -> Split:
        path = self._path()
        data, label = load_events(path, self.format)
        mjj = data[:, FEATURES.index(CONTEXT)]
        in_sr = (mjj > SR_LOW) & (mjj < SR_HIGH)
        rng = np.random.default_rng(seed)

        bkg_sr = rng.permutation(np.nonzero((label == 0) & in_sr)[0])
        n_test = round(self.test_fraction * len(bkg_sr))
        n_lab = round(self.labelled_fraction * len(bkg_sr))
        sig_sr = rng.permutation(np.nonzero((label == 1) & in_sr)[0])
        if len(sig_sr) <= self.n_signal_test:
            raise ParameterError(
                f"dijets: n_signal_test={self.n_signal_test} but {path} holds only "
                f"{len(sig_sr)} signal events in the signal region "
                f"({SR_LOW} < mjj < {SR_HIGH} TeV); at least one must remain labelled")
        if n_test < 1 or n_lab + n_test >= len(bkg_sr):
            raise DataError(f"{path}: too few signal-region background events "
                            f"({len(bkg_sr)}) for the requested split")
        test = np.r_[bkg_sr[:n_test], sig_sr[: self.n_signal_test]]
        lab = np.r_[bkg_sr[n_test:n_test + n_lab], sig_sr[self.n_signal_test:]]
        held = np.zeros(len(label), dtype=bool)
        held[bkg_sr[: n_test + n_lab]] = True
        train = np.nonzero((label == 0) & ~held)[0]  # background only, every mjj
        test.sort()
        lab.sort()

        cols = [FEATURES.index(f) for f in SUBSTRUCTURE]
        ctx = [FEATURES.index(CONTEXT)]
        prov = self._provenance(path)
        prov["split"] = {
            "seed": seed, "signal_region_tev": [SR_LOW, SR_HIGH],
            "train_background": len(train), "test_background": n_test,
            "test_signal": self.n_signal_test, "labelled_background": n_lab,
            "labelled_signal": len(sig_sr) - self.n_signal_test,
            "signal_outside_sr_unused": int(((label == 1) & ~in_sr).sum()),
        }
        return Split(
            X_train=data[np.ix_(train, cols)],
            X_test=data[np.ix_(test, cols)],
            y_test=label[test],
            feature_names=SUBSTRUCTURE,
            provenance=prov,
            context_train=data[np.ix_(train, ctx)],
            context_test=data[np.ix_(test, ctx)],
            context_names=(CONTEXT,),
            labelled=LabelledSet(X=data[np.ix_(lab, cols)], y=label[lab],
                                 context=data[np.ix_(lab, ctx)]),
        )
