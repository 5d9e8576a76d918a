"""Network faults: a loopback HTTP server that misbehaves on purpose, a different way per ticker,
under one real ``snakemake --keep-going`` run. Transient faults are retried and the ticker ends
equal to a clean run; the others fail that ticker alone, with a log line naming the ticker, the
URL and what was wrong, and leave no file in resources/ and no JSON/HDF5 for it."""

import bz2
import gzip
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from stockflow.sources.origins import embedded_path
from support.faultkit import audit, data_targets, reference, temp_leftovers
from support.workflow import snakemake, write_config

pytestmark = pytest.mark.workflow

RETRIES = 2
READ_TIMEOUT = 2  # seconds: loopback answers in milliseconds, a slow route sleeps past it
MAX_BYTES = 250_000  # the biggest embedded body is 216,362 bytes unpacked (aa)
OVER_CAP = 300_000
SOURCE = {"retries": RETRIES, "backoff": 0.05, "read_timeout": READ_TIMEOUT, "max_bytes": MAX_BYTES}
HTML = b"<!DOCTYPE html>\n<html><head><title>Quotes</title></head><body>Sign in</body></html>\n"


def plain(ticker: str) -> bytes:
    """The ticker's real quantquote rows, as the embedded source has them (bz2 removed)."""
    return bz2.decompress(embedded_path(ticker).read_bytes())


def respond(handler, body: bytes, status: int = 200, headers=None, length: int | None = None):
    """Send a response; ``length`` declares a Content-Length other than the body's (-1: none)."""
    handler.send_response(status)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    if length != -1:
        handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)


