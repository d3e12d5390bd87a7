"""Entry point of the ocbench_dijets plugin: registers the ``dijets`` dataset."""

from ocbench_dijets.dataset import Dijets
from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_datasets():
    return [Dijets]
