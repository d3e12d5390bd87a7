"""Entry point of the ocbench_supervised plugin (not implemented yet)."""

from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_detectors():
    return []
