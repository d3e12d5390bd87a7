"""``ocbench data``: generate samples for datasets that have a generator."""

from __future__ import annotations

from pathlib import Path

import typer

from oneclass_bench.errors import ParameterError
from oneclass_bench.executors import make_executor
from oneclass_bench.plugins import get_registry

app = typer.Typer(help="Generate dataset samples.", no_args_is_help=True)


@app.command()
def generate(
    name: str = typer.Argument(..., help="Dataset with a generator (e.g. dijets, showers)."),
    events: int = typer.Option(..., min=1, help="Number of (reference) events."),
    signal_events: int = typer.Option(None, min=0, help="Number of anomaly/signal events."),
    workers: int = typer.Option(1, min=1, help="Worker processes (shards by seed)."),
    seed: int = typer.Option(0, help="Base seed; shard k uses a seed derived from it."),
    out: Path = typer.Option(Path("ocbench-data"), help="Output directory."),
    executor: str = typer.Option("local", help="local or dask."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:port)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Generate a sample (Parquet + provenance JSON) into OUT."""
    cls = get_registry().dataset(name)
    if not hasattr(cls, "generate"):
        raise ParameterError(f"dataset '{name}' has no generator")
    out.mkdir(parents=True, exist_ok=True)
    with make_executor(executor, workers, scheduler) as pool:
        path = cls.generate(out, events, signal_events=signal_events, workers=workers, seed=seed,
                            executor=pool, progress=not quiet)
    typer.echo(str(path))
