"""``ocbench regress``: exit 1 when a metric dropped below a committed baseline."""

from __future__ import annotations

from pathlib import Path

import typer

from oneclass_bench.cli.run_cmd import DEFAULT_OUT
from oneclass_bench.leaderboard import build
from oneclass_bench.regress import DEFAULT_TOLERANCE, compare, load_baseline, parse_tolerances
from oneclass_bench.report import to_dict
from oneclass_bench.store import ResultStore


def regress(
    baseline: Path = typer.Option(..., help="Baseline JSON (`ocbench leaderboard -f json`)."),
    results: Path = typer.Option(DEFAULT_OUT, help="Results directory to check."),
    tolerance: list[str] = typer.Option(
        [], help=f"METRIC=ABS allowed drop (repeatable; default {DEFAULT_TOLERANCE})."),
) -> None:
    """Compare current results with a baseline; list every metric that got worse."""
    base = load_baseline(baseline)
    tolerances = parse_tolerances(tolerance)
    current = to_dict(build(ResultStore(results, create=False).records()))
    found = compare(base, current, tolerances)
    for reg in found:
        typer.echo(f"REGRESSION {reg}", err=True)
    if found:
        typer.echo(f"{len(found)} regression(s) against {baseline}", err=True)
        raise typer.Exit(1)
    typer.echo(f"no regressions against {baseline}")
