"""Running the download stage against a fake provider, as a test does it."""

import datetime as dt

from fakekit import KEY, serving
from stockflow import cli, download
from stockflow.sources import http

START, END = dt.date(2024, 1, 2), dt.date(2024, 3, 28)
FAST = ["--retries", "2", "--backoff", "0", "--connect-timeout", "2", "--read-timeout", "5"]


def fetch(fake, tickers, tmp_path, capsys, monkeypatch, *extra, env=None):
    """Download each ticker from ``fake`` on a loopback server: {ticker: (code, stderr)}."""
    for name, value in (env if env is not None else fake.env).items():
        monkeypatch.setenv(name, value)
    results = {}
    with serving(fake) as server:
        for ticker in tickers:
            args = [ticker, str(tmp_path / f"{ticker}.csv"), "--provider", fake.name]
            args += ["--key-env", *fake.env, "--base-url", server.base]
            args += ["--start", START.isoformat(), "--end", END.isoformat(), *FAST]
            args += ["--rate-dir", str(tmp_path / "ratelimit"), "--max-throttle-wait", "0"]
            args += [str(a) for a in extra]
            code = cli.run(download.main, args)
            results[ticker] = (code, capsys.readouterr().err)
        seen = list(server.seen)
    return results, seen


# as download's defaults, without retries: a test sees each answer
BULK_OPTS = http.Options(
    connect_timeout=2, read_timeout=5, retries=0, backoff=0, max_bytes=50_000_000
)


def bulk_answer(adapter, fake, day: dt.date, keys=(KEY,), **first):
    """One request of ``adapter``'s bulk endpoint for ``day`` to ``fake`` on a loopback server,
    sent as providers.fetch sends a request: (request, response, what the fake saw)."""
    with serving(fake) as server:
        request = adapter.bulk.first(day, list(keys), server.base, **first)
        response = http.get(
            request.url,
            BULK_OPTS,
            f"{adapter.title} {day} ({request.display()})",
            params=request.params,
            headers=request.headers,
            any_status=True,
        )
        seen = list(server.seen)
    return request, response, seen
