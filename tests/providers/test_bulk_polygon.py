"""Polygon (Massive)'s grouped daily bars, one day of every ticker in one request, against a
loopback Polygon (fake_polygon.py)."""

import datetime as dt
import json

import pytest
from stockflow import quotes
from stockflow.sources import http
from stockflow.sources.providers import base, fetching, polygon
from support import fake_polygon
from support.fakekit import KEY, history, machine_timezone, normalized_csv
from support.provkit import bulk_answer

MARKET = ("aapl", "ibm", "brk.b", "msft")
FRIDAY = dt.date(2024, 3, 8)
BULK = polygon.ADAPTER.bulk


def _day(fake, day, keys=(KEY,)):
    request, response, seen = bulk_answer(polygon.ADAPTER, fake, day, keys)
    return BULK.parse(response, request, day, list(keys)), response, seen


def test_a_day_gives_every_tickers_bar_in_one_request():
    fake = fake_polygon.Fake(market=MARKET)
    page, response, seen = _day(fake, FRIDAY)
    assert [r["T"] for r in json.loads(response.body)["results"]] == [
        "AAPL", "IBM", "BRK.B", "MSFT"
    ]  # fmt: skip
    assert sorted(page.rows) == ["aapl", "brk.b", "ibm", "msft"] and page.next is None
    for ticker in MARKET:
        (bar,) = history(ticker.upper(), FRIDAY, FRIDAY)
        row = page.rows[ticker]
        assert (row.date, row.open, row.high, row.low, row.close, row.volume) == (
            FRIDAY, bar.open, bar.high, bar.low, bar.close, float(bar.volume)
        )  # fmt: skip
        got, warnings = quotes.from_rows([row], ticker)
        assert quotes.to_csv(got).decode() == normalized_csv([bar]) and warnings == []
    assert (fake.bulk_calls, fake.calls, len(seen)) == (1, 0, 1)
    assert seen[0].path == "/v2/aggs/grouped/locale/us/market/stocks/2024-03-08"
    assert seen[0].query == {"adjusted": "true"}
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_each_day_is_one_request():
    fake = fake_polygon.Fake(market=MARKET)
    for n, d in enumerate(dt.date(2024, 3, 4) + dt.timedelta(days=i) for i in range(5)):
        page, _, _ = _day(fake, d)
        assert {t: r.date for t, r in page.rows.items()} == dict.fromkeys(MARKET, d)
        assert fake.bulk_calls == n + 1
    assert fake.calls == 0


def test_a_weekend_has_no_rows():
    fake = fake_polygon.Fake(market=MARKET)
    page, response, _ = _day(fake, dt.date(2024, 3, 9))
    data = json.loads(response.body)
    assert (data["status"], data["resultsCount"], "results" in data) == ("OK", 0, False)
    assert page.rows == {} and fake.bulk_calls == 1


@pytest.fixture
def tokyo():
    """The machine's local time east of UTC: a session close (20:00 or 21:00 UTC) read in local
    time would be the next day."""
    with machine_timezone("Asia/Tokyo"):
        yield


@pytest.mark.parametrize("day", [dt.date(2024, 3, 8), dt.date(2024, 3, 11)])  # EST, EDT
def test_the_close_stamp_is_the_new_york_day_on_both_sides_of_dst(day, tokyo):
    page, response, _ = _day(fake_polygon.Fake(market=MARKET), day)
    stamp = json.loads(response.body)["results"][0]["t"]
    assert stamp == {dt.date(2024, 3, 8): 1709931600000, dt.date(2024, 3, 11): 1710187200000}[day]
    assert {r.date for r in page.rows.values()} == {day}


def test_a_wrong_key_is_refused_in_polygons_words_and_never_shown():
    fake = fake_polygon.Fake(market=MARKET)
    with pytest.raises(base.ProviderError) as caught:
        _day(fake, FRIDAY, keys=("wrong-key-123456",))
    message = str(caught.value)
    assert message == "Polygon (Massive) answered HTTP 401 Unauthorized: 'Unknown API Key'"
    assert "wrong-key-123456" not in message and KEY not in message
    assert fake.bulk_calls == 1


def test_a_bar_of_another_day_is_refused_naming_it():
    fake = fake_polygon.Fake(market=MARKET, stale={"ibm"})
    with pytest.raises(base.ProviderError) as caught:
        _day(fake, FRIDAY)
    assert str(caught.value) == (
        "Polygon (Massive): results[1] (ibm) is a bar of 2024-03-07, not of 2024-03-08 as asked"
    )


@pytest.mark.parametrize(("retry_after", "wait"), [(7, 7.0), (None, 60.0)])
def test_throttling_is_throttled_with_the_wait(retry_after, wait):
    fake = fake_polygon.Fake(market=MARKET, throttle_first=1, retry_after=retry_after)
    with pytest.raises(base.Throttled) as caught:
        _day(fake, FRIDAY)
    assert (caught.value.wait_s, caught.value.message) == (wait, fake_polygon.TOO_MANY)
    page, _, _ = _day(fake, FRIDAY)  # the next request is answered
    assert sorted(page.rows) == sorted(MARKET) and fake.bulk_calls == 2


def test_data_outside_the_plan_is_refused_in_polygons_words():
    with pytest.raises(base.ProviderError) as caught:
        _day(fake_polygon.Fake(market=MARKET, not_authorized=True), FRIDAY)
    assert str(caught.value).startswith("Polygon (Massive) answered HTTP 403 Forbidden: ")
    assert "Your plan doesn't include this data timeframe" in str(caught.value)


def _bar(ticker, **fields):
    stamp = fake_polygon.ny_close_ms(FRIDAY)
    return {"T": ticker, "o": 10, "h": 11, "l": 9, "c": 10.5, "v": 5.0, "t": stamp} | fields


@pytest.mark.parametrize(
    ("results", "words"),
    [
        ([_bar("AAPL"), _bar("aapl")], "Polygon (Massive): results[1] repeats aapl (results[0])"),
        ([_bar("AAPL"), _bar(" ")], "Polygon (Massive): results[1] has no ticker ('T')"),
        (
            [_bar("AAPL"), {"T": "IBM", "o": 1}],
            "Polygon (Massive): results[1] has no field(s) ['t', 'h', 'l', 'c', 'v']",
        ),
    ],
)
def test_a_malformed_answer_is_refused_naming_the_result(results, words):
    response = http.Response(
        200, "OK", {}, json.dumps({"status": "OK", "results": results}).encode()
    )
    request = BULK.first(FRIDAY, [KEY], "http://127.0.0.1:9")
    with pytest.raises(base.ProviderError) as caught:
        BULK.parse(response, request, FRIDAY, [KEY])
    assert str(caught.value).startswith(words)


def test_only_the_providers_with_a_bulk_endpoint_offer_one():
    offered = {n: fetching.adapter(n).bulk for n in fetching.NAMES}
    assert sorted(n for n, b in offered.items() if b) == ["eodhd", "polygon"]
    assert offered["polygon"].docs == (
        "https://massive.com/docs/rest/stocks/aggregates/daily-market-summary"
    )
