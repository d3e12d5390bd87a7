"""GFlash-style energy deposition into the blocks of a window around the impact block.

A deposit is a sum of *components*: (energy fraction, lateral centre, radial scale). Each
component spreads its energy with the Grindhammer-Peters radial form
``f(r) = 2 r R^2 / (r^2 + R^2)^2`` (a bivariate Student-t with 2 degrees of freedom in the
plane), whose integral over a rectangular block has a closed form, so the expected energy
fraction of every block is exact and cheap. The GFlash spots are then drawn in one
multinomial per shower: spots are i.i.d. draws from the shower's spatial density, so the
number of spots per block (and the spots lost to leakage) is multinomial with those
fractions -- the same fluctuations as placing the spots one by one, without their coordinates.

Parametrization: G. Grindhammer, S. Peters, "The parameterized simulation of
electromagnetic showers in homogeneous and sampling calorimeters", hep-ex/0001020, with
the coefficient values of Geant4's GFlash homogeneous-medium tuning
(``GFlashHomoShowerTuning``). Depths ``t`` are in radiation lengths, radii in Moliere radii,
energies in GeV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc

from ocbench_showers.geometry import (
    BLOCK_CM,
    CRITICAL_GEV,
    DEPTH_X0,
    MOLIERE_CM,
    SIM_WINDOW,
    X0_CM,
    Z_EFF,
)

# --- longitudinal profile (1/E) dE/dt = (b t)^(a-1) b exp(-b t) / Gamma(a), T = (a-1)/b -----
#: <ln T> = ln(ln y + T_OFFSET), y = E / E_c
T_OFFSET = -0.812
#: <ln alpha> = ln(A1 + (A2 + A3 / Z) ln y)
A1, A2, A3 = 0.81, 0.458, 2.26
#: sigma(ln T) = 1 / (S_T1 + S_T2 ln y); sigma(ln alpha) = 1 / (S_A1 + S_A2 ln y)
S_T1, S_T2 = -1.4, 1.26
S_A1, S_A2 = -0.58, 0.86
#: correlation(ln T, ln alpha) = RHO1 + RHO2 ln y
RHO1, RHO2 = 0.705, -0.023
#: clip ranges keeping the profile defined where GFlash is extrapolated (below ~1 GeV the
#: log-normal fluctuations are wide); an implementation choice
ALPHA_RANGE = (1.1, 30.0)
T_RANGE = (0.2, 12.0)

# --- radial profile, tau = t / T ----------------------------------------------------------
#: R_C = z1 + z2 tau, z1 = RC1 + RC2 ln E, z2 = RC3 + RC4 Z
RC1, RC2, RC3, RC4 = 0.0251, 0.00319, 0.1162, -0.000381
#: R_T = k1 (exp(k3 (tau - k2)) + exp(k4 (tau - k2))), k1 = RT1 + RT2 Z, k4 = RT5 + RT6 ln E
RT1, RT2, RT_K2, RT_K3, RT5, RT6 = 0.659, -0.00309, 0.645, -2.59, 0.3585, 0.0412
#: core fraction p = p1 exp((p2 - tau)/p3 - exp((p2 - tau)/p3)),
#: p1 = WC1 + WC2 Z, p2 = WC3 + WC4 Z, p3 = WC5 + WC6 ln E
WC1, WC2, WC3, WC4, WC5, WC6 = 2.632, -0.00094, 0.401, 0.00187, 1.313, -0.0686

# --- spots ----------------------------------------------------------------------------------
#: number of spots N = SPOT_N1 ln(Z) E^SPOT_N2 (GFlash homogeneous media)
SPOT_N1, SPOT_N2 = 93.0, 0.876
#: fewest spots per deposit (keeps MeV-scale deposits from being a single lump)
MIN_SPOTS = 20

#: longitudinal slices over the block depth: the lateral profile and, for inclined
#: incidence, the shower centre change with depth
N_SLICES = 8
SLICE_EDGES_X0 = np.linspace(0.0, DEPTH_X0, N_SLICES + 1)
SLICE_MID_X0 = 0.5 * (SLICE_EDGES_X0[1:] + SLICE_EDGES_X0[:-1])
#: mean free path for pair conversion of a photon: 9/7 X0 (Rossi; PDG)
CONVERSION_X0 = 9.0 / 7.0

#: block edges of the simulated window, relative to the centre of its central block [cm]
WINDOW_EDGES_CM = (np.arange(SIM_WINDOW + 1) - SIM_WINDOW / 2.0) * BLOCK_CM


@dataclass(frozen=True)
class Components:
    """Deposit components, each array (n, m): energy fraction and centre [cm], scale [cm]."""

    weight: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    scale: np.ndarray

    @staticmethod
    def concat(parts: list[Components]) -> Components:
        return Components(*(np.concatenate([getattr(p, f) for p in parts], axis=1)
                            for f in ("weight", "cx", "cy", "scale")))

    def scaled(self, factor: np.ndarray) -> Components:
        """The same components with their energy fractions multiplied by ``factor`` (n,)."""
        return Components(self.weight * factor[:, None], self.cx, self.cy, self.scale)


def _quadrant_integral(a: np.ndarray, b: np.ndarray, sa: np.ndarray, sb: np.ndarray
                       ) -> np.ndarray:
    """Integral of the bivariate-t density over [0, a] x [0, b] (signed), last two axes a, b."""
    return (a / sa)[..., :, None] * np.arctan(b[..., None, :] / sa[..., :, None]) + (
        b / sb)[..., None, :] * np.arctan(a[..., :, None] / sb[..., None, :])


def block_fractions(comp: Components) -> np.ndarray:
    """Expected energy fraction in each window block, (n, W, W) indexed [x, y].

    Computed in float32 (memory traffic dominates; fractions are good to ~1e-6).
    """
    edges = WINDOW_EDGES_CM.astype(np.float32)
    a = edges[None, None, :] - comp.cx.astype(np.float32)[..., None]
    b = edges[None, None, :] - comp.cy.astype(np.float32)[..., None]
    r2 = (comp.scale.astype(np.float32) ** 2)[..., None]
    sa, sb = np.sqrt(a * a + r2), np.sqrt(b * b + r2)
    h = _quadrant_integral(a, b, sa, sb) / (2.0 * np.pi)
    rect = h[..., 1:, 1:] - h[..., :-1, 1:] - h[..., 1:, :-1] + h[..., :-1, :-1]
    return np.einsum("nm,nmxy->nxy", comp.weight.astype(np.float32), rect).astype(np.float64)


def gflash_profile(rng: np.random.Generator, energy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-shower (alpha, T [X0]) from the correlated log-normal GFlash fluctuations."""
    ln_y = np.log(np.maximum(energy / CRITICAL_GEV, np.e))
    mean_ln_t = np.log(np.maximum(ln_y + T_OFFSET, 0.1))
    mean_ln_a = np.log(A1 + (A2 + A3 / Z_EFF) * ln_y)
    sig_t = 1.0 / np.maximum(S_T1 + S_T2 * ln_y, 0.5)
    sig_a = 1.0 / np.maximum(S_A1 + S_A2 * ln_y, 0.5)
    rho = RHO1 + RHO2 * ln_y
    z1, z2 = rng.standard_normal((2, energy.size))
    ln_t = mean_ln_t + sig_t * z1
    ln_a = mean_ln_a + sig_a * (rho * z1 + np.sqrt(1.0 - rho ** 2) * z2)
    return np.clip(np.exp(ln_a), *ALPHA_RANGE), np.clip(np.exp(ln_t), *T_RANGE)


