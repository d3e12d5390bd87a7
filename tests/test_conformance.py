"""The conformance kit accepts sound plugins and catches each kind of broken one by name."""

from __future__ import annotations

import pytest
import toy_plugins

from oneclass_bench.testing import (
    ConformanceError,
    check_dataset,
    check_detector,
    run_dataset_checks,
    run_detector_checks,
)


def test_sound_detector_passes():
    check_detector(toy_plugins.CenterDistance)
    check_detector(toy_plugins.ContextAware)
    check_detector(toy_plugins.Oracle)
    check_detector(toy_plugins.Selector)


@pytest.mark.parametrize("cls,check", toy_plugins.BROKEN.items(), ids=lambda v: getattr(
    v, "name", v))
def test_broken_detector_is_caught_naming_the_check(cls, check):
    failed = {r.check: r.message for r in run_detector_checks(cls) if not r.passed}
    assert check in failed, f"{cls.name}: expected {check} to fail, failures: {failed}"
    with pytest.raises(ConformanceError, match=rf"\[{check}\]|{check}"):
        check_detector(cls)


def test_nan_failure_message_says_nan():
    msgs = [r.message for r in run_detector_checks(toy_plugins.NaNScores) if not r.passed]
    assert any("NaN" in m for m in msgs)


def test_raising_plugin_is_a_failed_check_not_a_crash():
    results = run_detector_checks(toy_plugins.Raising)
    assert not all(r.passed for r in results)
    assert any("toy failure in fit" in r.message for r in results)


def test_params_roundtrip_checks_given_params():
    check_detector(toy_plugins.CenterDistance, {"power": 2.0})


def test_sound_dataset_passes():
    check_dataset(toy_plugins.Gaussian)
    check_dataset(toy_plugins.Gaussian, {"context": True})


def test_leaky_dataset_is_caught():
    failed = {r.check for r in run_dataset_checks(toy_plugins.LeakyDataset) if not r.passed}
    assert "train_reference_only" in failed


def test_dataset_with_nan_is_caught():
    failed = {r.check for r in run_dataset_checks(toy_plugins.Gaussian, {"nan": True})
              if not r.passed}
    assert "shapes" in failed


def test_select_without_the_multi_cut_form_is_caught():
    failed = {r.check: r.message for r in run_detector_checks(toy_plugins.OneCutSelector)
              if not r.passed}
    assert "must equal the two single-cut selections" in failed["select"]
