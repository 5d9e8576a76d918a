"""The disk fills up at every point of an HDF5 write: the conversion fails naming the full disk,
or succeeds and reads back equal; never a file that is incomplete under its final name.

PyTables ignores a failed close and HDF5 writes most of a file at close, so without the
read-back check in stockflow.formats.hdf5 this sweep finds files with no /data under their final
names (it did: every level between ~0.6 and ~3.6 MB free).
"""

import os

import numpy as np
import pandas as pd
import pytest
from stockflow import StockflowError
from stockflow.convert import convert_file
from stockflow.formats import jsonlines
from support.faultkit import tmpfs

pytestmark = pytest.mark.root

N_BARS = 28_800  # 60 days of minute bars: 3.3 MB of JSON, 1.4 MB of HDF5
LAYOUTS = {
    "fixed, one block": {"fmt": "fixed"},
    "fixed, chunked blocks": {"fmt": "fixed", "memory_mb": 200, "block": 1 << 20},
    "table": {"fmt": "table"},
}


@pytest.fixture(scope="module")
def bars_json(tmp_path_factory):
    rng = np.random.default_rng(7)
    ts = 1_376_038_800 + 60 * np.arange(N_BARS, dtype=np.int64)
    prices = [np.round(100 + rng.random(N_BARS) * 10, 2) for _ in range(4)]
    volume = rng.integers(0, 10_000, N_BARS)
    path = tmp_path_factory.mktemp("disk") / "bars.json"
    text = jsonlines.encode_bars(ts, *prices, volume, np.full(N_BARS, 2))
    path.write_bytes(bytes(text))
    frame = pd.read_json(path, lines=True, dtype=False)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).astype("datetime64[ns]")
    return path, frame


def fill(mount, leave: int) -> None:
    """Leave ``leave`` bytes free on the file system at ``mount``."""
    for p in mount.iterdir():
        p.unlink()
    st = os.statvfs(mount)
    with open(mount / "filler", "wb") as fh:
        fh.write(b"\0" * max(st.f_bavail * st.f_frsize - leave, 0))


def test_a_disk_that_fills_during_the_write_never_leaves_a_bad_h5(
    bars_json, tmp_path, monkeypatch, fault_ledger
):
    src, want = bars_json
    outcomes = {"failed": 0, "equal": 0, "bad file accepted": 0, "unclear error": 0}
    leftovers = 0
    with tmpfs(tmp_path / "fs", size="8m") as mount:
        for layout in LAYOUTS.values():
            opts = dict(layout)
            block = opts.pop("block", None)
            if block:  # several appends, so the disk can fill between them
                monkeypatch.setattr("stockflow.convert.block_bytes", lambda _mb, b=block: b)
            for free_kb in range(256, 4096, 256):
                fill(mount, free_kb * 1024)
                out = mount / "ibm.h5"
                try:
                    convert_file(str(src), str(out), **opts)
                except StockflowError as exc:
                    ok = "no space left on device" in str(exc) and str(out) in str(exc)
                    outcomes["failed" if ok else "unclear error"] += 1
                else:
                    try:
                        same = pd.read_hdf(out, "data").equals(want)
                    except (OSError, KeyError, ValueError):  # missing or unreadable
                        same = False
                    outcomes["equal" if same else "bad file accepted"] += 1
                leftovers += sum(1 for p in mount.iterdir() if ".tmp-" in p.name)
            monkeypatch.undo()
    cases = sum(outcomes.values())
    fault_ledger.record(
        "process",
        f"disk fills during the HDF5 write ({cases} free-space levels x layouts)",
        f"{outcomes['failed']} failed 'no space left on device', {outcomes['equal']} wrote "
        "a complete file",
        0,
        outcomes["bad file accepted"] + leftovers,
    )
    assert outcomes["bad file accepted"] == 0 and outcomes["unclear error"] == 0, outcomes
    assert outcomes["failed"] > 0 and outcomes["equal"] > 0  # the sweep crossed the limit
    assert leftovers == 0
