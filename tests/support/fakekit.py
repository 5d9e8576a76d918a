"""Loopback stand-ins for the quote providers: a real HTTP server on 127.0.0.1 per test.

Each provider's fake (``fake_<name>.py``) answers as the provider's documentation says it does
(its docstring names the page): the layout, the date parameters, the authentication, the
pagination and the error bodies. The bars come from :func:`history`, so a test can say which
rows a download must have written.
"""

import datetime as dt
import hashlib
import http.server
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

KEY = "sk-test-4f1d9c2a7b"  # what the tests put in the key's environment variable
SECRET = "sec-test-8e3b5a1c0d"  # Alpaca's second one


@dataclass(frozen=True)
class Bar:
    date: dt.date
    open: float
    high: float
    low: float
    close: float
    volume: int


def history(ticker: str, start: dt.date, end: dt.date) -> list[Bar]:
    """A ticker's weekday bars between start and end (inclusive), the same on every call."""
    seed = int.from_bytes(hashlib.sha256(ticker.encode()).digest()[:4], "big")
    bars = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            n = day.toordinal() + seed
            o = round(50 + (n * 7919 % 5000) / 100, 2)  # 50.00 .. 99.99
            c = round(o * (1 + ((n * 104729) % 400 - 200) / 10000), 2)
            h = round(max(o, c) + (n % 97) / 100 + 0.01, 2)
            lo = round(min(o, c) - (n % 89) / 100 - 0.01, 2)
            bars.append(Bar(day, o, h, lo, c, 100_000 + n % 900_000))
        day += dt.timedelta(days=1)
    return bars


def weekday_before(d: dt.date) -> dt.date:
    """The last weekday before ``d`` (a bar's day before, in :func:`history`)."""
    d -= dt.timedelta(days=1)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


@dataclass
class Seen:
    """A request as the fake received it."""

    path: str
    query: dict
    headers: dict


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/plain"})


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (stdlib name)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        seen = Seen(parts.path, query, {k.lower(): v for k, v in self.headers.items()})
        self.server.seen.append(seen)
        reply = self.server.fake.respond(seen, self.server)
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, *args):
        pass


class FakeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.seen: list[Seen] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serving(fake):
    server = FakeServer(fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def machine_timezone(name: str):
    """The process's local time zone set to ``name`` (TZ) for the block, then restored: a
    conversion through local time instead of the market's would slip a day."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def normalized_csv(bars: list[Bar]) -> str:
    """What the download stage writes for these bars (stockflow.quotes.to_csv)."""
    lines = ["date,open,high,low,close,volume"]
    lines += [
        f"{b.date.isoformat()},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume}" for b in bars
    ]
    return "\n".join(lines) + "\n"
