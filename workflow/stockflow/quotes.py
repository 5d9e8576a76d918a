"""Daily OHLCV quotes: parse a source body, validate it, write/read the normalized CSV.

Stdlib only: the download job must start fast and a 4,000-day history is tiny.
"""

import datetime as dt
import itertools
import math
from dataclasses import dataclass

from stockflow import StockflowError

HEADER = "date,open,high,low,close,volume"
FORMATS = ("quantquote", "ohlcv")
OHLCV_COLUMNS = ("date", "open", "high", "low", "close", "volume")


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
    inconsistent high/low, duplicate dates.
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
    return _check_series(rows, where)


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
        raise StockflowError(f"{ctx}: high {h} is below low {lo}")
    for name, value in (("open", o), ("close", c)):
        if not lo <= value <= h:
            raise StockflowError(
                f"{ctx}: {name} {value} is outside the day's range [low {lo}, high {h}]"
            )
    if vol < 0:
        raise StockflowError(f"{ctx}: volume {fields[4]!r} is negative")
    return Quote(date, o, h, lo, c, round(vol))


def _check_series(rows: list[tuple[int, Quote]], where: str) -> tuple[list[Quote], list[str]]:
    warnings = []
    seen: dict[dt.date, int] = {}
    for no, q in rows:
        if q.date in seen:
            raise StockflowError(
                f"{where}: date {q.date} appears twice (lines {seen[q.date]} and {no}); "
                "expected one row per day"
            )
        seen[q.date] = no
    quotes = [q for _, q in rows]
    if any(a.date > b.date for a, b in itertools.pairwise(quotes)):
        warnings.append(f"{where}: rows were not in date order; sorted them")
        quotes.sort(key=lambda q: q.date)
    return quotes, warnings


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
