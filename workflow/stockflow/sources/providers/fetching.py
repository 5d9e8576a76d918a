"""Daily quotes from the providers people pay for, by name (config ``source.provider``).

Each provider is an adapter module here (``base.Adapter``): its endpoint,
date parameters, authentication, layout, pagination and error bodies. :func:`fetch` runs any of
them: it takes a slot of the run's requests-per-minute budget before every request
(``stockflow.sources.ratebudget``), retries what the provider calls throttling after the wait it
implies, follows pages, and checks the rows as any source's (``stockflow.quotes``). The key is
read from the environment (``stockflow.secrets``) and never shown.
"""

import datetime as dt
import importlib
import math
import time
from dataclasses import dataclass

from stockflow import StockflowError, cli, quotes, resources, secrets
from stockflow.sources import http, ratebudget
from stockflow.sources.providers.base import Adapter, ProviderError, Throttled, Window

NAMES = ("eodhd", "tiingo", "alphavantage", "polygon", "twelvedata", "stooq", "fmp", "alpaca")
# A window asks for this many calendar days per trading day wanted, plus a margin (weekends,
# holidays): the last N trading days are in it.
CALENDAR_PER_TRADING_DAY = 1.5
MARGIN_DAYS = 14


def adapter(name: str) -> Adapter:
    if name not in NAMES:
        raise StockflowError(f"unknown provider {name!r}; expected one of {', '.join(NAMES)}")
    return importlib.import_module(f"stockflow.sources.providers.{name}").ADAPTER


@dataclass(frozen=True)
class Settings:
    """A download's provider settings (config source.*)."""

    provider: str
    key_env: tuple
    base_url: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    days: int = 365  # trading days wanted, when start is not given
    requests_per_minute: float | None = None
    rate_dir: str = resources.RATE_DIR
    max_throttle_wait: float = 120.0


def window(s: Settings, today: dt.date | None = None) -> Window:
    end = s.end or today or dt.date.today()
    start = s.start or end - dt.timedelta(
        days=math.ceil(s.days * CALENDAR_PER_TRADING_DAY) + MARGIN_DAYS
    )
    if start > end:
        raise StockflowError(f"source.start {start} is after source.end {end}")
    return Window(start, end)


def fetch(
    ticker: str, s: Settings, opts: http.Options, win: Window | None = None, some_days=False
) -> tuple[list[quotes.Quote], list, str]:
    """The ticker's daily quotes from the provider, checked; warnings; and ``where``.

    ``win``: the days to ask for (default: the settings' window). ``some_days``: the window is
    the few days after those already stored, where no bar yet (a holiday) is no error.
    """
    a = adapter(s.provider)
    keys = secrets.read(list(s.key_env), f"{a.title} API key")
    win = win or window(s)
    request = a.first(ticker, win, keys, (s.base_url or a.base_url).rstrip("/"))
    where = f"{ticker} ({a.title} {request.display()})"
    pages = _ask(a, request, where, s, opts, lambda r, req: a.parse(r, req, ticker, win, keys))
    rows = [row for page in pages for row in page.rows]
    if len(pages) > 1:
        cli.info(f"{where}: {len(rows)} rows in {len(pages)} pages")
    if not rows and some_days:
        return [], [], where
    if not rows:
        raise StockflowError(
            f"{where}: {a.title} returned no daily bars for {ticker!r} between {win.start} and "
            f"{win.end} (unknown or delisted ticker, or no trading in the window?)"
        )
    if len(rows) == 1 and (win.end - win.start).days > 7:
        raise StockflowError(
            f"{where}: {a.title} returned a single day ({rows[0].date}) where {win.start} to "
            f"{win.end} was asked; expected the range"
        )
    got, warnings = quotes.from_rows(rows, where)
    return got, warnings, where


def fetch_day(day: dt.date, s: Settings, opts: http.Options) -> tuple[dict, str]:
    """One day of the whole market in one request (the provider's bulk endpoint):
    ({ticker: Row}, where). Rows are raw: each ticker's are checked with its stored days."""
    a = adapter(s.provider)
    if a.bulk is None:
        raise StockflowError(f"{a.title} has no endpoint for a whole market's day")
    keys = secrets.read(list(s.key_env), f"{a.title} API key")
    request = a.bulk.first(day, keys, (s.base_url or a.base_url).rstrip("/"))
    where = f"{day} ({a.title} {request.display()})"
    pages = _ask(a, request, where, s, opts, lambda r, req: a.bulk.parse(r, req, day, keys))
    rows: dict = {}
    for page in pages:
        rows.update(page.rows)
    return rows, where


def _ask(a: Adapter, request, where: str, s: Settings, opts: http.Options, parse) -> list:
    """Every page of an answer: each request takes a slot of the run's budget; what the
    provider calls throttling is waited out and retried (within ``opts.retries``)."""
    budget = a.requests_per_minute if s.requests_per_minute is None else s.requests_per_minute
    pages, used = [], 0
    while request is not None:
        waited = ratebudget.acquire(s.rate_dir, a.name, budget)
        if waited >= 1:
            cli.info(f"{where}: waited {waited:.0f} s for the {budget:g}/min request budget")
        response = http.get(
            request.url,
            opts,
            where,
            params=request.params,
            headers=request.headers,
            any_status=True,
            retries_used=used,
        )
        used = response.retries_used
        try:
            page = parse(response, request)
        except Throttled as t:
            if used >= opts.retries:
                raise StockflowError(
                    f"{where}: {a.title} is throttling (after {used} retries): {t.message!r}"
                ) from None
            used += 1
            wait = min(t.wait_s, s.max_throttle_wait)
            cli.warn(
                f"{where}: {a.title} says {t.message!r}; retry {used} of {opts.retries} in "
                f"{wait:g} s"
            )
            time.sleep(wait)
            continue
        except ProviderError as exc:
            raise StockflowError(f"{where}: {exc}") from None
        pages.append(page)
        request = page.next
    return pages
