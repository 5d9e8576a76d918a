"""A whole market's day is asked once and shared by the run's downloads (stockflow/nightly/marketdays.py),
against a loopback Polygon that counts its grouped-daily requests."""

import datetime as dt
import json
import multiprocessing

import pytest
from stockflow import download
from stockflow.nightly import marketdays
from stockflow.sources import http
from stockflow.sources.providers import fetching
from stockflow.sources.providers.base import Window
from support import fake_polygon
from support.fakekit import history, normalized_csv, serving
from support.provkit import FAST

DAY = dt.date(2024, 3, 28)
OPTS = http.Options(2, 5, 2, 0, 50_000_000)


def settings(server, tmp_path):
    return fetching.Settings(
        provider="polygon",
        key_env=("POLYGON_API_KEY",),
        base_url=server.base,
        requests_per_minute=6000,
        rate_dir=str(tmp_path / "rate"),
    )


@pytest.fixture
def polygon(monkeypatch):
    fake = fake_polygon.Fake(market=("aapl", "ibm"))
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    with serving(fake) as server:
        yield fake, server


def test_a_day_is_asked_once_and_kept(tmp_path, polygon):
    fake, server = polygon
    s = settings(server, tmp_path)
    first = marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    again = marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    assert first == again and fake.bulk_calls == 1
    bar = history("AAPL", DAY, DAY)[0]
    assert first["aapl"] == [bar.open, bar.high, bar.low, bar.close, bar.volume]
    kept = json.loads((tmp_path / f"bulk/polygon/{DAY}.json").read_text())
    assert kept["day"] == DAY.isoformat() and kept["rows"] == first


def test_an_answer_asked_on_its_own_day_is_asked_again_the_next_day(tmp_path, polygon, monkeypatch):
    fake, server = polygon
    s = settings(server, tmp_path)
    monkeypatch.setattr(marketdays, "new_york_today", lambda: DAY)  # asked before the close
    marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    assert fake.bulk_calls == 1  # the same day's runs share it
    monkeypatch.setattr(marketdays, "new_york_today", lambda: DAY + dt.timedelta(days=1))
    marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    marketdays.market_day(DAY, s, OPTS, str(tmp_path / "bulk"))
    assert fake.bulk_calls == 2  # asked once more after the day, then kept


def test_a_kept_answer_that_does_not_read_back_is_asked_again(tmp_path, polygon):
    fake, server = polygon
    (tmp_path / "bulk/polygon").mkdir(parents=True)
    (tmp_path / f"bulk/polygon/{DAY}.json").write_text('{"rows": ')
    rows = marketdays.market_day(DAY, settings(server, tmp_path), OPTS, str(tmp_path / "bulk"))
    assert set(rows) == {"aapl", "ibm"} and fake.bulk_calls == 1


def _download(args):
    from stockflow import cli

    return cli.run(download.main, args)


def test_downloads_in_parallel_processes_share_one_request_per_day(tmp_path, polygon):
    fake, server = polygon
    # both tickers hold the days through 2024-03-25; three weekdays are missing
    end = dt.date(2024, 3, 28)
    jobs = []
    for t in ("AAPL", "IBM"):
        kept = tmp_path / f"history/{t}.csv"
        kept.parent.mkdir(exist_ok=True)
        bars = history(t, dt.date(2024, 1, 2), dt.date(2024, 3, 25))
        kept.write_text(normalized_csv(bars))
        args = [t, str(tmp_path / f"{t}.csv"), "--provider", "polygon"]
        args += ["--key-env", "POLYGON_API_KEY", "--base-url", server.base]
        args += ["--start", "2024-01-02", "--end", end.isoformat(), *FAST]
        args += ["--rate-dir", str(tmp_path / "rate"), "--requests-per-minute", "6000"]
        args += ["--history-dir", str(tmp_path / "history"), "--bulk-dir", str(tmp_path / "bulk")]
        jobs.append(args)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_download, jobs) == [0, 0]
    assert (fake.calls, fake.bulk_calls) == (0, 3)
    for t in ("AAPL", "IBM"):
        got = (tmp_path / f"{t}.csv").read_text().splitlines()
        assert got[-1].startswith("2024-03-28,") and len(got) == 1 + len(
            history(t, dt.date(2024, 1, 2), end)
        )


def test_weekdays():
    win = Window(dt.date(2024, 3, 29), dt.date(2024, 4, 2))
    assert marketdays.weekdays(win) == [
        dt.date(2024, 3, 29),
        dt.date(2024, 4, 1),
        dt.date(2024, 4, 2),
    ]


def test_a_bad_bar_in_the_markets_day_fails_the_ticker_and_is_recorded(tmp_path, polygon, capsys):
    _, server = polygon
    kept = tmp_path / "history/AAPL.csv"
    kept.parent.mkdir()
    bars = history("AAPL", dt.date(2024, 1, 2), dt.date(2024, 3, 27))
    kept.write_text(normalized_csv(bars))
    before = kept.read_bytes()
    market = tmp_path / "bulk/polygon"
    market.mkdir(parents=True)
    answer = {"day": str(DAY), "asked_on": "2024-03-29", "rows": {"aapl": [1.0, 2.0, 0.5, None, 9]}}
    (market / f"{DAY}.json").write_text(json.dumps(answer))
    args = ["AAPL", str(tmp_path / "AAPL.csv"), "--provider", "polygon"]
    args += ["--key-env", "POLYGON_API_KEY", "--base-url", server.base, *FAST]
    args += ["--start", "2024-01-02", "--end", str(DAY), "--rate-dir", str(tmp_path / "rate")]
    args += ["--history-dir", str(tmp_path / "history"), "--bulk-dir", str(tmp_path / "bulk")]
    assert _download(args) == 1
    err = capsys.readouterr().err
    assert "AAPL (polygon market days 2024-03-28..2024-03-28)" in err, err
    assert f"market answer of {DAY}" in err and "empty" in err, err
    assert kept.read_bytes() == before and not (tmp_path / "AAPL.csv").exists()
    assert (tmp_path / "history/AAPL.last-failure").exists()
    assert set(bulkdays_failures(tmp_path)) == {"AAPL"}


def bulkdays_failures(tmp_path):
    from stockflow.nightly import daily_history

    return daily_history.last_failures(str(tmp_path / "history"))
