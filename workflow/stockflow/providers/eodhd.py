"""EODHD (eodhd.com): end-of-day bars as CSV.

    GET https://eodhd.com/api/eod/{TICKER}?api_token=KEY&from=YYYY-MM-DD&to=YYYY-MM-DD&period=d

The ticker carries its exchange, e.g. ``AAPL.US``. The default answer is CSV with the header
``Date,Open,High,Low,Close,Adjusted_close,Volume``, oldest first; both dates are inclusive.
Over quota it answers 429 (too many per minute) or 402 (the day's calls are spent), an
unknown ticker 404 ("Ticker Not Found."). Follows
https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/.
"""

from urllib.parse import quote

from stockflow.providers import base

COLUMNS = ("date", "open", "high", "low", "close", "volume")


def first(ticker, window, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}/api/eod/{quote(ticker, safe='.')}",
        params={
            "api_token": keys[0],
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "period": "d",
        },
        secret_params=("api_token",),
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    if response.status == 429:
        raise base.Throttled(60.0, base.excerpt(body) or "HTTP 429 Too Many Requests")
    if response.status == 404:
        raise base.status_error(response, "EODHD", f"{base.excerpt(body)} (unknown ticker)")
    if response.status != 200:
        raise base.status_error(response, "EODHD")
    if base.looks_like_html(body):
        raise base.ProviderError(f"EODHD answered a web page, not quotes: {base.excerpt(body)!r}")
    data = base.json_of(body)
    if isinstance(data, dict):  # an error in JSON, e.g. {"errors": ...} or {"message": ...}
        raise base.ProviderError(f"EODHD answered {base.excerpt(body)!r}")
    return base.Page(base.in_window(base.csv_quotes(body, COLUMNS, "EODHD"), window))


ADAPTER = base.Adapter(
    name="eodhd",
    title="EODHD",
    base_url="https://eodhd.com",
    key_env=("EODHD_API_TOKEN",),
    requests_per_minute=1000,
    first=first,
    parse=parse,
    docs="https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/",
)
