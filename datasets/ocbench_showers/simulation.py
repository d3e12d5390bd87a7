"""Fast simulation of photon and non-photon showers in the lead-glass array (numpy, seeded).

Each shower is simulated on a SIM_WINDOW x SIM_WINDOW block window around its impact block,
vectorized over showers: expected block fractions (``deposition``), GFlash spots, then the
readout (photo-statistics, calibration spread, noise, threshold). Blocks missing from the
array (beam hole, outside the circle) collect nothing: their share is leakage.

Non-photon showers (the anomalies) are a documented mixture, ``MIXTURE``:

- ``splitoff``: a hadronic split-off -- an electromagnetic sub-shower from a hadron
  interaction elsewhere, reconstructed as a separate cluster. Softer than photons, not
  pointing to the target, starting at some depth, with a fluctuating width and sometimes a
  second small fragment. The photon-like part of the background, and most of it.
- ``hadronic``: a hadron interacting in the glass: a minimum-ionizing track down to the
  interaction depth, then 1-3 electromagnetic fragments (pi0 photons) spread laterally plus a
  wide, diffuse Cherenkov component from charged secondaries. Only a fluctuating fraction of
  the hadron energy is visible (lead glass sees Cherenkov light).
- ``mip``: a charged track crossing the whole block without interacting: a narrow deposit
  of ~0.2-0.3 GeV equivalent, Landau (Moyal) distributed, following the incidence angle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocbench_showers.deposition import (
    CONVERSION_X0,
    Components,
    block_fractions,
    deposit_spots,
    em_components,
    track_components,
)
from ocbench_showers.geometry import (
    BLOCK_CM,
    CALIBRATION_SPREAD,
    DEPTH_CM,
    DEPTH_X0,
    FEATURE_WINDOW,
    FIDUCIAL_R_MAX_CM,
    FIDUCIAL_R_MIN_CM,
    LAMBDA_I_CM,
    NOISE_GEV,
    SIM_WINDOW,
    STOCHASTIC_SQRT_GEV,
    TARGET_DISTANCE_CM,
    THRESHOLD_GEV,
    X0_CM,
    block_exists,
)

PHOTON, SPLITOFF, HADRONIC, MIP = 0, 1, 2, 3
KIND_NAMES = ("photon", "splitoff", "hadronic", "mip")

#: photon energy range [GeV], log-uniform (falling spectrum; GlueX FCAL photons 0.1-8 GeV)
PHOTON_E_RANGE = (0.1, 8.0)
#: default non-photon mixture (fractions of the anomalies); tuned so that a supervised
#: classifier lands near the real-data anchor (see README: difficulty)
MIXTURE = {"splitoff": 0.65, "hadronic": 0.25, "mip": 0.10}

# --- split-offs (assumptions, chosen to be photon-like but not identical) ---------------------
#: visible energy [GeV], log-uniform: split-offs are soft
SPLITOFF_E_RANGE = (0.1, 2.0)
#: spread of the direction slopes around the pointing direction (secondaries from a nearby
#: hadron interaction do not come from the target)
SPLITOFF_SLOPE_SPREAD = 0.1
#: start depth [X0], uniform: secondaries enter the block at various depths
SPLITOFF_START_X0 = (0.0, 2.0)
#: lateral width multiplier, log-normal (median, sigma of ln): overlapping soft particles
#: make some wider, some narrower
SPLITOFF_WIDTH = (1.0, 0.1)
#: probability of a second fragment, its energy share (uniform) and offset [cm] (uniform)
SPLITOFF_SECOND_PROB = 0.2
SPLITOFF_SECOND_SHARE = (0.05, 0.3)
SPLITOFF_SECOND_OFFSET_CM = (4.0, 10.0)

# --- hadron interactions -----------------------------------------------------------------
#: incident hadron energy [GeV], log-uniform; the interaction depth is exponential in
#: LAMBDA_I_CM, truncated to the block depth (a non-interacting hadron is a ``mip``)
HADRON_E_RANGE = (0.3, 8.0)
#: visible fraction of the hadron energy ~ Beta(a, b) (pi0 share + Cherenkov of secondaries)
HADRON_VISIBLE_BETA = (2.0, 3.0)
#: most electromagnetic fragments; their number is 1 + Poisson(mean), capped
HADRON_MAX_FRAGMENTS = 3
HADRON_EXTRA_FRAGMENTS_MEAN = 1.0
#: lateral offset of a fragment from the hadron axis [cm] (Gaussian per axis) and slope spread
HADRON_FRAGMENT_OFFSET_CM = 3.0
HADRON_FRAGMENT_SLOPE_SPREAD = 0.3
#: share of the visible energy in the diffuse component (uniform) and its radial scale [cm]
HADRON_DIFFUSE_SHARE = (0.0, 0.3)
HADRON_DIFFUSE_SCALE_CM = 6.0

# --- minimum-ionizing tracks ----------------------------------------------------------------
#: visible energy of a full-depth track [GeV]: Moyal(loc, scale) (Landau-like); lead glass
#: calibrated on EM showers sees ~0.2-0.3 GeV for a MIP through 45 cm
MIP_MOYAL = (0.22, 0.02)
#: spread of track slopes around the pointing direction (solenoid bending, scattering)
MIP_SLOPE_SPREAD = 0.05
#: lateral spread of the track's light [cm] (delta rays, Cherenkov cone); an assumption
TRACK_SPREAD_CM = 0.5
#: visible energy per X0 of track [GeV] (the full-depth MIP value over the depth)
MIP_GEV_PER_X0 = MIP_MOYAL[0] / DEPTH_X0

#: preselection: a cluster needs at least this much energy in its window [GeV] and at least
#: MIN_CLUSTER_BLOCKS blocks above threshold (single-block clusters carry no shape
#: information: their shape features are all identical)
MIN_CLUSTER_GEV = 0.05
MIN_CLUSTER_BLOCKS = 2


@dataclass(frozen=True)
class Deposits:
    """Simulated showers before the readout: what the conservation tests look at."""

    kind: np.ndarray  #: (n,) int, one of PHOTON, SPLITOFF, HADRONIC, MIP
    energy: np.ndarray  #: (n,) energy handed to the deposition (visible energy) [GeV]
    contained: np.ndarray  #: (n,) expected fraction in existing window blocks
    deposited: np.ndarray  #: (n, W, W) deposited energy per block [GeV]
    ix: np.ndarray  #: (n,) grid index of the impact block (0 = array centre)
    iy: np.ndarray


@dataclass(frozen=True)
class ShowerSample:
    """Read-out showers: the input of the features (same layout as real block-level data)."""

    blocks: np.ndarray  #: (n, F, F) measured block energies [GeV], centred on the hottest block
    x: np.ndarray  #: (n,) position of the hottest block's centre [cm]
    y: np.ndarray
    kind: np.ndarray  #: (n,) int
    true_energy: np.ndarray  #: (n,) incident energy [GeV]


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))


def _impacts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Impact points uniform in the fiducial annulus: (x, y) [cm] -> block index + offset."""
    r = np.sqrt(rng.uniform(FIDUCIAL_R_MIN_CM ** 2, FIDUCIAL_R_MAX_CM ** 2, n))
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    x, y = r * np.cos(phi), r * np.sin(phi)
    ix, iy = np.rint(x / BLOCK_CM).astype(int), np.rint(y / BLOCK_CM).astype(int)
    return x, y, ix, iy, x - ix * BLOCK_CM, y - iy * BLOCK_CM


