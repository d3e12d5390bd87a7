"""Results store: one SQLite file per output directory, one committed transaction per cell.

WAL mode and a busy timeout let several runs write to the same store at once; each
finished cell is committed on its own, so an interrupted run loses nothing already done.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from oneclass_bench.errors import DataError

DB_NAME = "results.sqlite"

_COLUMNS = {
    "key": "TEXT PRIMARY KEY",
    "run_id": "TEXT",
    "detector": "TEXT NOT NULL",
    "detector_params": "TEXT NOT NULL",
    "dataset": "TEXT NOT NULL",
    "dataset_params": "TEXT NOT NULL",
    "seed": "INTEGER NOT NULL",
    "status": "TEXT NOT NULL",
    "error": "TEXT",
    "metrics": "TEXT NOT NULL",
    "curves": "TEXT",
    "provenance": "TEXT",
    "provenance_hash": "TEXT",
    "fit_s": "REAL",
    "score_s": "REAL",
    "peak_mem_mb": "REAL",
    "context_mode": "TEXT",
    "supervised": "INTEGER NOT NULL DEFAULT 0",
    "versions": "TEXT",
    "git_commit": "TEXT",
    "started_at": "TEXT",
    "finished_at": "TEXT",
}
_JSON_COLUMNS = ("detector_params", "dataset_params", "metrics", "curves", "provenance", "versions")


def db_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / DB_NAME


class ResultStore:
    """Append/replace cell records; read them back as dicts with JSON columns decoded."""

    def __init__(self, out_dir: str | Path, create: bool = True):
        self.path = db_path(out_dir)
        if not create and not self.path.exists():
            raise DataError(f"no results store at {self.path} (run `ocbench run --out DIR` first)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                cols = ", ".join(f"{k} {v}" for k, v in _COLUMNS.items())
                con.execute(f"CREATE TABLE IF NOT EXISTS cells ({cols})")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, command TEXT, "
                    "machine TEXT, started_at TEXT, finished_at TEXT, wall_s REAL, cells INTEGER)"
                )
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{self.path}: not a valid results store ({exc})") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=60.0)
        try:
            with con:  # one transaction: commit on success, roll back on error
                yield con
        finally:
            con.close()

    def put(self, record: dict[str, Any]) -> None:
        row = {k: record.get(k) for k in _COLUMNS}
        for k in _JSON_COLUMNS:
            # metrics keep the dataset's order: its first metric ranks the leaderboard
            if row[k] is not None:
                row[k] = json.dumps(row[k], sort_keys=k != "metrics", default=str)
        row["supervised"] = int(bool(row["supervised"]))
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._connect() as con:
            con.execute(f"INSERT OR REPLACE INTO cells ({names}) VALUES ({marks})",
                        list(row.values()))

    def put_run(self, run: dict[str, Any]) -> None:
        """Record one invocation (its command line and wall time) for provenance."""
        names = ", ".join(run)
        marks = ", ".join("?" for _ in run)
        with self._connect() as con:
            con.execute(f"INSERT OR REPLACE INTO runs ({names}) VALUES ({marks})",
                        list(run.values()))

    def runs(self) -> list[dict[str, Any]]:
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM runs ORDER BY started_at")]

    def records(self, status: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM cells" + (" WHERE status = ?" if status else "")
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(query + " ORDER BY dataset, detector, seed",
                               (status,) if status else ()).fetchall()
        out = []
        for r in rows:
            rec = dict(r)
            for k in _JSON_COLUMNS:
                rec[k] = json.loads(rec[k]) if rec[k] is not None else None
            rec["supervised"] = bool(rec["supervised"])
            out.append(rec)
        return out

    def finished_keys(self) -> set[str]:
        """Keys of cells that completed successfully (skipped by ``--resume``)."""
        with self._connect() as con:
            return {k for (k,) in con.execute("SELECT key FROM cells WHERE status = 'ok'")}

    def integrity_ok(self) -> bool:
        with self._connect() as con:
            return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
