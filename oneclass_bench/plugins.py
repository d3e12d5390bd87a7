"""Plugin manager factory: built-in and third-party plugins load the same way.

Nothing loads at import time; call :func:`get_registry`. Built-ins are registered through
the ``oneclass_bench`` entry-point group of this distribution, exactly like external ones.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from oneclass_bench import hookspecs
from oneclass_bench.base import Dataset, Detector
from oneclass_bench.errors import PluginError, UnknownNameError

AUTOLOAD_ENV = "OCBENCH_DISABLE_PLUGIN_AUTOLOAD"
#: comma-separated importable modules to load as plugins without installing them
EXTRA_PLUGINS_ENV = "OCBENCH_PLUGINS"


@dataclass
class Registry:
    """Detectors and datasets by name, with the plugin that provided each."""

    detectors: dict[str, type[Detector]] = field(default_factory=dict)
    datasets: dict[str, type[Dataset]] = field(default_factory=dict)
    providers: dict[tuple[str, str], str] = field(default_factory=dict)
    #: entry points that failed to load: (entry point, error message)
    load_errors: list[tuple[str, str]] = field(default_factory=list)

    def detector(self, name: str) -> type[Detector]:
        return _lookup(self.detectors, name, "detector")

    def dataset(self, name: str) -> type[Dataset]:
        return _lookup(self.datasets, name, "dataset")


def _lookup(table: dict[str, Any], name: str, kind: str) -> Any:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "(none)"
        raise UnknownNameError(f"unknown {kind} '{name}'; known {kind}s: {known}") from None


def make_plugin_manager(
    extra_plugins: list[Any] = (), autoload: bool | None = None
) -> tuple[pluggy.PluginManager, list[tuple[str, str]]]:
    """A fresh plugin manager: entry points (unless autoload is off), $OCBENCH_PLUGINS, extras.

    A plugin whose import fails is recorded (entry point, error) and the others still load.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    errors: list[tuple[str, str]] = []
    if autoload is None:
        autoload = os.environ.get(AUTOLOAD_ENV, "") in ("", "0")
    if autoload:
        for ep in entry_points(group=hookspecs.PROJECT):
            label = f"{ep.name} = {ep.value}"
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken third-party plugin must not stop the others
                errors.append((label, f"{type(exc).__name__}: {exc}"))
    for module in filter(None, os.environ.get(EXTRA_PLUGINS_ENV, "").split(",")):
        try:
            pm.register(importlib.import_module(module.strip()), name=module.strip())
        except Exception as exc:
            errors.append((f"{EXTRA_PLUGINS_ENV}={module}", f"{type(exc).__name__}: {exc}"))
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm, errors


def get_registry(extra_plugins: list[Any] = (), autoload: bool | None = None) -> Registry:
    """Collect every registered detector and dataset; duplicate names are an error."""
    pm, errors = make_plugin_manager(extra_plugins, autoload)
    reg = Registry(load_errors=errors)
    for kind, hook, table, base in (
        ("detector", pm.hook.register_detectors, reg.detectors, Detector),
        ("dataset", pm.hook.register_datasets, reg.datasets, Dataset),
    ):
        for impl in hook.get_hookimpls():
            provider = pm.get_name(impl.plugin) or repr(impl.plugin)
            try:
                classes = impl.function() or []
            except Exception as exc:
                reg.load_errors.append((provider, f"{type(exc).__name__}: {exc}"))
                continue
            for cls in classes:
                if not (isinstance(cls, type) and issubclass(cls, base)) or not cls.name:
                    raise PluginError(
                        f"plugin {provider} registered {cls!r}, not a named {base.__name__} class"
                    )
                if cls.name in table:
                    other = reg.providers[(kind, cls.name)]
                    raise PluginError(
                        f"duplicate {kind} name '{cls.name}': provided by {other} and {provider}"
                    )
                table[cls.name] = cls
                reg.providers[(kind, cls.name)] = provider
    return reg
