"""Alpha Vantage's adapter against a loopback Alpha Vantage (fake_alphavantage.py)."""

import datetime as dt
import json

import pytest
from stockflow.sources.http import Response
from stockflow.sources.providers import alphavantage as av
from stockflow.sources.providers.base import ProviderError, Throttled, Window
from support import fake_alphavantage as fav
from support.fakekit import KEY, history, normalized_csv
from support.provkit import END, START, fetch


def query(size: str, symbol: str = "IBM") -> dict:
    return {
        "function": "TIME_SERIES_DAILY", "symbol": symbol, "outputsize": size,
        "datatype": "json", "apikey": KEY,
    }  # fmt: skip


def test_a_recent_window_asks_for_compact_and_becomes_the_normalized_csv(
    tmp_path, capsys, monkeypatch
):
    results, seen = fetch(fav.Fake(), ["IBM"], tmp_path, capsys, monkeypatch)
    code, err = results["IBM"]
    assert code == 0, err
    assert (tmp_path / "IBM.csv").read_text() == normalized_csv(history("IBM", START, END))
    assert [(s.path, s.query) for s in seen] == [("/query", query("compact"))]
    assert KEY not in err and "apikey=***" in err
    assert "not in date order" not in err  # newest-first keys were turned oldest first


def test_a_window_longer_than_compact_asks_for_full(tmp_path, capsys, monkeypatch):
    start = dt.date(2023, 6, 1)
    results, seen = fetch(fav.Fake(), ["IBM"], tmp_path, capsys, monkeypatch, "--start", start)
    code, err = results["IBM"]
    assert code == 0, err
    assert (tmp_path / "IBM.csv").read_text() == normalized_csv(history("IBM", start, END))
    assert [s.query for s in seen] == [query("full")]


def test_a_short_window_older_than_compact_falls_back_to_full(tmp_path, capsys, monkeypatch):
    start, end = dt.date(2023, 6, 1), dt.date(2023, 8, 31)
    results, seen = fetch(
        fav.Fake(), ["IBM"], tmp_path, capsys, monkeypatch, "--start", start, "--end", end
    )
    code, err = results["IBM"]
    assert code == 0, err
    assert (tmp_path / "IBM.csv").read_text() == normalized_csv(history("IBM", start, end))
    assert [s.query for s in seen] == [query("compact"), query("full")]
    assert KEY not in err


def test_the_fallback_to_full_on_a_free_key_quotes_the_premium_refusal(
    tmp_path, capsys, monkeypatch
):
    start, end = dt.date(2023, 6, 1), dt.date(2023, 8, 31)
    fake = fav.Fake(premium=True)
    results, seen = fetch(
        fake, ["IBM"], tmp_path, capsys, monkeypatch, "--start", start, "--end", end
    )
    code, err = results["IBM"]
    assert code == 1
    assert "outputsize=full parameter value is a premium feature" in err
    assert "latest 100 trading days" in err
    assert len(seen) == 2 and not (tmp_path / "IBM.csv").exists()


def test_full_on_a_free_key_fails_with_alpha_vantages_words(tmp_path, capsys, monkeypatch):
    fake = fav.Fake(premium=True)
    results, seen = fetch(fake, ["IBM"], tmp_path, capsys, monkeypatch, "--start", "2023-01-03")
    code, err = results["IBM"]
    assert code == 1 and "is a premium feature for the TIME_SERIES_DAILY endpoint" in err
    assert len(seen) == 1  # not retried
    assert KEY not in err and not (tmp_path / "IBM.csv").exists()


def test_an_unknown_symbol_fails_with_alpha_vantages_words_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    fake = fav.Fake(unknown={"NOPE"})
    results, seen = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert "Alpha Vantage answered 'Invalid API call." in err
    assert "for TIME_SERIES_DAILY." in err
    assert len(seen) == 1 and not (tmp_path / "NOPE.csv").exists()


