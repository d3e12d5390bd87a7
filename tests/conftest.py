"""Shared fixtures: a registry with the toy plugins, and an environment for CLI subprocesses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import toy_plugins

from oneclass_bench.plugins import Registry, get_registry

TESTS_DIR = Path(__file__).parent


@pytest.fixture(scope="session")
def registry() -> Registry:
    return get_registry(extra_plugins=[toy_plugins])


@pytest.fixture
def cli_env() -> dict[str, str]:
    """Environment in which an `ocbench` subprocess also sees the toy plugins."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env["OCBENCH_PLUGINS"] = "toy_plugins"
    return env


@pytest.fixture
def ocbench_cmd() -> list[str]:
    return [sys.executable, "-m", "oneclass_bench.cli"]
