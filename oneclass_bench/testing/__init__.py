"""Conformance kit for plugin authors: ``check_detector(MyDetector)``, ``check_dataset(MyData)``."""

from oneclass_bench.testing.checks import (
    CheckResult,
    ConformanceError,
    check_dataset,
    check_detector,
    planted_problem,
    run_dataset_checks,
    run_detector_checks,
)

__all__ = [
    "CheckResult",
    "ConformanceError",
    "check_dataset",
    "check_detector",
    "planted_problem",
    "run_dataset_checks",
    "run_detector_checks",
]
