"""Alpha Vantage as https://www.alphavantage.co/documentation/#daily describes it.

``GET /query?function=TIME_SERIES_DAILY&symbol=&outputsize=compact|full&datatype=json&apikey=``:
``{"Meta Data": {...}, "Time Series (Daily)": {"YYYY-MM-DD": {"1. open": "171.7500", ...}}}``,
newest first, numbers as strings with four decimals. No date parameters: ``compact`` (the
default) is the latest 100 trading days up to :data:`TODAY`, ``full`` everything from
:data:`FIRST_DAY`. Every error comes with HTTP 200 and a JSON body: ``Error Message`` for an
unknown symbol or function (and, as users report, a wrong key), ``Note`` and ``Information``
for the free tier's limits, ``Information`` for a premium feature. CSV (``datatype=csv``) is
not emulated. The messages are the ones users have quoted from the real service.
"""

import datetime as dt
import json
import threading

from support.fakekit import KEY, Reply, history

TODAY = dt.date(2024, 3, 28)  # the fake's "now": the newest bar it serves
FIRST_DAY = dt.date(2023, 1, 2)  # the oldest bar of outputsize=full
COMPACT_ROWS = 100
THANKS = "Thank you for using Alpha Vantage! "
NOTE = (
    THANKS + "Our standard API call frequency is 5 calls per minute and 500 calls per day. "
    "Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API "
    "call frequency."
)
BURST = (
    THANKS + "Please consider spreading out your free API requests more sparingly (1 request "
    "per second). You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day), "
    "raise the per-second burst limit, and instantly unlock all premium endpoints"
)
DAILY_LIMIT = (
    THANKS + "Our standard API rate limit is 25 requests per day. Please subscribe to any of the "
    "premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate "
    "limits."
)
PREMIUM = (
    THANKS + "The outputsize=full parameter value is a premium feature for the TIME_SERIES_DAILY "
    "endpoint. You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to instantly unlock all premium features"
)
BAD_KEY = (
    "the parameter apikey is invalid or missing. Please claim your free API key on "
    "(https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds."
)
INVALID_CALL = (
    "Invalid API call. Please retry or visit the documentation "
    "(https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY."
)


def _json(data: dict) -> Reply:
    return Reply(200, json.dumps(data, indent=4).encode(), {"Content-Type": "application/json"})


class Fake:
    name = "alphavantage"
    env = {"ALPHAVANTAGE_API_KEY": KEY}

    def __init__(
        self,
        unknown=(),
        note_first=0,
        information_first=0,
        information=BURST,
        daily_limit=False,
        premium=False,
        bad_key_field="Error Message",
    ):
        self.unknown = set(unknown)
        self.note_first = note_first  # the first N calls get the "Note" throttling body
        self.information_first = information_first  # the next N the "Information" one
        self.information = information
        self.daily_limit = daily_limit
        self.premium = premium  # outputsize=full refused, as on the free tier today
        self.bad_key_field = bad_key_field  # reported as "Error Message", also "Information"
        self.calls = 0
        self.lock = threading.Lock()

    def respond(self, seen, server) -> Reply:
        with self.lock:
            self.calls += 1
            calls = self.calls
        q = seen.query
        if seen.path != "/query":
            return Reply(404, b"Not Found")
        if q.get("apikey") != KEY:
            return _json({self.bad_key_field: BAD_KEY})
        if calls <= self.note_first:
            return _json({"Note": NOTE})
        if calls <= self.note_first + self.information_first:
            return _json({"Information": self.information})
        if self.daily_limit:
            return _json({"Information": DAILY_LIMIT})
        size = q.get("outputsize", "compact")
        if (
            q.get("function") != "TIME_SERIES_DAILY"
            or q.get("datatype", "json") != "json"
            or size not in ("compact", "full")
            or not q.get("symbol")
            or q["symbol"] in self.unknown
        ):
            return _json({"Error Message": INVALID_CALL})
        if size == "full" and self.premium:
            return _json({"Information": PREMIUM})
        bars = history(q["symbol"], FIRST_DAY, TODAY)
        if size == "compact":
            bars = bars[-COMPACT_ROWS:]
        series = {
            b.date.isoformat(): {
                "1. open": f"{b.open:.4f}",
                "2. high": f"{b.high:.4f}",
                "3. low": f"{b.low:.4f}",
                "4. close": f"{b.close:.4f}",
                "5. volume": str(b.volume),
            }
            for b in reversed(bars)
        }
        meta = {
            "1. Information": "Daily Prices (open, high, low, close) and Volumes",
            "2. Symbol": q["symbol"],
            "3. Last Refreshed": TODAY.isoformat(),
            "4. Output Size": "Compact" if size == "compact" else "Full size",
            "5. Time Zone": "US/Eastern",
        }
        return _json({"Meta Data": meta, "Time Series (Daily)": series})
