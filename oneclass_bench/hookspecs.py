"""Hook specifications of the ``oneclass_bench`` plugin system (pluggy).

A plugin is a module (or object) with functions named like these hooks, decorated with
``oneclass_bench.hookimpl``, registered under the entry-point group ``oneclass_bench``.
"""

from __future__ import annotations

import pluggy

from oneclass_bench.base import Dataset, Detector

PROJECT = "oneclass_bench"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_detectors() -> list[type[Detector]]:
    """Return the Detector classes this plugin provides (each with a unique ``name``)."""


@hookspec
def register_datasets() -> list[type[Dataset]]:
    """Return the Dataset classes this plugin provides (each with a unique ``name``)."""
