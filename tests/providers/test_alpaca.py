"""Alpaca's adapter against a loopback Alpaca Market Data API (fake_alpaca.py)."""

import datetime as dt
import json

import pytest
from stockflow.sources.http import Response
from stockflow.sources.providers import alpaca, base
from support import fake_alpaca
from support.fakekit import KEY, SECRET, day, history, normalized_csv
from support.provkit import END, START, fetch

QUERY = {
    "symbols": "AAPL",
    "timeframe": "1Day",
    "start": "2024-01-02T00:00:00Z",
    "end": "2024-03-28T23:59:59Z",
    "limit": "10000",
    "adjustment": "raw",
    "sort": "asc",
}


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    assert len(seen) == 1
    assert seen[0].path == "/v2/stocks/bars"
    assert seen[0].query == QUERY  # no feed: Alpaca picks the best the plan allows
    assert seen[0].headers["apca-api-key-id"] == KEY
    assert seen[0].headers["apca-api-secret-key"] == SECRET
    assert KEY not in err and SECRET not in err


def test_pages_are_followed_with_the_token_and_both_keys_and_joined(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake(page_size=20)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    bars = history("AAPL", START, END)
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(bars)
    pages = -(-len(bars) // 20)
    assert pages >= 3 and len(seen) == pages
    assert f"{len(bars)} rows in {pages} pages" in err
    assert "page_token" not in seen[0].query
    for s in seen[1:]:
        assert {k: v for k, v in s.query.items() if k != "page_token"} == QUERY
        assert s.query["page_token"]
        assert s.headers["apca-api-key-id"] == KEY and s.headers["apca-api-secret-key"] == SECRET
    assert len({s.query.get("page_token") for s in seen}) == pages
    assert KEY not in err and SECRET not in err


def test_bars_across_the_change_to_daylight_saving_time_keep_their_new_york_dates(
    tmp_path, capsys, monkeypatch
):
    # New York moved to UTC-4 on 2024-03-10: midnight is 05:00Z before it, 04:00Z after it.
    assert fake_alpaca.stamp(day("2024-03-08")) == "2024-03-08T05:00:00Z"
    assert fake_alpaca.stamp(day("2024-03-11")) == "2024-03-11T04:00:00Z"
    fake = fake_alpaca.Fake()
    results, _ = fetch(fake, ["MSFT"], tmp_path, capsys, monkeypatch)
    code, err = results["MSFT"]
    assert code == 0, err
    dates = [line.split(",")[0] for line in (tmp_path / "MSFT.csv").read_text().splitlines()[1:]]
    assert dates == [b.date.isoformat() for b in history("MSFT", START, END)]
    assert {"2024-03-08", "2024-03-11", "2024-03-28"} <= set(dates)
    assert not {"2024-03-09", "2024-03-10"} & set(dates)


def test_a_summer_stamp_is_read_as_its_new_york_date():
    # 2024-07-01T03:00:00Z is still June 30 in New York: a UTC date would be a day off.
    bar = {"t": "2024-07-01T03:00:00Z", "o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 10}
    body = {"bars": {"AAPL": [bar]}, "next_page_token": None}
    page = alpaca.parse(
        Response(200, "OK", {}, json.dumps(body).encode()),
        None,
        "AAPL",
        base.Window(day("2024-06-01"), day("2024-07-31")),
        [KEY, SECRET],
    )
    assert [(r.at, r.date, r.close, r.volume) for r in page.rows] == [
        ("bars[0]", day("2024-06-30"), 1.5, 10)
    ]
    assert page.next is None


def test_an_unknown_ticker_gets_no_bars_and_writes_nothing(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake(unknown={"NOPE"})
    results, seen = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert "Alpaca returned no daily bars for 'NOPE'" in err
    assert len(seen) == 1 and not (tmp_path / "NOPE.csv").exists()


def test_an_invalid_symbol_fails_with_alpacas_words(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake()
    results, _ = fetch(fake, ["XYZ!"], tmp_path, capsys, monkeypatch)
    code, err = results["XYZ!"]
    assert code == 1
    assert "Alpaca answered HTTP 422" in err and "invalid symbol: XYZ!" in err
    assert not (tmp_path / "XYZ!.csv").exists()


def test_429_is_retried_and_then_succeeds(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake(throttle_first=2)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 0, err
    assert len(seen) == 3
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))


def test_throttling_past_the_retries_fails_quoting_alpaca(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake(throttle_first=99)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "2")
    code, err = results["AAPL"]
    assert code == 1
    assert "Alpaca is throttling" in err and "too many requests." in err
    assert len(seen) == 3 and not (tmp_path / "AAPL.csv").exists()


@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "7"}, 7.0), ({}, 60.0)])
def test_a_429_waits_as_retry_after_says_or_a_minute(headers, wait):
    response = Response(429, "Too Many Requests", headers, b'{"message": "too many requests."}')
    window = base.Window(START, END)
    with pytest.raises(base.Throttled) as caught:
        alpaca.parse(response, None, "AAPL", window, [KEY, SECRET])
    assert caught.value.wait_s == wait and caught.value.message == "too many requests."


@pytest.mark.parametrize("wrong", ["APCA_API_KEY_ID", "APCA_API_SECRET_KEY"])
def test_a_wrong_key_id_or_secret_is_refused_and_never_shown(tmp_path, capsys, monkeypatch, wrong):
    fake = fake_alpaca.Fake()
    env = {**fake.env, wrong: "wrong-value-123456"}
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1 and "Alpaca answered HTTP 401" in err and "forbidden." in err
    assert "wrong-value-123456" not in err and KEY not in err and SECRET not in err
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_missing_secret_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("APCA_API_SECRET_KEY", raising=False)
    fake = fake_alpaca.Fake()
    env = {"APCA_API_KEY_ID": KEY}
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1
    assert "the environment variable APCA_API_SECRET_KEY is not set" in err
    assert seen == [] and KEY not in err


def test_recent_sip_data_refused_on_the_free_plan_is_quoted(tmp_path, capsys, monkeypatch):
    fake = fake_alpaca.Fake(free_plan_today=END)
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1 and "Alpaca answered HTTP 403" in err
    assert "subscription does not permit querying recent SIP data" in err
    assert not (tmp_path / "AAPL.csv").exists()
    # the day after, the same window is old enough
    fake = fake_alpaca.Fake(free_plan_today=END + dt.timedelta(days=1))
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    assert results["AAPL"][0] == 0, results["AAPL"][1]


def test_a_window_ending_today_asks_for_no_bar_of_the_last_15_minutes():
    now = dt.datetime(2024, 3, 28, 14, 30, 5, tzinfo=dt.UTC)
    today = base.Window(day("2024-01-02"), day("2024-03-28"))
    assert alpaca.end_param(today, now) == "2024-03-28T14:14:05Z"
    earlier = base.Window(day("2024-01-02"), day("2024-03-27"))
    assert alpaca.end_param(earlier, now) == "2024-03-27T23:59:59Z"
    # never before the start (Alpaca would refuse end < start)
    just = base.Window(day("2024-03-28"), day("2024-03-28"))
    assert alpaca.end_param(just, dt.datetime(2024, 3, 28, 0, 5, tzinfo=dt.UTC)) == (
        "2024-03-28T00:00:00Z"
    )


def test_one_key_variable_is_not_enough():
    with pytest.raises(base.ProviderError, match="two variables"):
        alpaca.first("AAPL", base.Window(START, END), [KEY], alpaca.ADAPTER.base_url)
