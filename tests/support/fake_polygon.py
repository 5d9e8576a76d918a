"""Polygon (Massive) as its Aggregates (Bars) page describes it:
https://massive.com/docs/stocks/get_v2_aggs_ticker__stocksticker__range__multiplier___timespan___from___to

``GET /v2/aggs/ticker/{T}/range/1/day/{from}/{to}?adjusted=&sort=asc|desc&limit=`` with the key
in ``Authorization: Bearer KEY`` (or ``apiKey=KEY``); ``from``/``to`` are dates (inclusive) or
millisecond epochs. JSON ``{"ticker", "queryCount", "resultsCount", "adjusted", "results":
[{"v", "vw", "o", "c", "h", "l", "t", "n"}], "status": "OK", "request_id", "count"}`` with
``t`` at midnight in New York (ms) and ``v`` a float. More bars than a page holds: an absolute
``next_url`` (no key) whose ``from`` is the next bar's ``t`` and whose ``cursor`` carries the
rest. Unknown ticker: status OK, resultsCount 0, no ``results``. Errors: 401 ``Unknown API
Key``, 403 ``NOT_AUTHORIZED`` (plan), 404 ``NOT_FOUND``, 429 over the minute's requests.

The whole market's day as its Daily Market Summary page describes it:
https://massive.com/docs/rest/stocks/aggregates/daily-market-summary

``GET /v2/aggs/grouped/locale/us/market/stocks/{date}?adjusted=&include_otc=``, same key and
errors: ``{"adjusted", "queryCount", "resultsCount", "status": "OK", "request_id", "results":
[{"T", "c", "h", "l", "n", "o", "t", "v", "vw"}]}``, a result per ticker of the market, ``t`` at
the session's close (16:00 New York, as the docs' example 1602705600000 is 2020-10-14 16:00
EDT); a weekend or holiday: resultsCount 0 and no ``results``. Here the market is the
constructor's ``market`` (tickers as stockflow names them, lower case; ``T`` is upper case).
"""

import base64
import datetime as dt
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from support.fakekit import KEY, Reply, day, history, weekday_before

NY = ZoneInfo("America/New_York")
GROUPED = "/v2/aggs/grouped/locale/us/market/stocks/"
PLAN = (
    "Your plan doesn't include this data timeframe. Please upgrade your plan at "
    "https://massive.com/pricing"
)
TOO_MANY = (
    "You've exceeded the maximum requests per minute, please wait or upgrade your subscription "
    "to continue. https://massive.com/pricing"
)


def ny_midnight_ms(d: dt.date) -> int:
    return int(dt.datetime.combine(d, dt.time(0), tzinfo=NY).timestamp() * 1000)


def ny_close_ms(d: dt.date) -> int:
    """The day's session close (16:00 New York), as the grouped daily bars stamp ``t``."""
    return int(dt.datetime.combine(d, dt.time(16), tzinfo=NY).timestamp() * 1000)


def _date_of(segment: str) -> dt.date:
    if segment.isdigit():
        return dt.datetime.fromtimestamp(int(segment) / 1000, tz=NY).date()
    return day(segment)


def _json(status: int, data: dict, headers: dict | None = None) -> Reply:
    body = json.dumps({**data, "request_id": "6a7e466379af0a71039d60cc78e72282"}).encode()
    return Reply(status, body, {"Content-Type": "application/json", **(headers or {})})


