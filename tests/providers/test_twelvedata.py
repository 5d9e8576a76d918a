"""Twelve Data's adapter against a loopback Twelve Data (fake_twelvedata.py)."""

import datetime as dt
import json

import pytest
from stockflow.sources.http import Response
from stockflow.sources.providers import twelvedata as td
from stockflow.sources.providers.base import ProviderError, Throttled, Window
from support import fake_twelvedata as ftd
from support.fakekit import KEY, Seen, history, normalized_csv
from support.provkit import END, START, fetch


def query(start="2024-01-02", end_date="2024-03-29", symbol="AAPL") -> dict:
    return {
        "symbol": symbol, "interval": "1day", "start_date": start, "end_date": end_date,
        "outputsize": "5000", "format": "CSV",
    }  # fmt: skip


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    results, seen = fetch(ftd.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    written = (tmp_path / "AAPL.csv").read_text()
    assert written == normalized_csv(history("AAPL", START, END))
    assert [(s.path, s.query) for s in seen] == [("/time_series", query())]
    assert seen[0].headers["authorization"] == f"apikey {KEY}"
    assert KEY not in err and "apikey" not in err
    assert "not in date order" not in err  # newest-first lines were turned oldest first


def test_the_exclusive_end_date_is_the_windows_end_plus_one_so_its_last_day_is_in(
    tmp_path, capsys, monkeypatch
):
    results, seen = fetch(ftd.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch)
    assert results["AAPL"][0] == 0
    assert END == dt.date(2024, 3, 28) and END.weekday() < 5
    assert seen[0].query["end_date"] == "2024-03-29"
    last = (tmp_path / "AAPL.csv").read_text().splitlines()[-1]
    assert last.startswith("2024-03-28,")


def test_the_fake_treats_end_date_as_exclusive():
    q = query(end_date="2024-03-28")
    reply = ftd.Fake().respond(Seen("/time_series", q, {"authorization": f"apikey {KEY}"}), None)
    lines = reply.body.decode().splitlines()
    assert lines[0] == "datetime;open;high;low;close;volume"
    assert lines[1].startswith("2024-03-27;") and "2024-03-28" not in reply.body.decode()


def test_semicolons_newest_first_and_five_decimals_in_the_body(tmp_path, capsys, monkeypatch):
    bars = history("AAPL", START, END)
    q = query()
    body = ftd.Fake().respond(Seen("/time_series", q, {"authorization": f"apikey {KEY}"}), None)
    lines = body.body.decode().splitlines()
    newest = bars[-1]
    assert lines[1] == (
        f"{newest.date};{newest.open:.5f};{newest.high:.5f};{newest.low:.5f};"
        f"{newest.close:.5f};{newest.volume}"
    )
    assert all(len(cell.split(".")[1]) == 5 for cell in lines[1].split(";")[1:5])
    assert len(lines) == 1 + len(bars)


def test_the_documented_example_line_is_read_with_its_strings_oldest_first():
    body = (
        b"datetime;open;high;low;close;volume\n"
        b"2024-03-28;171.75000;172.23000;170.51000;171.48000;65672690\n"
        b"2024-03-27;170.41000;173.60000;170.11000;173.31000;60273265\n"
    )
    win = window("2024-03-27", "2024-03-28")
    request = td.first("AAPL", win, [KEY], "https://x.test")
    page = td.parse(Response(200, "OK", {}, body), request, "AAPL", win, [KEY])
    assert page.next is None
    assert [(r.at, r.date, r.open, r.high, r.low, r.close, r.volume) for r in page.rows] == [
        ("line 3", dt.date(2024, 3, 27), "170.41000", "173.60000", "170.11000", "173.31000",
         "60273265"),
        ("line 2", dt.date(2024, 3, 28), "171.75000", "172.23000", "170.51000", "171.48000",
         "65672690"),
    ]  # fmt: skip
    assert float(page.rows[1].open) == 171.75 and repr(float(page.rows[1].close)) == "171.48"


@pytest.mark.parametrize("http_status_errors", [False, True])
@pytest.mark.parametrize("unknown_code", [400, 404])
def test_an_unknown_symbol_fails_with_twelve_datas_words_and_writes_nothing(
    tmp_path, capsys, monkeypatch, http_status_errors, unknown_code
):
    fake = ftd.Fake(
        unknown={"NOPE"}, unknown_code=unknown_code, http_status_errors=http_status_errors
    )
    results, seen = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert f"code {unknown_code}: '**symbol** not found: NOPE. Please specify it" in err
    assert "(unknown symbol)" in err
    assert (f"HTTP {unknown_code}" in err) == http_status_errors
    assert len(seen) == 1 and not (tmp_path / "NOPE.csv").exists()


@pytest.mark.parametrize("http_status_errors", [False, True])
def test_a_wrong_key_is_refused_and_never_shown(tmp_path, capsys, monkeypatch, http_status_errors):
    fake = ftd.Fake(http_status_errors=http_status_errors)
    env = {"TWELVEDATA_API_KEY": "wrong-key-123456"}
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1 and "code 401: '**apikey** parameter is incorrect or not specified." in err
    assert "wrong-key-123456" not in err
    assert seen[0].headers["authorization"] == "apikey wrong-key-123456" and len(seen) == 1
    assert not (tmp_path / "AAPL.csv").exists()


def test_the_minutes_credits_in_a_200_body_are_retried_and_then_succeed(
    tmp_path, capsys, monkeypatch
):
    fake = ftd.Fake(throttle_first=2)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 0, err
    assert "run out of API credits for the current minute" in err and "retry 2 of 3" in err
    assert len(seen) == fake.calls == 3
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    assert KEY not in err


def test_the_minutes_credits_with_http_429_are_retried_and_then_succeed(
    tmp_path, capsys, monkeypatch
):
    fake = ftd.Fake(throttle_first=2, http_status_errors=True)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 0, err
    assert len(seen) == 3
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))


