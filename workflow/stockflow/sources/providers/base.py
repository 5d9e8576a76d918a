"""What a quote provider's adapter is: how to ask for a ticker's daily bars, how to read the
answer, and the provider's own ways of saying no.

An adapter builds the first :class:`Request` for a ticker and a date window, and turns each
:class:`~stockflow.sources.http.Response` into a :class:`Page`: rows of daily bars, and the next
request when the answer comes in pages. It raises :class:`ProviderError` with the provider's
own words when the answer is an error (whatever its HTTP status: several answer errors with
200), and :class:`Throttled` when the provider asks to slow down, with the wait it implies.
Rows are raw (strings or numbers as the provider gives them); ``stockflow.quotes.from_rows``
checks them as it checks a CSV. A provider that answers one day of a whole market in one
request also offers :class:`BulkDay`: its parse gives a :class:`BulkPage`, that day's row per
ticker. Stdlib only.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from stockflow import StockflowError

NEW_YORK = "America/New_York"  # US exchanges: a bar's date is its date in New York


class ProviderError(StockflowError):
    """The provider said no; the message quotes it."""


class Throttled(Exception):
    """The provider asked to slow down; retry after ``wait_s`` seconds (if the budget allows)."""

    def __init__(self, wait_s: float, message: str):
        super().__init__(message)
        self.wait_s = wait_s
        self.message = message


@dataclass(frozen=True)
class Request:
    url: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    # query parameters and headers that carry the key: never shown
    secret_params: tuple = ()

    def display(self) -> str:
        """The URL as logs may show it: secret parameters as ***, secret headers left out."""
        shown = {k: ("***" if k in self.secret_params else v) for k, v in self.params.items()}
        return self.url + ("?" + urlencode(shown, safe="*") if shown else "")


@dataclass(frozen=True)
class Row:
    """One daily bar as the provider gave it; ``at`` says where (for messages)."""

    at: str
    date: dt.date
    open: object
    high: object
    low: object
    close: object
    volume: object


@dataclass(frozen=True)
class Page:
    rows: list
    next: Request | None = None


@dataclass(frozen=True)
class Window:
    """The dates asked for, both inclusive."""

    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class BulkPage:
    """A whole market's bars of one day, by ticker."""

    rows: dict  # lower-case ticker as stockflow names it -> Row (that day's bar)
    next: Request | None = None


@dataclass(frozen=True)
class BulkDay:
    """A provider's endpoint for one day of a whole market in one request."""

    first: Callable  # (day: dt.date, keys, base_url) -> Request
    parse: Callable  # (response, request, day: dt.date, keys) -> BulkPage
    docs: str = ""  # the public page it follows


@dataclass(frozen=True)
class Adapter:
    name: str
    title: str  # as people write it, for messages and the README
    base_url: str
    key_env: tuple  # default names of the variables holding the key(s)
    requests_per_minute: float  # a free tier's budget, shared by the run's download jobs
    first: Callable  # (ticker, window, keys, base_url) -> Request
    parse: Callable  # (response, request, ticker, window, keys) -> Page
    docs: str = ""  # the public page the adapter follows
    bulk: BulkDay | None = None  # one day of the whole market in one request, if offered


# --- helpers the adapters share -----------------------------------------------------------


def text_of(body: bytes) -> str:
    return body.decode("utf-8", "replace").removeprefix("\ufeff")


def excerpt(body: bytes, limit: int = 200) -> str:
    """The start of a body, on one line, for a message."""
    text = " ".join(text_of(body).split())
    return text[:limit] + ("..." if len(text) > limit else "")


def json_of(body: bytes):
    """The body as JSON, or None if it is not JSON."""
    try:
        return json.loads(text_of(body))
    except (ValueError, UnicodeDecodeError):
        return None


def looks_like_html(body: bytes) -> bool:
    start = text_of(body).lstrip()[:15].lower()
    return start.startswith(("<!doctype", "<html", "<head", "<body", "<"))


