"""Pythia 8 configuration of the two processes and the event loop that yields visible particles.

Background: QCD dijets (HardQCD:all) with pTHat > 1 TeV at 13 TeV. Signal: W'(3.5 TeV) ->
X(500 GeV) Y(100 GeV), X, Y -> light quarks, as in the LHC Olympics 2020 R&D sample. The W'
is charged, so X is Pythia's charged scalar (PDG 37) and Y the neutral one (PDG 36).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

PROCESSES = ("background", "signal")

COMMON = (
    "Beams:eCM = 13000.",
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Random:setSeed = on",
)

BACKGROUND = (
    "HardQCD:all = on",
    "PhaseSpace:pTHatMin = 1000.",
)

SIGNAL = (
    "NewGaugeBoson:ffbar2Wprime = on",
    "34:m0 = 3500.",
    "34:doForceWidth = on",
    "34:mWidth = 35.",
    "34:mMin = 3000.",
    "34:mMax = 4000.",
    "34:onMode = off",
    "34:addChannel = 1 1.0 100 37 36",
    "37:m0 = 500.",
    "37:doForceWidth = on",
    "37:mWidth = 1.0",
    "37:mMin = 490.",
    "37:mMax = 510.",
    "37:oneChannel = 1 1.0 100 2 -1",
    "37:addChannel = 1 1.0 100 4 -3",
    "36:m0 = 100.",
    "36:doForceWidth = on",
    "36:mWidth = 1.0",
    "36:mMin = 95.",
    "36:mMax = 105.",
    "36:oneChannel = 1 1.0 100 1 -1",
    "36:addChannel = 1 1.0 100 2 -2",
    "36:addChannel = 1 1.0 100 3 -3",
    "36:addChannel = 1 1.0 100 4 -4",
)

#: Pythia accepts seeds in [1, 900 000 000]
MAX_PYTHIA_SEED = 900_000_000


def pythia_config(process: str, seed: int) -> list[str]:
    """The complete list of Pythia settings for ``process`` with random seed ``seed``."""
    if process not in PROCESSES:
        raise ValueError(f"unknown process {process!r}; choose from {PROCESSES}")
    if not 1 <= seed <= MAX_PYTHIA_SEED:
        raise ValueError(f"Pythia seed {seed} outside [1, {MAX_PYTHIA_SEED}]")
    specific = BACKGROUND if process == "background" else SIGNAL
    return [*COMMON, f"Random:seed = {seed}", *specific]


def visible_particles(process: str, seed: int) -> Iterator[np.ndarray]:
    """Endless stream of events, each an (n, 4) array (px, py, pz, E) in GeV of the
    visible final-state particles (neutrinos and other invisibles removed)."""
    import pythia8mc  # imported here: only generator workers need it

    pythia = pythia8mc.Pythia("", False)  # no banner
    for line in pythia_config(process, seed):
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia initialisation failed for {process}")
    while True:
        if not pythia.next():
            continue  # a failed event is skipped; Pythia counts it in its own statistics
        yield np.array(
            [(p.px(), p.py(), p.pz(), p.e()) for p in pythia.event
             if p.isFinal() and p.isVisible()],
            dtype=np.float64,
        )
