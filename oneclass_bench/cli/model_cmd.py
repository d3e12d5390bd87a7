"""``ocbench model``: fit a detector once, save it, score new data later."""

from __future__ import annotations

from pathlib import Path

import typer

from oneclass_bench.cells import expand_grid, parse_params
from oneclass_bench.models import fit_and_save, load_and_score, read_table
from oneclass_bench.plugins import get_registry

app = typer.Typer(help="Fit and save a detector; score new data with it.",
                  no_args_is_help=True)


@app.command()
def fit(
    detector: str = typer.Option(..., "--detector", "-d", help="Detector name."),
    dataset: str = typer.Option(..., "--dataset", "-D", help="Dataset to train on."),
    seed: int = typer.Option(0, help="Seed of the training split (and of the detector)."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME.key=value (repeatable)."),
    out: Path = typer.Option(..., help="Directory to save the fitted model in."),
) -> None:
    """Fit DETECTOR on DATASET's reference training data and save it to OUT."""
    reg = get_registry()
    (cell,) = expand_grid(reg, [detector], [dataset], [seed], parse_params(param))
    manifest = fit_and_save(reg, cell, out)
    typer.echo(f"saved {manifest['detector']} trained on {dataset} (seed {seed}) to {out}")


@app.command()
def score(
    model: Path = typer.Argument(..., help="Directory written by `ocbench model fit`."),
    input_file: Path = typer.Option(..., "--input", "-i", help="CSV or Parquet table."),
    output: Path = typer.Option(None, "--output", "-o", help="CSV to write (default stdout)."),
    quantile: float = typer.Option(None, "--q", min=0, max=1,
                                   help="Also report acceptance at this quantile cut."),
) -> None:
    """Score every row of INPUT (columns named as the training features)."""
    result = load_and_score(get_registry(), model, read_table(input_file), quantile)
    if output:
        result.to_csv(output, index=False)
    else:
        typer.echo(result.to_csv(index=False), nl=False)
