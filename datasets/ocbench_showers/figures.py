"""Dataset-card figures: example block-energy maps and feature distributions by class.

Run ``python -m ocbench_showers.figures [OUT_DIR]`` (default: the package's ``figures/``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

from ocbench_showers import simulation  # noqa: E402
from ocbench_showers.dataset import sample_frame  # noqa: E402
from ocbench_showers.features import CONTEXT_NAMES, FEATURE_NAMES  # noqa: E402
from ocbench_showers.geometry import BLOCK_CM, FEATURE_WINDOW  # noqa: E402

FIGURE_DIR = Path(__file__).parent / "figures"
SEED = 2026
EXAMPLES_PER_KIND = 3
UNITS = {"sigma2_long": " [cm$^2$]", "sigma2_trans": " [cm$^2$]", "energy": " [GeV]",
         "radius": " [cm]"}


def block_maps(sample: simulation.ShowerSample, path: Path) -> None:
    kinds = simulation.KIND_NAMES
    fig, axes = plt.subplots(EXAMPLES_PER_KIND, len(kinds), figsize=(3.2 * len(kinds), 9.0),
                             constrained_layout=True)
    half = FEATURE_WINDOW * BLOCK_CM / 2
    norm = LogNorm(vmin=10.0, vmax=3000.0)
    image = None
    for col, kind in enumerate(kinds):
        rows = np.flatnonzero(sample.kind == col)
        for row, i in enumerate(rows[:EXAMPLES_PER_KIND]):
            ax = axes[row, col]
            mev = np.ma.masked_less_equal(sample.blocks[i].T * 1000.0, 0.0)
            image = ax.imshow(mev, origin="lower", norm=norm, cmap="viridis",
                              extent=(-half, half, -half, half))
            ax.set_title(f"{kind}: {sample.blocks[i].sum():.2f} GeV, "
                         f"r = {np.hypot(sample.x[i], sample.y[i]):.0f} cm", fontsize=9)
            ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.6, label="block energy [MeV]")
    fig.suptitle("7x7 block windows around the hottest block (blank: below threshold)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def distributions(sample: simulation.ShowerSample, path: Path) -> None:
    frame = sample_frame(sample)
    names = FEATURE_NAMES + CONTEXT_NAMES
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5), constrained_layout=True)
    for ax, name in zip(axes.flat, names, strict=True):
        values = frame[name].to_numpy()
        lo, hi = np.quantile(values, [0.0, 0.995])
        bins = np.arange(lo - 0.5, hi + 1.5) if name == "n_blocks" else np.linspace(lo, hi, 50)
        for kind in simulation.KIND_NAMES:
            sel = frame.kind == kind
            ax.hist(values[sel], bins=bins, density=True, histtype="step", lw=1.5,
                    label=f"{kind} ({sel.sum()})")
        ax.set_xlabel(name + UNITS.get(name, ""))
        ax.set_yscale("log" if name == "energy" else "linear")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("Shape features (X) and conditioning variables (context) by shower kind")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(out: Path = FIGURE_DIR) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    sample = simulation.simulate(np.random.default_rng(SEED), 20000, 20000)
    paths = [out / "block_maps.png", out / "feature_distributions.png"]
    block_maps(sample, paths[0])
    distributions(sample, paths[1])
    return paths


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIGURE_DIR):
        print(p)
