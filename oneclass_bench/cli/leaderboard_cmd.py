"""``ocbench leaderboard``: tables from a results store."""

from __future__ import annotations

from pathlib import Path

import typer

from oneclass_bench.cli.run_cmd import DEFAULT_OUT
from oneclass_bench.errors import ParameterError
from oneclass_bench.leaderboard import build
from oneclass_bench.plots import write_plots
from oneclass_bench.report import FORMATS, render
from oneclass_bench.store import ResultStore


def leaderboard(
    results: Path = typer.Option(DEFAULT_OUT, help="Results directory of `ocbench run`."),
    fmt: str = typer.Option(None, "--format", "-f", help="md, csv, json or html."),
    output: Path = typer.Option(None, "--output", "-o",
                                help="Write to this file (format from its suffix)."),
    title: str = typer.Option("Leaderboard", help="Title of md/html output."),
    plots: Path = typer.Option(None, help="Also write ROC, SIC and score-histogram PNGs here."),
) -> None:
    """Per-task tables (mean ± std over seeds, ranked) and the overall mean-rank table."""
    fmt = fmt or (output.suffix.lstrip(".") if output else "md")
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format '{fmt}'; choose from {', '.join(FORMATS)}")
    store = ResultStore(results, create=False)
    records = store.records()
    board = build(records)
    text = render(fmt, board, records, store.runs(), title)
    if plots:
        write_plots(records, list(board.task_metrics), plots)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
    else:
        typer.echo(text, nl=False)
