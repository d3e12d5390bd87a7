"""Entry point of the ocbench_pyod plugin: the PyOD baselines."""

from ocbench_pyod.detectors import DETECTORS
from oneclass_bench.base import Detector
from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_detectors() -> list[type[Detector]]:
    return list(DETECTORS)