def em_components(rng: np.random.Generator, energy: np.ndarray, x: np.ndarray, y: np.ndarray,
                  slope_x: np.ndarray, slope_y: np.ndarray, start_x0: np.ndarray,
                  width: np.ndarray | float = 1.0) -> tuple[Components, np.ndarray]:
    """Core and tail components of EM showers, one pair per depth slice.

    ``x, y`` [cm]: entry point relative to the window centre; ``slope_*``: dx/dz of the axis;
    ``start_x0``: depth of the first interaction [X0]; ``width`` scales every radius.
    Returns the components and the longitudinally contained fraction (n,).
    """
    alpha, tmax = gflash_profile(rng, energy)
    beta = (alpha - 1.0) / tmax
    depth = np.clip(SLICE_EDGES_X0[None, :] - start_x0[:, None], 0.0, None)
    cdf = gammainc(alpha[:, None], beta[:, None] * depth)
    w = np.diff(cdf, axis=1)
    tau = np.clip(SLICE_MID_X0[None, :] - start_x0[:, None], 0.0, None) / tmax[:, None]
    ln_e = np.log(energy)[:, None]
    r_core = RC1 + RC2 * ln_e + (RC3 + RC4 * Z_EFF) * tau
    k4 = RT5 + RT6 * ln_e
    r_tail = (RT1 + RT2 * Z_EFF) * (np.exp(RT_K3 * (tau - RT_K2)) + np.exp(k4 * (tau - RT_K2)))
    g = ((WC3 + WC4 * Z_EFF) - tau) / (WC5 + WC6 * ln_e)
    p_core = np.clip((WC1 + WC2 * Z_EFF) * np.exp(g - np.exp(g)), 0.0, 1.0)
    z_cm = SLICE_MID_X0[None, :] * X0_CM
    cx = x[:, None] + slope_x[:, None] * z_cm
    cy = y[:, None] + slope_y[:, None] * z_cm
    unit = MOLIERE_CM * np.broadcast_to(np.asarray(width, dtype=float), energy.shape)[:, None]
    comp = Components(
        weight=np.concatenate([w * p_core, w * (1.0 - p_core)], axis=1),
        cx=np.concatenate([cx, cx], axis=1),
        cy=np.concatenate([cy, cy], axis=1),
        scale=np.concatenate([r_core * unit, r_tail * unit], axis=1),
    )
    return comp, cdf[:, -1]


