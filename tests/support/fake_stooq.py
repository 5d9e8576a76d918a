"""Stooq as the CSV link of its historical-data page https://stooq.com/q/d/?s=aapl.us serves it,
with the API key required since March 2026 (pandas-datareader #1012; a key is had at
https://stooq.com/q/d/?s=spy.us&get_apikey).

``GET /q/d/l/?s={symbol}&i=d&d1=YYYYMMDD&d2=YYYYMMDD&apikey=``: CSV, header
``Date,Open,High,Low,Close,Volume``, dates YYYY-MM-DD, oldest first, both dates inclusive, all
of it in one answer; numbers as short as they go (185.6, not 185.60), whole volumes. Every
answer is HTTP 200: no key or a wrong one gets an HTML page of instructions, a bot check an
HTML page with a proof-of-work form posting to /__verify, the day's quota spent the text
``Exceeded the daily hits limit``, an unknown symbol (or a range without trading) ``No data``.
Old answers put PHP warnings before the header. Stooq documents no per-minute answer; the
``throttle_first`` knob answers 429 as a proxy in front of it would.
"""

import datetime as dt

from support.fakekit import KEY, Reply, history

NO_KEY_PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Stooq - API key required</title></head>
<body><p>Downloading data requires an API key. Get your key at
<a href="/q/d/?s=spy.us&amp;get_apikey">stooq.com/q/d/?s=spy.us&amp;get_apikey</a>
and add &amp;apikey=YOUR_KEY to the download link.</p></body></html>
"""
BOT_CHECK = b"""<!DOCTYPE html>
<html><head><title>Checking your browser - stooq.com</title>
<script>/* find nonce: sha256(challenge + nonce) starts with 0000 */</script></head>
<body><form method="POST" action="/__verify">
<input type="hidden" name="challenge" value="9f2c4e1a"><input type="hidden" name="nonce">
</form><noscript>Enable JavaScript to continue.</noscript></body></html>
"""
PHP_WARNING = "Warning: Division by zero in /home/stooq/www/q/d/l/index.php on line 123\n"
CSV_TYPE = {"Content-Type": "text/csv", "Content-Disposition": "attachment"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}


class Fake:
    name = "stooq"
    env = {"STOOQ_API_KEY": KEY}

    def __init__(
        self,
        unknown=(),
        no_key_page=False,
        bot_check=False,
        daily_limit=False,
        php_warning=None,
        throttle_first=0,
        ignore_range=False,
    ):
        self.unknown = {u.lower() for u in unknown}
        self.no_key_page = no_key_page  # even with the right key (a revoked key, say)
        self.bot_check = bot_check
        self.daily_limit = daily_limit
        # True: one warning line; a string: that text, before the header
        self.php_warning = PHP_WARNING if php_warning is True else php_warning
        self.throttle_first = throttle_first
        self.ignore_range = ignore_range  # serve all history, as without d1/d2
        self.calls = 0

    def respond(self, seen, server) -> Reply:
        self.calls += 1
        if seen.path != "/q/d/l/":
            return Reply(404, b"<html><title>404</title></html>", HTML_TYPE)
        if self.calls <= self.throttle_first:
            return Reply(429, b"Too Many Requests")
        if self.bot_check:
            return Reply(200, BOT_CHECK, HTML_TYPE)
        if self.no_key_page or seen.query.get("apikey") != KEY:
            return Reply(200, NO_KEY_PAGE, HTML_TYPE)
        if self.daily_limit:
            return Reply(200, b"Exceeded the daily hits limit")
        symbol = seen.query.get("s", "").lower()  # Stooq reads symbols in any case
        if seen.query.get("i", "d") != "d":
            return Reply(200, b"No data")  # only daily bars are emulated
        start = _day(seen.query.get("d1"), dt.date(2020, 1, 1))
        end = _day(seen.query.get("d2"), dt.date.today())
        if self.ignore_range:
            start, end = dt.date(2023, 6, 1), dt.date(2024, 6, 28)
        if start is None or end is None:
            return Reply(200, b"No data")  # a date not YYYYMMDD: nothing matches
        bars = [] if symbol in self.unknown else history(symbol, start, end)
        if not bars:
            return Reply(200, b"No data")
        lines = ["Date,Open,High,Low,Close,Volume"]
        lines += [f"{b.date},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume}" for b in bars]
        text = (self.php_warning or "") + "\r\n".join(lines) + "\r\n"
        return Reply(200, text.encode(), CSV_TYPE)


def _day(text, default: dt.date) -> dt.date | None:
    if not text:
        return default
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None
