"""Plugin manager: entry points, duplicates, broken plugins, autoload switch, hook meta-test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import toy_plugins

from oneclass_bench import hookspecs
from oneclass_bench.errors import PluginError, UnknownNameError
from oneclass_bench.hookspecs import hookimpl
from oneclass_bench.plugins import get_registry

ROOT = Path(__file__).resolve().parents[1]
BUILT_INS = {"pyod", "fluxmut", "supervised", "tabular", "dijets", "showers"}


def test_builtins_load_through_entry_points():
    reg = get_registry()
    providers = set(reg.providers.values())
    assert BUILT_INS <= providers, f"missing built-in plugins: {BUILT_INS - providers}"
    assert {"iforest", "fluxmut", "supervised"} <= set(reg.detectors)
    assert {"breast_cancer", "dijets", "showers"} <= set(reg.datasets)
    assert reg.load_errors == []


def test_autoload_can_be_disabled(monkeypatch):
    monkeypatch.setenv("OCBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = get_registry(extra_plugins=[toy_plugins])
    assert "iforest" not in reg.detectors
    assert "toy-center" in reg.detectors


def test_duplicate_names_name_both_providers():
    class Clash:
        @hookimpl
        def register_detectors(self):
            return [toy_plugins.CenterDistance]

    with pytest.raises(PluginError, match=r"duplicate detector name 'toy-center'.*toy_plugins"):
        get_registry(extra_plugins=[toy_plugins, Clash()], autoload=False)


def test_broken_plugin_import_is_reported_and_others_load(monkeypatch):
    monkeypatch.setenv("OCBENCH_PLUGINS", "no_such_plugin_module,toy_plugins")
    reg = get_registry(autoload=False)
    assert "toy-center" in reg.detectors
    (where, error), = reg.load_errors
    assert "no_such_plugin_module" in where and "ModuleNotFoundError" in error


def test_plugin_whose_hook_raises_is_reported():
    class Exploding:
        @hookimpl
        def register_datasets(self):
            raise RuntimeError("boom")

    reg = get_registry(extra_plugins=[Exploding(), toy_plugins], autoload=False)
    assert "toy-gauss" in reg.datasets
    assert any("boom" in err for _, err in reg.load_errors)


def test_registering_a_non_detector_is_an_error():
    class Bad:
        @hookimpl
        def register_detectors(self):
            return [object]

    with pytest.raises(PluginError, match="not a named Detector"):
        get_registry(extra_plugins=[Bad()], autoload=False)


def test_unknown_name_lists_known_ones(registry):
    with pytest.raises(UnknownNameError, match=r"detector 'nope'; known detectors: .*iforest"):
        registry.detector("nope")


HOOKS = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(f, "oneclass_bench_spec")]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_every_hook_is_documented_and_tested(hook):
    """Meta-test: each hook spec has a docstring, a README entry and tests that call it."""
    assert (hook.__doc__ or "").strip(), f"{hook.__name__} has no docstring"
    readme = (ROOT / "README.md").read_text()
    assert f"`{hook.__name__}" in readme, f"{hook.__name__} is not documented in README.md"
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").glob("*.py"))
    assert re.search(rf"def {hook.__name__}\(", tests), f"no test plugin implements {hook.__name__}"
    # and a built-in plugin implements it, registered through its entry point
    reg = get_registry()
    kind = "detector" if "detector" in hook.__name__ else "dataset"
    assert any(k == kind for k, _ in reg.providers), f"no built-in implements {hook.__name__}"


def test_hookspecs_are_all_covered_by_this_meta_test():
    names = {n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(f, "oneclass_bench_spec")}
    assert names == {"register_detectors", "register_datasets"}