def _window_mask(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    off = np.arange(SIM_WINDOW) - SIM_WINDOW // 2
    return block_exists(ix[:, None, None] + off[None, :, None], iy[:, None, None] + off)


#: one piece of a deposit: the rows (showers) it applies to and its components
Part = tuple[np.ndarray, Components]


def _photon(rng, n, u, v, sx, sy) -> tuple[list[Part], np.ndarray]:
    e = _log_uniform(rng, *PHOTON_E_RANGE, n)
    comp, _ = em_components(rng, e, u, v, sx, sy, rng.exponential(CONVERSION_X0, n))
    return [(np.arange(n), comp)], e


def _splitoff(rng, n, u, v, sx, sy) -> tuple[list[Part], np.ndarray]:
    e = _log_uniform(rng, *SPLITOFF_E_RANGE, n)
    sx = sx + rng.normal(0.0, SPLITOFF_SLOPE_SPREAD, n)
    sy = sy + rng.normal(0.0, SPLITOFF_SLOPE_SPREAD, n)
    start = rng.uniform(*SPLITOFF_START_X0, n) + rng.exponential(CONVERSION_X0, n)
    width = SPLITOFF_WIDTH[0] * np.exp(rng.normal(0.0, SPLITOFF_WIDTH[1], n))
    share = np.where(rng.uniform(size=n) < SPLITOFF_SECOND_PROB,
                     rng.uniform(*SPLITOFF_SECOND_SHARE, n), 0.0)
    main, _ = em_components(rng, e * (1 - share), u, v, sx, sy, start, width)
    # the second fragment only where there is one
    r = np.flatnonzero(share > 0)
    dist = rng.uniform(*SPLITOFF_SECOND_OFFSET_CM, r.size)
    phi = rng.uniform(0.0, 2.0 * np.pi, r.size)
    second, _ = em_components(rng, e[r] * share[r], u[r] + dist * np.cos(phi),
                              v[r] + dist * np.sin(phi), sx[r], sy[r],
                              start[r] + rng.exponential(CONVERSION_X0, r.size), width[r])
    return [(np.arange(n), main.scaled(1 - share)), (r, second.scaled(share[r]))], e


def _hadronic(rng, n, u, v, sx, sy) -> tuple[list[Part], np.ndarray]:
    e_had = _log_uniform(rng, *HADRON_E_RANGE, n)
    depth_cm = -LAMBDA_I_CM * np.log1p(-rng.uniform(size=n) * (1 - np.exp(-DEPTH_CM / LAMBDA_I_CM)))
    depth = depth_cm / X0_CM
    track_e = MIP_GEV_PER_X0 * depth
    e_vis = e_had * rng.beta(*HADRON_VISIBLE_BETA, n)
    diffuse = rng.uniform(*HADRON_DIFFUSE_SHARE, n)
    n_frag = np.minimum(1 + rng.poisson(HADRON_EXTRA_FRAGMENTS_MEAN, n), HADRON_MAX_FRAGMENTS)
    # flat Dirichlet shares among the fragments that exist (a renormalized sub-vector of a
    # Dirichlet is Dirichlet)
    shares = rng.dirichlet(np.ones(HADRON_MAX_FRAGMENTS), n)
    shares *= np.arange(HADRON_MAX_FRAGMENTS)[None, :] < n_frag[:, None]
    shares /= shares.sum(axis=1, keepdims=True)
    total = e_vis + track_e
    # the interaction point: where the fragments and the diffuse light start
    px, py = u + sx * depth_cm, v + sy * depth_cm
    track = track_components(u, v, sx, sy, np.zeros(n), depth, TRACK_SPREAD_CM)
    halo = track_components(px, py, sx, sy, depth, np.full(n, DEPTH_X0),
                            HADRON_DIFFUSE_SCALE_CM)
    parts = [(np.arange(n), Components.concat([track.scaled(track_e / total),
                                               halo.scaled(e_vis * diffuse / total)]))]
    for k in range(HADRON_MAX_FRAGMENTS):
        r = np.flatnonzero(n_frag > k)
        fsx = sx[r] + rng.normal(0.0, HADRON_FRAGMENT_SLOPE_SPREAD, r.size)
        fsy = sy[r] + rng.normal(0.0, HADRON_FRAGMENT_SLOPE_SPREAD, r.size)
        # fragments start at the interaction depth; em_components puts the axis at z = 0,
        # so shift the entry point back along the fragment direction
        fx = px[r] + rng.normal(0.0, HADRON_FRAGMENT_OFFSET_CM, r.size) - fsx * depth_cm[r]
        fy = py[r] + rng.normal(0.0, HADRON_FRAGMENT_OFFSET_CM, r.size) - fsy * depth_cm[r]
        e_k = e_vis[r] * (1 - diffuse[r]) * shares[r, k]
        comp, _ = em_components(rng, np.maximum(e_k, 1e-3), fx, fy, fsx, fsy,
                                depth[r] + rng.exponential(CONVERSION_X0, r.size))
        parts.append((r, comp.scaled(e_k / total[r])))
    return parts, total


def _mip(rng, n, u, v, sx, sy) -> tuple[list[Part], np.ndarray]:
    e = MIP_MOYAL[0] + MIP_MOYAL[1] * -np.log(rng.standard_normal(n) ** 2)
    e = np.maximum(e, MIN_CLUSTER_GEV)
    sx = sx + rng.normal(0.0, MIP_SLOPE_SPREAD, n)
    sy = sy + rng.normal(0.0, MIP_SLOPE_SPREAD, n)
    comp = track_components(u, v, sx, sy, np.zeros(n), np.full(n, DEPTH_X0), TRACK_SPREAD_CM)
    return [(np.arange(n), comp)], e


_KINDS = {PHOTON: _photon, SPLITOFF: _splitoff, HADRONIC: _hadronic, MIP: _mip}


def deposit(rng: np.random.Generator, kind: int, n: int) -> Deposits:
    """Simulate ``n`` showers of one kind up to the deposited energy per block."""
    if kind not in _KINDS:
        raise ValueError(f"unknown shower kind {kind}")
    x, y, ix, iy, u, v = _impacts(rng, n)
    parts, e = _KINDS[kind](rng, n, u, v, x / TARGET_DISTANCE_CM, y / TARGET_DISTANCE_CM)
    fractions = np.zeros((n, SIM_WINDOW, SIM_WINDOW))
    for rows, comp in parts:
        if rows.size:
            fractions[rows] += block_fractions(comp)
    fractions *= _window_mask(ix, iy)
    return Deposits(np.full(n, kind), e, fractions.sum(axis=(1, 2)),
                    deposit_spots(rng, e, fractions), ix, iy)


def readout(rng: np.random.Generator, deposited: np.ndarray, exists: np.ndarray) -> np.ndarray:
    """Measured block energies: photo-statistics, calibration spread, noise, threshold."""
    z = rng.standard_normal((3, *deposited.shape))
    sigma_stat = STOCHASTIC_SQRT_GEV * np.sqrt(deposited)
    measured = deposited * (1 + CALIBRATION_SPREAD * z[0]) + sigma_stat * z[1] + NOISE_GEV * z[2]
    return np.where(exists & (measured >= THRESHOLD_GEV), measured, 0.0)


def feature_window(blocks: np.ndarray, ix: np.ndarray, iy: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the FEATURE_WINDOW around the hottest of the central 3 x 3 blocks.

    Returns the window (n, F, F) and the hottest block's centre (x, y) [cm].
    """
    n = blocks.shape[0]
    c = SIM_WINDOW // 2
    core = blocks[:, c - 1:c + 2, c - 1:c + 2].reshape(n, 9)
    hot = np.argmax(core, axis=1)
    dx, dy = hot // 3 - 1, hot % 3 - 1
    half = FEATURE_WINDOW // 2
    off = np.arange(-half, half + 1)
    rows = (c + dx)[:, None, None] + off[None, :, None]
    cols = (c + dy)[:, None, None] + off[None, None, :]
    window = blocks[np.arange(n)[:, None, None], rows, cols]
    return window, (ix + dx) * BLOCK_CM, (iy + dy) * BLOCK_CM


def simulate_kind(rng: np.random.Generator, kind: int, n: int, chunk: int = 1000) -> ShowerSample:
    """``n`` read-out showers of one kind with at least MIN_CLUSTER_GEV in their window."""
    out: list[tuple[np.ndarray, ...]] = []
    have = 0
    while have < n:
        m = min(chunk, int(1.1 * (n - have)) + 16)
        dep = deposit(rng, kind, m)
        blocks = readout(rng, dep.deposited, _window_mask(dep.ix, dep.iy))
        window, xc, yc = feature_window(blocks, dep.ix, dep.iy)
        half = FEATURE_WINDOW // 2
        keep = ((window.sum(axis=(1, 2)) >= MIN_CLUSTER_GEV) & (window[:, half, half] > 0)
                & ((window > 0).sum(axis=(1, 2)) >= MIN_CLUSTER_BLOCKS))
        out.append((window[keep], xc[keep], yc[keep], dep.energy[keep]))
        have += int(keep.sum())
    window, xc, yc, e = (np.concatenate(a)[:n] for a in zip(*out, strict=True))
    return ShowerSample(window, xc, yc, np.full(n, kind), e)


def simulate(rng: np.random.Generator, n_photons: int, n_others: int,
             mixture: dict[str, float] | None = None) -> ShowerSample:
    """Photons then non-photons (kinds drawn from ``mixture``), in that order."""
    mixture = MIXTURE if mixture is None else mixture
    names = list(mixture)
    probs = np.array([mixture[k] for k in names], dtype=float)
    counts = rng.multinomial(n_others, probs / probs.sum()) if n_others else np.zeros(len(names))
    parts = [simulate_kind(rng, PHOTON, n_photons)] if n_photons else []
    parts += [simulate_kind(rng, KIND_NAMES.index(k), int(c))
              for k, c in zip(names, counts, strict=True) if c]
    return ShowerSample(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("blocks", "x", "y", "kind", "true_energy")))
