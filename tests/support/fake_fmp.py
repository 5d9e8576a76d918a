"""Financial Modeling Prep as
https://site.financialmodelingprep.com/developer/docs/stable/historical-price-eod-full
describes it.

``GET /stable/historical-price-eod/full?symbol=&from=&to=&apikey=``: a flat JSON array, newest
first, of ``{"symbol", "date", "open", "high", "low", "close", "volume", "change",
"changePercent", "vwap"}`` with JSON numbers; both dates inclusive; no pagination. An unknown
symbol: ``[]``. A wrong key: ``{"Error Message": "Invalid API KEY. ..."}`` (HTTP 401, or 200 as
FMP has also answered it). The old ``/api/v3/`` paths: 403 "Legacy Endpoint". Over the limit:
``{"Error Message": "Limit Reach . ..."}``, 429 for the minute's. What a plan lacks: 402 in plain
text, "Premium Query Parameter" for a symbol, "Restricted Endpoint" for the endpoint.
"""

import datetime as dt
import json

from support.fakekit import KEY, Reply, day, history

PATH = "/stable/historical-price-eod/full"
INVALID_KEY = (
    "Invalid API KEY. Feel free to create a Free API Key or visit "
    "https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more "
    "information."
)
LEGACY = (
    "Legacy Endpoint : Due to Legacy endpoints being no longer supported - This endpoint is only "
    "available for legacy users who have valid subscriptions prior August 31, 2025. Please visit "
    "our subscription page to upgrade your plan at "
    "https://site.financialmodelingprep.com/developer/docs/pricing"
)
LIMIT = (
    "Limit Reach . Please upgrade your plan or visit our documentation for more details at "
    "https://site.financialmodelingprep.com/ "
)
PREMIUM = (
    "Premium Query Parameter: 'Special Endpoint : This value set for 'symbol' is not available "
    "under your current subscription please visit our subscription page to upgrade your plan at "
    "https://site.financialmodelingprep.com/developer/docs/pricing"
)
RESTRICTED = (
    "Restricted Endpoint: This endpoint is not available under your current subscription please "
    "visit our subscription page to upgrade your plan at "
    "https://site.financialmodelingprep.com/developer/docs/pricing"
)
JSON = {"Content-Type": "application/json;charset=UTF-8"}


def _json(status: int, data) -> Reply:
    return Reply(status, json.dumps(data, indent=2).encode(), dict(JSON))


class Fake:
    name = "fmp"
    env = {"FMP_API_KEY": KEY}

    def __init__(
        self,
        unknown=(),
        bad_key_status=401,
        throttle_first=0,
        quota_spent=None,
        not_entitled=(),
        restricted=False,
    ):
        """``quota_spent``: the status "Limit Reach" comes with on every call (the day's spent);
        ``not_entitled``: symbols outside the plan; ``restricted``: the endpoint is."""
        self.unknown = set(unknown)
        self.bad_key_status = bad_key_status
        self.throttle_first = throttle_first
        self.quota_spent = quota_spent
        self.not_entitled = set(not_entitled)
        self.restricted = restricted
        self.calls = 0

    def respond(self, seen, server) -> Reply:
        self.calls += 1
        if seen.path.startswith("/api/v3/"):
            return _json(403, {"Error Message": LEGACY})
        if seen.path != PATH:
            return _json(404, {"Error Message": "Not Found"})
        if seen.query.get("apikey") != KEY:
            return _json(self.bad_key_status, {"Error Message": INVALID_KEY})
        if self.calls <= self.throttle_first:
            return _json(429, {"Error Message": LIMIT})
        if self.quota_spent is not None:
            return _json(self.quota_spent, {"Error Message": LIMIT})
        if self.restricted:
            return Reply(402, RESTRICTED.encode())
        symbol = seen.query.get("symbol", "")
        if symbol in self.not_entitled:
            return Reply(402, PREMIUM.encode())
        if symbol in self.unknown:
            return _json(200, [])
        end = day(seen.query["to"]) if "to" in seen.query else dt.date.today()
        # Without from, FMP serves about five years
        start = day(seen.query["from"]) if "from" in seen.query else end - dt.timedelta(1826)
        bars = history(symbol, start, end)
        entries = []
        for b in bars:
            change = round(b.close - b.open, 2)
            entries.append(
                {
                    "symbol": symbol,
                    "date": b.date.isoformat(),
                    "open": b.open,
                    "high": b.high,
                    "low": b.low,
                    "close": b.close,
                    "volume": b.volume,
                    "change": change,
                    "changePercent": round(change / b.open * 100, 5),
                    "vwap": round((b.high + b.low + b.close) / 3, 4),
                }
            )
        return _json(200, entries[::-1])  # newest first
