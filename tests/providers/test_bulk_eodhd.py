"""EODHD's Bulk API, one day of a whole exchange in one request, against a loopback EODHD
(fake_eodhd.py)."""

import datetime as dt
import json

import pytest
from stockflow import quotes
from stockflow.sources import http
from stockflow.sources.providers import base, eodhd
from support import fake_eodhd
from support.fakekit import KEY, history, normalized_csv
from support.provkit import bulk_answer

MARKET = ("aapl.us", "ibm.us", "brk-b.us", "vod.lse")
US = ("aapl.us", "ibm.us", "brk-b.us")
FRIDAY = dt.date(2024, 3, 8)
BULK = eodhd.ADAPTER.bulk


def _day(fake, day, keys=(KEY,), **first):
    request, response, seen = bulk_answer(eodhd.ADAPTER, fake, day, keys, **first)
    return BULK.parse(response, request, day, list(keys)), response, seen


def test_a_day_gives_every_tickers_bar_of_the_exchange_in_one_request():
    fake = fake_eodhd.Fake(market=MARKET)
    page, response, seen = _day(fake, FRIDAY)
    assert [(r["code"], r["exchange_short_name"]) for r in json.loads(response.body)] == [
        ("AAPL", "US"), ("IBM", "US"), ("BRK-B", "US")
    ]  # fmt: skip
    assert sorted(page.rows) == ["aapl.us", "brk-b.us", "ibm.us"] and page.next is None
    for ticker in US:
        (bar,) = history(ticker.upper(), FRIDAY, FRIDAY)
        row = page.rows[ticker]
        assert (row.date, row.open, row.high, row.low, row.close, row.volume) == (
            FRIDAY, bar.open, bar.high, bar.low, bar.close, bar.volume
        )  # fmt: skip
        got, warnings = quotes.from_rows([row], ticker)
        assert quotes.to_csv(got).decode() == normalized_csv([bar]) and warnings == []
    assert (fake.bulk_calls, fake.calls, len(seen)) == (1, 0, 1)
    assert seen[0].path == "/api/eod-bulk-last-day/US"
    assert seen[0].query == {"api_token": KEY, "fmt": "json", "date": "2024-03-08"}


def test_the_key_is_shown_as_stars():
    request = BULK.first(FRIDAY, [KEY], "https://eodhd.com")
    assert request.display() == (
        "https://eodhd.com/api/eod-bulk-last-day/US?api_token=***&fmt=json&date=2024-03-08"
    )
    assert request.params["api_token"] == KEY and KEY not in request.display()


def test_another_exchange_is_asked_by_name():
    page, _, seen = _day(fake_eodhd.Fake(market=MARKET), FRIDAY, exchange="LSE")
    assert list(page.rows) == ["vod.lse"] and seen[0].path == "/api/eod-bulk-last-day/LSE"
    (bar,) = history("VOD.LSE", FRIDAY, FRIDAY)
    assert page.rows["vod.lse"].close == bar.close


def test_each_day_is_one_request():
    fake = fake_eodhd.Fake(market=MARKET)
    for n, d in enumerate(dt.date(2024, 3, 4) + dt.timedelta(days=i) for i in range(5)):
        page, _, _ = _day(fake, d)
        assert {t: r.date for t, r in page.rows.items()} == dict.fromkeys(US, d)
        assert fake.bulk_calls == n + 1
    assert fake.calls == 0


def test_a_weekend_has_no_rows():
    fake = fake_eodhd.Fake(market=MARKET)
    page, response, _ = _day(fake, dt.date(2024, 3, 10))
    assert response.body == b"[]" and page.rows == {} and fake.bulk_calls == 1


def test_a_wrong_key_is_refused_in_eodhds_words_and_never_shown():
    fake = fake_eodhd.Fake(market=MARKET)
    with pytest.raises(base.ProviderError) as caught:
        _day(fake, FRIDAY, keys=("wrong-key-123456",))
    message = str(caught.value)
    assert message == "EODHD answered HTTP 401 Unauthorized: 'Unauthenticated'"
    assert "wrong-key-123456" not in message and KEY not in message


