"""Render a pytest-benchmark JSON file as leaderboards/performance.md.

    pytest tests/benchmarks -m benchmark --benchmark-json=benchmarks.json
    python tests/benchmarks/report.py benchmarks.json > leaderboards/performance.md
"""

from __future__ import annotations

import json
import sys
from typing import Any

FIGURES = ("samples_per_s", "events_per_s", "overhead_fraction", "speedup", "direct_s",
           "harness_s", "serial_s", "parallel_s", "samples")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def render(data: dict[str, Any]) -> str:
    m = data["machine_info"]
    lines = [
        "# Performance", "",
        f"Machine: {m.get('cpu', {}).get('brand_raw', m.get('processor', '?'))}, "
        f"{m.get('cpu', {}).get('count', '?')} logical CPUs, {m['system']} {m['release']}, "
        f"Python {m['python_version']}; run {data['datetime']}"
        f" (commit {data.get('commit_info', {}).get('id', '?')[:12]}).",
        "Each benchmark process uses one torch/BLAS thread unless it measures parallelism.",
        "Produced by: `pytest tests/benchmarks -m benchmark --benchmark-json=benchmarks.json`"
        " then `python tests/benchmarks/report.py benchmarks.json`.", "",
        "| benchmark | median s | rounds | figures |", "|---|---|---|---|",
    ]
    for b in data["benchmarks"]:
        extra = ", ".join(f"{k} {_fmt(b['extra_info'][k])}" for k in FIGURES
                          if k in b["extra_info"])
        name = b["fullname"].split("/")[-1].replace(".py::", "::")
        lines.append(f"| {name} | {b['stats']['median']:.4g} | "
                     f"{b['stats']['rounds']} | {extra} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        sys.stdout.write(render(json.load(fh)))
