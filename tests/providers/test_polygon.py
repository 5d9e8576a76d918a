"""Polygon (Massive)'s adapter against a loopback Polygon (fake_polygon.py)."""

import datetime as dt
import json
import math

import pytest
from stockflow.sources.http import Response
from stockflow.sources.providers import base, polygon
from support import fake_polygon
from support.fakekit import KEY, Seen, history, machine_timezone, normalized_csv
from support.provkit import END, START, fetch

PATH = "/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-03-28"
BEARER = f"Bearer {KEY}"
WINDOW = base.Window(START, END)


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake()
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))
    assert len(seen) == 1
    assert seen[0].path == PATH
    assert seen[0].query == {"adjusted": "true", "sort": "asc", "limit": "50000"}
    assert seen[0].headers["authorization"] == BEARER
    assert KEY not in err


def test_the_fake_stamps_bars_at_new_york_midnight_on_both_sides_of_dst():
    path = "/v2/aggs/ticker/AAPL/range/1/day/2024-03-08/2024-03-11"
    seen = Seen(path, {}, {"authorization": BEARER})
    data = json.loads(fake_polygon.Fake().respond(seen, None).body)
    # 2024-03-08 00:00 EST is 05:00 UTC; 2024-03-11 00:00 EDT is 04:00 UTC
    assert [r["t"] for r in data["results"]] == [1709874000000, 1710129600000]
    assert isinstance(data["results"][0]["v"], float)


@pytest.fixture
def honolulu():
    """The machine's local time far from New York: a local-time conversion would slip a day."""
    with machine_timezone("Pacific/Honolulu"):
        yield


def test_dates_come_out_right_across_the_dst_change(tmp_path, capsys, monkeypatch, honolulu):
    results, _ = fetch(fake_polygon.Fake(), ["IBM"], tmp_path, capsys, monkeypatch)
    code, err = results["IBM"]
    assert code == 0, err
    lines = (tmp_path / "IBM.csv").read_text().splitlines()
    want = normalized_csv(history("IBM", dt.date(2024, 3, 7), dt.date(2024, 3, 12)))
    for line in want.splitlines()[1:]:  # 03-07, 03-08 (EST), 03-11, 03-12 (EDT)
        assert line in lines


def test_dates_of_epochs_either_side_of_dst_in_parse(honolulu):
    results = [
        {"v": 1.0e6, "o": 10, "h": 11, "l": 9, "c": 10.5, "t": t}
        for t in (1709874000000, 1710129600000)
    ]
    page = polygon.parse(_response(200, {"status": "OK", "results": results}), *_args())
    assert [(r.at, r.date) for r in page.rows] == [
        ("results[0]", dt.date(2024, 3, 8)),
        ("results[1]", dt.date(2024, 3, 11)),
    ]
    assert page.rows[0].volume == 1.0e6 and page.next is None


