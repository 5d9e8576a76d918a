"""Alpha Vantage (alphavantage.co): TIME_SERIES_DAILY as JSON.

    GET https://www.alphavantage.co/query?function=TIME_SERIES_DAILY&symbol=IBM
        &outputsize=compact|full&datatype=json&apikey=KEY

No date parameters: ``compact`` is the latest 100 trading days, ``full`` the whole history
(premium on the free tier). A window of at most 140 calendar days asks for ``compact``; if
that answer does not reach back to the window's start (a window in the past), the next request
asks for ``full``. The answer is ``{"Meta Data": {...}, "Time Series (Daily)": {"2024-03-28":
{"1. open": "171.7500", "2. high": ..., "3. low": ..., "4. close": ..., "5. volume": ...}}}``,
newest first, numbers as strings; rows are turned oldest first and cut to the window.

Every error comes with HTTP 200: ``{"Error Message": "Invalid API call. ..."}`` (an unknown
symbol; also a missing or wrong key), ``{"Note": ...}`` (the per-minute call frequency) and
``{"Information": ...}`` (a burst or per-minute limit, which is retried; the day's 25 requests
spent, a premium feature or a bad key, which are not). Follows
https://www.alphavantage.co/documentation/#daily.
"""

import datetime as dt

from stockflow.sources.providers import base

SERIES = "Time Series (Daily)"
FIELDS = ("1. open", "2. high", "3. low", "4. close", "5. volume")
COMPACT_ROWS = 100  # what outputsize=compact serves
COMPACT_SPAN_DAYS = 140  # calendar days that 100 trading days surely cover
# Words of a short-term limit (retry soon) and of the day's quota (retrying will not help);
# the burst message names the daily quota too, so the short-term words win.
SHORT_TERM = ("per minute", "per second", "per-second", "frequency", "burst", "sparingly")
DAILY = ("per day", "daily limit", "daily rate limit")  # not "daily": TIME_SERIES_DAILY


def first(ticker, window, keys, base_url) -> base.Request:
    compact = (window.end - window.start).days <= COMPACT_SPAN_DAYS
    return _request(ticker, keys, base_url, "compact" if compact else "full")


def _request(ticker, keys, base_url, size) -> base.Request:
    return base.Request(
        f"{base_url}/query",
        params={
            "function": "TIME_SERIES_DAILY",
            "symbol": ticker,
            "outputsize": size,
            "datatype": "json",
            "apikey": keys[0],
        },
        secret_params=("apikey",),
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    if response.status == 429:
        wait = base.seconds(response.headers.get("Retry-After")) or 60.0
        raise base.Throttled(wait, base.excerpt(body) or "HTTP 429 Too Many Requests")
    if response.status != 200:
        raise base.status_error(response, "Alpha Vantage")
    data = base.json_of(body)
    if not isinstance(data, dict):
        what = "a web page" if base.looks_like_html(body) else "something else"
        raise base.ProviderError(
            f"Alpha Vantage answered {what}, not JSON quotes: {base.excerpt(body)!r}"
        )
    _raise_for_message(data, request)
    series = data.get(SERIES)
    if not isinstance(series, dict):
        raise base.ProviderError(f"Alpha Vantage answered no {SERIES!r}: {base.excerpt(body)!r}")
    rows = []
    for key, entry in series.items():
        at = f"{SERIES}[{key}]"
        if not isinstance(entry, dict):
            raise base.ProviderError(f"{at}: expected an object, got {entry!r}")
        rows.append(base.Row(at, base.iso_date(key, at), *(entry.get(f) for f in FIELDS)))
    rows.sort(key=lambda r: r.date)  # newest first in the answer
    if request.params.get("outputsize") == "compact" and not _covers(rows, window):
        base_url = request.url.removesuffix("/query")
        return base.Page([], next=_request(ticker, keys, base_url, "full"))
    return base.Page(base.in_window(rows, window))


def _raise_for_message(data: dict, request: base.Request) -> None:
    if isinstance(data.get("Error Message"), str):
        raise base.ProviderError(
            f"Alpha Vantage answered {data['Error Message']!r} (an unknown symbol, or a "
            "missing or wrong key?)"
        )
    for key in ("Note", "Information"):
        said = data.get(key)
        if not isinstance(said, str):
            continue
        low = said.lower()
        if any(w in low for w in SHORT_TERM):
            per_second = ("per second" in low or "per-second" in low) and "minute" not in low
            raise base.Throttled(2.0 if per_second else 60.0, said)
        if any(w in low for w in DAILY):
            raise base.ProviderError(
                f"Alpha Vantage answered {said!r} (the key's requests for the day are spent)"
            )
        if "rate limit" in low or key == "Note":  # "Note" has only ever meant throttling
            raise base.Throttled(60.0, said)
        hint = ""
        if "premium" in low and request.params.get("outputsize") == "full":
            hint = (
                " (outputsize=full is needed for a window of more than "
                f"{COMPACT_SPAN_DAYS} days, or one before the latest {COMPACT_ROWS} trading days)"
            )
        raise base.ProviderError(f"Alpha Vantage answered {said!r}{hint}")


def _covers(rows: list, window: base.Window) -> bool:
    """Whether a compact answer holds every trading day of the window it could hold."""
    if len(rows) < COMPACT_ROWS:  # the whole history
        return True
    weekday = window.start
    while weekday.weekday() >= 5:
        weekday += dt.timedelta(days=1)
    return rows[0].date <= weekday


ADAPTER = base.Adapter(
    name="alphavantage",
    title="Alpha Vantage",
    base_url="https://www.alphavantage.co",
    key_env=("ALPHAVANTAGE_API_KEY",),
    requests_per_minute=5,
    first=first,
    parse=parse,
    docs="https://www.alphavantage.co/documentation/#daily",
)
