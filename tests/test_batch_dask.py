"""The same batch on a Dask LocalCluster (two worker processes) gives the local run's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import pyarrow.parquet as pq

from audit.batch.runner import BatchOptions, run_batch
from audit.batch.samples import write_zip
from audit.cli import build_config


def test_dask_cluster_matches_local_pool(tmp_path: Path) -> None:
    from distributed import LocalCluster

    archive = write_zip(tmp_path / "archive.zip")
    config = build_config("zh", "en", (), False, (), False, False, (), None, 0)

    def options(out: Path, scheduler: str | None = None) -> BatchOptions:
        return BatchOptions(archive=str(archive), out=str(out), config=config, workers=2, scheduler=scheduler,
                            progress=False, source_checks=False)

    local = run_batch(options(tmp_path / "local"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = run_batch(options(tmp_path / "dask", cluster.scheduler_address))
    assert remote.processed == local.processed == 10
    for name in ("segments.jsonl", "documents.csv"):
        a = sorted((tmp_path / "local" / name).read_text().splitlines())
        b = sorted((tmp_path / "dask" / name).read_text().splitlines())
        assert a == b, name
    for name in ("summary.json", "report.html"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    assert pq.read_table(tmp_path / "local" / "segments.parquet").equals(
        pq.read_table(tmp_path / "dask" / "segments.parquet"))
    assert json.loads((tmp_path / "dask" / "summary.json").read_text())["segments"] == 36
