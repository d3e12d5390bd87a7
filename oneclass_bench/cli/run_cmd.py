"""``ocbench run``: expand the grid, run it, store results, print a summary or JSON lines."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from oneclass_bench.cells import DEFAULT_SEEDS, expand_grid, parse_params
from oneclass_bench.errors import ParameterError
from oneclass_bench.plugins import get_registry
from oneclass_bench.runner import run_grid, split_finished
from oneclass_bench.store import ResultStore

DEFAULT_OUT = Path("ocbench-results")
SUMMARY_METRICS = 4


def _names(text: str, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ParameterError(f"no {what} given")
    return names


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ParameterError(f"--seeds {text!r}: expected integers like 0,1,2") from None


def cell_json(rec: dict[str, Any]) -> str:
    keys = ("detector", "dataset", "seed", "status", "error", "metrics", "detector_params",
            "dataset_params", "context_mode", "supervised")
    return json.dumps({k: rec.get(k) for k in keys}, sort_keys=True, default=str)


def run(
    ctx: typer.Context,
    detector: str = typer.Option(..., "--detector", "-d", help="Detector(s), comma-separated."),
    dataset: str = typer.Option(..., "--dataset", "-D", help="Dataset name(s), comma-separated."),
    seeds: str = typer.Option(",".join(map(str, DEFAULT_SEEDS)), help="Seeds, comma-separated."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME.key=value (repeatable)."),
    out: Path = typer.Option(DEFAULT_OUT, help="Output directory (results store)."),
    workers: int = typer.Option(1, min=1, help="Cells run in parallel worker processes."),
    threads: int = typer.Option(0, min=0, help="Threads per worker (0: cores / workers)."),
    executor: str = typer.Option("local", help="local or dask."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:port)."),
    timeout: float = typer.Option(None, min=0, help="Seconds before a cell is stopped."),
    memory_limit: float = typer.Option(None, min=1, help="MiB a cell may allocate."),
    resume: bool = typer.Option(False, help="Skip cells already finished in the store."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per cell on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Run every detector × dataset × seed cell and store the results."""
    reg = get_registry()
    for entry_point, error in reg.load_errors:
        print(f"ocbench: warning: plugin {entry_point} failed to load: {error}", file=sys.stderr)
    cells = expand_grid(reg, _names(detector, "detector"), _names(dataset, "dataset"),
                        _seeds(seeds), parse_params(param))
    store = ResultStore(out)
    err = Console(stderr=True, soft_wrap=True)  # messages stay one line each
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, disable=quiet, transient=False)

    todo, skipped = split_finished(cells, store) if resume else (cells, [])
    if skipped and not quiet:
        err.print(f"resuming: {len(skipped)} finished cell(s) skipped")
    with progress:
        task = progress.add_task("cells", total=len(todo))

        def on_result(rec: dict[str, Any]) -> None:
            progress.advance(task)
            if as_json:
                print(cell_json(rec), flush=True)
            if rec["status"] != "ok":
                err.print(f"[red]{rec['status']}[/]: {rec['detector']} × {rec['dataset']} "
                          f"seed {rec['seed']}: {rec['error']}", highlight=False)

        command = shlex.join(["ocbench", *(ctx.obj or {}).get("argv", [])])
        summary = run_grid(todo, reg, store, workers=workers, timeout=timeout,
                           threads=threads or None, memory_mb=memory_limit,
                           executor=executor, scheduler=scheduler,
                           command=command, on_result=on_result)
    if not as_json:
        _print_summary(summary.records)
    if summary.failed:
        err.print(f"{len(summary.failed)} of {len(summary.records)} cell(s) failed: " + "; ".join(
            f"{r['detector']} × {r['dataset']} seed {r['seed']}" for r in summary.failed),
            highlight=False)
        raise typer.Exit(1)
    if not quiet:
        err.print(f"results: {store.path}")


def _print_summary(records: list[dict[str, Any]]) -> None:
    keys: list[str] = []
    for r in records:
        keys += [k for k in r["metrics"] if k not in keys and k not in ("peak_mem_mb",)]
    shown = [k for k in keys if k not in ("fit_s", "score_s")][:SUMMARY_METRICS]
    shown += ["fit_s", "score_s"]
    t = Table(title="cells")
    for col in ("detector", "dataset", "seed", "status", *shown):
        t.add_column(col)
    for r in records:
        vals = [r["metrics"].get(k) for k in shown]
        t.add_row(r["detector"], r["dataset"], str(r["seed"]), r["status"],
                  *["" if v is None else f"{v:.4g}" for v in vals])
    Console(width=200).print(t)
