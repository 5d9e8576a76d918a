"""Daily OHLCV quotes: parse a source body, validate it, write/read the normalized CSV.

Stdlib only: the download job must start fast and a 4,000-day history is tiny.
"""

import datetime as dt
import itertools
import math
from dataclasses import dataclass

from stockflow import StockflowError
from stockflow.bars import PRICES

HEADER = "date,open,high,low,close,volume"
FORMATS = ("quantquote", "ohlcv")
# Exchanges close for weekends, holidays and the odd emergency (at most 7 calendar days between
# trading days in 1998-2013, after 11 September 2001); a longer gap is probably missing data.
MAX_GAP_DAYS = 7
OHLCV_COLUMNS = ("date", *PRICES, "volume")
# Bars carry at most this many decimals (synthesize pins each day's OHLC exactly at its own
# precision); a source price with more, such as 0.30000000000000004, is rounded here, warned.
PRICE_DECIMALS = 8


@dataclass(frozen=True)
class Quote:
    date: dt.date
    open: float
    high: float
    low: float
    close: float
    volume: int


def parse(body: bytes, fmt: str, where: str) -> tuple[list[Quote], list[str]]:
    """Parse and validate a source body; return the quotes sorted by date and any warnings.

    ``where`` names the ticker and source in every message. Raises StockflowError on anything that
    is not a clean daily OHLCV series: HTML pages, empty bodies, wrong columns, bad numbers,
    inconsistent high/low, duplicate dates. Tolerated with a warning: unsorted rows (sorted),
    gaps of more than MAX_GAP_DAYS, volume 0 on a day whose price moved.
    """
    if fmt not in FORMATS:
        raise StockflowError(f"{where}: unknown source format {fmt!r}; expected one of {FORMATS}")
    text = _decode(body, where)
    lines = text.splitlines()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if not first:
        raise StockflowError(f"{where}: the source returned an empty body; expected daily quotes")
    if first.startswith("<") or first[:15].lower().startswith(("<!doctype", "<html")):
        raise StockflowError(
            f"{where}: the source returned an HTML page (starts {first[:60]!r}), not quotes; "
            "check the URL template and the ticker"
        )
    if fmt == "quantquote":
        rows = _quantquote_rows(lines, where)
    else:
        rows = _ohlcv_rows(lines, where)
    if not rows:
        raise StockflowError(f"{where}: no quote rows found; expected {fmt} daily quotes")
    return check_series(rows, where)


def _decode(body: bytes, where: str) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StockflowError(
            f"{where}: body is not UTF-8 text (byte {exc.start}: "
            f"{body[exc.start : exc.start + 1]!r}); expected a CSV of daily quotes"
        ) from None
    return text.removeprefix("\ufeff")


def _quantquote_rows(lines: list[str], where: str) -> list[tuple[int, Quote]]:
    rows = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.strip().split(",")
        if len(fields) != 7:
            raise StockflowError(
                f"{where}: line {no}: expected 7 fields (YYYYMMDD,time,open,high,low,close,volume)"
                f", got {len(fields)}: {line[:80]!r}"
            )
        date = _date(fields[0], f"{where}: line {no}")
        rows.append((no, _quote(date, fields[2:7], f"{where}: line {no}")))
    return rows


def _ohlcv_rows(lines: list[str], where: str) -> list[tuple[int, Quote]]:
    numbered = [(no, ln.strip()) for no, ln in enumerate(lines, 1) if ln.strip()]
    header_no, header = numbered[0]
    names = [h.strip().strip('"').lower() for h in header.split(",")]
    missing = [c for c in OHLCV_COLUMNS if c not in names]
    if missing:
        raise StockflowError(
            f"{where}: line {header_no}: header {header[:80]!r} lacks column(s) {missing}; "
            "expected Date,Open,High,Low,Close,Volume"
        )
    idx = [names.index(c) for c in OHLCV_COLUMNS]
    rows = []
    for no, line in numbered[1:]:
        fields = [f.strip().strip('"') for f in line.split(",")]
        if len(fields) != len(names):
            raise StockflowError(
                f"{where}: line {no}: expected {len(names)} fields as in the header, "
                f"got {len(fields)}: {line[:80]!r}"
            )
        date = _date(fields[idx[0]], f"{where}: line {no}")
        rows.append((no, _quote(date, [fields[i] for i in idx[1:]], f"{where}: line {no}")))
    return rows


