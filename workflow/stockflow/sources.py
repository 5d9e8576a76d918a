"""Where daily quotes come from: the embedded offline data, a local file, or an http(s) URL.

Every source yields the raw body (decompressed if it was bz2/gzip) plus a ``where`` label that
names the ticker and the source, so every later error message says which one failed.
"""

import bz2
import gzip
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from stockflow import StockflowError, cli, defaults

EMBEDDED_PACKAGE = "fakestockdata"
EMBEDDED_FORMAT = "quantquote"
RETRY_STATUSES = (429, 500, 502, 503, 504)
PROGRESS_BYTES = 5_000_000  # a progress line in the log per this many bytes received


_D = defaults.SOURCE


@dataclass(frozen=True)
class Source:
    kind: str  # "embedded" | "path" | "url"
    template: str = ""  # path or URL with a {ticker} placeholder
    fmt: str = EMBEDDED_FORMAT
    connect_timeout: float = _D["connect_timeout"]
    read_timeout: float = _D["read_timeout"]
    retries: int = _D["retries"]
    backoff: float = _D["backoff"]
    max_bytes: int = _D["max_bytes"]


def fetch(source: Source, ticker: str) -> tuple[bytes, str]:
    """Return (body, where) for one ticker."""
    if source.kind == "embedded":
        path = embedded_path(ticker)
        return _limited(
            path.read_bytes(), source.max_bytes, f"{ticker} ({path})"
        ), f"{ticker} ({path})"
    if source.kind == "path":
        path = Path(source.template.replace("{ticker}", ticker))
        where = f"{ticker} ({path})"
        if not path.is_file():
            raise StockflowError(f"{where}: no source file for ticker {ticker!r}")
        return _limited(path.read_bytes(), source.max_bytes, where), where
    if source.kind == "url":
        url = source.template.replace("{ticker}", quote(ticker, safe=""))
        where = f"{ticker} ({url})"
        return _limited(_http_get(url, source, where), source.max_bytes, where), where
    raise StockflowError(f"{ticker}: unknown source kind {source.kind!r}")


