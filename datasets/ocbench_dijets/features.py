"""Jet reconstruction and the five dijet features (FastJet, awkward interface).

anti-kT R = 1.0 on visible final-state particles; trigger: leading-jet pT > 1.2 TeV; the two
leading jets form the dijet. tau_N uses exclusive-kT axes, beta = 1, R0 = 1.0 (fjcontrib
N-subjettiness through ``ClusterSequence.njettiness``).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

#: feature columns, in order; masses in TeV
FEATURES = ("mjj", "mj_min", "delta_mj", "tau21_lighter", "tau21_heavier")
#: the conditioning variable of the task (also the first feature column of the file)
CONTEXT = "mjj"
JET_R = 1.0
TRIGGER_PT_GEV = 1200.0
#: jets softer than this are never among the two leading jets of a triggered event
JET_PT_MIN_GEV = 20.0
TAU_BETA = 1.0
TAU_R0 = 1.0
GEV_PER_TEV = 1000.0


def _momenta(counts: np.ndarray, flat: np.ndarray) -> ak.Array:
    record = ak.zip({"px": flat[:, 0], "py": flat[:, 1], "pz": flat[:, 2], "E": flat[:, 3]},
                    with_name="Momentum4D")
    return ak.unflatten(record, counts)


def _cluster(particles: ak.Array):
    import fastjet  # imported here: only generator workers need it

    return fastjet.ClusterSequence(particles, fastjet.JetDefinition(fastjet.antikt_algorithm,
                                                                    JET_R))


def _mass(px: np.ndarray, py: np.ndarray, pz: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(e**2 - px**2 - py**2 - pz**2, 0.0))


def tau21(constituents: ak.Array) -> np.ndarray:
    """tau2/tau1 of each jet in ``constituents`` (jet -> particle); 0 for a jet with tau1 = 0
    (a single constituent has no substructure)."""
    cs = _cluster(constituents)
    taus = cs.njettiness(measure_definition="NormalizedMeasure", axes_definition="KT_Axes",
                         njets=[1, 2], beta=TAU_BETA, R0=TAU_R0)
    taus = np.asarray(ak.to_numpy(taus), dtype=np.float64).reshape(-1, 2)
    tau1, tau2 = taus[:, 0], taus[:, 1]
    return np.divide(tau2, tau1, out=np.zeros_like(tau1), where=tau1 > 0)


def dijet_features(events: list[np.ndarray], jet_smearing: float = 0.0,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """Features (n_pass, 5) of the events passing the trigger, in the order of ``events``.

    ``events``: one (n, 4) array (px, py, pz, E; GeV) of visible particles per event.
    ``jet_smearing``: relative Gaussian width by which each jet's four-momentum is scaled
    (a crude detector response: it smears pT, jet mass and mjj alike; tau21 is scale free).
    """
    counts = np.array([len(e) for e in events])
    cs = _cluster(_momenta(counts, np.concatenate(events)))
    jets = cs.inclusive_jets(min_pt=JET_PT_MIN_GEV)
    constituents = cs.constituents(min_pt=JET_PT_MIN_GEV)
    scale = ak.ones_like(jets.px)
    if jet_smearing > 0:
        if rng is None:
            raise ValueError("jet_smearing needs an rng")
        n_jets = ak.num(jets)
        factors = 1.0 + jet_smearing * rng.standard_normal(int(ak.sum(n_jets)))
        scale = ak.unflatten(np.clip(factors, 0.0, None), n_jets)
    pt = np.hypot(jets.px, jets.py) * scale
    order = ak.argsort(pt, axis=1, ascending=False)
    jets, constituents, scale, pt = jets[order], constituents[order], scale[order], pt[order]
    lead_pt = ak.fill_none(ak.firsts(pt), 0.0)
    passing = ak.to_numpy((ak.num(jets) >= 2) & (lead_pt > TRIGGER_PT_GEV))
    if not passing.any():
        return np.empty((0, len(FEATURES)))

    two = jets[passing][:, :2]
    s = ak.to_numpy(scale[passing][:, :2])
    p = {k: ak.to_numpy(getattr(two, k)) * s for k in ("px", "py", "pz", "E")}
    mj = _mass(p["px"], p["py"], p["pz"], p["E"]) / GEV_PER_TEV
    mjj = _mass(*(p[k].sum(axis=1) for k in ("px", "py", "pz", "E"))) / GEV_PER_TEV
    t21 = tau21(ak.flatten(constituents[passing][:, :2], axis=1)).reshape(-1, 2)
    return feature_rows(mjj, mj, t21)


def feature_rows(mjj: np.ndarray, mj: np.ndarray, t21: np.ndarray) -> np.ndarray:
    """The five features from mjj (n,) and the two jets' masses and tau21 (n, 2 each)."""
    rows = np.arange(len(mj))
    light = np.argmin(mj, axis=1)
    heavy = 1 - light
    return np.column_stack([
        mjj,
        mj[rows, light],
        mj[rows, heavy] - mj[rows, light],
        t21[rows, light],
        t21[rows, heavy],
    ])
