"""Per-cell resource control: thread limits and peak-memory sampling."""

from __future__ import annotations

import os
import resource
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


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class PeakMemory:
    """Peak resident memory of a block, as growth over the RSS at its start.

    Resets the kernel's high-water mark (``clear_refs`` 5) on entry and reads ``VmHWM`` on
    exit, so the peak belongs to this block even in a long-lived worker, includes torch's
    allocations and costs nothing on the hot path. Elsewhere: ``ru_maxrss`` growth.
    """

    def __enter__(self) -> PeakMemory:
        self._base = rss_mb()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self._kernel = _status_mb("VmHWM") is not None
        except OSError:
            self._kernel = False
            self._max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._kernel:
            self.peak_mb = max(0.0, (_status_mb("VmHWM") or 0.0) - self._base)
        else:
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            self.peak_mb = max(0.0, after - max(self._max_before, self._base))


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
