"""Entry point of the ocbench_supervised plugin: the supervised upper bound."""

from ocbench_supervised.detector import Supervised
from oneclass_bench.base import Detector
from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_detectors() -> list[type[Detector]]:
    return [Supervised]
