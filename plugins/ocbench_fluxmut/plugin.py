"""Entry point of the ocbench_fluxmut plugin (not implemented yet)."""

from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_detectors():
    return []
