"""Library errors. The CLI turns each into one line on stderr and a non-zero exit."""


class OCBenchError(Exception):
    """Base class of every error a user can cause (and fix)."""


class UnknownNameError(OCBenchError):
    """A detector, dataset or metric name that no plugin provides."""


class ParameterError(OCBenchError):
    """A parameter that the named plugin does not accept, or a malformed value."""


class DataError(OCBenchError):
    """Missing, malformed or invalid data (files, arrays, NaN/inf)."""


class PluginError(OCBenchError):
    """A plugin that is broken: duplicate names, bad registration, failing import."""


class ContractError(OCBenchError):
    """A detector or dataset that violates its contract (shape, NaN scores, ...)."""
