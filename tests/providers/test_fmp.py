"""Financial Modeling Prep's adapter against a loopback FMP (fake_fmp.py)."""

import json

import pytest
from stockflow.sources import http
from stockflow.sources.providers import base, fmp
from support import fake_fmp
from support.fakekit import KEY, Seen, history, normalized_csv
from support.provkit import END, START, fetch


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    written = (tmp_path / "AAPL.csv").read_text()
    assert written == normalized_csv(history("AAPL", START, END))
    assert [s.path for s in seen] == ["/stable/historical-price-eod/full"]
    assert seen[0].query == {
        "symbol": "AAPL", "from": "2024-01-02", "to": "2024-03-28", "apikey": KEY
    }  # fmt: skip
    assert KEY not in err and "apikey=***" in err
    # FMP's newest-first order is turned round, not left to the checks to warn about
    assert "not in date order" not in err


def test_the_fake_answers_newest_first_with_json_numbers():
    reply = fake_fmp.Fake().respond(_seen("AAPL"), None)
    data = json.loads(reply.body)
    assert reply.status == 200 and isinstance(data, list)
    assert data[0]["date"] == "2024-03-28" and data[-1]["date"] == "2024-01-02"
    bar = history("AAPL", START, START)[0]
    assert data[-1]["open"] == bar.open and isinstance(data[-1]["open"], float)
    assert data[-1]["volume"] == bar.volume and isinstance(data[-1]["volume"], int)


def test_rows_come_oldest_first_with_the_numbers_as_given():
    reply = fake_fmp.Fake().respond(_seen("AAPL"), None)
    page = _parse(reply.status, reply.body)
    bars = history("AAPL", START, END)
    assert [r.date for r in page.rows] == [b.date for b in bars]
    assert page.next is None
    last = page.rows[-1]
    assert (last.open, last.close, last.volume) == (bars[-1].open, bars[-1].close, bars[-1].volume)
    assert last.at == "[0]"  # where FMP had it: first, as the newest


def test_rows_outside_the_window_are_dropped():
    body = json.dumps(
        [
            {"date": "2024-04-02", "open": 1, "high": 2, "low": 1, "close": 2, "volume": 5},
            {"date": "2024-03-28", "open": 1, "high": 2, "low": 1, "close": 2, "volume": 5},
            {"date": "2023-12-29", "open": 1, "high": 2, "low": 1, "close": 2, "volume": 5},
        ]
    ).encode()
    assert [str(r.date) for r in _parse(200, body).rows] == ["2024-03-28"]