def seconds(text, default: float | None = None) -> float | None:
    """A count of seconds as a header gives it (e.g. Retry-After; below 0 as 0), or ``default``
    when it is absent or not a number."""
    try:
        return max(0.0, float(text))
    except (TypeError, ValueError):
        return default


def new_york_today() -> dt.date:
    """Today in New York, where US markets close: the date of the day's last bar."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(NEW_YORK)).date()


def iso_date(text: str, at: str) -> dt.date:
    """YYYY-MM-DD, or the date part of an ISO timestamp taken as the bar's own date."""
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise ProviderError(f"{at}: date {text!r} is not YYYY-MM-DD") from None


def new_york_date_of_ms(ms, at: str) -> dt.date:
    """A millisecond epoch (midnight in New York for a daily bar) as its New York date."""
    from zoneinfo import ZoneInfo

    try:
        when = dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        raise ProviderError(f"{at}: timestamp {ms!r} is not milliseconds since 1970") from None
    return when.astimezone(ZoneInfo(NEW_YORK)).date()


def new_york_date_of_rfc3339(text: str, at: str) -> dt.date:
    """An RFC 3339 UTC time (e.g. 2022-02-01T05:00:00Z, midnight in New York) as its NY date."""
    from zoneinfo import ZoneInfo

    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ProviderError(f"{at}: time {text!r} is not RFC 3339") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(ZoneInfo(NEW_YORK)).date()


def csv_rows(body: bytes, delimiter: str = ",") -> tuple[list[str], list[tuple[int, dict]]]:
    """A CSV body's header (lower case) and its rows as dicts, with their line numbers."""
    lines = text_of(body).splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        return [], []
    header = [h.strip().lower() for h in rows[0]]
    out = []
    for no, cells in enumerate(rows[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        out.append((no, dict(zip(header, (c.strip() for c in cells), strict=False))))
    return header, out


def require_columns(header: list[str], needed: tuple, what: str, body: bytes) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise ProviderError(
            f"{what}: the answer is not the expected CSV (no column(s) {missing}): "
            f"{excerpt(body)!r}"
        )


def csv_quotes(
    body: bytes, columns: tuple, what: str, date: str = "date", delimiter: str = ",", first_line=1
) -> list[Row]:
    """The rows of a daily-quote CSV (an OHLCV column each, named in lower case; ``date`` the
    date column), each labelled with its line in the body (``first_line``: where ``body``
    started in the answer as received). An empty body gives no rows."""
    header, rows = csv_rows(body, delimiter=delimiter)
    if not header:
        return []
    require_columns(header, columns, what, body)
    out = []
    for no, r in rows:
        at = f"line {no + first_line - 1}"
        out.append(
            Row(at, iso_date(r[date], at), r["open"], r["high"], r["low"], r["close"], r["volume"])
        )
    return out


def in_window(rows: list[Row], window: Window) -> list[Row]:
    return [r for r in rows if window.start <= r.date <= window.end]


def day_rows(pairs, day: dt.date, title: str) -> dict:
    """A whole market's answer for ``day`` as {ticker: row}, from (ticker, row) pairs: a bar of
    another day, or a ticker twice, is a ProviderError naming the row(s)."""
    rows: dict = {}
    for ticker, row in pairs:
        if row.date != day:
            raise ProviderError(
                f"{title}: {row.at} ({ticker}) is a bar of {row.date}, not of {day} as asked"
            )
        if ticker in rows:
            raise ProviderError(f"{title}: {row.at} repeats {ticker} ({rows[ticker].at})")
        rows[ticker] = row
    return rows


def status_error(response, title: str, message: str | None = None) -> ProviderError:
    """An error status, with what the provider said (its JSON message, or the body's start)."""
    said = message or _message_of(response.body) or excerpt(response.body)
    return ProviderError(
        f"{title} answered HTTP {response.status} {response.reason}"
        + (f": {said!r}" if said else "")
    )


def _message_of(body: bytes) -> str | None:
    data = json_of(body)
    if isinstance(data, dict):
        for key in ("message", "error", "Error Message", "detail", "Information", "Note"):
            if isinstance(data.get(key), str):
                return data[key]
    return None
