"""``--workers 0`` picks the pool size from the input: no pool where a pool cannot pay."""

from __future__ import annotations

from pathlib import Path

from logscope import workers


def test_small_input_runs_without_a_pool() -> None:
    samples = Path(__file__).resolve().parents[2] / "samples"
    assert workers.workers_for([samples]) == 1


def test_large_input_uses_every_core(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(workers, "default_workers", lambda: 2)
    big = tmp_path / "bundle" / "System.evtx"
    big.parent.mkdir()
    with big.open("wb") as fh:  # sparse: the size is what counts
        fh.truncate(workers.POOL_MIN_BYTES)
    assert workers.workers_for([tmp_path / "bundle"]) == 2
    assert workers.workers_for([big]) == 2
    (tmp_path / "notes.txt").write_bytes(b"x")
    assert workers.workers_for([tmp_path / "notes.txt"]) == 1
    monkeypatch.setattr(workers, "default_workers", lambda: 1)
    assert workers.workers_for([big]) == 1  # one core: never a pool
