"""EODHD as https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/ describes it.

``GET /api/eod/{TICKER}?api_token=&from=&to=&period=d``: CSV, header
``Date,Open,High,Low,Close,Adjusted_close,Volume``, oldest first, both dates inclusive.
Unknown ticker: 404 with ``Ticker Not Found.``; a wrong key: 401 ``Unauthenticated``; over the
minute's limit: 429; the day's calls spent: 402 with a JSON message.

A whole exchange's day as https://eodhd.com/financial-apis/bulk-api-eod-splits-dividends
describes it: ``GET /api/eod-bulk-last-day/{EXCHANGE}?api_token=&fmt=json&date=``, a JSON list
of ``{"code", "exchange_short_name", "date", "open", "high", "low", "close", "adjusted_close",
"volume"}``, one per ticker of the exchange; same key and errors. Here the exchanges' tickers
are the constructor's ``market`` (as stockflow names them: ``aapl.us``, ``vod.lse``); an
exchange with none is a 404. A weekend is an empty list (the docs do not say; assumed). This
fake serves ``fmt=json`` with a ``date`` only (the real default is CSV of the last day).
"""

import json

from support.fakekit import KEY, Reply, day, history, weekday_before

BULK = "/api/eod-bulk-last-day/"


class Fake:
    name = "eodhd"
    env = {"EODHD_API_TOKEN": KEY}

    def __init__(self, unknown=(), throttle_first=0, quota_spent=False, market=(), stale=()):
        self.unknown = set(unknown)
        self.throttle_first = throttle_first  # per endpoint: its first N requests get a 429
        self.quota_spent = quota_spent
        self.market = tuple(market)  # the bulk endpoint's tickers, e.g. "aapl.us", "vod.lse"
        self.stale = set(stale)  # tickers of the market whose bulk bar is the day before's
        self.calls = 0  # requests for a ticker's bars (and unknown paths)
        self.bulk_calls = 0  # requests for an exchange's day

    def respond(self, seen, server) -> Reply:
        if seen.path.startswith(BULK):
            self.bulk_calls += 1
            return self._refusal(seen, self.bulk_calls) or self._bulk(seen)
        self.calls += 1
        if not seen.path.startswith("/api/eod/"):
            return Reply(404, b"Not Found")
        refused = self._refusal(seen, self.calls)
        if refused:
            return refused
        ticker = seen.path.removeprefix("/api/eod/")
        if ticker in self.unknown:
            return Reply(404, b"Ticker Not Found.")
        bars = history(ticker, day(seen.query["from"]), day(seen.query["to"]))
        lines = ["Date,Open,High,Low,Close,Adjusted_close,Volume"]
        lines += [
            f"{b.date},{b.open:.4f},{b.high:.4f},{b.low:.4f},{b.close:.4f},"
            f"{b.close * 0.98:.4f},{b.volume}"
            for b in bars
        ]
        return Reply(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/csv"})

    def _refusal(self, seen, calls: int) -> Reply | None:
        """The key's, the minute's and the day's refusals, as both endpoints answer them."""
        if seen.query.get("api_token") != KEY:
            return Reply(401, b"Unauthenticated")
        if calls <= self.throttle_first:
            return Reply(429, b"Too Many Requests")
        if self.quota_spent:
            return Reply(
                402,
                b'{"message":"You exceeded your daily API requests limit."}',
                {"Content-Type": "application/json"},
            )
        return None

    def _bulk(self, seen) -> Reply:
        exchange = seen.path.removeprefix(BULK)
        if seen.query.get("fmt") != "json" or "date" not in seen.query:
            return Reply(400, b"this fake serves fmt=json&date=YYYY-MM-DD only")
        tickers = [t for t in self.market if t.rpartition(".")[2] == exchange.lower()]
        if not tickers:
            return Reply(404, b"Exchange Not Found.")
        d = day(seen.query["date"])
        rows = []
        for ticker in tickers if d.weekday() < 5 else ():
            when = weekday_before(d) if ticker in self.stale else d
            # the symbol as the provider writes it: the same bars as its per-ticker endpoint
            (bar,) = history(ticker.upper(), when, when)
            rows.append(
                {
                    "code": ticker.rpartition(".")[0].upper(),
                    "exchange_short_name": exchange.upper(),
                    "date": bar.date.isoformat(),
                    "open": bar.open,
                    "high": bar.high,
                    "low": bar.low,
                    "close": bar.close,
                    "adjusted_close": round(bar.close * 0.98, 4),
                    "volume": bar.volume,
                }
            )
        return Reply(200, json.dumps(rows).encode(), {"Content-Type": "application/json"})
