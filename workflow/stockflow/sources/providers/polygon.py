"""Polygon (Massive, formerly polygon.io): daily aggregate bars as JSON.

    GET https://api.massive.com/v2/aggs/ticker/{TICKER}/range/1/day/{FROM}/{TO}
        ?adjusted=true&sort=asc&limit=50000        Authorization: Bearer KEY

Both dates are inclusive. The answer is ``{"ticker", "queryCount", "resultsCount", "adjusted",
"results": [{"v", "vw", "o", "c", "h", "l", "t", "n"}], "status": "OK", "request_id",
"count", "next_url"}``, oldest first (sort=asc); ``t`` is the bar's day at midnight in New
York, in milliseconds since 1970, and ``v`` may be a float. An unknown ticker is ``status OK``
with ``resultsCount 0`` and no ``results``. Long ranges come in pages: ``next_url`` (without
the key) names the next one. Errors are ``{"status": "ERROR" | "NOT_AUTHORIZED" |
"NOT_FOUND", "error" | "message": ...}``: 401 for a wrong key, 403 for data outside the plan,
429 over the minute's requests (the free tier has 5 a minute). Follows
https://massive.com/docs/stocks/get_v2_aggs_ticker__stocksticker__range__multiplier___timespan___from___to
(api.polygon.io is still served).

One day of the whole US stock market in one request (the "grouped daily" bars, now called
Daily Market Summary):

    GET https://api.massive.com/v2/aggs/grouped/locale/us/market/stocks/{YYYY-MM-DD}
        ?adjusted=true        Authorization: Bearer KEY

answers ``{"status": "OK", "queryCount", "resultsCount", "adjusted", "request_id", "results":
[{"T", "v", "vw", "o", "c", "h", "l", "t", "n"}]}``, a result per ticker (``T``, e.g. ``AAPL``,
``BRK.B``), in no page (no ``next_url``); its docs' example stamps ``t`` at the session's close
(16:00 New York), so the bar's day is its New York date as above. A weekend or holiday is
``resultsCount 0`` and no ``results``; errors and throttling are those of the per-ticker
endpoint. OTC tickers only with ``include_otc=true`` (not asked). Follows
https://massive.com/docs/rest/stocks/aggregates/daily-market-summary (and
https://massive.com/knowledge-base/article/how-can-i-get-the-daily-prices-for-all-stocks-using-massives-market-data).
"""

import datetime as dt
from urllib.parse import parse_qsl, quote, urlsplit

from stockflow.sources.providers import base

TITLE = "Polygon (Massive)"
AGGS = "/v2/aggs/"
GROUPED = "/v2/aggs/grouped/locale/us/market/stocks/"
FIELDS = ("t", "o", "h", "l", "c", "v")
GOOD = ("OK", "DELAYED")  # DELAYED: a plan's delayed data, still bars
THROTTLE_WAIT_S = 60.0  # the free tier counts requests per minute


def _auth(keys) -> dict:
    return {"Authorization": f"Bearer {keys[0]}"}


def first(ticker, window, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}{AGGS}ticker/{quote(ticker, safe='.:-')}/range/1/day/"
        f"{window.start.isoformat()}/{window.end.isoformat()}",
        params={"adjusted": "true", "sort": "asc", "limit": "50000"},
        headers=_auth(keys),
    )


def _said(data: dict) -> str:
    for k in ("error", "message"):
        if isinstance(data.get(k), str):
            return data[k]
    return str(data.get("status"))


def _retry_after(headers: dict) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    return float(value) if str(value).strip().isdigit() else THROTTLE_WAIT_S


def _next(next_url: str, request: base.Request, keys) -> base.Request:
    # The key goes only to the host asked for (base_url): the next page's path and cursor are
    # taken from next_url, its host is not.
    parts = urlsplit(next_url)
    if not parts.path.startswith(AGGS):
        raise base.ProviderError(f"{TITLE}: next_url {next_url!r} is not an aggregates page")
    root = request.url[: request.url.index(AGGS)]
    params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "apiKey"}
    nxt = base.Request(root + parts.path, params=params, headers=_auth(keys))
    if (nxt.url, nxt.params) == (request.url, request.params):
        raise base.ProviderError(f"{TITLE}: next_url {next_url!r} names the same page again")
    return nxt


def _answer(response) -> dict:
    """The JSON of a good answer, or Throttled / ProviderError in Polygon's words (both
    endpoints answer errors and throttling alike)."""
    body = response.body
    data = base.json_of(body)
    said = _said(data) if isinstance(data, dict) else base.excerpt(body)
    if response.status == 429 or "requests per minute" in said:
        raise base.Throttled(_retry_after(response.headers), said or "HTTP 429")
    if response.status != 200:
        raise base.status_error(response, TITLE, said if isinstance(data, dict) else None)
    if not isinstance(data, dict):
        raise base.ProviderError(f"{TITLE} answered something other than JSON: {said!r}")
    if data.get("status") not in GOOD:
        raise base.ProviderError(f"{TITLE} answered status {data.get('status')!r}: {said!r}")
    return data


def _results(data: dict, body: bytes) -> list:
    results = data.get("results") or []  # no "results" at all when there are none
    if not isinstance(results, list):
        raise base.ProviderError(f"{TITLE}: 'results' is not a list: {base.excerpt(body)!r}")
    return results


def _row(r, at: str) -> base.Row:
    missing = [k for k in FIELDS if not isinstance(r, dict) or k not in r]
    if missing:
        raise base.ProviderError(f"{TITLE}: {at} has no field(s) {missing}: {r!r}")
    date = base.new_york_date_of_ms(r["t"], at)
    return base.Row(at, date, r["o"], r["h"], r["l"], r["c"], r["v"])


def parse(response, request, ticker, window, keys) -> base.Page:
    data = _answer(response)
    results = _results(data, response.body)
    rows = [_row(r, f"results[{i}]") for i, r in enumerate(results)]
    next_url = data.get("next_url")
    nxt = _next(next_url, request, keys) if isinstance(next_url, str) and next_url else None
    return base.Page(base.in_window(rows, window), next=nxt)


def bulk_first(day: dt.date, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}{GROUPED}{day.isoformat()}",
        params={"adjusted": "true"},
        headers=_auth(keys),
    )


def _ticker(r, at: str) -> str:
    """``T`` as stockflow names the ticker: lower case (AAPL -> aapl, BRK.B -> brk.b)."""
    ticker = r.get("T") if isinstance(r, dict) else None
    if not isinstance(ticker, str) or not ticker.strip():
        raise base.ProviderError(f"{TITLE}: {at} has no ticker ('T'): {r!r}")
    return ticker.strip().lower()


def bulk_parse(response, request, day: dt.date, keys) -> base.BulkPage:
    data = _answer(response)
    results = _results(data, response.body)
    pairs = ((_ticker(r, f"results[{i}]"), _row(r, f"results[{i}]")) for i, r in enumerate(results))
    return base.BulkPage(base.day_rows(pairs, day, TITLE))


ADAPTER = base.Adapter(
    name="polygon",
    title=TITLE,
    base_url="https://api.massive.com",
    key_env=("POLYGON_API_KEY",),
    requests_per_minute=5,
    first=first,
    parse=parse,
    docs="https://massive.com/docs/stocks/"
    "get_v2_aggs_ticker__stocksticker__range__multiplier___timespan___from___to",
    bulk=base.BulkDay(
        first=bulk_first,
        parse=bulk_parse,
        docs="https://massive.com/docs/rest/stocks/aggregates/daily-market-summary",
    ),
)
