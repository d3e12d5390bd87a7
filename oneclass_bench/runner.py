"""Run a grid of cells in worker processes, storing each result as it finishes.

A cell that raises, returns bad scores, hangs past ``timeout`` or kills its process fails
alone; the other cells run. ``split_finished`` picks out the cells a store already holds
(``--resume``).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from oneclass_bench.cells import Cell
from oneclass_bench.environment import machine_description
from oneclass_bench.execution import base_record, execute_cell, warm_up
from oneclass_bench.plugins import Registry
from oneclass_bench.resources import limit_memory, limit_threads, now_iso
from oneclass_bench.store import ResultStore

OnResult = Callable[[dict[str, Any]], None]


@dataclass
class RunSummary:
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] != "ok"]


def default_threads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def _worker_loop(registry: Registry, threads: int, memory_mb: float | None,
                 conn: Connection) -> None:
    """A worker process: run cells sent over ``conn`` until it receives None."""
    limit_threads(threads)
    if memory_mb:
        limit_memory(memory_mb)
    while (cell := conn.recv()) is not None:
        conn.send(execute_cell(cell, registry))


class _Worker:
    """One persistent worker process. Persistence keeps one-off costs (imports, JIT
    compilation) to one per worker; a crashed or timed-out worker is replaced."""

    def __init__(self, ctx: Any, registry: Registry, threads: int, memory_mb: float | None):
        self.conn, child = ctx.Pipe()
        # not daemonic: a detector may start processes of its own
        self.proc = ctx.Process(target=_worker_loop, args=(registry, threads, memory_mb, child))
        self.proc.start()
        child.close()
        self.cell: Cell | None = None
        self.started = 0.0

    def submit(self, cell: Cell) -> None:
        self.cell, self.started = cell, time.monotonic()
        self.conn.send(cell)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(timeout=10)
        except (BrokenPipeError, OSError):
            pass
        if self.proc.is_alive():
            self.kill()


def _died(cell: Cell, exitcode: int | None) -> dict[str, Any]:
    rec = base_record(cell)
    how = (f"killed by signal {-exitcode}" + (" (out of memory?)" if exitcode == -9 else "")
           if exitcode is not None and exitcode < 0 else f"exit code {exitcode}")
    rec.update(status="failed", error=f"worker process died ({how})", finished_at=now_iso())
    return rec


def _timed_out(cell: Cell, timeout: float) -> dict[str, Any]:
    rec = base_record(cell)
    rec.update(status="timed_out", error=f"cell exceeded --timeout {timeout:g} s",
               finished_at=now_iso())
    return rec


def run_local(cells: Iterable[Cell], registry: Registry, workers: int = 1,
              timeout: float | None = None, threads: int | None = None,
              memory_mb: float | None = None, on_result: OnResult = lambda r: None) -> None:
    """Run cells on up to ``workers`` forked processes; report each record to ``on_result``."""
    threads = threads or default_threads(workers)
    warm_up()
    ctx = mp.get_context("fork")  # workers inherit the loaded registry; no re-import
    pending = deque(cells)
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}
    try:
        while pending or busy:
            while pending and len(busy) < max(1, workers):
                w = idle.pop() if idle else _Worker(ctx, registry, threads, memory_mb)
                w.submit(pending.popleft())
                busy[w.conn] = w
            for conn in wait(list(busy), timeout=0.5):
                w = busy.pop(conn)
                try:
                    rec = conn.recv()
                    idle.append(w)
                except (EOFError, OSError):  # the cell took its process down with it
                    w.proc.join()
                    rec = _died(w.cell, w.proc.exitcode)
                    w.conn.close()
                on_result(rec)
            for conn, w in list(busy.items()):
                if timeout is not None and time.monotonic() - w.started > timeout:
                    del busy[conn]
                    w.kill()
                    on_result(_timed_out(w.cell, timeout))
    finally:  # also on Ctrl-C or an error in on_result: leave no orphaned workers behind
        for w in busy.values():
            w.kill()
        for w in idle:
            w.stop()


def split_finished(cells: list[Cell], store: ResultStore) -> tuple[list[Cell], list[Cell]]:
    """(cells still to run, cells already finished ok in the store)."""
    done = store.finished_keys()
    return [c for c in cells if c.key not in done], [c for c in cells if c.key in done]


def run_grid(cells: list[Cell], registry: Registry, store: ResultStore, workers: int = 1,
             timeout: float | None = None, threads: int | None = None,
             memory_mb: float | None = None, executor: str = "local",
             scheduler: str | None = None, command: str = "",
             on_result: OnResult = lambda r: None) -> RunSummary:
    """Run ``cells``, writing each finished record to ``store`` before reporting it."""
    summary = RunSummary()
    run_id = uuid.uuid4().hex[:12]
    run = {"run_id": run_id, "command": command, "machine": machine_description(),
           "started_at": now_iso(), "finished_at": None, "wall_s": None, "cells": 0}
    store.put_run(run)
    t0 = time.monotonic()

    def record(rec: dict[str, Any]) -> None:
        rec["run_id"] = run_id
        store.put(rec)
        summary.records.append(rec)
        on_result(rec)

    if executor == "local":
        run_local(cells, registry, workers, timeout, threads, memory_mb, record)
    elif executor == "dask":
        from oneclass_bench.executors import run_dask

        run_dask(cells, workers, timeout, threads, memory_mb, scheduler, record)
    else:
        from oneclass_bench.errors import ParameterError

        raise ParameterError(f"unknown executor '{executor}'; use local or dask")
    run.update(finished_at=now_iso(), wall_s=time.monotonic() - t0, cells=len(summary.records))
    store.put_run(run)
    return summary
