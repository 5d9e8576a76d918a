"""Twelve Data as https://twelvedata.com/docs#time-series describes it.

``GET /time_series?symbol=&interval=1day&start_date=&end_date=&outputsize=&format=CSV``, the
key in ``Authorization: apikey KEY`` (or an ``apikey`` query parameter). ``end_date`` is
exclusive. CSV: semicolon-separated, header ``datetime;open;high;low;close;volume``, newest
first, prices with five decimals (``dp=5``); at most ``outputsize`` rows (the newest in the
range, 5000 at most, 30 when not given). Errors are JSON ``{"code", "message", "status":
"error"}`` even when CSV is asked, with HTTP 200, or with the matching HTTP status when
``http_status_errors`` is set. Only ``format=CSV`` and ``interval=1day`` are emulated. The
messages are the ones users have quoted from the real service.
"""

import datetime as dt
import json
import threading

from support.fakekit import KEY, Reply, day, history

MAX_OUTPUTSIZE = 5000
DEFAULT_OUTPUTSIZE = 30
TODAY = dt.date(2024, 3, 29)  # the end_date when none is sent
PER_MINUTE = (
    "You have run out of API credits for the current minute. 12 API credits were used, with the "
    "current limit being 8. Wait for the next minute or consider switching to a higher tier "
    "plan at https://twelvedata.com/pricing"
)
PER_DAY = (
    "You have run out of API credits for the day. 800 API credits were used, with the current "
    "limit being 800. Wait for the next day or consider switching to a higher tier plan at "
    "https://twelvedata.com/pricing"
)
BAD_KEY = (
    "**apikey** parameter is incorrect or not specified. You can get your free API key "
    "instantly following this link: https://twelvedata.com/apikey"
)
NO_DATA = "No data is available on the specified dates. Try setting different start/end dates."


def not_found(symbol: str) -> str:
    return (
        f"**symbol** not found: {symbol}. Please specify it correctly according to API "
        "Documentation."
    )


class Fake:
    name = "twelvedata"
    env = {"TWELVEDATA_API_KEY": KEY}

    def __init__(
        self,
        unknown=(),
        unknown_code=400,
        throttle_first=0,
        day_spent=False,
        http_status_errors=False,
        listed_from=None,
        max_outputsize=MAX_OUTPUTSIZE,
    ):
        self.unknown = set(unknown)
        self.unknown_code = unknown_code  # 400 as users quote it; 404 is also documented
        self.throttle_first = throttle_first  # the first N calls get the per-minute 429 body
        self.day_spent = day_spent
        self.http_status_errors = http_status_errors  # errors with their HTTP status, not 200
        self.listed_from = listed_from  # no bars before this day
        self.max_outputsize = max_outputsize  # the page size: the newest N rows of the range
        self.calls = 0
        self.lock = threading.Lock()

    def _error(self, code: int, message: str, meta: dict | None = None) -> Reply:
        data = {"code": code, "message": message, "status": "error"}
        if meta is not None:
            data["meta"] = meta
        status = code if self.http_status_errors else 200
        return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def respond(self, seen, server) -> Reply:
        with self.lock:
            self.calls += 1
            calls = self.calls
        q = seen.query
        if seen.path != "/time_series":
            return self._error(404, "Not Found")
        auth = seen.headers.get("authorization", "")
        key = auth.removeprefix("apikey ") if auth.startswith("apikey ") else q.get("apikey")
        if key != KEY:
            return self._error(401, BAD_KEY)
        if calls <= self.throttle_first:
            return self._error(429, PER_MINUTE)
        if self.day_spent:
            return self._error(429, PER_DAY)
        symbol = q.get("symbol", "")
        meta = {"symbol": symbol, "interval": q.get("interval"), "exchange": ""}
        if q.get("interval") != "1day" or q.get("format") != "CSV":
            return self._error(400, "fake: only interval=1day and format=CSV are emulated")
        if not symbol or symbol in self.unknown:
            return self._error(self.unknown_code, not_found(symbol), meta)
        start = day(q.get("start_date", "1990-01-01"))
        end = day(q.get("end_date", TODAY.isoformat()))
        if self.listed_from:
            start = max(start, self.listed_from)
        size = min(int(q.get("outputsize", DEFAULT_OUTPUTSIZE)), self.max_outputsize)
        bars = history(symbol, start, end - dt.timedelta(days=1))[::-1][:size]  # end exclusive
        if not bars:
            return self._error(400, NO_DATA, meta)
        lines = ["datetime;open;high;low;close;volume"]
        lines += [
            f"{b.date};{b.open:.5f};{b.high:.5f};{b.low:.5f};{b.close:.5f};{b.volume}" for b in bars
        ]
        return Reply(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/csv"})
