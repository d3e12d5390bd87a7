"""``ocbench list``: the installed detectors and datasets, and plugins that failed to load."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from oneclass_bench.plugins import get_registry


class Kind(StrEnum):
    all = "all"
    detectors = "detectors"
    datasets = "datasets"


def list_plugins(kind: Kind = typer.Argument(Kind.all, help="What to list.")) -> None:
    """List detectors and datasets with their parameters and providing plugin."""
    reg = get_registry()
    out = Console(width=200)
    groups = [("detector", reg.detectors), ("dataset", reg.datasets)]
    for label, table in groups:
        if kind.value not in ("all", label + "s"):
            continue
        t = Table(title=f"{label}s", show_lines=False)
        for col in ("name", "plugin", "tags" if label == "detector" else "metrics", "parameters"):
            t.add_column(col)
        for name, cls in sorted(table.items()):
            extra = (", ".join(sorted(cls.tags)) if label == "detector"
                     else ", ".join(cls.metrics))
            t.add_row(name, reg.providers[(label, name)], extra, ", ".join(cls.param_names()))
        out.print(t)
    for entry_point, error in reg.load_errors:
        print(f"ocbench: warning: plugin {entry_point} failed to load: {error}", file=sys.stderr)
