"""Tiingo's adapter against a loopback Tiingo (fake_tiingo.py)."""

import datetime as dt

import pytest
from stockflow.sources.http import Response
from stockflow.sources.providers import base, tiingo
from support import fake_tiingo, provkit
from support.fakekit import KEY, Seen, history, normalized_csv
from support.provkit import END, START

# The free tier's 50 an hour would space a retry 72 s apart: tests lift the budget.
UNLIMITED = ("--requests-per-minute", "0")


def fetch(fake, tickers, tmp_path, capsys, monkeypatch, *extra, env=None):
    return provkit.fetch(fake, tickers, tmp_path, capsys, monkeypatch, *UNLIMITED, *extra, env=env)


def test_the_default_budget_is_the_free_tiers_50_an_hour():
    assert tiingo.ADAPTER.requests_per_minute * 60 == pytest.approx(50)
    assert tiingo.ADAPTER.key_env == ("TIINGO_API_KEY",)


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    written = (tmp_path / "AAPL.csv").read_text()
    assert written == normalized_csv(history("AAPL", START, END))
    assert len(seen) == 1  # no pages: one answer holds the range
    assert seen[0].path == "/tiingo/daily/AAPL/prices"
    assert seen[0].query == {
        "startDate": "2024-01-02", "endDate": "2024-03-28", "format": "csv",
        "resampleFreq": "daily",
    }  # fmt: skip
    assert seen[0].headers["authorization"] == f"Token {KEY}"
    assert KEY not in err and "startDate=2024-01-02" in err


def test_a_ticker_is_one_path_segment(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake()
    results, seen = fetch(fake, ["BRK-B"], tmp_path, capsys, monkeypatch)
    assert results["BRK-B"][0] == 0, results["BRK-B"][1]
    assert seen[0].path == "/tiingo/daily/BRK-B/prices"
    assert (tmp_path / "BRK-B.csv").read_text() == normalized_csv(history("BRK-B", START, END))


def test_without_start_date_tiingo_gives_one_day_so_the_adapter_always_sends_it():
    fake = fake_tiingo.Fake()
    auth = {"authorization": f"Token {KEY}"}
    latest = fake.respond(Seen("/tiingo/daily/AAPL/prices", {"format": "csv"}, auth), None)
    assert len(latest.body.decode().splitlines()) == 2  # the header and the latest day
    window = base.Window(dt.date(2023, 1, 1), dt.date(2023, 1, 31))
    request = tiingo.first("AAPL", window, [KEY], "https://api.tiingo.com")
    assert request.params["startDate"] == "2023-01-01"
    assert request.params["endDate"] == "2023-01-31"
    assert request.url == "https://api.tiingo.com/tiingo/daily/AAPL/prices"
    assert KEY not in request.display()


def test_an_unknown_ticker_with_an_empty_body_is_no_bars(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake(empty={"NOPE"})
    results, _ = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert "Tiingo returned no daily bars for 'NOPE'" in err
    assert not (tmp_path / "NOPE.csv").exists()


def test_an_unknown_ticker_with_404_fails_with_tiingos_words(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake(not_found={"GONE"})
    results, _ = fetch(fake, ["GONE"], tmp_path, capsys, monkeypatch)
    code, err = results["GONE"]
    assert code == 1
    assert "Tiingo answered HTTP 404" in err and "Error: Ticker 'GONE' not found" in err
    assert not (tmp_path / "GONE.csv").exists()


def test_the_months_symbols_spent_behind_200_fails_at_once(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake(over_limit=True)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "You have run over your 500 symbol look up for this month." in err
    assert len(seen) == 1  # no use retrying
    assert not (tmp_path / "AAPL.csv").exists()
    assert KEY not in err


@pytest.mark.parametrize("status", [200, 429])
def test_the_hours_allocation_is_retried_then_succeeds(tmp_path, capsys, monkeypatch, status):
    fake = fake_tiingo.Fake(hourly_first=1, hourly_status=status)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    assert len(seen) == 2
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    if status == 200:  # the adapter's Throttled, named in the warning
        assert "You have run over your hourly request allocation." in err


def test_the_hours_allocation_past_the_retries_fails_with_tiingos_words(
    tmp_path, capsys, monkeypatch
):
    fake = fake_tiingo.Fake(hourly_first=10)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "Tiingo is throttling (after 2 retries)" in err
    assert "You have run over your hourly request allocation." in err
    assert len(seen) == 3
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_wrong_key_is_refused_and_never_shown(tmp_path, capsys, monkeypatch):
    fake = fake_tiingo.Fake()
    env = {"TIINGO_API_KEY": "wrong-key-123456"}
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1 and "HTTP 401" in err and "Invalid token." in err
    assert "wrong-key-123456" not in err


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TIINGO_API_KEY", raising=False)
    fake = fake_tiingo.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["AAPL"]
    assert code == 1
    assert "the environment variable TIINGO_API_KEY is not set" in err
    assert seen == []


def _parse(body: bytes, status: int = 200, start="2024-01-03", end="2024-01-04"):
    window = base.Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    request = tiingo.first("AAPL", window, [KEY], "https://api.tiingo.com")
    return tiingo.parse(Response(status, "OK", {}, body), request, "AAPL", window, [KEY])


def test_parse_reads_the_raw_columns_by_name_and_keeps_the_window():
    body = (
        f"{fake_tiingo.HEADER}\n"
        "2024-01-02,1.5,2.5,0.5,1.0,100,9,9,9,9,9,0.0,1.0\n"
        "2024-01-03,11.5,12.5,10.5,11.0,200,9,9,9,9,9,0.0,1.0\n"
        "2024-01-05,21.5,22.5,20.5,21.0,300,9,9,9,9,9,0.0,1.0\n"
    ).encode()
    page = _parse(body)
    assert page.next is None
    assert page.rows == [
        base.Row("line 3", dt.date(2024, 1, 3), "11.0", "12.5", "10.5", "11.5", "200")
    ]


def test_parse_quotes_a_json_detail_behind_200_and_a_429_retry_after():
    with pytest.raises(base.ProviderError, match="Error: startDate is invalid"):
        _parse(b'{"detail": "Error: startDate is invalid"}')
    window = base.Window(dt.date(2024, 1, 3), dt.date(2024, 1, 4))
    request = tiingo.first("AAPL", window, [KEY], "https://api.tiingo.com")
    response = Response(429, "Too Many Requests", {"retry-after": "17"}, b"")
    with pytest.raises(base.Throttled) as caught:
        tiingo.parse(response, request, "AAPL", window, [KEY])
    assert caught.value.wait_s == 17.0
    with pytest.raises(base.Throttled) as caught:
        _parse(fake_tiingo.HOURLY.encode())
    assert caught.value.wait_s == 60.0 and "hourly request allocation" in caught.value.message
