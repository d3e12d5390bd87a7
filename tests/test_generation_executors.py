"""`ocbench data generate` shards by seed over the chosen executor; the sample is the same
whether it ran in-process, on a process pool or on a Dask LocalCluster (loopback)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from oneclass_bench.cli.app import main


def _digest(out: Path) -> str:
    (path,) = out.glob("*.parquet")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_showers_generation_is_the_same_on_every_executor(tmp_path, capsys):
    # 60k showers: two shards of SHARD_SIZE = 50k, so the executors really shard
    args = ["data", "generate", "showers", "--events", "60000", "--signal-events", "1000",
            "--seed", "3", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "pool")]) == 0
    assert main([*args, "--workers", "2", "--executor", "dask",
                 "--out", str(tmp_path / "dask")]) == 0
    digests = {k: _digest(tmp_path / k) for k in ("one", "pool", "dask")}
    assert len(set(digests.values())) == 1, digests
    assert str(tmp_path / "dask") in capsys.readouterr().out


def test_unknown_executor_and_dataset_without_generator(capsys):
    assert main(["data", "generate", "showers", "--events", "10", "--executor", "ray"]) == 2
    assert "unknown executor 'ray'" in capsys.readouterr().err
    assert main(["data", "generate", "breast_cancer", "--events", "10"]) == 2
    assert "dataset 'breast_cancer' has no generator" in capsys.readouterr().err
