"""Separately installed plugin packages: a working one is discovered through its entry point
and passes the conformance kit; a broken one is reported while everything else loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """Install both example packages (non-editable) into a private target directory."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(EXAMPLES / "ocbench-example-plugin"),
         str(EXAMPLES / "ocbench-broken-plugin")],
        check=True, capture_output=True, text=True,
    )
    env = {k: v for k, v in os.environ.items() if k != "OCBENCH_PLUGINS"}
    env["PYTHONPATH"] = str(target)
    return env


def ocbench(env, *args):
    return subprocess.run([sys.executable, "-m", "oneclass_bench.cli", *args], env=env,
                          capture_output=True, text=True, cwd=ROOT)


def test_list_discovers_working_and_reports_broken_plugin(installed):
    proc = ocbench(installed, "list")
    assert proc.returncode == 0
    assert "example-mahalanobis" in proc.stdout and "example-blobs" in proc.stdout
    assert "iforest" in proc.stdout  # the built-ins still load
    assert ("plugin broken = ocbench_broken.plugin failed to load: ModuleNotFoundError"
            in proc.stderr)


def test_check_and_run_the_installed_plugin(installed, tmp_path):
    assert ocbench(installed, "check", "example-mahalanobis").returncode == 0
    assert ocbench(installed, "check", "example-blobs").returncode == 0
    proc = ocbench(installed, "run", "-d", "example-mahalanobis,iforest", "-D", "example-blobs",
                   "--seeds", "0", "--json", "-q", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    cells = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {c["detector"] for c in cells} == {"example-mahalanobis", "iforest"}
    assert all(c["metrics"]["auroc"] > 0.9 for c in cells)


def test_plugin_authors_own_tests_pass(installed):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(EXAMPLES / "ocbench-example-plugin" / "tests")],
        env=installed, capture_output=True, text=True, cwd=EXAMPLES,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
