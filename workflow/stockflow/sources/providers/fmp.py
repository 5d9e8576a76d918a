"""Financial Modeling Prep (financialmodelingprep.com): end-of-day bars as JSON.

    GET https://financialmodelingprep.com/stable/historical-price-eod/full
        ?symbol=AAPL&from=YYYY-MM-DD&to=YYYY-MM-DD&apikey=KEY

The answer is a flat JSON array, newest first, of ``{"symbol", "date", "open", "high", "low",
"close", "volume", "change", "changePercent", "vwap"}`` with JSON numbers; both dates are
inclusive; no pagination. An unknown symbol answers ``[]``. Errors come as
``{"Error Message": "..."}`` whatever the status: a wrong key ("Invalid API KEY. ...", 200 or
401), the old ``/api/v3/historical-price-full/`` path ("Legacy Endpoint : ...", 403), the
request limit ("Limit Reach . ...", 429 for the minute's; seen at 200 or 402 when the day's
calls are spent). What a plan does not include answers 402 in plain text ("Premium Query
Parameter: ..." for a symbol, "Restricted Endpoint: ..." for an endpoint). Follows
https://site.financialmodelingprep.com/developer/docs/stable/historical-price-eod-full.
"""

from stockflow.sources.providers import base

TITLE = "Financial Modeling Prep"
PATH = "/stable/historical-price-eod/full"
FIELDS = ("date", "open", "high", "low", "close", "volume")
LIMIT = "Limit Reach"  # FMP's words for both the minute's and the day's limit
PLAN_WORDS = ("Premium Query Parameter", "Restricted Endpoint", "Special Endpoint")


def first(ticker, window, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}{PATH}",
        params={
            "symbol": ticker,
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "apikey": keys[0],
        },
        secret_params=("apikey",),
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    said = _error_message(body)
    if response.status == 429:
        raise base.Throttled(_retry_after(response), said or "HTTP 429 Too Many Requests")
    if said and said.startswith(LIMIT):
        # Not a 429: the day's calls are spent; waiting a minute would not help.
        raise base.ProviderError(
            f"{TITLE} answered HTTP {response.status}: {said!r} (the day's limit, it "
            "seems: the free plan allows 250 requests a day)"
        )
    if said and any(w in said for w in PLAN_WORDS):
        raise base.ProviderError(f"{base.status_error(response, TITLE, said)} (not in your plan)")
    if response.status != 200:
        raise base.status_error(response, TITLE, said)
    if said:
        raise base.ProviderError(f"{TITLE} answered {said!r}")
    data = base.json_of(body)
    if not isinstance(data, list):
        raise base.ProviderError(
            f"{TITLE} answered something other than a JSON array of bars: {base.excerpt(body)!r}"
        )
    rows = [_row(entry, f"[{i}]", body) for i, entry in enumerate(data)]
    # FMP lists the newest first; the rows go oldest first, as a CSV's do.
    rows.sort(key=lambda r: r.date)
    return base.Page(base.in_window(rows, window))


def _row(entry, at: str, body: bytes) -> base.Row:
    if not isinstance(entry, dict):
        raise base.ProviderError(f"{TITLE} {at} is not a bar: {base.excerpt(body)!r}")
    missing = [f for f in FIELDS if f not in entry]
    if missing:
        raise base.ProviderError(f"{TITLE} {at} has no {', '.join(missing)}: {str(entry)[:200]}")
    return base.Row(
        at,
        base.iso_date(entry["date"], at),
        entry["open"],
        entry["high"],
        entry["low"],
        entry["close"],
        entry["volume"],
    )


def _error_message(body: bytes) -> str | None:
    """FMP's own words: the "Error Message" of a JSON body, or a plain-text error body."""
    data = base.json_of(body)
    if isinstance(data, dict):
        said = data.get("Error Message")
        return said if isinstance(said, str) else None
    if data is None and body.strip() and not base.looks_like_html(body):
        return base.excerpt(body)
    return None


def _retry_after(response) -> float:
    value = {k.lower(): v for k, v in response.headers.items()}.get("retry-after", "")
    try:
        return max(float(value), 1.0)
    except ValueError:
        return 60.0  # FMP's limits are per minute


ADAPTER = base.Adapter(
    name="fmp",
    title=TITLE,
    base_url="https://financialmodelingprep.com",
    key_env=("FMP_API_KEY",),
    # The free plan counts 250 requests a day; 10 a minute keeps a run from spending it at once.
    requests_per_minute=10,
    first=first,
    parse=parse,
    docs="https://site.financialmodelingprep.com/developer/docs/stable/historical-price-eod-full",
)
