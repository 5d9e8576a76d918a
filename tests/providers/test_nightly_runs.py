"""Nightly runs through a provider (real Snakemake, loopback EODHD): a new day asks each ticker
only for the days it does not hold, every output then equals a cold run over the same days,
and a failed update keeps what was stored (resources/history/, which Snakemake does not
manage) and is made good by the next run."""

import datetime as dt

import pandas as pd
import pytest
from stockflow import quotes
from support.fakekit import history, normalized_csv, serving
from support.provkit import START, config_for, fake_of, run, stage_results
from support.workflow import write_config

pytestmark = pytest.mark.workflow

TICKERS = ["AAPL.US", "IBM.US"]
END1, END2 = dt.date(2024, 3, 28), dt.date(2024, 4, 5)
OUTPUTS = ("resources/quotes/{t}.csv", "results/json/{t}.json")


def assert_same_outputs(nightly, cold, tickers):
    """Quotes and JSON byte for byte, HDF5 by read_hdf, every ticker."""
    for t in tickers:
        for path in OUTPUTS:
            a, b = nightly / path.format(t=t), cold / path.format(t=t)
            assert a.read_bytes() == b.read_bytes(), a
        pd.testing.assert_frame_equal(
            pd.read_hdf(nightly / f"results/hdf5/{t}.h5", "data"),
            pd.read_hdf(cold / f"results/hdf5/{t}.h5", "data"),
        )


def night(workdir, server, fake, end, *args, **extra):
    # each ticker's range (source.bulk false): the market's days are the Polygon tests below
    cfg = config_for("eodhd", server.base, TICKERS, end=end.isoformat(), bulk=False)
    write_config(workdir, **{**cfg, **extra})
    return run(workdir, fake.env, *args)


