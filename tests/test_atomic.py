"""Atomic writes: all or nothing under the final name, leftovers of killed writers cleaned."""

import subprocess
import sys

import pytest
from stockflow import StockflowError, atomic


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_failed_write_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "x.h5"
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed halfway")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_target(tmp_path):
    target = tmp_path / "x.csv"
    atomic.write_bytes(target, b"old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"new, half")
        raise RuntimeError
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]
    assert target.read_bytes() == b"old"


def test_temporaries_of_dead_writers_on_this_host_are_removed_others_kept(tmp_path):
    target = tmp_path / "ibm.h5"
    dead = atomic.temp_path(target, dead_pid())
    live = atomic.temp_path(target, 1)  # init: always alive
    other_host = tmp_path / ".ibm.tmp-elsewhere-123.h5"
    other_target = atomic.temp_path(tmp_path / "aapl.h5", dead_pid())
    for p in (dead, live, other_host, other_target):
        p.write_bytes(b"partial")
    atomic.write_bytes(target, b"complete")
    assert target.read_bytes() == b"complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ibm.h5", live.name, other_host.name, other_target.name]
    )


def test_a_directory_that_cannot_be_created_is_named(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StockflowError, match="cannot create the directory of .*file/x.csv"):
        atomic.write_bytes(tmp_path / "file" / "x.csv", b"x")
