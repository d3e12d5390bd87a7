"""pytest plugin (entry point ``pytest11``): fixtures for plugin authors' own test suites."""

from __future__ import annotations

import pytest

from oneclass_bench.plugins import Registry, get_registry


@pytest.fixture
def ocbench_registry() -> Registry:
    """The registry of every installed detector and dataset plugin."""
    return get_registry()