def _date(field: str, ctx: str) -> dt.date:
    field = field.strip()
    try:
        if len(field) == 8 and field.isdigit():
            return dt.date(int(field[:4]), int(field[4:6]), int(field[6:]))
        return dt.date.fromisoformat(field)
    except ValueError:
        raise StockflowError(
            f"{ctx}: date {field!r} is not a valid YYYYMMDD or YYYY-MM-DD date"
        ) from None


def _number(field: str, name: str, ctx: str) -> float:
    if not field:
        raise StockflowError(f"{ctx}: {name} is empty; expected a number")
    try:
        value = float(field)
    except ValueError:
        raise StockflowError(f"{ctx}: {name} {field!r} is not a number") from None
    if not math.isfinite(value):
        raise StockflowError(f"{ctx}: {name} {field!r} is not a finite number")
    return value


def _quote(date: dt.date, fields: list[str], ctx: str) -> Quote:
    o, h, lo, c = (_number(f, n, ctx) for f, n in zip(fields[:4], OHLCV_COLUMNS[1:5], strict=True))
    vol = _number(fields[4], "volume", ctx)
    if min(o, h, lo, c) <= 0:
        raise StockflowError(
            f"{ctx}: prices must be positive, got open={o} high={h} low={lo} close={c}"
        )
    if h < lo:
        raise StockflowError(f"{ctx}: high {h} is below low {lo}; expected low <= high")
    for name, value in (("open", o), ("close", c)):
        if not lo <= value <= h:
            raise StockflowError(
                f"{ctx}: {name} {value} is outside the day's range [low {lo}, high {h}]"
            )
    if vol < 0:
        raise StockflowError(f"{ctx}: volume {fields[4]!r} is negative")
    return Quote(date, o, h, lo, c, round(vol))


def _at(no) -> str:
    """Where a row was: a line number of a CSV, or a provider's label (e.g. results[3])."""
    return f"line {no}" if isinstance(no, int) else str(no)


def _both(a, b) -> str:
    return (
        f"lines {a} and {b}"
        if isinstance(a, int) and isinstance(b, int)
        else f"{_at(a)} and {_at(b)}"
    )


def from_rows(rows, where: str) -> tuple[list[Quote], list[str]]:
    """Quotes from a provider's rows (sources.providers.base.Row), checked as a CSV's are."""
    if not rows:
        raise StockflowError(f"{where}: no quote rows found")
    checked = []
    for row in rows:
        fields = [
            "" if v is None else str(v).strip()
            for v in (row.open, row.high, row.low, row.close, row.volume)
        ]
        checked.append((row.at, _quote(row.date, fields, f"{where}: {row.at}")))
    return check_series(checked, where)


