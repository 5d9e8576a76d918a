"""EODHD (eodhd.com): end-of-day bars as CSV.

    GET https://eodhd.com/api/eod/{TICKER}?api_token=KEY&from=YYYY-MM-DD&to=YYYY-MM-DD&period=d

The ticker carries its exchange, e.g. ``AAPL.US``. The default answer is CSV with the header
``Date,Open,High,Low,Close,Adjusted_close,Volume``, oldest first; both dates are inclusive.
Over quota it answers 429 (too many per minute) or 402 (the day's calls are spent), an
unknown ticker 404 ("Ticker Not Found."). Follows
https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/.

One day of a whole exchange in one request (the Bulk API):

    GET https://eodhd.com/api/eod-bulk-last-day/{EXCHANGE}?api_token=KEY&fmt=json&date=YYYY-MM-DD

answers (with ``fmt=json``; CSV without it) a list of ``{"code": "AAPL", "exchange_short_name":
"US", "date": "YYYY-MM-DD", "open", "high", "low", "close", "adjusted_close", "volume"}``, one
per ticker of the exchange (for ``US``: NYSE, NASDAQ, BATS and AMEX together). Without
``date`` it is the last trading day. A request costs 100 API calls of the day's 100,000,
whatever the number of tickers. Errors as above. Follows
https://eodhd.com/financial-apis/bulk-api-eod-splits-dividends (and
https://eodhd.com/financial-apis/api-limits for the cost).
"""

import datetime as dt
from urllib.parse import quote, unquote, urlsplit

from stockflow.sources.providers import base

TITLE = "EODHD"
COLUMNS = ("date", "open", "high", "low", "close", "volume")
BULK_FIELDS = ("code", "date", "open", "high", "low", "close", "volume")
THROTTLE_WAIT_S = 60.0  # its limit is per minute
# A market is one exchange: stockflow's EODHD tickers carry it as their suffix (aapl.us), and
# the bulk endpoint answers one exchange's tickers. The nightly update asks for this one.
EXCHANGE = "US"


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


def _answer(response, not_found: str):
    """The body's JSON (None when it is not JSON), or Throttled / ProviderError in EODHD's
    words (both endpoints answer errors and throttling alike)."""
    body = response.body
    if response.status == 429:
        raise base.Throttled(THROTTLE_WAIT_S, base.excerpt(body) or "HTTP 429 Too Many Requests")
    if response.status == 404:
        raise base.status_error(response, TITLE, f"{base.excerpt(body)} ({not_found})")
    if response.status != 200:
        raise base.status_error(response, TITLE)
    if base.looks_like_html(body):
        raise base.ProviderError(f"{TITLE} answered a web page, not quotes: {base.excerpt(body)!r}")
    data = base.json_of(body)
    if isinstance(data, dict):  # an error in JSON, e.g. {"errors": ...} or {"message": ...}
        raise base.ProviderError(f"{TITLE} answered {base.excerpt(body)!r}")
    return data


def parse(response, request, ticker, window, keys) -> base.Page:
    _answer(response, "unknown ticker")
    return base.Page(base.in_window(base.csv_quotes(response.body, COLUMNS, TITLE), window))


def bulk_first(day: dt.date, keys, base_url, exchange: str = EXCHANGE) -> base.Request:
    return base.Request(
        f"{base_url}/api/eod-bulk-last-day/{quote(exchange, safe='')}",
        params={"api_token": keys[0], "fmt": "json", "date": day.isoformat()},
        secret_params=("api_token",),
    )


def _bulk_pair(r, at: str, exchange: str) -> tuple[str, base.Row]:
    """A result as (ticker as stockflow names it, row): code + "." + its exchange (its own
    ``exchange_short_name``, else the one asked for), lower case: AAPL on US -> aapl.us."""
    missing = [k for k in BULK_FIELDS if not isinstance(r, dict) or k not in r]
    if missing:
        raise base.ProviderError(f"{TITLE}: {at} has no field(s) {missing}: {r!r}")
    code, own = r["code"], r.get("exchange_short_name") or exchange
    if not isinstance(code, str) or not code.strip() or not isinstance(own, str):
        raise base.ProviderError(f"{TITLE}: {at} has no ticker code and exchange: {r!r}")
    row = base.Row(
        at, base.iso_date(r["date"], at), r["open"], r["high"], r["low"], r["close"], r["volume"]
    )
    return f"{code.strip()}.{own.strip()}".lower(), row


def bulk_parse(response, request, day: dt.date, keys) -> base.BulkPage:
    data = _answer(response, "unknown exchange")
    if not isinstance(data, list):
        raise base.ProviderError(
            f"{TITLE} answered something other than a JSON list: {base.excerpt(response.body)!r}"
        )
    exchange = unquote(urlsplit(request.url).path.rsplit("/", 1)[-1])  # the one asked for
    pairs = (_bulk_pair(r, f"answer[{i}]", exchange) for i, r in enumerate(data))
    return base.BulkPage(base.day_rows(pairs, day, TITLE))


ADAPTER = base.Adapter(
    name="eodhd",
    title=TITLE,
    base_url="https://eodhd.com",
    key_env=("EODHD_API_TOKEN",),
    requests_per_minute=1000,
    first=first,
    parse=parse,
    docs="https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/",
    bulk=base.BulkDay(
        first=bulk_first,
        parse=bulk_parse,
        docs="https://eodhd.com/financial-apis/bulk-api-eod-splits-dividends",
    ),
)
