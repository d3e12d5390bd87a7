"""Calorimeter geometry and material constants (GlueX FCAL-like lead-glass array).

Every constant carries its unit and source. Values are representative of the GlueX Forward
Calorimeter, not a tune to GlueX data: they fix the scale of the shower-shape variables.
"""

from __future__ import annotations

import numpy as np

# --- blocks and array ---------------------------------------------------------------------
#: block transverse size [cm]; GlueX FCAL F8-00 lead-glass modules are 4 cm x 4 cm x 45 cm
#: (Moriya et al., NIM A 726 (2013) 60; GlueX, NIM A 987 (2021) 164807)
BLOCK_CM = 4.0
#: block depth [cm] (same sources)
DEPTH_CM = 45.0
#: blocks per side of the square grid the modules sit on (59 x 59 in the GlueX FCAL)
N_SIDE = 59
#: outer radius of the populated (circular) array [cm]; 2,808 blocks, close to the 2,800 of
#: GlueX (same sources)
OUTER_RADIUS_CM = 120.0
#: the central HOLE_BLOCKS x HOLE_BLOCKS blocks are missing: the photon-beam hole
#: (12 cm x 12 cm here; approximate)
HOLE_BLOCKS = 3
#: distance from the target to the calorimeter face [cm]; sets the incidence angle
#: tan(theta) = r / TARGET_DISTANCE_CM (GlueX: FCAL face about 6 m downstream of the target)
TARGET_DISTANCE_CM = 600.0
#: fiducial impact radii [cm]: away from the beam hole and the outer edge, as analyses do
FIDUCIAL_R_MIN_CM = 10.0
FIDUCIAL_R_MAX_CM = 105.0

# --- lead glass (F8-00: PbO 45 %, SiO2 43 %, K2O + Na2O 7 % by weight) --------------------
#: radiation length [cm] (GlueX FCAL papers above quote X0 = 3.1 cm for F8-00)
X0_CM = 3.1
#: Moliere radius [cm] (estimate 0.0265 X0 (Z + 1.2) = 3.4 cm, PDG Review "Passage of
#: particles through matter"; F8/SF-type lead glass is quoted at 3.5-4 cm)
MOLIERE_CM = 3.5
#: effective atomic number: weight-fraction mean over the F8-00 composition (Pb 0.42,
#: O 0.28, Si 0.20, K 0.03, Na 0.03), as GFlash uses for compounds
Z_EFF = 40.0
#: critical energy [GeV]: PDG fit 610 MeV / (Z + 1.24) for solids
CRITICAL_GEV = 0.610 / (Z_EFF + 1.24)
#: nuclear interaction length [cm]: weight-fraction mixing of PDG values (PbO ~194 g/cm2,
#: SiO2 ~97 g/cm2) at density 3.61 g/cm3; lead glass is only ~1.3 lambda_I deep
LAMBDA_I_CM = 35.0
#: block depth in radiation lengths (45 / 3.1 = 14.5 X0)
DEPTH_X0 = DEPTH_CM / X0_CM

# --- readout -------------------------------------------------------------------------------
#: stochastic term of the energy resolution [sqrt(GeV)]: sigma_E / E = 6 % / sqrt(E), applied
#: per block as Cherenkov photo-statistics, Var = a^2 E_block (GlueX FCAL ~6 %/sqrt(E))
STOCHASTIC_SQRT_GEV = 0.06
#: block-to-block calibration spread (relative, Gaussian); an assumption
CALIBRATION_SPREAD = 0.02
#: electronic noise per block [GeV] (an assumption: a few MeV)
NOISE_GEV = 0.003
#: block energy threshold [GeV]: blocks below it read zero (representative, 10-20 MeV)
THRESHOLD_GEV = 0.015

# --- simulation window -----------------------------------------------------------------
#: blocks per side of the simulated window around the impact block
SIM_WINDOW = 9
#: blocks per side of the window handed to the features, centred on the hottest block
FEATURE_WINDOW = 7


def block_exists(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """True where grid indices (0 = centre of the array) hold a lead-glass block."""
    half = N_SIDE // 2
    hole = HOLE_BLOCKS // 2
    inside = (np.abs(ix) <= half) & (np.abs(iy) <= half)
    radius = BLOCK_CM * np.hypot(ix, iy)
    in_hole = (np.abs(ix) <= hole) & (np.abs(iy) <= hole)
    return inside & (radius <= OUTER_RADIUS_CM) & ~in_hole


def n_blocks() -> int:
    """Number of blocks in the array (documentation and a geometry sanity test)."""
    half = N_SIDE // 2
    ix, iy = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1))
    return int(block_exists(ix, iy).sum())
