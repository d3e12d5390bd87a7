"""Per-cell resource control: thread limits and peak-memory sampling."""

from __future__ import annotations

import os
import resource
import threading
import time
from types import TracebackType

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 0.0


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE_MB
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def limit_threads(n: int) -> None:
    """Pin torch and BLAS/OpenMP pools to ``n`` threads so parallel workers don't oversubscribe."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    import sys

    if "torch" in sys.modules:  # don't import torch for detectors that never use it
        sys.modules["torch"].set_num_threads(n)


def limit_memory(mb: float) -> None:
    """Cap this process's address space at its current size plus ``mb`` MiB.

    An allocation beyond it raises MemoryError inside the cell instead of inviting the
    kernel's OOM killer to pick a victim among all workers.
    """
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * _PAGE_MB
    except OSError:
        current = 0.0
    limit = int((current + mb) * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class PeakMemory:
    """Samples RSS in a background thread; ``peak_mb`` is the growth over the start value.

    Sampling (rather than tracemalloc) also sees torch's allocations and costs nothing on
    the hot path.
    """

    def __init__(self, interval_s: float = 0.02):
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        self._base = rss_mb()
        self._max = self._base
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._max = max(self._max, rss_mb())

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._max = max(self._max, rss_mb())
        self.peak_mb = self._max - self._base


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
