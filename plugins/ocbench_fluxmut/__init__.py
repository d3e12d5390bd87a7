"""Flux+Mutability detector plugin (``fluxmut``); see ``ocbench_fluxmut.detector``."""