def embedded_dir() -> Path:
    """The daily quotes that ship in the fakestockdata wheel (installed under <prefix>/share)."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        dist = distribution(EMBEDDED_PACKAGE)
        for f in dist.files or ():
            if f.name.startswith("table_") and f.name.endswith(".csv.bz2"):
                return Path(dist.locate_file(f)).resolve().parent
    except PackageNotFoundError:
        pass
    fallback = Path(sys.prefix, "share", EMBEDDED_PACKAGE, "daily")
    if fallback.is_dir():
        return fallback
    raise StockflowError(
        f"the embedded source needs the {EMBEDDED_PACKAGE!r} package, which is not installed "
        f"in this environment (pip install {EMBEDDED_PACKAGE})"
    )


def embedded_tickers() -> list[str]:
    return sorted(
        p.name[len("table_") : -len(".csv.bz2")] for p in embedded_dir().glob("table_*.csv.bz2")
    )


def embedded_path(ticker: str) -> Path:
    path = embedded_dir() / f"table_{ticker}.csv.bz2"
    if not path.is_file():
        known = ", ".join(embedded_tickers())
        raise StockflowError(
            f"{ticker}: ticker {ticker!r} is not in the embedded source; it has: {known}"
        )
    return path


def _http_get(url: str, source: Source, where: str) -> bytes:
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise StockflowError(f"{where}: URL scheme {scheme!r} is not allowed; use http or https")
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    used = 0  # retries spent so far, by urllib3 (connect, status) and here (broken bodies)
    while True:
        # urllib3 retries only until the headers arrive; a body that breaks off is retried
        # here, from one budget: at most source.retries retries in all.
        retry = Retry(
            total=source.retries - used,
            backoff_factor=source.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        try:
            with requests.Session() as session:
                session.mount("http://", HTTPAdapter(max_retries=retry))
                session.mount("https://", HTTPAdapter(max_retries=retry))
                timeout = (source.connect_timeout, source.read_timeout)
                with session.get(url, timeout=timeout, stream=True) as resp:
                    used += len(getattr(resp.raw.retries, "history", ()))
                    _check_response(resp, source, where)
                    return _read_body(resp, source, where)
        except _BrokenBody as broken:
            if used >= source.retries:
                raise StockflowError(f"{where}: {broken} (after {used} retries)") from None
            used += 1
            wait = _backoff_time(source.backoff, used)
            cli.warn(f"{where}: {broken}; retry {used} of {source.retries} in {wait:g} s")
            time.sleep(wait)
        except requests.exceptions.ContentDecodingError as exc:
            raise StockflowError(f"{where}: body is corrupt in transfer: {exc}") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            raise StockflowError(f"{where}: {_connection_problem(exc, source)}") from None
        except requests.exceptions.RequestException as exc:
            raise StockflowError(f"{where}: request failed: {exc}") from None


class _BrokenBody(Exception):
    """The transfer of a body broke off (transient: the whole request is retried)."""


def _backoff_time(backoff: float, retry: int) -> float:
    """Seconds before retry number ``retry`` (1, 2, ...), as urllib3 waits: 0, 2b, 4b, ..."""
    from urllib3.util.retry import Retry

    return 0.0 if retry <= 1 else min(backoff * 2 ** (retry - 1), Retry.DEFAULT_BACKOFF_MAX)


def _check_response(resp, source: Source, where: str) -> None:
    if resp.status_code == 404:
        raise StockflowError(f"{where}: HTTP 404 Not Found: the source has no data for this ticker")
    if resp.status_code != 200:
        raise StockflowError(
            f"{where}: HTTP {resp.status_code} {resp.reason}"
            + (" (after retries)" if resp.status_code in RETRY_STATUSES else "")
        )
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > source.max_bytes:
        raise StockflowError(
            f"{where}: body of {declared} bytes is over the size cap of "
            f"{source.max_bytes} bytes (source.max_bytes)"
        )


def _read_body(resp, source: Source, where: str) -> bytes:
    import requests
    from urllib3.exceptions import ReadTimeoutError

    declared = resp.headers.get("Content-Length")
    total = f" of {int(declared) / 1e6:.1f}" if declared and declared.isdigit() else ""
    chunks, size = [], 0
    report_at = PROGRESS_BYTES
    try:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size >= report_at:  # only long downloads get here: a line every 5 MB
                cli.info(f"{where}: {size / 1e6:.1f}{total} MB received")
                report_at = (size // PROGRESS_BYTES + 1) * PROGRESS_BYTES
            if size > source.max_bytes:
                raise StockflowError(
                    f"{where}: body is over the size cap of {source.max_bytes} bytes "
                    "(source.max_bytes)"
                )
            chunks.append(chunk)
    except requests.exceptions.ChunkedEncodingError as exc:
        # The connection closed before the declared length (or a chunk) was complete.
        raise _BrokenBody(f"body was truncated in transfer: {_root(exc)}") from None
    except requests.exceptions.ConnectionError as exc:
        if not isinstance(exc.args[0] if exc.args else None, ReadTimeoutError):
            raise
        raise _BrokenBody(
            f"no data for {source.read_timeout} s in the middle of the body (read timeout)"
        ) from None
    return b"".join(chunks)


def _connection_problem(exc: BaseException, source: Source) -> str:
    """Name what went wrong; with retries, requests wraps timeouts in a ConnectionError."""
    from urllib3.exceptions import (
        ConnectTimeoutError,
        NewConnectionError,
        ProtocolError,
        ReadTimeoutError,
    )

    reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else exc
    tries = f"{source.retries} retries"
    if isinstance(reason, NewConnectionError):  # a subclass of ConnectTimeoutError in urllib3
        return f"cannot connect ({tries}): {_root_cause(exc)}"
    if isinstance(exc, requests_timeout("ReadTimeout")) or isinstance(reason, ReadTimeoutError):
        return f"no data for {source.read_timeout} s (read timeout, {tries})"
    if isinstance(exc, requests_timeout("ConnectTimeout")) or isinstance(
        reason, ConnectTimeoutError
    ):
        return f"connection timed out after {source.connect_timeout} s ({tries})"
    if isinstance(reason, ProtocolError):  # connected, but the server hung up before answering
        inner = reason.args[-1] if reason.args else reason
        inner = inner if isinstance(inner, BaseException) else reason
        return (
            f"the server closed the connection without a response ({tries}): "
            f"{type(inner).__name__}: {inner}"
        )
    return f"cannot connect ({tries}): {_root_cause(exc)}"


def requests_timeout(name: str) -> type:
    import requests

    return getattr(requests.exceptions, name)


def _root(exc: BaseException) -> BaseException:
    while exc.__context__ is not None or exc.__cause__ is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


def _root_cause(exc: BaseException) -> str:
    root = _root(exc)
    return f"{type(root).__name__}: {root}"


def _limited(body: bytes, max_bytes: int, where: str) -> bytes:
    """Decompress bz2/gzip bodies (by magic bytes), refusing to inflate past the size cap."""
    if body.startswith(b"BZh"):
        dec = bz2.BZ2Decompressor()
        kind = "bz2"
    elif body.startswith(b"\x1f\x8b"):
        dec = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        kind = "gzip"
    else:
        return body
    try:
        if kind == "bz2":
            out = dec.decompress(body, max_length=max_bytes + 1)
        else:
            out = dec.decompress(body, max_bytes + 1)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise StockflowError(f"{where}: {kind} body is corrupt: {exc}") from None
    if len(out) > max_bytes:
        raise StockflowError(
            f"{where}: {kind} body inflates past the size cap of {max_bytes} bytes "
            "(source.max_bytes)"
        )
    if not dec.eof:
        raise StockflowError(f"{where}: {kind} body is truncated")
    return out
