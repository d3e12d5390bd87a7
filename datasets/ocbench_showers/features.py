"""Shower-shape features from a block-energy window: one function for simulation and data.

Input: block energies [GeV] in a k x k window (k odd, >= 5; 7 in this package) centred on the
hottest block, and the (x, y) position [cm] of that block's centre in the calorimeter frame
(origin on the beam axis).
"""

from __future__ import annotations

import numpy as np

from ocbench_showers.geometry import BLOCK_CM, THRESHOLD_GEV
from oneclass_bench.errors import DataError

#: shape features (the one-class input X)
FEATURE_NAMES = ("e1_e9", "e9_e25", "sigma2_long", "sigma2_trans", "n_blocks", "max_frac")
#: conditioning variables (the context)
CONTEXT_NAMES = ("energy", "radius")
#: log-weighting cut-off w0 for position and moments: w_i = max(0, w0 + ln(E_i / E))
#: (Awes et al., NIM A 311 (1992) 130; values around 4 are usual for lead glass)
LOG_WEIGHT_W0 = 4.0


def shower_features(blocks: np.ndarray, x: np.ndarray, y: np.ndarray,
                    threshold: float = THRESHOLD_GEV) -> tuple[np.ndarray, np.ndarray]:
    """(X, context) from block windows (n, k, k) and hottest-block centres x, y [cm].

    X columns FEATURE_NAMES: E1/E9, E9/E25, log-weighted second moments along and across the
    radial direction [cm^2], number of blocks at or above ``threshold``, hottest-block share
    of the window energy. Context columns CONTEXT_NAMES: window energy [GeV], radius of the
    log-weighted centroid [cm].
    """
    blocks = np.asarray(blocks, dtype=float)
    if blocks.ndim != 3 or blocks.shape[1] != blocks.shape[2] or blocks.shape[1] % 2 == 0 \
            or blocks.shape[1] < 5:
        raise DataError(f"block windows must be (n, k, k) with k odd and >= 5, got "
                        f"{blocks.shape}")
    if np.any(blocks < 0):
        rows = np.unique(np.nonzero(blocks < 0)[0])
        raise DataError(f"{rows.size} shower(s) with negative block energies, first row "
                        f"{rows[0]}: zero-suppress blocks below threshold")
    n, k, _ = blocks.shape
    c = k // 2
    energy = blocks.sum(axis=(1, 2))
    if np.any(energy <= 0):
        raise DataError(f"{int((energy <= 0).sum())} shower(s) with no energy in the window, "
                        f"first row {int(np.argmax(energy <= 0))}")
    e1 = blocks[:, c, c]
    if np.any(e1 <= 0):
        raise DataError(f"{int((e1 <= 0).sum())} window(s) with an empty centre block, first "
                        f"row {int(np.argmax(e1 <= 0))}: centre windows on the hottest block")
    e9 = blocks[:, c - 1:c + 2, c - 1:c + 2].sum(axis=(1, 2))
    e25 = blocks[:, c - 2:c + 3, c - 2:c + 3].sum(axis=(1, 2))

    off = (np.arange(k) - c) * BLOCK_CM
    bx = np.asarray(x, dtype=float)[:, None, None] + off[None, :, None]
    by = np.asarray(y, dtype=float)[:, None, None] + off[None, None, :]
    share = blocks / energy[:, None, None]
    with np.errstate(divide="ignore"):
        w = np.clip(LOG_WEIGHT_W0 + np.log(share), 0.0, None)
    w /= w.sum(axis=(1, 2), keepdims=True)
    mx = (w * bx).sum(axis=(1, 2))
    my = (w * by).sum(axis=(1, 2))
    radius = np.hypot(mx, my)
    # unit vector along the radial direction (any direction on the beam axis itself)
    safe = np.where(radius > 0, radius, 1.0)
    ux, uy = np.where(radius > 0, mx / safe, 1.0), np.where(radius > 0, my / safe, 0.0)
    dx, dy = bx - mx[:, None, None], by - my[:, None, None]
    along = dx * ux[:, None, None] + dy * uy[:, None, None]
    across = -dx * uy[:, None, None] + dy * ux[:, None, None]

    X = np.column_stack([
        # sums of the same blocks in another order can exceed 1 by rounding
        np.minimum(e1 / e9, 1.0),
        np.minimum(e9 / e25, 1.0),
        (w * along ** 2).sum(axis=(1, 2)),
        (w * across ** 2).sum(axis=(1, 2)),
        (blocks >= threshold).sum(axis=(1, 2)).astype(float),
        np.minimum(blocks.max(axis=(1, 2)) / energy, 1.0),
    ])
    return X, np.column_stack([energy, radius])