def track_components(x: np.ndarray, y: np.ndarray, slope_x: np.ndarray, slope_y: np.ndarray,
                     start_x0: np.ndarray, stop_x0: np.ndarray, spread_cm: float
                     ) -> Components:
    """A straight charged track between two depths [X0], energy by path length per slice."""
    lo = np.clip(start_x0[:, None], SLICE_EDGES_X0[None, :-1], SLICE_EDGES_X0[None, 1:])
    hi = np.clip(stop_x0[:, None], SLICE_EDGES_X0[None, :-1], SLICE_EDGES_X0[None, 1:])
    length = np.clip(stop_x0 - start_x0, 1e-9, None)
    z_cm = SLICE_MID_X0[None, :] * X0_CM
    return Components(
        weight=(hi - lo) / length[:, None],
        cx=x[:, None] + slope_x[:, None] * z_cm,
        cy=y[:, None] + slope_y[:, None] * z_cm,
        scale=np.full((x.size, N_SLICES), spread_cm),
    )


def deposit_spots(rng: np.random.Generator, energy: np.ndarray, fractions: np.ndarray
                  ) -> np.ndarray:
    """Deposited energy per block (n, W, W): GFlash spots distributed over the blocks.

    ``fractions`` (n, W, W) are the expected fractions (their sum is at most 1: the rest is
    leakage). Every spot carries energy/N; spots outside the blocks are lost.
    """
    n = energy.size
    flat = np.clip(fractions.reshape(n, -1), 0.0, None)
    inside = flat.sum(axis=1)
    flat = flat / np.maximum(inside, 1.0)[:, None]
    pvals = np.concatenate([flat, np.clip(1.0 - flat.sum(axis=1), 0.0, None)[:, None]], axis=1)
    pvals /= pvals.sum(axis=1, keepdims=True)
    spots = np.maximum(np.rint(SPOT_N1 * np.log(Z_EFF) * energy ** SPOT_N2), MIN_SPOTS)
    counts = rng.multinomial(spots.astype(np.int64), pvals)[:, :-1]
    return (energy / spots)[:, None, None] * counts.reshape(fractions.shape)