def check_series(rows: list[tuple[int, Quote]], where: str) -> tuple[list[Quote], list[str]]:
    """Checked rows, each labelled with where it came from (a line number or a text): a day
    twice is refused naming both; order, price decimals, gaps and silent days are repaired or
    warned about."""
    warnings = []
    seen: dict[dt.date, int] = {}
    for no, q in rows:
        if q.date in seen:
            raise StockflowError(
                f"{where}: date {q.date} appears twice ({_both(seen[q.date], no)}); "
                "expected one row per day"
            )
        seen[q.date] = no
    if any(a.date > b.date for (_, a), (_, b) in itertools.pairwise(rows)):
        warnings.append(f"{where}: rows were not in date order; sorted them")
        rows = sorted(rows, key=lambda row: row[1].date)
    rows, rounded = _round_prices(rows, where)
    if rounded:
        no, q = rounded[0]
        warnings.append(
            f"{where}: {len(rounded)} day(s) have prices with more than {PRICE_DECIMALS} "
            f"decimals (first: {q.date}, {_at(no)}: open={q.open!r} high={q.high!r} "
            f"low={q.low!r} close={q.close!r}); rounded them to {PRICE_DECIMALS} decimals"
        )
    # Not errors (the bars stay true to the quotes), but worth a look: say so in the log.
    gaps = [
        (no, a.date, b.date)
        for (_, a), (no, b) in itertools.pairwise(rows)
        if (b.date - a.date).days > MAX_GAP_DAYS
    ]
    if gaps:
        no, a, b = max(gaps, key=lambda g: g[2] - g[1])
        warnings.append(
            f"{where}: {len(gaps)} gap(s) of more than {MAX_GAP_DAYS} calendar days between rows "
            f"(longest: {a} to {b}, {(b - a).days} days, {_at(no)}); missing data? "
            "No bars are made for the days in between"
        )
    # A day with no trades is flat; volume 0 with a price range contradicts itself.
    silent = [(no, q) for no, q in rows if q.volume == 0 and q.high > q.low]
    if silent:
        no, q = silent[0]
        warnings.append(
            f"{where}: {len(silent)} day(s) have volume 0 although the price moved "
            f"(first: {q.date}, {_at(no)}, low {q.low}, high {q.high}); their bars have volume 0"
        )
    return [q for _, q in rows], warnings


def _round_prices(rows: list[tuple[int, Quote]], where: str):
    """Rows whose day cannot be written at PRICE_DECIMALS or fewer get their prices rounded to
    PRICE_DECIMALS; return the rows and the original rows that changed. Rounding is monotone:
    low <= open, close <= high still holds."""
    scale = 10.0**PRICE_DECIMALS
    out, changed = [], []
    for no, q in rows:
        prices = (q.open, q.high, q.low, q.close)
        if day_decimals(prices) is not None:
            out.append((no, q))
            continue
        rounded = [round(p * scale) / scale for p in prices]
        if rounded[2] <= 0:
            raise StockflowError(
                f"{where}: {_at(no)}: low {q.low!r} rounds to 0 at {PRICE_DECIMALS} decimals; "
                "expected prices of at least 1e-8"
            )
        changed.append((no, q))
        out.append((no, Quote(q.date, *rounded, q.volume)))
    return out, changed


def day_decimals(prices) -> int | None:
    """The fewest decimals d <= PRICE_DECIMALS at which every price is exact, as synthesize
    tests it (rint(p * 10**d) / 10**d == p; Python's round is numpy's rint), or None."""
    for d in range(PRICE_DECIMALS + 1):
        scale = 10.0**d
        if all(round(p * scale) / scale == p for p in prices):
            return d
    return None


def to_csv(quotes: list[Quote]) -> bytes:
    """The normalized CSV; floats use repr, the shortest text that reads back to the same value."""
    lines = [HEADER]
    lines.extend(
        f"{q.date.isoformat()},{q.open!r},{q.high!r},{q.low!r},{q.close!r},{q.volume}"
        for q in quotes
    )
    return ("\n".join(lines) + "\n").encode()


def read_csv(path: str, last: int | None = None) -> list[Quote]:
    """Read a normalized CSV written by :func:`to_csv` (re-validated: it may have been edited).

    ``last``: only the last N rows are parsed (the file is sorted); line numbers in errors stay
    those of the file.
    """
    with open(path, "rb") as fh:
        body = fh.read()
    if not body.startswith(HEADER.encode()):
        raise StockflowError(f"{path}: line 1: expected header {HEADER!r}")
    if last is not None:
        lines = body.rstrip(b"\n").split(b"\n")
        skipped = max(len(lines) - 1 - last, 0)
        # Blank lines are skipped by the parser but counted, so line numbers stay true.
        body = b"\n".join([lines[0], *([b""] * skipped), *lines[1 + skipped :]]) + b"\n"
    quotes, _ = parse(body, "ohlcv", path)
    return quotes
