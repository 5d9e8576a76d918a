"""Tiingo as https://www.tiingo.com/documentation/end-of-day describes it.

``GET /tiingo/daily/{TICKER}/prices?startDate=&endDate=&format=csv&resampleFreq=daily`` with
``Authorization: Token KEY`` (or ``?token=KEY``). CSV, lower-case header
``date,close,high,low,open,volume,adjClose,adjHigh,adjLow,adjOpen,adjVolume,divCash,
splitFactor``, dates YYYY-MM-DD oldest first, both dates inclusive; without ``format=csv`` a
JSON array with ``date`` as ``2024-01-02T00:00:00.000Z``. Without startDate only the latest day.
A wrong key: 401 ``{"detail": "Invalid token."}``; an unknown ticker: an empty 200 body, or 404
``{"detail": "Error: Ticker 'XYZ' not found"}``; over the hour's requests and over the month's
symbols: plain text behind HTTP 200 (the hour's also as 429 with a JSON detail). Tiingo does
not page: one answer holds the whole range.
"""

import datetime as dt
import json
from urllib.parse import unquote

from support.fakekit import KEY, Reply, day, history

HEADER = (
    "date,close,high,low,open,volume,adjClose,adjHigh,adjLow,adjOpen,adjVolume,divCash,splitFactor"
)
PRICING = "Please upgrade at https://api.tiingo.com/pricing to have your limits increased."
HOURLY = f"Error: You have run over your hourly request allocation. {PRICING}"
MONTHLY = f"You have run over your 500 symbol look up for this month. {PRICING}"
JSON = {"Content-Type": "application/json"}


def _json(status: int, data) -> Reply:
    return Reply(status, json.dumps(data).encode(), JSON)


class Fake:
    name = "tiingo"
    env = {"TIINGO_API_KEY": KEY}

    def __init__(self, empty=(), not_found=(), over_limit=False, hourly_first=0, hourly_status=200):
        self.empty = set(empty)  # unknown tickers answered with an empty 200 body
        self.not_found = set(not_found)  # unknown tickers answered with 404 JSON
        self.over_limit = over_limit  # the month's 500 symbols are spent
        self.hourly_first = hourly_first  # the first N calls are over the hour's allocation
        self.hourly_status = hourly_status  # 200 (plain text) or 429 (JSON detail)
        self.calls = 0

    def respond(self, seen, server) -> Reply:
        self.calls += 1
        path = seen.path
        if not (path.startswith("/tiingo/daily/") and path.endswith("/prices")):
            return _json(404, {"detail": "Not found."})
        token = seen.headers.get("authorization", "").removeprefix("Token ")
        if token != KEY and seen.query.get("token") != KEY:
            return _json(401, {"detail": "Invalid token."})
        if self.calls <= self.hourly_first:
            if self.hourly_status == 429:
                return _json(429, {"detail": HOURLY})
            return Reply(200, HOURLY.encode())
        if self.over_limit:
            return Reply(200, MONTHLY.encode())
        ticker = unquote(path.removeprefix("/tiingo/daily/").removesuffix("/prices"))
        if ticker in self.empty:
            return Reply(200, b"", {"Content-Type": "text/csv"})
        if ticker in self.not_found:
            return _json(404, {"detail": f"Error: Ticker '{ticker}' not found"})
        end = day(seen.query["endDate"]) if "endDate" in seen.query else dt.date.today()
        if "startDate" in seen.query:
            bars = history(ticker, day(seen.query["startDate"]), end)
        else:  # no start: the latest day only
            bars = history(ticker, end - dt.timedelta(days=7), end)[-1:]
        if seen.query.get("format") != "csv":
            return _json(200, [_entry(b) for b in bars])
        lines = [HEADER]
        lines += [
            f"{b.date},{b.close},{b.high},{b.low},{b.open},{b.volume},"
            f"{b.close * 0.97:.4f},{b.high * 0.97:.4f},{b.low * 0.97:.4f},{b.open * 0.97:.4f},"
            f"{b.volume},0.0,1.0"
            for b in bars
        ]
        return Reply(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/csv"})


def _entry(b) -> dict:
    return {
        "date": f"{b.date}T00:00:00.000Z",
        "close": b.close,
        "high": b.high,
        "low": b.low,
        "open": b.open,
        "volume": b.volume,
        "adjClose": round(b.close * 0.97, 4),
        "adjHigh": round(b.high * 0.97, 4),
        "adjLow": round(b.low * 0.97, 4),
        "adjOpen": round(b.open * 0.97, 4),
        "adjVolume": b.volume,
        "divCash": 0.0,
        "splitFactor": 1.0,
    }
