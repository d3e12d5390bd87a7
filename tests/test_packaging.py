"""The wheel (a non-editable install) carries every plugin package, their data and the entry
points; packages.find with several roots would silently drop them (DESIGN §2)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = ["ocbench_pyod", "ocbench_fluxmut", "ocbench_supervised", "ocbench_tabular",
                   "ocbench_dijets", "ocbench_showers"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (path,) = out.glob("oneclass_bench-*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def wheel_names(wheel) -> list[str]:
    return wheel.namelist()


def test_wheel_holds_core_and_every_plugin_package(wheel_names):
    for pkg in ["oneclass_bench", "oneclass_bench/cli", "oneclass_bench/testing"]:
        assert f"{pkg}/__init__.py" in wheel_names, f"{pkg} missing from the wheel"
    for pkg in PLUGIN_PACKAGES:
        assert f"{pkg}/plugin.py" in wheel_names, f"{pkg} missing from the wheel"


def test_wheel_holds_the_committed_dijets_sample(wheel_names):
    assert "ocbench_dijets/data/dijets.parquet" in wheel_names
    assert "ocbench_dijets/data/dijets.provenance.json" in wheel_names


def test_wheel_declares_entry_points(wheel, wheel_names):
    (ep,) = [n for n in wheel_names if n.endswith("entry_points.txt")]
    text = wheel.read(ep).decode()
    assert "[oneclass_bench]" in text and "ocbench = oneclass_bench.cli.app:main" in text
    for pkg in PLUGIN_PACKAGES:
        assert f"= {pkg}.plugin" in text, f"{pkg} has no entry point"
    # no importable top-level package may be named `datasets` or `plugins`
    tops = {n.split("/")[0] for n in wheel_names}
    assert not {"datasets", "plugins"} & tops