@pytest.mark.parametrize(
    "knobs, said",
    [
        ({"note_first": 2}, "5 calls per minute"),
        ({"information_first": 2}, "spreading out your free API requests more sparingly"),
        (
            {
                "information_first": 1,
                "information": "Please consider optimizing your API call frequency.",
            },
            "optimizing your API call frequency",
        ),
    ],
)
def test_throttling_bodies_are_retried_and_then_succeed(tmp_path, capsys, monkeypatch, knobs, said):
    fake = fav.Fake(**knobs)
    results, seen = fetch(fake, ["IBM"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["IBM"]
    assert code == 0, err
    assert said in err and "retry 1 of 3" in err
    assert (
        len(seen)
        == fake.calls
        == 1 + knobs.get("note_first", 0) + knobs.get("information_first", 0)
    )
    assert (tmp_path / "IBM.csv").read_text() == normalized_csv(history("IBM", START, END))
    assert KEY not in err


def test_throttling_past_the_retries_fails_naming_it(tmp_path, capsys, monkeypatch):
    fake = fav.Fake(note_first=10)
    results, seen = fetch(fake, ["IBM"], tmp_path, capsys, monkeypatch)
    code, err = results["IBM"]
    assert code == 1
    assert "Alpha Vantage is throttling (after 2 retries)" in err and "5 calls per minute" in err
    assert len(seen) == 3 and not (tmp_path / "IBM.csv").exists()


def test_the_days_quota_spent_is_not_retried_and_is_quoted(tmp_path, capsys, monkeypatch):
    fake = fav.Fake(daily_limit=True)
    results, seen = fetch(fake, ["IBM"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["IBM"]
    assert code == 1
    assert "standard API rate limit is 25 requests per day" in err
    assert "requests for the day are spent" in err
    assert len(seen) == 1 and not (tmp_path / "IBM.csv").exists()


@pytest.mark.parametrize("field", ["Error Message", "Information"])
def test_a_wrong_key_is_refused_and_never_shown(tmp_path, capsys, monkeypatch, field):
    fake = fav.Fake(bad_key_field=field)
    env = {"ALPHAVANTAGE_API_KEY": "wrong-key-123456"}
    results, seen = fetch(fake, ["IBM"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["IBM"]
    assert code == 1 and "the parameter apikey is invalid or missing" in err
    assert "wrong-key-123456" not in err
    assert seen[0].query["apikey"] == "wrong-key-123456" and len(seen) == 1


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY", raising=False)
    results, seen = fetch(fav.Fake(), ["IBM"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["IBM"]
    assert code == 1
    assert "the environment variable ALPHAVANTAGE_API_KEY is not set" in err
    assert seen == []


# --- the adapter alone ----------------------------------------------------------------------


def window(start: str, end: str) -> Window:
    return Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


@pytest.mark.parametrize(
    "start, size", [("2023-11-09", "compact"), ("2023-11-08", "full"), ("2024-03-28", "compact")]
)
def test_compact_up_to_140_calendar_days_full_beyond(start, size):
    request = av.first("IBM", window(start, "2024-03-28"), [KEY], "https://x.test")
    assert request.url == "https://x.test/query" and request.params["outputsize"] == size
    assert request.secret_params == ("apikey",) and KEY not in request.display()


def test_the_documented_example_is_read_oldest_first_with_its_strings():
    series = {
        "2024-03-28": {"1. open": "171.7500", "2. high": "172.2300", "3. low": "170.5100",
                       "4. close": "171.4800", "5. volume": "65672690"},
        "2024-03-27": {"1. open": "170.4100", "2. high": "173.6000", "3. low": "170.1100",
                       "4. close": "173.3100", "5. volume": "60273265"},
        "2024-03-26": {"1. open": "170.0000", "2. high": "171.4200", "3. low": "169.5800",
                       "4. close": "169.7100", "5. volume": "57388449"},
    }  # fmt: skip
    body = json.dumps({"Meta Data": {"2. Symbol": "AAPL"}, "Time Series (Daily)": series})
    win = window("2024-03-27", "2024-03-28")
    request = av.first("AAPL", win, [KEY], "https://x.test")
    page = av.parse(Response(200, "OK", {}, body.encode()), request, "AAPL", win, [KEY])
    assert page.next is None
    assert [(r.at, r.date, r.open, r.high, r.low, r.close, r.volume) for r in page.rows] == [
        ("Time Series (Daily)[2024-03-27]", dt.date(2024, 3, 27), "170.4100", "173.6000",
         "170.1100", "173.3100", "60273265"),
        ("Time Series (Daily)[2024-03-28]", dt.date(2024, 3, 28), "171.7500", "172.2300",
         "170.5100", "171.4800", "65672690"),
    ]  # fmt: skip


def parse_body(data, size="compact", status=200, headers=None):
    win = window("2024-01-02", "2024-03-28")
    request = av._request("IBM", [KEY], "https://x.test", size)
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return av.parse(Response(status, "X", headers or {}, body), request, "IBM", win, [KEY])


@pytest.mark.parametrize(
    "data, wait",
    [
        ({"Note": fav.NOTE}, 60.0),
        ({"Information": fav.BURST}, 2.0),
        ({"Information": "Please consider optimizing your API call frequency."}, 60.0),
        ({"Information": "Burst pattern detected. Please slow down."}, 60.0),
        ({"Information": "Our standard API rate limit has been reached."}, 60.0),
    ],
)
def test_short_term_limits_are_throttling(data, wait):
    with pytest.raises(Throttled) as got:
        parse_body(data)
    assert got.value.wait_s == wait and got.value.message == next(iter(data.values()))


@pytest.mark.parametrize(
    "data, size, words",
    [
        ({"Information": fav.DAILY_LIMIT}, "compact", "25 requests per day"),
        ({"Information": fav.PREMIUM}, "full", "outputsize=full is needed"),
        ({"Information": fav.BAD_KEY}, "compact", "apikey is invalid or missing"),
        ({"Error Message": fav.INVALID_CALL}, "compact", "Invalid API call."),
        ({"Meta Data": {}}, "compact", "no 'Time Series (Daily)'"),
        (b"<html><body>Bad gateway</body></html>", "compact", "a web page"),
    ],
)
def test_error_bodies_are_provider_errors_quoting_them(data, size, words):
    with pytest.raises(ProviderError) as got:
        parse_body(data, size)
    assert words in str(got.value)


def test_http_429_honours_retry_after():
    with pytest.raises(Throttled) as got:
        parse_body(b"Too Many Requests", status=429, headers={"Retry-After": "7"})
    assert got.value.wait_s == 7.0
