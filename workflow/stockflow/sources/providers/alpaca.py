"""Alpaca (Market Data API v2): historical stock bars as JSON.

    GET https://data.alpaca.markets/v2/stocks/bars?symbols=AAPL&timeframe=1Day
        &start=YYYY-MM-DDT00:00:00Z&end=YYYY-MM-DDT23:59:59Z&limit=10000&adjustment=raw&sort=asc
    headers APCA-API-KEY-ID: KEY, APCA-API-SECRET-KEY: SECRET

The answer is ``{"bars": {"AAPL": [{"t", "o", "h", "l", "c", "v", "n", "vw"}, ...]},
"next_page_token": ...}``, oldest first (sort=asc); ``t`` is the bar's start in RFC 3339 UTC,
midnight in New York (05:00Z in winter, 04:00Z in summer), so a bar's date is its New York
date. No bars: ``{"bars": {}}``. While ``next_page_token`` is not null, the same query with
``page_token`` gives the next page. No ``feed``: Alpaca picks the best one the plan allows (SIP
on the free plan for ends older than 15 minutes). Errors are JSON ``{"message": ...}``: 401/403
"forbidden." (keys), 403 "subscription does not permit querying recent SIP data", 422 e.g.
"invalid symbol: XYZ!", 429 "too many requests.". Follows
https://docs.alpaca.markets/reference/stockbars.
"""

import datetime as dt

from stockflow.sources.providers import base

FIELDS = ("t", "o", "h", "l", "c", "v")
RECENT = dt.timedelta(minutes=16)  # the free plan refuses (or downgrades) the last 15 minutes


def end_param(window, now: dt.datetime) -> str:
    """The window's last second in UTC, but never within the last 15 minutes of ``now``.

    On the free plan an end that recent is refused for SIP, or silently served from IEX (a few
    percent of the volume) when no feed is named; a daily bar loses nothing by it.
    """
    end = dt.datetime.combine(window.end, dt.time(23, 59, 59), dt.UTC)
    floor = dt.datetime.combine(window.start, dt.time(0, 0), dt.UTC)
    end = max(min(end, now.astimezone(dt.UTC) - RECENT), floor)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


def first(ticker, window, keys, base_url) -> base.Request:
    if len(keys) < 2:
        raise base.ProviderError(
            "Alpaca needs two keys, the key ID and the secret key: source.key_env must name "
            "two variables"
        )
    return base.Request(
        f"{base_url}/v2/stocks/bars",
        params={
            "symbols": ticker,
            "timeframe": "1Day",
            "start": f"{window.start.isoformat()}T00:00:00Z",
            "end": end_param(window, dt.datetime.now(dt.UTC)),
            "limit": "10000",
            "adjustment": "raw",
            "sort": "asc",
        },
        headers={"APCA-API-KEY-ID": keys[0], "APCA-API-SECRET-KEY": keys[1]},
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    data = base.json_of(body)
    said = data.get("message") if isinstance(data, dict) else None
    said = said if isinstance(said, str) else None
    if response.status == 429:
        raise base.Throttled(_retry_after(response.headers), said or "HTTP 429 Too Many Requests")
    if response.status != 200:
        raise base.status_error(response, "Alpaca", _with_hint(response.status, said))
    if not isinstance(data, dict):
        what = "a web page" if base.looks_like_html(body) else "not JSON"
        raise base.ProviderError(f"Alpaca answered {what}, not bars: {base.excerpt(body)!r}")
    if "bars" not in data:
        raise base.ProviderError(f"Alpaca answered {said or base.excerpt(body)!r}")
    bars = data["bars"] or {}
    if not isinstance(bars, dict):
        raise base.ProviderError(
            f"Alpaca answered bars that are not by symbol: {base.excerpt(body)!r}"
        )
    entries = bars.get(ticker, bars.get(ticker.upper()))
    if entries is None and bars:
        raise base.ProviderError(f"Alpaca answered bars for {sorted(bars)}, not for {ticker!r}")
    rows = [_row(entry, f"bars[{i}]") for i, entry in enumerate(entries or [])]
    return base.Page(base.in_window(rows, window), _next(request, data.get("next_page_token")))


def _row(entry, at: str) -> base.Row:
    if not isinstance(entry, dict) or any(f not in entry for f in FIELDS):
        raise base.ProviderError(f"{at}: expected a bar with {', '.join(FIELDS)}: {entry!r}")
    date = base.new_york_date_of_rfc3339(entry["t"], at)
    return base.Row(at, date, entry["o"], entry["h"], entry["l"], entry["c"], entry["v"])


def _next(request, token) -> base.Request | None:
    if not token:
        return None
    if token == request.params.get("page_token"):  # the same page again would never end
        raise base.ProviderError(f"Alpaca answered the same next_page_token twice: {token!r}")
    return base.Request(
        request.url, {**request.params, "page_token": token}, request.headers, request.secret_params
    )


def _with_hint(status: int, said: str | None) -> str | None:
    if said and "recent SIP data" in said:
        return f"{said} (the free plan serves SIP bars that end over 15 minutes ago)"
    if said and status in (401, 403):
        return f"{said} (the key ID and secret key were refused)"
    return said


def _retry_after(headers: dict) -> float:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:  # absent, or an HTTP date
        return 60.0


ADAPTER = base.Adapter(
    name="alpaca",
    title="Alpaca",
    base_url="https://data.alpaca.markets",
    key_env=("APCA_API_KEY_ID", "APCA_API_SECRET_KEY"),
    requests_per_minute=200,
    first=first,
    parse=parse,
    docs="https://docs.alpaca.markets/reference/stockbars",
)
