"""Benchmarks run single-threaded per process unless they measure parallelism."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # toy_plugins

from oneclass_bench.resources import limit_threads  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    limit_threads(1)
