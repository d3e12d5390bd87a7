"""Entry point of the ocbench_fluxmut plugin: registers the ``fluxmut`` detector."""

from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_detectors() -> list[type]:
    from ocbench_fluxmut.detector import FluxMut  # torch is imported only when asked for

    return [FluxMut]
