"""Executors beyond one process: a local process pool or Dask distributed.

Both expose the ``concurrent.futures`` interface (submit/map), which dataset generators
use to shard work by seed; ``run_dask`` sends benchmark cells to a Dask cluster.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from oneclass_bench.cells import Cell
from oneclass_bench.errors import ParameterError

EXECUTORS = ("local", "dask")


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A client of ``scheduler``, or of a LocalCluster on loopback with ``workers`` processes."""
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    # non-daemonic workers may fork one child per cell (isolation and timeouts)
    with dask.config.set({"distributed.worker.daemon": False}), LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:
        yield client


@contextmanager
def make_executor(kind: str, workers: int, scheduler: str | None = None
                  ) -> Iterator[Executor | None]:
    """None for ``local`` (the caller makes its own process pool), a Dask executor otherwise."""
    if kind == "local":
        yield None
    elif kind == "dask":
        with dask_client(workers, scheduler) as client:
            yield client.get_executor()
    else:
        raise ParameterError(f"unknown executor '{kind}'; choose from {', '.join(EXECUTORS)}")


def _dask_cell(cell: Cell, timeout: float | None, threads: int, memory_mb: float | None
               ) -> dict[str, Any]:
    """Runs on a Dask worker: the cell in its own child process where the worker allows it."""
    from oneclass_bench.execution import execute_cell
    from oneclass_bench.plugins import get_registry
    from oneclass_bench.resources import limit_threads
    from oneclass_bench.runner import run_local

    registry = get_registry()
    if mp.current_process().daemon:  # daemonic workers cannot fork: run in-process
        limit_threads(threads)
        return execute_cell(cell, registry)
    out: list[dict[str, Any]] = []
    run_local([cell], registry, 1, timeout, threads, memory_mb, out.append)
    return out[0]


def run_dask(cells: list[Cell], workers: int, timeout: float | None, threads: int | None,
             memory_mb: float | None, scheduler: str | None,
             on_result: Callable[[dict[str, Any]], None]) -> None:
    from dask.distributed import as_completed

    with dask_client(workers, scheduler) as client:
        futures = [client.submit(_dask_cell, c, timeout, threads or 1, memory_mb, pure=False)
                   for c in cells]
        for fut in as_completed(futures):
            on_result(fut.result())