def test_a_bar_of_another_day_is_refused_naming_it():
    fake = fake_eodhd.Fake(market=MARKET, stale={"brk-b.us"})
    with pytest.raises(base.ProviderError) as caught:
        _day(fake, dt.date(2024, 3, 11))  # a Monday: the stale bar is Friday's
    assert str(caught.value) == (
        "EODHD: answer[2] (brk-b.us) is a bar of 2024-03-08, not of 2024-03-11 as asked"
    )


def test_throttling_is_throttled_with_a_minutes_wait():
    fake = fake_eodhd.Fake(market=MARKET, throttle_first=1)
    with pytest.raises(base.Throttled) as caught:
        _day(fake, FRIDAY)
    assert (caught.value.wait_s, caught.value.message) == (60.0, "Too Many Requests")
    page, _, _ = _day(fake, FRIDAY)  # the next request is answered
    assert sorted(page.rows) == sorted(US) and fake.bulk_calls == 2


def test_the_days_quota_spent_is_named():
    with pytest.raises(base.ProviderError) as caught:
        _day(fake_eodhd.Fake(market=MARKET, quota_spent=True), FRIDAY)
    assert str(caught.value) == (
        "EODHD answered HTTP 402 Payment Required: 'You exceeded your daily API requests limit.'"
    )


def test_an_unknown_exchange_is_named():
    with pytest.raises(base.ProviderError) as caught:
        _day(fake_eodhd.Fake(market=MARKET), FRIDAY, exchange="XX")
    assert str(caught.value) == (
        "EODHD answered HTTP 404 Not Found: 'Exchange Not Found. (unknown exchange)'"
    )


def _row(code, **fields):
    row = {"code": code, "exchange_short_name": "US", "date": "2024-03-08", "open": 1.5}
    return row | {"high": 2, "low": 1, "close": 1.8, "adjusted_close": 1.8, "volume": 7} | fields


def _parse(status, body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reason = {200: "OK", 500: "Internal Server Error"}[status]
    request = BULK.first(FRIDAY, [KEY], "http://127.0.0.1:9")
    return BULK.parse(http.Response(status, reason, {}, raw), request, FRIDAY, [KEY])


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (200, b"<!DOCTYPE html><html>Sign in</html>", "EODHD answered a web page, not quotes"),
        (200, {"message": "Invalid token"}, 'EODHD answered \'{"message": "Invalid token"}\''),
        (200, b"Code,Ex,Date\nAAPL,US,2024-03-08\n", "EODHD answered something other than a"),
        (500, b"oops", "EODHD answered HTTP 500 Internal Server Error: 'oops'"),
        (200, [_row("AAPL"), _row("aapl")], "EODHD: answer[1] repeats aapl.us (answer[0])"),
        (200, [_row("AAPL", date="03/08/2024")], "answer[0]: date '03/08/2024' is not YYYY-MM-DD"),
        (200, [{"code": "IBM", "date": "2024-03-08"}], "EODHD: answer[0] has no field(s) ['open'"),
    ],
)
def test_a_refusal_or_a_malformed_answer_is_named(status, body, words):
    with pytest.raises(base.ProviderError) as caught:
        _parse(status, body)
    assert str(caught.value).startswith(words)


def test_a_row_keeps_its_own_exchange_and_its_values_raw():
    # one ticker's missing price is that ticker's problem (quotes.from_rows refuses it), not
    # the whole exchange's: the answer's other rows stay usable
    page = _parse(200, [_row("AAPL", open=None), _row("VOD", exchange_short_name="LSE")])
    assert sorted(page.rows) == ["aapl.us", "vod.lse"]
    assert page.rows["aapl.us"].open is None and page.rows["vod.lse"].volume == 7
