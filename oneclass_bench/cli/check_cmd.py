"""``ocbench check NAME``: run the conformance kit on an installed detector or dataset."""

from __future__ import annotations

import typer
from rich.console import Console

from oneclass_bench.cells import parse_params
from oneclass_bench.plugins import get_registry
from oneclass_bench.testing import run_dataset_checks, run_detector_checks


def check(
    name: str = typer.Argument(..., help="Detector or dataset name."),
    param: list[str] = typer.Option([], "--param", "-p", help="key=value (repeatable)."),
) -> None:
    """Conformance checks for one plugin; exit 1 if any fails."""
    reg = get_registry()
    params = parse_params([f"{name}.{p}" for p in param]).get(name, {})
    if name in reg.detectors:
        results = run_detector_checks(reg.detector(name), params)
    else:
        results = run_dataset_checks(reg.dataset(name), params)
    out = Console(highlight=False)
    for r in results:
        out.print(f"[green]PASS[/] {r.check}" if r.passed
                  else f"[red]FAIL[/] {r.check}: {r.message}")
    failed = [r for r in results if not r.passed]
    out.print(f"{name}: {len(results) - len(failed)}/{len(results)} checks passed")
    if failed:
        raise typer.Exit(1)
