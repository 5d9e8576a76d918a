"""Download only what is missing: a provider is asked for the days after those kept in the
history directory, the seam is checked, and the output ends equal to a cold download of the
same days (stockflow/nightly/daily_history.py, against a loopback EODHD)."""

import datetime as dt
import os

import pytest
from stockflow import StockflowError, cli, download, quotes
from stockflow.nightly import daily_history
from stockflow.sources.providers.base import Window
from support import fake_eodhd
from support.fakekit import history, normalized_csv, serving
from support.provkit import FAST, START

T = "AAPL.US"
END1 = dt.date(2024, 3, 28)  # a Thursday
END2 = dt.date(2024, 4, 5)  # the next Friday but one


def download_to(out, server, end, *extra, start=START, history=True):
    args = [T, str(out), "--provider", "eodhd", "--key-env", "EODHD_API_TOKEN"]
    if history:
        args += ["--history-dir", str(out.parent / "history")]
    args += ["--base-url", server.base, "--start", start.isoformat(), "--end", end.isoformat()]
    args += [*FAST, "--rate-dir", str(out.parent / "ratelimit"), *map(str, extra)]
    return cli.run(download.main, args)


@pytest.fixture
def eodhd(monkeypatch):
    fake = fake_eodhd.Fake()
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    with serving(fake) as server:
        yield server


def test_a_new_week_asks_only_for_its_days_and_equals_a_cold_download(tmp_path, capsys, eodhd):
    out = tmp_path / "q.csv"
    assert download_to(out, eodhd, END1) == 0
    assert download_to(out, eodhd, END2) == 0, capsys.readouterr().err
    asked = [(s.query["from"], s.query["to"]) for s in eodhd.seen]
    assert asked == [(START.isoformat(), "2024-03-28"), ("2024-03-29", "2024-04-05")]
    assert out.read_text() == normalized_csv(history(T, START, END2))
    cold = tmp_path / "cold.csv"
    assert download_to(cold, eodhd, END2, history=False) == 0
    assert out.read_bytes() == cold.read_bytes()
    assert (tmp_path / f"history/{T}.csv").read_bytes() == cold.read_bytes()


def test_no_new_day_keeps_the_history_and_writes_the_same_output(tmp_path, capsys, eodhd):
    out, kept = tmp_path / "q.csv", tmp_path / f"history/{T}.csv"
    friday, sunday = dt.date(2024, 3, 29), dt.date(2024, 3, 31)
    assert download_to(out, eodhd, friday) == 0
    written = out.read_bytes()
    os.utime(kept, ns=(1_000_000_000, 1_000_000_000))
    out.unlink()  # as Snakemake does before a job
    capsys.readouterr()
    assert download_to(out, eodhd, sunday) == 0  # the weekend: asked, no bar yet
    err = capsys.readouterr().err
    assert eodhd.seen[-1].query["from"] == "2024-03-30"
    assert "no new day" in err and kept.stat().st_mtime_ns == 1_000_000_000
    assert out.read_bytes() == written
    out.unlink()
    assert download_to(out, eodhd, friday) == 0  # nothing missing: no request at all
    assert len(eodhd.seen) == 2 and out.read_bytes() == written


def test_refetch_from_asks_again_and_replaces_revised_days(tmp_path, capsys, eodhd):
    out, kept = tmp_path / "q.csv", tmp_path / f"history/{T}.csv"
    assert download_to(out, eodhd, END1) == 0
    stale = quotes.read_csv(str(kept))
    revised = [
        q if q.date < dt.date(2024, 3, 26) else quotes.Quote(q.date, 1.0, 2.0, 0.5, 1.5, 7)
        for q in stale
    ]
    kept.write_bytes(quotes.to_csv(revised))
    assert download_to(out, eodhd, END1, "--refetch-from", "2024-03-26") == 0
    assert eodhd.seen[-1].query["from"] == "2024-03-26"
    assert out.read_text() == normalized_csv(history(T, START, END1))


