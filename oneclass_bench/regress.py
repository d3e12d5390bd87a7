"""Compare current results with a committed baseline (the leaderboard JSON format)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.metrics import lower_is_better

DEFAULT_TOLERANCE = 0.01
#: timings and memory are machine noise, compared only when a tolerance is given for them
UNCOMPARED_BY_DEFAULT = ("fit_s", "score_s", "peak_mem_mb")


@dataclass(frozen=True)
class Regression:
    task: str
    detector: str
    metric: str
    baseline: float | None
    current: float | None
    tolerance: float

    def __str__(self) -> str:
        if self.current is None:
            return f"{self.task} / {self.detector} / {self.metric}: missing (baseline " \
                   f"{self.baseline:.4g})"
        return (f"{self.task} / {self.detector} / {self.metric}: {self.baseline:.4g} -> "
                f"{self.current:.4g} (worse by {abs(self.current - self.baseline):.4g}, "
                f"tolerance {self.tolerance:g})")


def parse_tolerances(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key:
            raise ParameterError(f"--tolerance {item!r}: expected METRIC=ABS, e.g. auroc=0.01")
    return out


def load_baseline(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"baseline file {p} not found")
    try:
        data = json.loads(p.read_text())
        tasks = data["tasks"]
        for rows in tasks.values():
            for row in rows:
                row["detector"], row["metrics"]  # noqa: B018 - validate the shape
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{p}: not a leaderboard JSON baseline ({exc!r})") from exc
    return data


def compare(baseline: dict[str, Any], current: dict[str, Any],
            tolerances: dict[str, float]) -> list[Regression]:
    """Every baseline metric that got worse by more than its tolerance, or went missing."""
    now = {(t, row["detector"]): row["metrics"] for t, rows in current["tasks"].items()
           for row in rows}
    found = []
    for task, rows in baseline["tasks"].items():
        for row in rows:
            cur = now.get((task, row["detector"]), {})
            for metric, stats in row["metrics"].items():
                if metric in UNCOMPARED_BY_DEFAULT and metric not in tolerances:
                    continue
                base = stats["mean"]
                if base is None:
                    continue
                tol = tolerances.get(metric, DEFAULT_TOLERANCE)
                value = (cur.get(metric) or {}).get("mean")
                worse = None if value is None else (
                    value - base if lower_is_better(metric) else base - value)
                if worse is None or worse > tol:
                    found.append(Regression(task, row["detector"], metric, base, value, tol))
    return found
