"""The ``ocbench`` command: one typer app, one module per command group.

Library errors (``OCBenchError``) become one line on stderr and exit status 2; usage errors
are reported by click; a bug in a plugin is recorded in its cell, never a traceback here.
"""

from __future__ import annotations

import sys

import click
import typer

from oneclass_bench.cli import (
    check_cmd,
    data_cmd,
    leaderboard_cmd,
    list_cmd,
    model_cmd,
    regress_cmd,
    run_cmd,
)
from oneclass_bench.errors import OCBenchError

EXIT_USER_ERROR = 2

app = typer.Typer(
    name="ocbench",
    help="Benchmark one-class classifiers and anomaly detectors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("list")(list_cmd.list_plugins)
app.command("run")(run_cmd.run)
app.command("leaderboard")(leaderboard_cmd.leaderboard)
app.command("check")(check_cmd.check)
app.command("regress")(regress_cmd.regress)
app.add_typer(data_cmd.app, name="data")
app.add_typer(model_cmd.app, name="model")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns (and exits with) the status code."""
    try:
        # the argv travels in the context so that runs record the command that made them
        args = sys.argv[1:] if argv is None else argv
        rc = app(args=args, prog_name="ocbench", standalone_mode=False, obj={"argv": args})
    except OCBenchError as exc:
        print(f"ocbench: error: {exc}", file=sys.stderr)
        rc = EXIT_USER_ERROR
    except click.exceptions.ClickException as exc:
        exc.show()
        rc = exc.exit_code
    except click.exceptions.Abort:
        print("ocbench: aborted", file=sys.stderr)
        rc = 130
    rc = rc if isinstance(rc, int) else 0
    if argv is None:
        sys.exit(rc)
    return rc
