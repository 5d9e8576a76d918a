"""Stooq (stooq.com): daily bars as the CSV of its historical-data download link.

    GET https://stooq.com/q/d/l/?s={symbol}&i=d&d1=YYYYMMDD&d2=YYYYMMDD&apikey=KEY

The symbol is lower case and carries its market, e.g. ``aapl.us``. The answer is CSV with the
header ``Date,Open,High,Low,Close,Volume``, dates YYYY-MM-DD, oldest first, both dates
inclusive, in one answer (no pages). Old answers sometimes put PHP warnings ("Warning:
Division by zero in ... on line 123") before the header: lines before it are skipped.
Everything comes with HTTP 200: since March 2026 a missing or wrong key gets an HTML page of
instructions (key at https://stooq.com/q/d/?s=spy.us&get_apikey; pandas-datareader #1012),
scripts may get an HTML bot check with a proof-of-work form, the day's quota spent the text
"Exceeded the daily hits limit" (not worth retrying that day), an unknown symbol or an empty
range "No data". Follows the CSV link of https://stooq.com/q/d/?s=aapl.us.
"""

import re

from stockflow.sources.providers import base

COLUMNS = ("date", "open", "high", "low", "close", "volume")
KEY_PAGE = "https://stooq.com/q/d/?s=spy.us&get_apikey"
DAILY_LIMIT = "exceeded the daily hits limit"
NO_DATA = ("no data", "brak danych")  # stooq.com, stooq.pl


def first(ticker, window, keys, base_url) -> base.Request:
    return base.Request(
        f"{base_url}/q/d/l/",
        params={
            "s": ticker.lower(),
            "i": "d",
            "d1": window.start.strftime("%Y%m%d"),
            "d2": window.end.strftime("%Y%m%d"),
            "apikey": keys[0],
        },
        secret_params=("apikey",),
    )


def parse(response, request, ticker, window, keys) -> base.Page:
    body = response.body
    if response.status == 429:
        wait = base.seconds(response.headers.get("Retry-After"), 60.0)
        raise base.Throttled(wait, _said(body, keys) or "HTTP 429 Too Many Requests")
    if response.status != 200:
        raise base.status_error(response, "Stooq", _said(body, keys))
    lines = base.text_of(body).splitlines()
    start = next((i for i, line in enumerate(lines) if _is_header(line)), None)
    if start is None:
        _refuse(body, request, keys)
        return base.Page([])  # an empty body: the fetch loop says there were no bars
    # lines numbered as in the body received, warnings before the header included
    found = base.csv_quotes(
        "\n".join(lines[start:]).encode(), COLUMNS, "Stooq", first_line=start + 1
    )
    return base.Page(base.in_window(found, window))


def _is_header(line: str) -> bool:
    return line.strip().lower().removeprefix("\ufeff").startswith("date,")


def _refuse(body: bytes, request, keys) -> None:
    """Raise what a body without the CSV header means; return if it is empty."""
    text = base.text_of(body).strip()
    if not text:
        return
    said = _said(body, keys)
    if base.looks_like_html(body):
        title = _title(text)
        lowered = text.lower()
        if "__verify" in lowered or "proof-of-work" in lowered or "proof of work" in lowered:
            why = "a bot check (proof of work) that a script cannot pass"
        else:
            why = f"a missing or wrong API key gets such a page (a key: {KEY_PAGE})"
        raise base.ProviderError(
            "Stooq answered a web page, not CSV quotes"
            + (f" (title {_redact(title, keys)!r})" if title else "")
            + f": {said!r}; {why}"
        )
    if DAILY_LIMIT in text.lower():
        raise base.ProviderError(
            f"Stooq answered {said!r}: the day's downloads are spent; try again tomorrow"
        )
    if text.lower().rstrip(".") in NO_DATA:
        raise base.ProviderError(
            f"Stooq answered {said!r} for {request.params.get('s')!r} between "
            f"{request.params.get('d1')} and {request.params.get('d2')} (unknown symbol, "
            "e.g. without its market as in aapl.us, or no trading in the window?)"
        )
    raise base.ProviderError(
        f"Stooq answered {said!r}, not CSV with the header Date,Open,High,Low,Close,Volume"
    )


def _said(body: bytes, keys) -> str:
    return _redact(base.excerpt(body), keys)


def _redact(text: str, keys) -> str:
    # a page may echo the query back; the key must not reach a log
    for key in keys:
        if key:
            text = text.replace(key, "***")
    return text


def _title(text: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)(?:</title|$)", text[:5000], re.I | re.S)
    return " ".join(found.group(1).split())[:200] if found else ""


ADAPTER = base.Adapter(
    name="stooq",
    title="Stooq",
    base_url="https://stooq.com",
    key_env=("STOOQ_API_KEY",),
    requests_per_minute=10,  # no published budget; Stooq bans IPs that hammer it
    first=first,
    parse=parse,
    docs="https://stooq.com/q/d/?s=aapl.us",
)
