"""Stage 2: bars respect each day's OHLCV exactly, deterministically."""

import datetime as dt
import hashlib
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from stockflow import cli, download, quotes, synthesize


@pytest.fixture(scope="module")
def aapl_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("quotes") / "aapl.csv"
    assert cli.run(download.main, ["aapl", str(out)]) == 0
    return out


def synth(src, out, *extra):
    assert cli.run(synthesize.main, ["aapl", str(src), str(out), *map(str, extra)]) == 0
    return out


def load(path) -> pd.DataFrame:
    # The lesson's reader, used here as the independent check.
    df = pd.DataFrame([json.loads(line) for line in open(path)])
    df["day"] = df["timestamp"].str[:10]
    return df


def check_bars_respect_days(df: pd.DataFrame, daily: list[quotes.Quote], bars_per_day: int):
    by_day = df.groupby("day", sort=True)
    agg = by_day.agg(
        open=("open", "first"),
        close=("close", "last"),
        high=("high", "max"),
        low=("low", "min"),
        volume=("volume", "sum"),
        n=("open", "size"),
    )
    expected = pd.DataFrame(
        [(q.date.isoformat(), q.open, q.close, q.high, q.low, q.volume) for q in daily],
        columns=["day", "open", "close", "high", "low", "volume"],
    ).set_index("day")
    # Exact equality: first open, last close, extremes and total volume are the day's.
    pd.testing.assert_frame_equal(agg.drop(columns="n"), expected, check_exact=True)
    assert (agg["n"] == bars_per_day).all()
    assert (df["low"] <= df[["open", "close"]].min(axis=1)).all()
    assert (df["high"] >= df[["open", "close"]].max(axis=1)).all()
    assert (df["volume"] >= 0).all()


def test_default_year_of_aapl_respects_every_day(aapl_csv, tmp_path):
    out = synth(aapl_csv, tmp_path / "aapl.json", "--days", 365)
    df = load(out)
    daily = quotes.read_csv(str(aapl_csv))[-365:]
    check_bars_respect_days(df, daily, 480)
    assert len(df) == 365 * 480
    assert list(json.loads(open(out).readline())) == [
        "timestamp",
        "open",
        "high",
        "low",
        "close",
        "volume",
    ]
    stamps = pd.to_datetime(df["timestamp"])
    assert (
        stamps.dt.strftime("%H:%M").iloc[:480]
        == pd.date_range("09:00", periods=480, freq="min").strftime("%H:%M")
    ).all()
    # Prices carry no more decimals than the day's own quote.
    decimals = synthesize.price_decimals(
        np.array([[q.open, q.high, q.low, q.close] for q in daily])
    )
    assert set(decimals) == {2, 3}  # this year of aapl mixes precisions
    per_bar = np.repeat(decimals, 480)
    for col in ("open", "high", "low", "close"):
        values = df[col].to_numpy()
        scale = 10.0**per_bar
        assert np.array_equal(np.rint(values * scale) / scale, values)
    # Not degenerate: bars move within the day.
    assert df.groupby("day")["close"].nunique().min() > 50


def test_reruns_are_byte_identical_and_seed_matters(aapl_csv, tmp_path):
    a = synth(aapl_csv, tmp_path / "a.json", "--days", 20)
    b = synth(aapl_csv, tmp_path / "b.json", "--days", 20)
    c = synth(aapl_csv, tmp_path / "c.json", "--days", 20, "--seed", 7)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]


def test_changing_one_day_changes_only_that_days_bars(aapl_csv, tmp_path):
    daily = quotes.read_csv(str(aapl_csv))[-10:]
    before = tmp_path / "before.csv"
    before.write_bytes(quotes.to_csv(daily))
    q = daily[4]
    daily[4] = quotes.Quote(q.date, q.open, q.high + 1.25, q.low, q.close, q.volume + 1000)
    after = tmp_path / "after.csv"
    after.write_bytes(quotes.to_csv(daily))
    a = synth(before, tmp_path / "a.json").read_text().splitlines()
    b = synth(after, tmp_path / "b.json").read_text().splitlines()
    changed_days = {x[15:25] for x, y in zip(a, b, strict=True) if x != y}
    assert changed_days == {q.date.isoformat()}


