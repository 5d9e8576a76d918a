"""A nightly update killed in the middle (Snakemake and every job, as a lost node would), then
run again: nothing stored is lost, nothing corrupt is taken as done, and every output ends
equal to a cold run over the same days (against a loopback Polygon, one ticker's range per
request). Killed while downloads are in flight (the fake slowed), or once some tickers'
synthesize and convert jobs have kept their new outputs (resources/periods) and others not."""

import datetime as dt
import time

import pandas as pd
import pytest
from support.fakekit import history, serving
from support.faultkit import kill_tree, recover, start, temp_leftovers, wait_for
from support.provkit import START, Slow, config_for, fake_of, run
from support.workflow import write_config

pytestmark = pytest.mark.workflow

TICKERS = ["AAPL", "IBM", "GE", "JPM"]
END1, END2 = dt.date(2024, 3, 28), dt.date(2024, 4, 5)


def configure(workdir, server, end):
    cfg = config_for("polygon", server.base, TICKERS, end=end.isoformat(), bulk=False)
    # 40 days: the update's six new weekdays are made, the other days copied from the keep
    cfg = {**cfg, "synth": {"days": 40}}
    write_config(workdir, **{**cfg, "source": {**cfg["source"], "parallel": 1}})


def kept_last_day(workdir, t) -> str:
    path = workdir / f"resources/history/{t}.csv"
    return path.read_text().rstrip().rsplit("\n", 1)[-1][:10] if path.exists() else ""


def kept_since(workdir, t, since: int) -> bool:
    """Whether the ticker's convert job kept its output (its index written) after ``since``."""
    try:
        return (workdir / f"resources/periods/convert/{t}.h5.index.json").stat().st_mtime_ns > since
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A cold run over the update's days: what every rerun must end equal to (only read)."""
    work = tmp_path_factory.mktemp("cold")
    fake = fake_of("polygon")
    with serving(fake) as server:
        configure(work, server, END2)
        proc = run(work, fake.env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


@pytest.mark.parametrize("when", ["downloads", "periods"])
def test_a_killed_nightly_update_loses_nothing(tmp_path, cold, fault_ledger, monkeypatch, when):
    nightly = tmp_path / "nightly"
    slow = Slow(fake_of("polygon"), 0.5 if when == "downloads" else 0.0)
    for name, value in slow.env.items():
        monkeypatch.setenv(name, value)
    with serving(slow) as server:
        configure(nightly, server, END1)
        assert run(nightly, slow.env).returncode == 0
        configure(nightly, server, END2)
        since = time.time_ns()
        proc = start(nightly)
        try:
            if when == "downloads":
                wait_for(
                    lambda: any(kept_last_day(nightly, t) == "2024-04-05" for t in TICKERS),
                    what="one ticker updated",
                )
                updated = [t for t in TICKERS if kept_last_day(nightly, t) == "2024-04-05"]
            else:
                wait_for(
                    lambda: any(kept_since(nightly, t, since) for t in TICKERS),
                    what="one ticker's new HDF5 kept",
                )
                updated = [t for t in TICKERS if kept_since(nightly, t, since)]
            killed = kill_tree(proc.pid)
            proc.wait(timeout=30)
        finally:
            proc.kill()
        # what the kill left: every history either the old days or the new ones, whole
        for t in TICKERS:
            end = END2 if kept_last_day(nightly, t) == "2024-04-05" else END1
            assert (nightly / f"resources/history/{t}.csv").read_text().count("\n") == 1 + len(
                history(t, START, end)
            ), t
        steps, _ = recover(lambda *flags: run(nightly, slow.env, *flags))
    lost = corrupt = 0
    for t in TICKERS:
        for path in (f"resources/quotes/{t}.csv", f"results/json/{t}.json"):
            a, b = nightly / path, cold / path
            lost += not a.exists()
            corrupt += a.exists() and a.read_bytes() != b.read_bytes()
        a = pd.read_hdf(nightly / f"results/hdf5/{t}.h5", "data")
        corrupt += not a.equals(pd.read_hdf(cold / f"results/hdf5/{t}.h5", "data"))
    fault_ledger.record(
        "nightly update",
        "SIGKILL snakemake and its jobs mid-update "
        + ("(downloads in flight)" if when == "downloads" else "(some new outputs kept)"),
        "rerun " + (" ".join(steps) or "as is") + " = cold run over the same days",
        lost,
        corrupt,
    )
    assert len(killed) > 1 and 0 < len(updated) < len(TICKERS)
    assert (lost, corrupt) == (0, 0)
    assert temp_leftovers(nightly) == []