class Fake:
    name = "polygon"
    env = {"POLYGON_API_KEY": KEY}

    def __init__(
        self,
        unknown=(),
        page_size=None,
        throttle_first=0,
        retry_after=None,
        not_authorized=False,
        market=(),
        stale=(),
    ):
        self.unknown = set(unknown)
        self.page_size = page_size
        self.throttle_first = throttle_first  # per endpoint: its first N requests get a 429
        self.retry_after = retry_after
        self.not_authorized = not_authorized
        self.market = tuple(market)  # the grouped daily's tickers, lower case (e.g. "brk.b")
        self.stale = set(stale)  # tickers of the market whose grouped bar is the day before's
        self.calls = 0  # requests for a ticker's aggregates (and unknown paths)
        self.bulk_calls = 0  # requests for the grouped daily bars

    def respond(self, seen, server) -> Reply:
        if seen.path.startswith(GROUPED):
            self.bulk_calls += 1
            return self._refusal(seen, self.bulk_calls) or self._grouped(seen)
        self.calls += 1
        parts = seen.path.split("/")  # "", v2, aggs, ticker, T, range, 1, day, from, to
        if len(parts) != 10 or parts[1:4] != ["v2", "aggs", "ticker"] or parts[5] != "range":
            return _json(404, {"status": "NOT_FOUND", "message": "Not Found"})
        refused = self._refusal(seen, self.calls)
        if refused:
            return refused
        ticker, multiplier, timespan = parts[4], parts[6], parts[7]
        if (multiplier, timespan) != ("1", "day"):
            return _json(400, {"status": "ERROR", "error": "this fake serves 1/day bars only"})
        query = dict(seen.query)
        offset = 0
        if "cursor" in query:  # the next_url's cursor holds the first request's terms
            query = json.loads(base64.urlsafe_b64decode(query["cursor"]))
            offset = query["offset"]
        start = _date_of(query.get("from", parts[8]))
        end = _date_of(parts[9])
        bars = [] if ticker in self.unknown else history(ticker, start, end)
        if query.get("sort", "asc") == "desc":
            bars.reverse()
        limit = min(int(query.get("limit", 5000)), 50000, self.page_size or 50000)
        page = bars[offset : offset + limit]
        data = {
            "ticker": ticker,
            "queryCount": len(page),
            "resultsCount": len(page),
            "adjusted": query.get("adjusted", "true") == "true",
        }
        if page:
            data["results"] = [
                {
                    "v": float(b.volume),
                    "vw": round((b.high + b.low + b.close) / 3, 4),
                    "o": b.open,
                    "c": b.close,
                    "h": b.high,
                    "l": b.low,
                    "t": ny_midnight_ms(b.date),
                    "n": b.volume // 100,
                }
                for b in page
            ]
        data |= {"status": "OK", "count": len(page)}
        if offset + limit < len(bars):
            terms = {**query, "from": start.isoformat(), "offset": offset + limit}
            cursor = base64.urlsafe_b64encode(json.dumps(terms).encode()).decode()
            path = "/".join(parts[:8] + [str(ny_midnight_ms(bars[offset + limit].date)), parts[9]])
            data["next_url"] = f"{server.base}{path}?{urlencode({'cursor': cursor})}"
        return _json(200, data)

    def _refusal(self, seen, calls: int) -> Reply | None:
        """The key's, the minute's and the plan's refusals, as both endpoints answer them."""
        key = seen.headers.get("authorization", "").removeprefix("Bearer ")
        key = key or seen.query.get("apiKey", "")
        if not key:
            return _json(401, {"status": "ERROR", "error": "API Key was not provided"})
        if key != KEY:
            return _json(401, {"status": "ERROR", "error": "Unknown API Key"})
        if calls <= self.throttle_first:
            extra = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
            return _json(429, {"status": "ERROR", "error": TOO_MANY}, extra)
        if self.not_authorized:
            return _json(403, {"status": "NOT_AUTHORIZED", "message": PLAN})
        return None

    def _grouped(self, seen) -> Reply:
        try:
            d = day(seen.path.removeprefix(GROUPED))
        except ValueError:
            return _json(400, {"status": "ERROR", "error": "Could not parse the date"})
        results = []
        for ticker in self.market if d.weekday() < 5 else ():
            when = weekday_before(d) if ticker in self.stale else d
            # the symbol as the provider writes it: the same bars as its per-ticker endpoint
            (bar,) = history(ticker.upper(), when, when)
            results.append(
                {
                    "T": ticker.upper(),
                    "c": bar.close,
                    "h": bar.high,
                    "l": bar.low,
                    "n": bar.volume // 100,
                    "o": bar.open,
                    "t": ny_close_ms(bar.date),
                    "v": float(bar.volume),
                    "vw": round((bar.high + bar.low + bar.close) / 3, 4),
                }
            )
        data = {
            "adjusted": seen.query.get("adjusted", "true") == "true",
            "queryCount": len(results),
            "resultsCount": len(results),
            "status": "OK",
        }
        if results:  # a day without trading has no "results" at all
            data["results"] = results
        return _json(200, data)