@pytest.mark.parametrize(
    ("freq", "start", "end", "bars"),
    [("30s", "09:30", "16:00", 780), ("5min", "09:00", "17:00", 96), ("1h", "00:00", "23:00", 23)],
)
def test_other_frequencies_and_sessions(aapl_csv, tmp_path, freq, start, end, bars):
    out = synth(
        aapl_csv,
        tmp_path / "x.json",
        "--days",
        3,
        "--freq",
        freq,
        "--session-start",
        start,
        "--session-end",
        end,
    )
    df = load(out)
    check_bars_respect_days(df, quotes.read_csv(str(aapl_csv))[-3:], bars)
    assert df["timestamp"].iloc[0].endswith(start + ":00")


def test_edge_days_flat_day_zero_volume_and_extremes_at_open_close(tmp_path):
    days = [
        quotes.Quote(dt.date(2020, 1, 2), 10.0, 10.0, 10.0, 10.0, 0),  # flat, no trades
        quotes.Quote(dt.date(2020, 1, 3), 10.0, 10.0, 9.0, 9.0, 7),  # open=high, close=low
        quotes.Quote(dt.date(2020, 1, 6), 9.5, 9.75, 9.5, 9.75, 123456789),  # open=low, close=high
        quotes.Quote(dt.date(2020, 1, 7), 3.31397, 3.95098, 3.28236, 3.95098, 24947201),
    ]
    src = tmp_path / "edge.csv"
    src.write_bytes(quotes.to_csv(days))
    df = load(synth(src, tmp_path / "edge.json", "--days", 10))
    check_bars_respect_days(df, days, 480)
    flat = df[df["day"] == "2020-01-02"]
    assert (flat[["open", "high", "low", "close"]] == 10.0).all().all()
    five = df[df["day"] == "2020-01-07"]
    assert np.array_equal(five["open"], five["open"].round(5))


def test_price_decimals():
    prices = np.array(
        [[458.61, 460.46, 453.65, 454.37], [3.31397, 3.95098, 3.28236, 3.9], [10, 11, 9, 10]]
    )
    assert synthesize.price_decimals(prices).tolist() == [2, 5, 0]


def test_more_days_than_the_history_uses_all_with_a_warning(tmp_path, capsys):
    src = tmp_path / "two.csv"
    src.write_bytes(
        quotes.to_csv(
            [
                quotes.Quote(dt.date(2020, 1, 2), 10.0, 11.0, 9.0, 10.5, 1000),
                quotes.Quote(dt.date(2020, 1, 3), 10.5, 11.0, 10.0, 10.25, 2000),
            ]
        )
    )
    synth(src, tmp_path / "two.json", "--days", 365)
    assert "has 2 days, fewer than synth.days=365" in capsys.readouterr().err
    assert len(load(tmp_path / "two.json")) == 960


def test_a_single_day_history_makes_that_days_bars_with_a_warning(tmp_path, capsys):
    day = quotes.Quote(dt.date(2020, 1, 2), 10.0, 11.0, 9.0, 10.5, 1000)
    src = tmp_path / "one.csv"
    src.write_bytes(quotes.to_csv([day]))
    check_bars_respect_days(load(synth(src, tmp_path / "one.json", "--days", 5)), [day], 480)
    assert "has 1 day, fewer than synth.days=5; using all" in capsys.readouterr().err


def test_lines_are_exactly_what_json_dumps_writes(aapl_csv, tmp_path):
    out = synth(aapl_csv, tmp_path / "aapl.json", "--days", 40)
    lines = out.read_text().splitlines(keepends=True)
    assert len(lines) == 40 * 480
    for line in lines:
        assert json.dumps(json.loads(line)) + "\n" == line


def test_chunking_does_not_change_the_output(aapl_csv, tmp_path, monkeypatch):
    a = synth(aapl_csv, tmp_path / "a.json", "--days", 45).read_bytes()
    monkeypatch.setattr(synthesize, "CHUNK_DAYS", 7)
    b = synth(aapl_csv, tmp_path / "b.json", "--days", 45).read_bytes()
    assert a == b


def test_the_stage_imports_no_pandas_pyarrow_or_numpy_random(aapl_csv, tmp_path):
    # Every job is a fresh process: these imports would cost more than the work itself.
    code = (
        "import sys\n"
        "from stockflow import cli, synthesize\n"
        f"assert cli.run(synthesize.main, ['aapl', {str(aapl_csv)!r}, {str(tmp_path / 'x.json')!r}]) == 0\n"
        "heavy = {'pandas', 'pyarrow', 'numpy.random'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
