"""Per-cell resource accounting: the peak-memory figure belongs to its own block."""

from __future__ import annotations

import numpy as np

from oneclass_bench.resources import PeakMemory


def test_peak_memory_is_per_block_in_a_long_lived_process():
    with PeakMemory() as big:
        blob = np.ones(25_000_000)  # 200 MB, touched
        del blob
    with PeakMemory() as small:
        blob = np.ones(1_000)
        del blob
    assert big.peak_mb > 150
    assert small.peak_mb < 50  # the earlier peak is not charged to this block
