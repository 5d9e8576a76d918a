"""Stooq's adapter against a loopback Stooq (fake_stooq.py)."""

import pytest
from stockflow.sources import http
from stockflow.sources.providers import base, stooq
from support import fake_stooq
from support.fakekit import KEY, history, normalized_csv
from support.provkit import END, START, fetch

WINDOW = base.Window(START, END)


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake()
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch)
    code, err = results["aapl.us"]
    assert code == 0, err
    written = (tmp_path / "aapl.us.csv").read_text()
    assert written == normalized_csv(history("aapl.us", START, END))
    assert len(seen) == 1  # one answer holds the whole range
    assert seen[0].path == "/q/d/l/"
    assert seen[0].query == {
        "s": "aapl.us", "i": "d", "d1": "20240102", "d2": "20240328", "apikey": KEY
    }  # fmt: skip
    assert KEY not in err and "apikey=***" in err and "d1=20240102" in err


def test_the_symbol_is_sent_in_lower_case(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake()
    results, seen = fetch(fake, ["IBM.US"], tmp_path, capsys, monkeypatch)
    code, err = results["IBM.US"]
    assert code == 0, err
    assert seen[0].query["s"] == "ibm.us"
    assert (tmp_path / "IBM.US.csv").read_text() == normalized_csv(history("ibm.us", START, END))


@pytest.mark.parametrize(
    "warning",
    [
        True,
        "Warning: Division by zero in /x/index.php on line 123\n"
        "Warning: Division by zero in /x/index.php on line 124\n\n",
        "<br />\n<b>Warning</b>:  Division by zero in <b>/x/index.php</b> on line "
        "<b>123</b><br />\n",
    ],
    ids=["one-line", "two-lines", "html-form"],
)
def test_php_warnings_before_the_header_are_skipped(tmp_path, capsys, monkeypatch, warning):
    fake = fake_stooq.Fake(php_warning=warning)
    results, _ = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch)
    code, err = results["aapl.us"]
    assert code == 0, err
    assert (tmp_path / "aapl.us.csv").read_text() == normalized_csv(history("aapl.us", START, END))


def test_rows_outside_the_window_are_left_out(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake(ignore_range=True)
    results, _ = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch)
    code, err = results["aapl.us"]
    assert code == 0, err
    assert (tmp_path / "aapl.us.csv").read_text() == normalized_csv(history("aapl.us", START, END))


def test_an_unknown_symbol_fails_with_stooqs_words_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    fake = fake_stooq.Fake(unknown={"nope.us"})
    results, _ = fetch(fake, ["nope.us"], tmp_path, capsys, monkeypatch)
    code, err = results["nope.us"]
    assert code == 1
    assert "Stooq answered 'No data' for 'nope.us' between 20240102 and 20240328" in err
    assert KEY not in err
    assert not (tmp_path / "nope.us.csv").exists()


def test_a_wrong_key_gets_the_instructions_page_named_and_never_shown(
    tmp_path, capsys, monkeypatch
):
    fake = fake_stooq.Fake()
    env = {"STOOQ_API_KEY": "wrong-key-123456"}
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["aapl.us"]
    assert code == 1
    assert "Stooq answered a web page, not CSV quotes (title 'Stooq - API key required')" in err
    assert "Downloading data requires an API key" in err
    assert "https://stooq.com/q/d/?s=spy.us&get_apikey" in err
    assert "wrong-key-123456" not in err and "apikey=***" in err
    assert seen[0].query["apikey"] == "wrong-key-123456"
    assert not (tmp_path / "aapl.us.csv").exists()


def test_a_refused_key_gets_the_instructions_page_named(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake(no_key_page=True)
    results, _ = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch)
    code, err = results["aapl.us"]
    assert code == 1
    assert "(title 'Stooq - API key required')" in err and "get_apikey" in err
    assert KEY not in err
    assert not (tmp_path / "aapl.us.csv").exists()


def test_a_bot_check_page_is_named(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake(bot_check=True)
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch)
    code, err = results["aapl.us"]
    assert code == 1
    assert "Stooq answered a web page" in err
    assert "(title 'Checking your browser - stooq.com')" in err
    assert "a bot check (proof of work)" in err
    assert len(seen) == 1 and KEY not in err
    assert not (tmp_path / "aapl.us.csv").exists()


def test_the_daily_limit_is_quoted_and_not_retried(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake(daily_limit=True)
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["aapl.us"]
    assert code == 1
    assert "Stooq answered 'Exceeded the daily hits limit'" in err and "tomorrow" in err
    assert len(seen) == 1 and KEY not in err
    assert not (tmp_path / "aapl.us.csv").exists()


def test_429_is_retried_and_then_succeeds(tmp_path, capsys, monkeypatch):
    fake = fake_stooq.Fake(throttle_first=2)
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["aapl.us"]
    assert code == 0, err
    assert len(seen) == 3
    assert (tmp_path / "aapl.us.csv").read_text() == normalized_csv(history("aapl.us", START, END))


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STOOQ_API_KEY", raising=False)
    fake = fake_stooq.Fake()
    results, seen = fetch(fake, ["aapl.us"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["aapl.us"]
    assert code == 1
    assert "the environment variable STOOQ_API_KEY is not set" in err
    assert seen == []


# --- parse on its own: what the loopback runs cannot show -------------------------------


def parse(body: bytes, status=200, headers=None) -> base.Page:
    request = stooq.first("AAPL.US", WINDOW, [KEY], "https://stooq.com")
    response = http.Response(status, "OK" if status == 200 else "Error", headers or {}, body)
    return stooq.parse(response, request, "AAPL.US", WINDOW, [KEY])


def test_rows_are_labelled_by_their_line_in_the_body_warnings_included():
    body = (
        b"Warning: Division by zero in /x/index.php on line 123\n"
        b"Date,Open,High,Low,Close,Volume\n"
        b"2024-01-02,187.15,188.44,183.885,185.64,82488674\n"
        b"2024-01-03,184.22,185.88,183.43,184.25,58414460\n"
    )
    page = parse(body)
    assert page.next is None
    assert [(r.at, r.date.isoformat(), r.close, r.volume) for r in page.rows] == [
        ("line 3", "2024-01-02", "185.64", "82488674"),
        ("line 4", "2024-01-03", "184.25", "58414460"),
    ]


def test_a_page_echoing_the_key_never_shows_it():
    body = f"<html><title>Bad key {KEY}</title><p>apikey={KEY} is not valid</p></html>"
    with pytest.raises(base.ProviderError) as caught:
        parse(body.encode())
    assert KEY not in str(caught.value)
    assert "title 'Bad key ***'" in str(caught.value) and "apikey=*** is not valid" in str(
        caught.value
    )


def test_an_empty_body_is_no_rows_and_other_text_is_quoted():
    assert parse(b"").rows == []
    with pytest.raises(base.ProviderError, match="Stooq answered 'Something else', not CSV"):
        parse(b"Something else\n")


def test_a_429_waits_as_retry_after_says():
    with pytest.raises(base.Throttled) as caught:
        parse(b"Too Many Requests", status=429, headers={"Retry-After": "30"})
    assert caught.value.wait_s == 30.0 and caught.value.message == "Too Many Requests"


def test_the_first_request_carries_the_key_only_as_a_secret_parameter():
    request = stooq.first("AAPL.US", WINDOW, [KEY], "https://stooq.com")
    assert request.url == "https://stooq.com/q/d/l/"
    assert request.secret_params == ("apikey",) and request.headers == {}
    assert request.display() == (
        "https://stooq.com/q/d/l/?s=aapl.us&i=d&d1=20240102&d2=20240328&apikey=***"
    )
