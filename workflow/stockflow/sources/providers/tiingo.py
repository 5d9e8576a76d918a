"""Tiingo (tiingo.com): end-of-day prices as CSV.

    GET https://api.tiingo.com/tiingo/daily/{TICKER}/prices?startDate=YYYY-MM-DD
        &endDate=YYYY-MM-DD&format=csv&resampleFreq=daily
    Authorization: Token KEY

The CSV header is lower case, ``date,close,high,low,open,volume,adjClose,adjHigh,adjLow,
adjOpen,adjVolume,divCash,splitFactor`` (close first), dates YYYY-MM-DD, oldest first, both
dates inclusive; the raw columns are read, not the adjusted ones. Without startDate Tiingo
answers only the latest day, so it is always sent. Errors come as JSON ``{"detail": ...}``
(401 "Invalid token.", 404 "Error: Ticker 'XYZ' not found") or as plain text behind HTTP 200:
"You have run over your hourly request allocation..." (throttling: retried after a minute),
"You have run over your 500 symbol look up for this month..." (an error). An unknown ticker
may also answer an empty 200 body (no bars). Follows
https://www.tiingo.com/documentation/end-of-day.
"""

from urllib.parse import quote

from stockflow.sources.providers import base

COLUMNS = ("date", "open", "high", "low", "close", "volume")
HOURLY_WAIT_S = 60.0


def first(ticker, window, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}/tiingo/daily/{quote(ticker, safe='')}/prices",
        params={
            "startDate": window.start.isoformat(),
            "endDate": window.end.isoformat(),
            "format": "csv",
            "resampleFreq": "daily",
        },
        headers={"Authorization": f"Token {keys[0]}"},
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    data = base.json_of(body)
    said = _said(body, data)
    if said and _spent(said):  # the month's symbols or the day's requests: no use waiting
        what = "Tiingo" if response.status == 200 else f"Tiingo HTTP {response.status}"
        raise base.ProviderError(f"{what} answered {said!r} (the plan's allowance is spent)")
    if response.status == 429 or (said and _per_hour(said)):
        raise base.Throttled(_retry_after(response), said or "HTTP 429 Too Many Requests")
    if response.status == 404:
        raise base.status_error(response, "Tiingo", f"{said} (unknown ticker)" if said else None)
    if response.status != 200:
        raise base.status_error(response, "Tiingo", said)
    if base.looks_like_html(body):
        raise base.ProviderError(f"Tiingo answered a web page, not quotes: {base.excerpt(body)!r}")
    if said:  # an error behind HTTP 200, in JSON or plain text
        raise base.ProviderError(f"Tiingo answered {said!r}")
    # an unknown ticker may get an empty body: no rows, which the fetch loop reports
    return base.Page(base.in_window(base.csv_quotes(body, COLUMNS, "Tiingo"), window))


def _said(body: bytes, data) -> str | None:
    """The provider's words when the body is not CSV quotes: its JSON detail, or its text."""
    if isinstance(data, dict):
        for key in ("detail", "message", "error"):
            if isinstance(data.get(key), str):
                return data[key]
        return base.excerpt(body)
    text = base.text_of(body).strip()
    if not text or text.lower().startswith("date") or base.looks_like_html(body):
        return None
    return base.excerpt(body)


def _per_hour(said: str) -> bool:
    low = said.lower()
    return "run over your hourly" in low or "per hour" in low


def _spent(said: str) -> bool:
    low = said.lower()
    return "run over" in low and any(w in low for w in ("month", "daily", "per day"))


def _retry_after(response) -> float:
    for k, v in response.headers.items():
        if k.lower() == "retry-after" and str(v).strip().isdigit():
            return float(v)
    return HOURLY_WAIT_S


ADAPTER = base.Adapter(
    name="tiingo",
    title="Tiingo",
    base_url="https://api.tiingo.com",
    key_env=("TIINGO_API_KEY",),
    requests_per_minute=50 / 60,  # the free tier: 50 requests an hour
    first=first,
    parse=parse,
    docs="https://www.tiingo.com/documentation/end-of-day",
)
