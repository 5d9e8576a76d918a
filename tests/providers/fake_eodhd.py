"""EODHD as https://eodhd.com/financial-apis/api-for-historical-data-and-volumes/ describes it.

``GET /api/eod/{TICKER}?api_token=&from=&to=&period=d``: CSV, header
``Date,Open,High,Low,Close,Adjusted_close,Volume``, oldest first, both dates inclusive.
Unknown ticker: 404 with ``Ticker Not Found.``; a wrong key: 401 ``Unauthenticated``; over the
minute's limit: 429; the day's calls spent: 402 with a JSON message.
"""

from fakekit import KEY, Reply, day, history


class Fake:
    name = "eodhd"
    env = {"EODHD_API_TOKEN": KEY}

    def __init__(self, unknown=(), throttle_first=0, quota_spent=False):
        self.unknown = set(unknown)
        self.throttle_first = throttle_first
        self.quota_spent = quota_spent
        self.calls = 0

    def respond(self, seen, server) -> Reply:
        self.calls += 1
        if not seen.path.startswith("/api/eod/"):
            return Reply(404, b"Not Found")
        if seen.query.get("api_token") != KEY:
            return Reply(401, b"Unauthenticated")
        if self.calls <= self.throttle_first:
            return Reply(429, b"Too Many Requests")
        if self.quota_spent:
            return Reply(
                402,
                b'{"message":"You exceeded your daily API requests limit."}',
                {"Content-Type": "application/json"},
            )
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