def test_pages_are_followed_with_the_key_sent_again(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake(page_size=20)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 0, err
    bars = history("AAPL", START, END)
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(bars)
    pages = math.ceil(len(bars) / 20)
    assert pages >= 3 and len(seen) == pages and f"in {pages} pages" in err
    assert all(s.headers.get("authorization") == BEARER for s in seen)
    assert all(set(s.query) == {"cursor"} for s in seen[1:])
    # as the real next_url: the next page's first bar's epoch replaces the from date
    from_ms = str(fake_polygon.ny_midnight_ms(bars[20].date))
    assert seen[1].path == f"/v2/aggs/ticker/AAPL/range/1/day/{from_ms}/2024-03-28"
    assert KEY not in err


def test_an_unknown_ticker_has_no_bars_and_writes_nothing(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake(unknown={"NOPE"})
    results, seen = fetch(fake, ["NOPE"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE"]
    assert code == 1
    assert "Polygon (Massive) returned no daily bars for 'NOPE'" in err
    assert len(seen) == 1 and not (tmp_path / "NOPE.csv").exists()


def test_429_is_retried_then_succeeds(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake(throttle_first=1)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL"]
    assert code == 0, err
    assert len(seen) == 2
    assert (tmp_path / "AAPL.csv").read_text() == normalized_csv(history("AAPL", START, END))


def test_throttling_that_lasts_fails_with_polygons_words(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake(throttle_first=99)
    results, seen = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "Polygon (Massive) is throttling" in err
    assert "exceeded the maximum requests per minute" in err
    assert len(seen) == 3 and not (tmp_path / "AAPL.csv").exists()


def test_the_wait_is_retry_after_or_a_minute():
    body = {"status": "ERROR", "error": fake_polygon.TOO_MANY}
    with pytest.raises(base.Throttled) as caught:
        polygon.parse(_response(429, body, {"retry-after": "7"}), *_args())
    assert caught.value.wait_s == 7 and caught.value.message == fake_polygon.TOO_MANY
    with pytest.raises(base.Throttled) as caught:
        polygon.parse(_response(429, body), *_args())
    assert caught.value.wait_s == 60


def test_data_outside_the_plan_is_refused_in_polygons_words(tmp_path, capsys, monkeypatch):
    fake = fake_polygon.Fake(not_authorized=True)
    results, _ = fetch(fake, ["AAPL"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL"]
    assert code == 1
    assert "Polygon (Massive) answered HTTP 403" in err
    assert "Your plan doesn't include this data timeframe" in err
    assert KEY not in err and not (tmp_path / "AAPL.csv").exists()


def test_a_wrong_key_is_refused_and_never_shown(tmp_path, capsys, monkeypatch):
    env = {"POLYGON_API_KEY": "wrong-key-123456"}
    results, seen = fetch(fake_polygon.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL"]
    assert code == 1 and "HTTP 401" in err and "Unknown API Key" in err
    assert "wrong-key-123456" not in err
    assert seen[0].headers["authorization"] == "Bearer wrong-key-123456"
    assert not (tmp_path / "AAPL.csv").exists()


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("POLYGON_API_KEY", raising=False)
    results, seen = fetch(fake_polygon.Fake(), ["AAPL"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["AAPL"]
    assert code == 1
    assert "the environment variable POLYGON_API_KEY is not set" in err
    assert seen == []


def test_next_url_keeps_the_key_on_the_host_asked():
    body = {
        "status": "OK",
        "results": [],
        "next_url": "https://elsewhere.example/v2/aggs/ticker/AAPL/range/1/day/1709874000000/"
        "2024-03-28?cursor=bGltaXQ9Mg",
    }
    nxt = polygon.parse(_response(200, body), *_args()).next
    assert nxt.url == "http://127.0.0.1:9/v2/aggs/ticker/AAPL/range/1/day/1709874000000/2024-03-28"
    assert nxt.params == {"cursor": "bGltaXQ9Mg"}
    assert nxt.headers == {"Authorization": BEARER}
    assert KEY not in nxt.display()


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (404, {"status": "NOT_FOUND", "message": "Not Found"}, "HTTP 404 Not Found: 'Not Found'"),
        (200, {"status": "ERROR", "error": "Internal error"}, "status 'ERROR': 'Internal error'"),
        (502, "<html>Bad Gateway</html>", "HTTP 502"),
    ],
)
def test_error_bodies_are_quoted(status, body, words):
    with pytest.raises(base.ProviderError, match="Polygon") as caught:
        polygon.parse(_response(status, body), *_args())
    assert words in str(caught.value)


def test_rows_outside_the_window_are_dropped():
    results = [
        {"v": 5, "o": 10, "h": 11, "l": 9, "c": 10.5, "t": fake_polygon.ny_midnight_ms(d)}
        for d in (START - dt.timedelta(days=1), START, END, END + dt.timedelta(days=1))
    ]
    page = polygon.parse(_response(200, {"status": "OK", "results": results}), *_args())
    assert [r.date for r in page.rows] == [START, END]


def _args():
    request = polygon.first("AAPL", WINDOW, [KEY], "http://127.0.0.1:9")
    return request, "AAPL", WINDOW, [KEY]


def _response(status, body, headers=None) -> Response:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 502: "Bad Gateway"}[status]
    return Response(status, reason, headers or {}, raw)