def test_a_hand_edited_history_is_asked_for_whole_again(tmp_path, capsys, eodhd):
    out, kept = tmp_path / "q.csv", tmp_path / f"history/{T}.csv"
    kept.parent.mkdir()
    kept.write_text("date,open,high,low,close,volume\n2024-01-02,1,2,3,x,5\n")
    assert download_to(out, eodhd, END1) == 0
    err = capsys.readouterr().err
    assert f"{kept}: line 2" in err and "asking for the whole window again" in err
    assert eodhd.seen[-1].query["from"] == START.isoformat()
    assert out.read_text() == normalized_csv(history(T, START, END1))


def test_a_killed_job_between_history_and_output_loses_nothing(tmp_path, eodhd):
    out = tmp_path / "q.csv"
    assert download_to(out, eodhd, END2) == 0
    out.unlink()  # the history was written, the output not (the job was killed)
    assert download_to(out, eodhd, END2) == 0
    assert len(eodhd.seen) == 1  # asked for nothing the second time
    assert out.read_text() == normalized_csv(history(T, START, END2))


def test_a_longer_window_asks_for_the_whole_window(tmp_path, eodhd):
    out = tmp_path / "q.csv"
    assert download_to(out, eodhd, END1) == 0
    earlier = dt.date(2023, 11, 1)
    assert download_to(out, eodhd, END1, start=earlier) == 0
    assert eodhd.seen[-1].query["from"] == earlier.isoformat()
    assert out.read_text() == normalized_csv(history(T, earlier, END1))


def q(day: str, close=10.0) -> quotes.Quote:
    return quotes.Quote(dt.date.fromisoformat(day), close, close, close, close, 1)


WANTED = Window(dt.date(2024, 1, 2), dt.date(2024, 1, 10))


@pytest.mark.parametrize(
    ("stored", "refetch", "keep", "ask"),
    [
        ([], None, [], WANTED),
        (
            [q("2024-01-02"), q("2024-01-05")],
            None,
            ["2024-01-02", "2024-01-05"],
            ("01-06", "01-10"),
        ),
        ([q("2024-01-02"), q("2024-01-10")], None, ["2024-01-02", "2024-01-10"], None),
        # older days than the window are dropped: the file a cold download would write
        ([q("2023-12-29"), q("2024-01-03")], None, ["2024-01-03"], ("01-04", "01-10")),
        # the window starts more than a week before the first stored day: asked for whole
        ([q("2024-01-12")], None, [], WANTED),
        (
            [q("2024-01-02"), q("2024-01-05")],
            dt.date(2024, 1, 4),
            ["2024-01-02"],
            ("01-03", "01-10"),
        ),
        ([q("2024-01-02"), q("2024-01-05")], dt.date(2024, 1, 1), [], WANTED),
    ],
)
def test_plan(stored, refetch, keep, ask):
    got = daily_history.plan(stored, WANTED, refetch)
    assert [k.date.isoformat() for k in got.keep] == keep
    if isinstance(ask, tuple):
        ask = Window(
            dt.date.fromisoformat(f"2024-{ask[0]}"), dt.date.fromisoformat(f"2024-{ask[1]}")
        )
    assert got.ask == ask


def test_the_seam_refuses_a_day_already_stored_naming_both():
    with pytest.raises(
        StockflowError,
        match=r"first day 2024-01-05 is not after the last stored day 2024-01-05 \(q.csv\)",
    ):
        daily_history.merge(
            [q("2024-01-04"), q("2024-01-05")], [q("2024-01-05")], "q.csv", "AAPL.US (EODHD)"
        )


def test_the_merged_series_is_checked_as_one_file():
    merged, warnings = daily_history.merge([q("2024-01-02")], [q("2024-03-01")], "q.csv", "AAPL.US")
    assert [m.date.isoformat() for m in merged] == ["2024-01-02", "2024-03-01"]
    assert any("gap(s) of more than" in w and "q.csv 2024-01-02" not in w for w in warnings)