@pytest.mark.parametrize("http_status_errors", [False, True])
def test_throttling_past_the_retries_fails_naming_it(
    tmp_path, capsys, monkeypatch, http_status_errors
):
    fake = ftd.Fake(throttle_first=10, http_status_errors=http_status_errors)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "Twelve Data is throttling (after 2 retries)" in err
    assert "run out of API credits for the current minute" in err
    assert len(seen) == 3 and not (tmp_path / "AAPL.csv").exists()


@pytest.mark.parametrize("http_status_errors", [False, True])
def test_the_days_credits_spent_are_quoted(tmp_path, capsys, monkeypatch, http_status_errors):
    fake = ftd.Fake(day_spent=True, http_status_errors=http_status_errors)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 1
    assert "run out of API credits for the day" in err and "(the day's credits)" in err
    if not http_status_errors:  # HTTP 429 is retried by the HTTP layer before it is read
        assert len(seen) == 1
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_long_window_is_asked_in_chunks_oldest_first(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(td, "CHUNK_DAYS", 30)
    results, seen = fetch(ftd.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    assert [(s.query["start_date"], s.query["end_date"]) for s in seen] == [
        ("2024-01-02", "2024-02-01"), ("2024-02-01", "2024-03-02"), ("2024-03-02", "2024-03-29")
    ]  # fmt: skip
    assert all(s.headers["authorization"] == f"apikey {KEY}" for s in seen)
    assert "in 3 pages" in err and "not in date order" not in err and KEY not in err


def test_a_chunk_before_the_listing_is_empty_not_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(td, "CHUNK_DAYS", 30)
    listed = dt.date(2024, 2, 12)
    fake = ftd.Fake(listed_from=listed, http_status_errors=True)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", listed, END))
    assert len(seen) == 3


def test_a_window_without_trading_says_no_daily_bars(tmp_path, capsys, monkeypatch):
    fake = ftd.Fake(listed_from=dt.date(2030, 1, 1))
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1 and "Twelve Data returned no daily bars for 'AAPL'" in err
    assert len(seen) == 1 and not (tmp_path / "AAPL.csv").exists()


def test_the_fake_serves_the_newest_outputsize_rows():
    q = query() | {"outputsize": "3"}
    reply = ftd.Fake().respond(Seen("/time_series", q, {"authorization": f"apikey {KEY}"}), None)
    dates = [line.split(";")[0] for line in reply.body.decode().splitlines()[1:]]
    assert dates == ["2024-03-28", "2024-03-27", "2024-03-26"]


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TWELVEDATA_API_KEY", raising=False)
    results, seen = fetch(ftd.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["AAPL"]
    assert code == 1
    assert "the environment variable TWELVEDATA_API_KEY is not set" in err
    assert seen == []


# --- the adapter alone ----------------------------------------------------------------------


def window(start: str, end: str) -> Window:
    return Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def test_the_key_is_only_in_the_header_and_chunks_never_overflow_an_answer():
    win = window("1990-01-01", "2024-03-28")
    request = td.first("BRK.B", win, [KEY], "https://x.test")
    assert request.url == "https://x.test/time_series"
    assert request.headers == {"Authorization": f"apikey {KEY}"} and "apikey" not in request.params
    assert KEY not in request.display()
    assert request.params["start_date"] == "1990-01-01"
    assert (
        request.params["end_date"]
        == (dt.date(1990, 1, 1) + dt.timedelta(days=td.CHUNK_DAYS)).isoformat()
    )
    assert td.CHUNK_DAYS <= td.OUTPUTSIZE  # even a market open every day fits one answer


def parse_body(data, status=200, headers=None):
    win = window("2024-01-02", "2024-03-28")
    request = td.first("AAPL", win, [KEY], "https://x.test")
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return td.parse(Response(status, "X", headers or {}, body), request, "AAPL", win, [KEY])


@pytest.mark.parametrize("status", [200, 429])
def test_the_per_minute_body_is_throttling_for_a_minute(status):
    with pytest.raises(Throttled) as got:
        parse_body({"code": 429, "message": ftd.PER_MINUTE, "status": "error"}, status)
    assert got.value.wait_s == 60.0 and got.value.message == ftd.PER_MINUTE


@pytest.mark.parametrize(
    "data, status, words",
    [
        ({"code": 401, "message": ftd.BAD_KEY, "status": "error"}, 200, "code 401: '**apikey**"),
        ({"code": 400, "message": ftd.not_found("X"), "status": "error", "meta": {}}, 400,
         "Twelve Data HTTP 400 answered code 400: '**symbol** not found: X."),
        ({"code": 429, "message": ftd.PER_DAY, "status": "error"}, 200, "for the day"),
        ({"status": "error"}, 200, "Twelve Data answered '{\"status\": \"error\"}'"),
        (b"<html><body>Bad gateway</body></html>", 200, "a web page"),
        (b"Bad Gateway", 502, "answered HTTP 502"),
        (b"date,open,high,low,close,volume\n2024-03-28,1,2,1,2,5\n", 200, "expected CSV"),
    ],
)  # fmt: skip
def test_error_bodies_are_provider_errors_quoting_them(data, status, words):
    with pytest.raises(ProviderError) as got:
        parse_body(data, status)
    assert words in str(got.value)


@pytest.mark.parametrize("status", [200, 400])
def test_no_data_on_the_dates_is_an_empty_page(status):
    page = parse_body({"code": 400, "message": ftd.NO_DATA, "status": "error"}, status)
    assert page.rows == [] and page.next is None