def truncated(handler, body: bytes):
    # Declares the whole body, sends half, hangs up (HTTP/1.0: the server then closes).
    respond(handler, body[: len(body) // 2], length=len(body))
    handler.close_connection = True


def stalled(handler, body: bytes):
    respond(handler, body[: len(body) // 2], length=len(body))
    handler.wfile.flush()
    time.sleep(READ_TIMEOUT + 1)


def hang_up(handler, body: bytes):
    handler.close_connection = True  # connected, then closed before any response


def sleep_past_timeout(handler, body: bytes):
    time.sleep(READ_TIMEOUT + 1)


def not_utf8(body: bytes) -> bytes:
    lines = body.split(b"\n")
    lines[100] = lines[100].replace(b",", b"\xe9,", 1)  # a latin-1 "é" inside a row
    return b"\n".join(lines)


def then_ok(*faults: Callable) -> Callable:
    """A route that answers its n-th request with faults[n], then with the good body."""

    def route(handler, body: bytes, calls: int):
        if calls <= len(faults):
            faults[calls - 1](handler, body)
        else:
            respond(handler, body)

    return route


def always(fault: Callable) -> Callable:
    return lambda handler, body, calls: fault(handler, body)


def status(code: int, headers=None) -> Callable:
    return lambda handler, body: respond(handler, b"busy\n", code, headers)


@dataclass
class Case:
    ticker: str
    name: str
    route: Callable  # (handler, plain body, n-th request) -> None
    outcome: str  # the ledger's words
    requests: int  # requests the server must see: tries are counted, not guessed
    error: str = ""  # empty: the ticker must succeed; else a fragment of its log's error line
    log: list[str] = field(default_factory=list)  # further fragments its log must hold


CASES = [
    Case("aa", "plain body", then_ok(), "succeeded", 1),
    Case(
        "aapl",
        "HTTP 500, 500, then 200",
        then_ok(status(500), status(500)),
        "retried, succeeded",
        3,
    ),
    Case(
        "abc",
        "HTTP 429 with Retry-After: 1, then 200",
        then_ok(status(429, {"Retry-After": "1"})),
        "waited Retry-After, retried, succeeded",
        2,
    ),
    Case(
        "aig",
        "truncated body once, then whole",
        then_ok(truncated),
        "retried, succeeded",
        2,
        log=["body was truncated in transfer: IncompleteRead(", f"retry 1 of {RETRIES} in 0 s"],
    ),
    Case(
        "amgn",
        "stall mid-body past read_timeout once, then whole",
        then_ok(stalled),
        "retried, succeeded",
        2,
        log=["in the middle of the body (read timeout); retry 1 of"],
    ),
    Case(
        "amzn",
        "connection closed without response once, then 200",
        then_ok(hang_up),
        "retried, succeeded",
        2,
    ),
    Case(
        "bwa",
        "gzip body with Content-Encoding: gzip",
        always(
            lambda h, body: respond(h, gzip.compress(body), headers={"Content-Encoding": "gzip"})
        ),
        "decoded, succeeded",
        1,
    ),
    Case(
        "cost",
        ".gz file body, no Content-Encoding",
        always(lambda h, body: respond(h, gzip.compress(body))),
        "unpacked by magic bytes, succeeded",
        1,
    ),
    Case(
        "csco",
        ".bz2 file body, no Content-Encoding",
        always(lambda h, body: respond(h, bz2.compress(body))),
        "unpacked by magic bytes, succeeded",
        1,
    ),
    Case(
        "d",
        "HTTP 200 with an HTML page",
        always(lambda h, body: respond(h, HTML, headers={"Content-Type": "text/html"})),
        "ticker failed: HTML page refused",
        1,
        error="the source returned an HTML page",
    ),
    Case(
        "ebay",
        "truncated body every time",
        always(truncated),
        f"retried {RETRIES}x, ticker failed: truncated body",
        RETRIES + 1,
        error="body was truncated in transfer: IncompleteRead(",
        log=[f"(after {RETRIES} retries)", f"retry {RETRIES} of {RETRIES} in 0.1 s"],
    ),
    Case(
        "emr",
        "HTTP 503 every time",
        always(status(503)),
        f"retried {RETRIES}x, ticker failed: HTTP 503",
        RETRIES + 1,
        error="HTTP 503 Service Unavailable (after retries)",
    ),
    Case(
        "esrx",
        "body over the size cap, Content-Length declared",
        always(lambda h, body: respond(h, (body * 2)[:OVER_CAP])),
        "ticker failed: over the size cap",
        1,
        error=f"body of {OVER_CAP} bytes is over the size cap of {MAX_BYTES} bytes",
    ),
    Case(
        "gas",
        "body over the size cap, no Content-Length",
        always(lambda h, body: respond(h, body * 3, length=-1)),
        "ticker failed: over the size cap",
        1,
        error=f"body is over the size cap of {MAX_BYTES} bytes",
    ),
    Case(
        "ge",
        "bz2 body inflating past the size cap",
        always(lambda h, body: respond(h, bz2.compress(body * 3))),
        "ticker failed: over the size cap",
        1,
        error=f"bz2 body inflates past the size cap of {MAX_BYTES} bytes",
    ),
    Case(
        "goog",
        "non-UTF-8 byte inside a row",
        always(lambda h, body: respond(h, not_utf8(body))),
        "ticker failed: not UTF-8",
        1,
        error="body is not UTF-8 text (byte ",
        log=["b'\\xe9'"],
    ),
    Case(
        "hal",
        "no response within read_timeout, every time",
        always(sleep_past_timeout),
        f"retried {RETRIES}x, ticker failed: read timeout",
        RETRIES + 1,
        error=f"(read timeout, {RETRIES} retries)",
    ),
    Case(
        "hp",
        "connection closed without response, every time",
        always(hang_up),
        f"retried {RETRIES}x, ticker failed: connection closed",
        RETRIES + 1,
        error="the server closed the connection without a response",
        log=["RemoteDisconnected"],
    ),
]
GOOD = [c.ticker for c in CASES if not c.error]


def serve(server, case: Case, times: list[float]):
    body = plain(case.ticker)
    calls = []

    def route(handler):
        calls.append(1)
        times.append(time.monotonic())
        case.route(handler, body, len(calls))

    server.routes[f"/q/{case.ticker}"] = route


def resources_files(workdir: Path) -> list[str]:
    """Every file under resources/, hidden ones included."""
    root = workdir / "resources"
    return sorted(str(p.relative_to(workdir)) for p in root.rglob("*") if p.is_file())


def log_of(workdir: Path, ticker: str) -> str:
    path = workdir / f"logs/download/{ticker}.log"
    return path.read_text() if path.exists() else ""


KEPT = [(stage, ext + index) for stage, ext in (("convert", ".h5"), ("synthesize", ".json"))
        for index in ("", ".index.json")]  # fmt: skip


def test_each_network_fault_retries_or_fails_its_ticker_alone(tmp_path, http_server, fault_ledger):
    times = {c.ticker: [] for c in CASES}
    for case in CASES:
        serve(http_server, case, times[case.ticker])
    url = http_server.base + "/q/{ticker}"
    write_config(
        tmp_path,
        tickers=[c.ticker for c in CASES],
        source={"url": url, "format": "quantquote", **SOURCE},
    )
    proc = snakemake(tmp_path, "--keep-going", *data_targets(t.ticker for t in CASES), check=False)
    clean = reference(GOOD)  # the same tickers and synth config, from the embedded source

    problems = []
    for case in CASES:
        t, log = case.ticker, log_of(tmp_path, case.ticker)
        if case.error:  # its source had no good data: nothing to lose, nothing may be output
            _, corrupt, found = audit(tmp_path, clean, absent=[t])
            lost = 0
        else:
            lost, corrupt, found = audit(tmp_path, clean, done=[t])
        outcome = case.outcome if not found else f"not as expected: {found[0]}"
        fault_ledger.record("network", case.name, outcome, lost, corrupt)
        problems += [f"{t} ({case.name}): {f}" for f in found]

        tries = http_server.requests.count(f"/q/{t}")
        if tries != case.requests:
            problems.append(f"{t} ({case.name}): {tries} requests, expected {case.requests}")
        if case.error:
            line = f"stockflow: error: {t} ({http_server.base}/q/{t}): "
            errors = [ln for ln in log.splitlines() if ln.startswith(line)]
            if not errors or case.error not in errors[-1]:
                problems.append(f"{t} ({case.name}): no error line {line}...{case.error}: {log}")
        for fragment in case.log:
            if fragment not in log:
                problems.append(f"{t} ({case.name}): log lacks {fragment!r}: {log}")

    # Retry-After: 1 was honoured: the retry came a second or more after the 429.
    if len(times["abc"]) >= 2 and times["abc"][1] - times["abc"][0] < 1.0:
        gap = times["abc"][1] - times["abc"][0]
        problems.append(f"abc: retried {gap:.2f} s after a 429 with Retry-After: 1")
    # Only the good tickers' CSVs and kept outputs (periods) in resources/: no partial file, no
    # hidden temporary.
    kept = [f"resources/periods/{s}/{t}{x}" for s, x in KEPT for t in sorted(GOOD)]
    want = sorted([*kept, *(f"resources/quotes/{t}.csv" for t in sorted(GOOD))])
    if resources_files(tmp_path) != want:
        problems.append(f"resources/ holds {resources_files(tmp_path)}, expected {want}")
    problems += [f"temporary file left: {p}" for p in temp_leftovers(tmp_path)]

    assert proc.returncode != 0, "snakemake succeeded although tickers failed"
    assert not problems, "\n".join(problems)


def test_connection_refused_fails_every_ticker_clearly(tmp_path, fault_ledger):
    # A port bound but not listening refuses connections, and stays ours for the whole run.
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{reserved.getsockname()[1]}"
        tickers = ["ibm", "jpm"]
        write_config(
            tmp_path,
            tickers=tickers,
            source={"url": base + "/q/{ticker}", "format": "quantquote", **SOURCE},
        )
        proc = snakemake(tmp_path, "--keep-going", *data_targets(tickers), check=False)

    _, corrupt, found = audit(tmp_path, tmp_path, absent=tickers)
    fault_ledger.record(
        "network", "connection refused", "ticker failed: connection refused", 0, corrupt
    )
    assert proc.returncode != 0
    for t in tickers:
        log = log_of(tmp_path, t)
        assert f"stockflow: error: {t} ({base}/q/{t}): cannot connect ({RETRIES} retries)" in log
        assert "ConnectionRefusedError" in log
    assert found == []
    assert resources_files(tmp_path) == [] and temp_leftovers(tmp_path) == []
