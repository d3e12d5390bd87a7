"""The benchmark grid: cells (detector × dataset × seed) and their parameters."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from oneclass_bench.errors import ParameterError
from oneclass_bench.plugins import Registry

DEFAULT_SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Cell:
    detector: str
    dataset: str
    seed: int
    detector_params: dict[str, Any] = field(default_factory=dict)
    dataset_params: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity: same names, parameters and seed -> same key (used by --resume)."""
        blob = json.dumps(
            [self.detector, self.detector_params, self.dataset, self.dataset_params, self.seed],
            sort_keys=True, default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    @property
    def label(self) -> str:
        return f"{self.detector} × {self.dataset} (seed {self.seed})"


def parse_value(text: str) -> Any:
    """`--param` values: JSON where it parses (numbers, true/false, null, lists), else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_params(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["fluxmut.n_samples=512", ...]`` -> ``{"fluxmut": {"n_samples": 512}}``."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        name, dot, key = target.partition(".")
        if not sep or not dot or not name or not key:
            raise ParameterError(f"--param {item!r}: expected NAME.key=value")
        out.setdefault(name, {})[key] = parse_value(value)
    return out


def expand_grid(
    registry: Registry,
    detectors: list[str],
    datasets: list[str],
    seeds: tuple[int, ...] | list[int] = DEFAULT_SEEDS,
    params: dict[str, dict[str, Any]] | None = None,
) -> list[Cell]:
    """All cells of the grid; names and parameters are validated before anything runs."""
    params = params or {}
    det_classes = {d: registry.detector(d) for d in detectors}
    ds_classes = {d: registry.dataset(d) for d in datasets}
    for name, values in params.items():
        cls = det_classes.get(name) or ds_classes.get(name)
        if cls is None:
            raise ParameterError(
                f"--param for '{name}', which is not a detector or dataset of this run "
                f"({', '.join([*detectors, *datasets])})"
            )
        unknown = sorted(set(values) - set(cls.param_names()))
        if unknown:
            raise ParameterError(
                f"{name}: unknown parameter(s) {', '.join(unknown)}; "
                f"valid: {', '.join(cls.param_names()) or '(none)'}"
            )
    # constructors only store and check their parameters: a bad value fails here, before
    # any cell runs, instead of failing every cell of the grid
    for name, cls in {**det_classes, **ds_classes}.items():
        cls.create(**params.get(name, {}))
    if not seeds:
        raise ParameterError("no seeds given")
    return [
        Cell(det, ds, seed, params.get(det, {}), params.get(ds, {}))
        for ds in datasets
        for det in detectors
        for seed in seeds
    ]
