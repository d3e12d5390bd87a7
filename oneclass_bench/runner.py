"""Run a grid of cells: each in its own worker process, results stored as each finishes.

A cell that raises, returns bad scores, hangs past ``timeout`` or kills its process fails
alone; the other cells run. With ``resume`` the cells already finished in the store are
skipped.
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
from oneclass_bench.execution import base_record, execute_cell
from oneclass_bench.plugins import Registry
from oneclass_bench.resources import limit_memory, limit_threads, now_iso
from oneclass_bench.store import ResultStore

OnResult = Callable[[dict[str, Any]], None]


@dataclass
class RunSummary:
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Cell] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] != "ok"]


def default_threads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def _child(cell: Cell, registry: Registry, threads: int, memory_mb: float | None,
           conn: Connection) -> None:
    limit_threads(threads)
    if memory_mb:
        limit_memory(memory_mb)
    conn.send(execute_cell(cell, registry))
    conn.close()


@dataclass
class _Running:
    cell: Cell
    proc: Any
    conn: Connection
    started: float


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
    """Run cells in up to ``workers`` forked processes; report each record to ``on_result``."""
    threads = threads or default_threads(workers)
    ctx = mp.get_context("fork")  # children inherit the loaded registry; no re-import
    pending = deque(cells)
    running: dict[Connection, _Running] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                cell = pending.popleft()
                recv, send = ctx.Pipe(duplex=False)
                # not daemonic: a detector may start processes of its own
                proc = ctx.Process(target=_child, args=(cell, registry, threads, memory_mb, send))
                proc.start()
                send.close()
                running[recv] = _Running(cell, proc, recv, time.monotonic())
            for conn in wait(list(running), timeout=0.5):
                job = running.pop(conn)
                try:
                    rec = conn.recv()
                except (EOFError, OSError):
                    job.proc.join()
                    rec = _died(job.cell, job.proc.exitcode)
                job.proc.join()
                conn.close()
                on_result(rec)
            for conn, job in list(running.items()):
                if timeout is not None and time.monotonic() - job.started > timeout:
                    job.proc.kill()
                    job.proc.join()
                    conn.close()
                    del running[conn]
                    on_result(_timed_out(job.cell, timeout))
    finally:  # interrupted (Ctrl-C, an error in on_result): leave no orphaned cells behind
        for job in running.values():
            job.proc.kill()
            job.proc.join()


def split_finished(cells: list[Cell], store: ResultStore) -> tuple[list[Cell], list[Cell]]:
    """(cells still to run, cells already finished ok in the store)."""
    done = store.finished_keys()
    return [c for c in cells if c.key not in done], [c for c in cells if c.key in done]


def run_grid(cells: list[Cell], registry: Registry, store: ResultStore, workers: int = 1,
             resume: bool = False, timeout: float | None = None, threads: int | None = None,
             memory_mb: float | None = None, executor: str = "local",
             scheduler: str | None = None, command: str = "",
             on_result: OnResult = lambda r: None) -> RunSummary:
    """Run ``cells``, writing each finished record to ``store`` before reporting it."""
    summary = RunSummary()
    if resume:
        cells, summary.skipped = split_finished(cells, store)
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
