"""EODHD's adapter against a loopback EODHD (fake_eodhd.py)."""

from support import fake_eodhd
from support.fakekit import KEY, history, normalized_csv
from support.provkit import END, START, fetch


def test_a_range_of_daily_bars_becomes_the_normalized_csv(tmp_path, capsys, monkeypatch):
    fake = fake_eodhd.Fake()
    results, seen = fetch(fake, ["AAPL.US"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL.US"]
    assert code == 0, err
    written = (tmp_path / "AAPL.US.csv").read_text()
    assert written == normalized_csv(history("AAPL.US", START, END))
    assert seen[0].path == "/api/eod/AAPL.US"
    assert seen[0].query == {
        "api_token": KEY, "from": "2024-01-02", "to": "2024-03-28", "period": "d"
    }  # fmt: skip
    assert KEY not in err and "api_token=***" in err


def test_an_unknown_ticker_fails_with_eodhds_words_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    fake = fake_eodhd.Fake(unknown={"NOPE.US"})
    results, _ = fetch(fake, ["NOPE.US"], tmp_path, capsys, monkeypatch)
    code, err = results["NOPE.US"]
    assert code == 1
    assert "EODHD answered HTTP 404" in err and "Ticker Not Found." in err
    assert not (tmp_path / "NOPE.US.csv").exists()


def test_429_is_retried_after_the_wait(tmp_path, capsys, monkeypatch):
    fake = fake_eodhd.Fake(throttle_first=1)
    results, seen = fetch(fake, ["AAPL.US"], tmp_path, capsys, monkeypatch, "--retries", "3")
    code, err = results["AAPL.US"]
    assert code == 0, err
    assert len(seen) >= 2


def test_the_days_quota_spent_is_named(tmp_path, capsys, monkeypatch):
    fake = fake_eodhd.Fake(quota_spent=True)
    results, _ = fetch(fake, ["AAPL.US"], tmp_path, capsys, monkeypatch)
    code, err = results["AAPL.US"]
    assert code == 1 and "HTTP 402" in err and "exceeded your daily API requests limit" in err
    assert KEY not in err


def test_a_wrong_key_is_refused_and_never_shown(tmp_path, capsys, monkeypatch):
    fake = fake_eodhd.Fake()
    env = {"EODHD_API_TOKEN": "wrong-key-123456"}
    results, _ = fetch(fake, ["AAPL.US"], tmp_path, capsys, monkeypatch, env=env)
    code, err = results["AAPL.US"]
    assert code == 1 and "HTTP 401" in err and "Unauthenticated" in err
    assert "wrong-key-123456" not in err


def test_a_missing_key_variable_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("EODHD_API_TOKEN", raising=False)
    fake = fake_eodhd.Fake()
    results, seen = fetch(fake, ["AAPL.US"], tmp_path, capsys, monkeypatch, env={})
    code, err = results["AAPL.US"]
    assert code == 1
    assert "the environment variable EODHD_API_TOKEN is not set" in err
    assert seen == []
