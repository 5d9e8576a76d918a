"""Alpaca's Market Data API v2 as https://docs.alpaca.markets/reference/stockbars describes it.

``GET /v2/stocks/bars?symbols=&timeframe=1Day&start=&end=&limit=&adjustment=&sort=[&feed=]
[&page_token=]`` with the headers ``APCA-API-KEY-ID`` and ``APCA-API-SECRET-KEY``. The answer is
``{"bars": {"SYM": [{"t", "o", "h", "l", "c", "v", "n", "vw"}, ...]}, "next_page_token": ...}``:
bars by symbol, then by time; ``t`` is the bar's start in RFC 3339 UTC, midnight in New York
(05:00Z in winter, 04:00Z in summer); ``start`` and ``end`` (RFC 3339) bound ``t``. At most
``limit`` bars a page; the token (base64 of ``SYM|D|t`` of the next bar, like Alpaca's) asks for
the rest with the same query. Unknown symbols: ``{"bars": {}, "next_page_token": null}``.
Errors are JSON ``{"message": ...}``: a wrong key ID or secret 401 "forbidden.", over the
limit 429 "too many requests.", a malformed symbol or parameter 422, and on the free plan an
end within the last 15 minutes 403 "subscription does not permit querying recent SIP data".
"""

import base64
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

from support.fakekit import KEY, SECRET, Reply, history

NEW_YORK = ZoneInfo("America/New_York")
SYMBOL = re.compile(r"^[A-Za-z0-9.\-/]+$")
JSON = {"Content-Type": "application/json; charset=UTF-8"}


def stamp(day: dt.date) -> str:
    """A daily bar's ``t``: midnight in New York, in UTC."""
    midnight = dt.datetime.combine(day, dt.time(0, 0), NEW_YORK)
    return midnight.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _message(status: int, text: str, headers: dict | None = None) -> Reply:
    return Reply(status, json.dumps({"message": text}).encode(), {**JSON, **(headers or {})})


class Fake:
    name = "alpaca"
    env = {"APCA_API_KEY_ID": KEY, "APCA_API_SECRET_KEY": SECRET}

    def __init__(
        self, unknown=(), throttle_first=0, retry_after=None, page_size=None, free_plan_today=None
    ):
        """``free_plan_today``: a date; the fake's clock then stands at its 12:00 UTC and, as on
        the free plan, an end after 11:45 UTC that day is refused (recent SIP data)."""
        self.unknown = set(unknown)
        self.throttle_first = throttle_first
        self.retry_after = retry_after
        self.page_size = page_size
        self.free_plan_today = free_plan_today
        self.calls = 0

    def respond(self, seen, server) -> Reply:
        self.calls += 1
        if seen.path != "/v2/stocks/bars":
            return _message(404, "Not Found")
        h = seen.headers
        if h.get("apca-api-key-id") != KEY or h.get("apca-api-secret-key") != SECRET:
            return _message(401, "forbidden.")
        if self.calls <= self.throttle_first:
            wait = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
            return _message(429, "too many requests.", wait)
        q = seen.query
        symbols = [s for s in q.get("symbols", "").split(",") if s]
        if not symbols:
            return _message(400, "symbols: parameter is required")
        for s in symbols:
            if not SYMBOL.match(s):
                return _message(422, f"invalid symbol: {s}")
        if q.get("timeframe") != "1Day":
            return _message(422, f"invalid timeframe: {q.get('timeframe')}")
        if q.get("sort", "asc") not in ("asc", "desc"):
            return _message(422, f"invalid sort: {q['sort']}")
        if q.get("adjustment", "raw") not in ("raw", "split", "dividend", "all"):
            return _message(422, f"invalid adjustment: {q['adjustment']}")
        try:
            start, end = _when(q["start"]), _when(q["end"])
            limit = int(q.get("limit", "1000"))
        except (KeyError, ValueError) as exc:
            return _message(422, f"invalid start, end or limit: {exc}")
        if not 1 <= limit <= 10000:
            return _message(422, "invalid limit: must be between 1 and 10000")
        if self.free_plan_today is not None and q.get("feed") != "iex":
            now = dt.datetime.combine(self.free_plan_today, dt.time(12, 0), dt.UTC)
            if end > now - dt.timedelta(minutes=15):
                return _message(403, "subscription does not permit querying recent SIP data")
        items = []
        for s in sorted(set(symbols)):
            if s in self.unknown:
                continue
            bars = history(s, start.date() - dt.timedelta(days=1), end.date())
            bars = [b for b in bars if start <= _when(stamp(b.date)) <= end]
            items += [(s, b) for b in (bars if q.get("sort", "asc") == "asc" else bars[::-1])]
        offset = 0
        if "page_token" in q:
            try:
                s, _, t = base64.b64decode(q["page_token"]).decode().split("|")
                offset = next(
                    i for i, (sym, b) in enumerate(items) if (sym, stamp(b.date)) == (s, t)
                )
            except (ValueError, StopIteration):
                return _message(422, "invalid page_token")
        size = min(limit, self.page_size or limit)
        page, rest = items[offset : offset + size], items[offset + size :]
        out: dict = {}
        for s, b in page:
            vw = round((b.high + b.low + b.close) / 3, 4)
            out.setdefault(s, []).append(
                {
                    "t": stamp(b.date),
                    "o": b.open,
                    "h": b.high,
                    "l": b.low,
                    "c": b.close,
                    "v": b.volume,
                    "n": b.volume // 50,
                    "vw": vw,
                }
            )
        token = None
        if rest:
            s, b = rest[0]
            token = base64.b64encode(f"{s}|D|{stamp(b.date)}".encode()).decode()
        return Reply(200, json.dumps({"bars": out, "next_page_token": token}).encode(), JSON)
