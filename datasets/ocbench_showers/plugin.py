"""Entry point of the ocbench_showers plugin: the ``showers`` dataset."""

from ocbench_showers.dataset import Showers
from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_datasets():
    return [Showers]