def test_an_unknown_symbol_answers_no_bars_and_writes_nothing(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(unknown={"NOPE"})
    results, seen = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert "Financial Modeling Prep returned no daily bars for 'NOPE'" in err
    assert len(seen) == 1
    assert not (tmp_path / "NOPE.csv").exists()


@pytest.mark.parametrize("status", [401, 200])
def test_a_wrong_key_is_refused_in_fmps_words_and_never_shown(
    status, tmp_path, capsys, monkeypatch
):
    fake = fake_fmp.Fake(bad_key_status=status)
    env = {"FMP_API_KEY": "wrong-key-123456"}
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1
    assert "'Invalid API KEY. Feel free to create a Free API Key" in err
    assert ("HTTP 401" in err) == (status == 401)
    assert "wrong-key-123456" not in err and "apikey=***" in err
    assert len(seen) == 1  # an error, not throttling: not retried
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FMP_API_KEY", raising=False)
    fake = fake_fmp.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["AAPL"]
    assert code == 1
    assert "the environment variable FMP_API_KEY is not set" in err
    assert seen == []


def test_the_minutes_limit_is_retried_and_then_succeeds(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(throttle_first=2)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 0, err
    assert len(seen) == 3
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    assert KEY not in err


def test_a_429_is_throttling_with_fmps_words_and_a_minutes_wait():
    reply = fake_fmp.Fake(throttle_first=1).respond(_seen("AAPL"), None)
    with pytest.raises(base.Throttled) as caught:
        _parse(reply.status, reply.body)
    assert caught.value.wait_s == 60.0
    assert caught.value.message.startswith("Limit Reach . Please upgrade your plan")
    with pytest.raises(base.Throttled) as caught:
        _parse(429, reply.body, {"Retry-After": "7"})
    assert caught.value.wait_s == 7.0


def test_a_limit_that_does_not_lift_fails_with_fmps_words(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(quota_spent=429)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "is throttling (after 2 retries): 'Limit Reach . Please upgrade your plan" in err
    assert len(seen) == 3  # the first try and --retries 2
    assert not (tmp_path / "AAPL.csv").exists()


@pytest.mark.parametrize("status", [200, 402])
def test_the_days_limit_outside_a_429_fails_at_once(status, tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(quota_spent=status)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert f"answered HTTP {status}: 'Limit Reach . Please upgrade your plan" in err
    assert "250 requests a day" in err
    assert len(seen) == 1
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_symbol_outside_the_plan_is_named(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(not_entitled={"TINY"})
    results, seen = fetch(fake, ["AAPL", "TINY"], tmp_path, capsys, monkeypatch)
    assert results["AAPL"][0] == 0, results["AAPL"][1]
    code, err = results["TINY"]
    assert code == 1
    assert "answered HTTP 402 Payment Required: \"Premium Query Parameter: 'Special Endpoint" in err
    assert "(not in your plan)" in err and KEY not in err
    assert not (tmp_path / "TINY.csv").exists()


def test_an_endpoint_outside_the_plan_is_named(tmp_path, capsys, monkeypatch):
    fake = fake_fmp.Fake(restricted=True)
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "HTTP 402 Payment Required: 'Restricted Endpoint: This endpoint is not available" in err
    assert not (tmp_path / "AAPL.csv").exists()


def test_the_adapter_asks_the_stable_endpoint_not_the_legacy_one():
    request = fmp.first("AAPL", base.Window(START, END), [KEY], "https://financialmodelingprep.com")
    assert request.url == "https://financialmodelingprep.com/stable/historical-price-eod/full"
    assert "/api/v3/" not in request.url
    assert request.display().endswith("apikey=***") and KEY not in request.display()


def test_the_legacy_endpoints_answer_is_quoted():
    legacy = Seen("/api/v3/historical-price-full/AAPL", {"apikey": KEY}, {})
    reply = fake_fmp.Fake().respond(legacy, None)
    assert reply.status == 403
    with pytest.raises(base.ProviderError) as caught:
        _parse(reply.status, reply.body)
    said = str(caught.value)
    assert "HTTP 403" in said and "'Legacy Endpoint : Due to Legacy endpoints" in said


def test_an_error_message_with_http_200_is_an_error_not_an_empty_answer():
    body = json.dumps({"Error Message": "Something FMP says"}).encode()
    with pytest.raises(base.ProviderError, match="answered 'Something FMP says'"):
        _parse(200, body)


def test_a_web_page_is_not_taken_for_bars():
    with pytest.raises(base.ProviderError, match="other than a JSON array of bars"):
        _parse(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>")


def _seen(symbol: str) -> Seen:
    query = {"symbol": symbol, "from": START.isoformat(), "to": END.isoformat(), "apikey": KEY}
    return Seen(fake_fmp.PATH, query, {})


def _parse(status: int, body: bytes, headers: dict | None = None) -> base.Page:
    reasons = {200: "OK", 402: "Payment Required", 403: "Forbidden", 429: "Too Many Requests"}
    response = http.Response(status, reasons.get(status, ""), headers or {}, body)
    request = fmp.first("AAPL", base.Window(START, END), [KEY], "http://127.0.0.1:1")
    return fmp.parse(response, request, "AAPL", base.Window(START, END), [KEY])
