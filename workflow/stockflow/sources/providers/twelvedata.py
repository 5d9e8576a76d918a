"""Twelve Data (twelvedata.com): the time series endpoint as CSV.

    GET https://api.twelvedata.com/time_series?symbol=AAPL&interval=1day
        &start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&outputsize=5000&format=CSV
    Authorization: apikey KEY

``end_date`` is exclusive: the window's end + 1 day is sent. The CSV is semicolon-separated,
header ``datetime;open;high;low;close;volume``, newest first, prices with five decimals (the
default ``dp=5``); rows are turned oldest first. An answer holds at most ``outputsize`` (5000)
bars, so a window longer than 5000 calendar days is asked in chunks of that many days, oldest
first (no chunk can hold more bars than that, even a market open every day).

Errors are JSON even when CSV is asked, usually with HTTP 200 (the same bodies may come with
the matching HTTP status): ``{"code": 429, "message": "You have run out of API credits for the
current minute. ...", "status": "error"}`` (throttling: retried after a minute), ``code`` 400
"**symbol** not found: XYZ. ..." or 404 (an unknown symbol), 401 "**apikey** parameter is
incorrect or not specified. ..."; all but throttling are errors quoting the message. Code 400
"No data is available on the specified dates. ..." is an empty answer, not an error (a chunk
before a listing, or a window without trading). Follows https://twelvedata.com/docs#time-series.
"""

import datetime as dt

from stockflow.sources.providers import base

COLUMNS = ("datetime", "open", "high", "low", "close", "volume")
OUTPUTSIZE = 5000  # the most bars one answer holds
CHUNK_DAYS = 5000  # calendar days per request: never more bars than OUTPUTSIZE
MINUTE_WAIT_S = 60.0  # "Wait for the next minute"
NO_DATA = "no data is available on the specified dates"


def first(ticker, window, keys, base_url) -> base.Request:
    return _request(ticker, window.start, window, keys, base_url)


def _request(ticker, start: dt.date, window, keys, base_url) -> base.Request:
    end = min(window.end, start + dt.timedelta(days=CHUNK_DAYS - 1))
    return base.Request(
        f"{base_url}/time_series",
        params={
            "symbol": ticker,
            "interval": "1day",
            "start_date": start.isoformat(),
            "end_date": (end + dt.timedelta(days=1)).isoformat(),  # exclusive
            "outputsize": str(OUTPUTSIZE),
            "format": "CSV",
        },
        headers={"Authorization": f"apikey {keys[0]}"},
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    data = base.json_of(body)
    if isinstance(data, dict):
        rows = _raise_for_error(data, response)
    elif response.status == 429:
        raise base.Throttled(MINUTE_WAIT_S, base.excerpt(body) or "HTTP 429 Too Many Requests")
    elif response.status != 200:
        raise base.status_error(response, "Twelve Data")
    elif base.looks_like_html(body):
        raise base.ProviderError(
            f"Twelve Data answered a web page, not quotes: {base.excerpt(body)!r}"
        )
    else:
        rows = _rows(body)
    return base.Page(base.in_window(rows, window), next=_next(ticker, request, window, keys))


def _raise_for_error(data: dict, response) -> list:
    """A JSON answer to a CSV request is an error, or "no data" (no rows)."""
    message, code = data.get("message"), data.get("code")
    if not isinstance(message, str):
        raise base.ProviderError(f"Twelve Data answered {base.excerpt(response.body)!r}")
    low = message.lower()
    if code == 429 or response.status == 429:
        if "for the day" in low:  # the day's credits: waiting a minute will not help
            raise base.ProviderError(f"Twelve Data answered {message!r} (the day's credits)")
        raise base.Throttled(MINUTE_WAIT_S, message)
    if code == 400 and low.startswith(NO_DATA):
        return []
    status = "" if response.status == 200 else f" HTTP {response.status}"
    hint = " (unknown symbol)" if code in (400, 404) and "not found" in low else ""
    raise base.ProviderError(f"Twelve Data{status} answered code {code}: {message!r}{hint}")


def _rows(body: bytes) -> list[base.Row]:
    out = base.csv_quotes(body, COLUMNS, "Twelve Data", date="datetime", delimiter=";")
    out.reverse()  # newest first in the answer
    return out


def _next(ticker, request, window, keys) -> base.Request | None:
    """The next chunk of the window, when this one ended before the window's end."""
    after = dt.date.fromisoformat(request.params["end_date"])  # the chunk's end + 1
    if after > window.end:
        return None
    base_url = request.url.removesuffix("/time_series")
    return _request(ticker, after, window, keys, base_url)


ADAPTER = base.Adapter(
    name="twelvedata",
    title="Twelve Data",
    base_url="https://api.twelvedata.com",
    key_env=("TWELVEDATA_API_KEY",),
    requests_per_minute=8,
    first=first,
    parse=parse,
    docs="https://twelvedata.com/docs#time-series",
)