@pytest.fixture(scope="module")
def cold_end2(tmp_path_factory):
    """A cold run (per ticker) over the days up to END2: what a night must end equal to."""
    work = tmp_path_factory.mktemp("cold")
    fake = fake_of("eodhd")
    with serving(fake) as server:
        proc = night(work, server, fake, END2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


@pytest.mark.parametrize("batch_jobs", [False, True])
def test_a_new_day_asks_only_for_it_and_equals_a_cold_run(tmp_path, cold_end2, batch_jobs):
    fake = fake_of("eodhd")
    nightly, cold = tmp_path / "nightly", cold_end2
    shape = {"batch_jobs": batch_jobs, "batch_size": 1}  # batched: one ticker a batch
    with serving(fake) as server:
        assert night(nightly, server, fake, END1, **shape).returncode == 0
        before = len(server.seen)
        proc = night(nightly, server, fake, END2, **shape)
        assert proc.returncode == 0, proc.stderr[-3000:]
        if batch_jobs:
            assert "download_batch0000" in proc.stderr
        asked = server.seen[before:]
    # one request per ticker, for the days after the stored Thursday only
    assert sorted(s.path for s in asked) == [f"/api/eod/{t}" for t in TICKERS]
    assert {(s.query["from"], s.query["to"]) for s in asked} == {("2024-03-29", "2024-04-05")}
    for t in TICKERS:
        quotes = (nightly / f"resources/quotes/{t}.csv").read_text()
        assert quotes == normalized_csv(history(t, START, END2))
    assert_same_outputs(nightly, cold, TICKERS)


@pytest.mark.parametrize("batch_jobs", [False, True])
def test_one_new_day_makes_one_day_of_bars_and_parses_its_months_only(tmp_path, batch_jobs):
    fake = fake_of("eodhd")
    nightly, cold = tmp_path / "nightly", tmp_path / "cold"
    shape = {"batch_jobs": batch_jobs, "batch_size": 1, "synth": {"days": 40}}
    end = dt.date(2024, 3, 29)  # a Friday: the window (40 weekdays) leaves a day of January
    with serving(fake) as server:
        assert night(nightly, server, fake, END1, **shape).returncode == 0
        assert night(nightly, server, fake, end, **shape).returncode == 0
        assert night(cold, server, fake, end, **shape).returncode == 0
    made = stage_results(nightly, "synthesize")
    parsed = stage_results(nightly, "convert")
    for t in TICKERS:
        assert made[t]["days_made"] == 1, made[t]
        # March (the new day's month) and January (the month the window leaves), not February
        assert parsed[t]["months_parsed"] == 2, parsed[t]
        assert stage_results(cold, "synthesize")[t]["days_made"] == 40
    assert_same_outputs(nightly, cold, TICKERS)


def test_revised_added_and_removed_tickers_end_equal_to_a_cold_run(tmp_path):
    """Nights in a row: stale days stored (a provider later revised them), refetched with
    source.refetch_from while a ticker joins and another leaves the sheet."""
    fake = fake_of("eodhd")
    nightly, cold = tmp_path / "nightly", tmp_path / "cold"
    a, b, c = "AAPL.US", "IBM.US", "MSFT.US"
    shape = {"synth": {"days": 40}}
    with serving(fake) as server:
        assert night(nightly, server, fake, END1, **shape, tickers=[a, b]).returncode == 0
        stored = nightly / f"resources/history/{a}.csv"
        stale = [  # what the provider said then about Mar 26..28
            q if q.date < dt.date(2024, 3, 26) else quotes.Quote(q.date, 1.0, 2.0, 0.5, 1.5, 7)
            for q in quotes.read_csv(str(stored))
        ]
        stored.write_bytes(quotes.to_csv(stale))
        friday, monday = dt.date(2024, 3, 29), dt.date(2024, 4, 1)
        assert night(nightly, server, fake, friday, **shape, tickers=[a, b]).returncode == 0
        assert "1.0,2.0,0.5,1.5,7" in (nightly / f"resources/quotes/{a}.csv").read_text()
        source = {**config_for("eodhd", server.base, [])["source"], "bulk": False}
        source |= {"end": monday.isoformat(), "refetch_from": "2024-03-26"}
        write_config(nightly, **shape, tickers=[a, c], source=source)
        assert run(nightly, fake.env).returncode == 0
        assert night(cold, server, fake, monday, **shape, tickers=[a, c]).returncode == 0
    made = stage_results(nightly, "synthesize")
    assert made[a]["days_made"] == 4  # the three revised days and the new one
    assert made[c]["days_made"] == 40  # a new ticker: its whole window
    assert_same_outputs(nightly, cold, [a, c])


def test_a_failed_update_keeps_the_stored_quotes_and_outputs(tmp_path):
    fake = fake_of("eodhd")
    with serving(fake) as server:
        assert night(tmp_path, server, fake, END1).returncode == 0
        kept = {
            p.format(t=t): (tmp_path / p.format(t=t)).read_bytes()
            for t in TICKERS
            for p in ("resources/history/{t}.csv", "results/json/{t}.json", "results/hdf5/{t}.h5")
        }
        fake.quota_spent = True  # the provider refuses the night's requests
        proc = night(tmp_path, server, fake, END2, "--keep-going")
        assert proc.returncode != 0
        assert "HTTP 402" in (tmp_path / f"logs/download/{TICKERS[0]}.log").read_text()
        for path, data in kept.items():
            assert (tmp_path / path).read_bytes() == data, path
        # Snakemake removed the failed jobs' outputs: nothing half-written, made again next time
        assert not (tmp_path / f"resources/quotes/{TICKERS[0]}.csv").exists()
        fake.quota_spent = False  # the next night completes from what was kept
        proc = night(tmp_path, server, fake, END2)
        assert proc.returncode == 0, proc.stderr[-3000:]
    for t in TICKERS:
        want = normalized_csv(history(t, START, END2))
        assert (tmp_path / f"resources/quotes/{t}.csv").read_text() == want
        assert (tmp_path / f"resources/history/{t}.csv").read_text() == want


def polygon_night(workdir, server, fake, end, *args, **source):
    cfg = config_for("polygon", server.base, ["AAPL", "IBM"], end=end.isoformat(), **source)
    write_config(workdir, **cfg)
    return run(workdir, fake.env, *args)


def test_a_new_week_is_one_market_request_per_day_for_every_ticker(tmp_path):
    fake = fake_of("polygon", market=("aapl", "ibm", "msft"))
    nightly, cold = tmp_path / "nightly", tmp_path / "cold"
    with serving(fake) as server:
        assert polygon_night(nightly, server, fake, END1).returncode == 0
        per_ticker, bulk = fake.calls, fake.bulk_calls
        proc = polygon_night(nightly, server, fake, END2)
        assert proc.returncode == 0, proc.stderr[-3000:]
        # 2024-03-29 and 2024-04-01..05: six weekdays, one request each for both tickers
        assert (fake.calls - per_ticker, fake.bulk_calls - bulk) == (0, 6)
        assert polygon_night(cold, server, fake, END2, bulk=False).returncode == 0
    assert_same_outputs(nightly, cold, ["AAPL", "IBM"])


def test_a_long_pause_asks_each_tickers_range_instead(tmp_path):
    fake = fake_of("polygon", market=("aapl", "ibm"))
    with serving(fake) as server:
        assert polygon_night(tmp_path, server, fake, END1).returncode == 0
        per_ticker = fake.calls
        later = END1 + dt.timedelta(days=21)  # 15 weekdays: more than bulkdays.MAX_DAYS
        assert polygon_night(tmp_path, server, fake, later).returncode == 0
    assert (fake.calls - per_ticker, fake.bulk_calls) == (2, 0)
    for t in ("AAPL", "IBM"):
        want = normalized_csv(history(t, START, later))
        assert (tmp_path / f"resources/quotes/{t}.csv").read_text() == want
