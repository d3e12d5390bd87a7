"""Entry point of the ocbench_showers plugin (not implemented yet)."""

from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_datasets():
    return []
