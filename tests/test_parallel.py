"""Large runs are shared among worker processes; the report is the same as a sequential run.

Each test asserts which way the lint ran: the worker that linted each chunk records its process
id (workers are forked, so they run the recording wrapper installed here)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from nbtest import write_ipynb
from jupyter_mlops.linter import engine
from jupyter_mlops.linter.engine import lint_paths


@pytest.fixture
def thirty(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    for i in range(30):
        write_ipynb(folder / f"nb{i:02d}.ipynb", [f"x{i} = y{i} + 1", "import numpy as np\nz = np.random.rand(3)"])
    (folder / "broken.ipynb").write_text("{")
    return folder


_RECORD: list[Path] = []
_ORIGINAL = engine._lint_chunk


def _recording_chunk(args):
    # Module level: the pool pickles the function by name.
    with _RECORD[0].open("a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _ORIGINAL(args)


@pytest.fixture
def chunk_pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file each linted chunk appends its process id to."""
    record = tmp_path / "pids.txt"
    _RECORD[:] = [record]
    monkeypatch.setattr(engine, "_lint_chunk", _recording_chunk)
    return record


def pids(record: Path) -> set[int]:
    return {int(p) for p in record.read_text().split()} if record.exists() else set()


def test_parallel_run_gives_the_sequential_report_in_order(thirty, chunk_pids):
    sequential = lint_paths([thirty], jobs=1).to_dict()
    assert pids(chunk_pids) == set()  # one process, no pool
    parallel = lint_paths([thirty], jobs=2).to_dict()
    workers = pids(chunk_pids)
    assert len(workers) == 2 and os.getpid() not in workers  # two worker processes did it
    assert parallel == sequential
    assert [f["path"] for f in parallel["files"]] == sorted(f["path"] for f in parallel["files"])
    assert sum(len(f["findings"]) for f in parallel["files"]) >= 30


def test_default_jobs_use_the_pool_for_large_runs_only(thirty, chunk_pids, tmp_path):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: the default is one process")
    lint_paths([thirty])  # 31 files >= PARALLEL_MIN_FILES
    assert len(pids(chunk_pids)) >= 2
    chunk_pids.unlink()
    small = tmp_path / "small"
    for i in range(engine.PARALLEL_MIN_FILES - 1):
        write_ipynb(small / f"s{i}.ipynb", ["x = 1"])
    lint_paths([small])
    assert pids(chunk_pids) == set()


def test_a_pool_that_cannot_start_falls_back_to_one_process(thirty, chunk_pids, monkeypatch, caplog):
    def no_fork(method):
        raise OSError("no /dev/shm here")

    import multiprocessing
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    with caplog.at_level(logging.INFO, logger="jupyter_mlops.linter.engine"):
        report = lint_paths([thirty], jobs=2).to_dict()
    assert pids(chunk_pids) == set()
    assert "parallel lint unavailable (no /dev/shm here)" in caplog.text
    assert report == lint_paths([thirty], jobs=1).to_dict()
