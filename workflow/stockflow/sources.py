"""Where daily quotes come from: the embedded offline data, a local file, or an http(s) URL.

Every source yields the raw body (decompressed if it was bz2/gzip) plus a ``where`` label that
names the ticker and the source, so every later error message says which one failed.
"""

import bz2
import gzip
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from stockflow import StockflowError, cli

EMBEDDED_PACKAGE = "fakestockdata"
EMBEDDED_FORMAT = "quantquote"
RETRY_STATUSES = (429, 500, 502, 503, 504)
PROGRESS_BYTES = 5_000_000  # a progress line in the log per this many bytes received


@dataclass(frozen=True)
class Source:
    kind: str  # "embedded" | "path" | "url"
    template: str = ""  # path or URL with a {ticker} placeholder
    fmt: str = EMBEDDED_FORMAT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = 50_000_000


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

    retry = Retry(
        total=source.retries,
        connect=source.retries,
        read=source.retries,
        status=source.retries,
        backoff_factor=source.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        timeout = (source.connect_timeout, source.read_timeout)
        try:
            with session.get(url, timeout=timeout, stream=True) as resp:
                if resp.status_code == 404:
                    raise StockflowError(
                        f"{where}: HTTP 404 Not Found: the source has no data for this ticker"
                    )
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
                chunks, size = [], 0
                total = f" of {int(declared) / 1e6:.1f}" if declared and declared.isdigit() else ""
                report_at = PROGRESS_BYTES
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
                return b"".join(chunks)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise StockflowError(
                f"{where}: body was truncated or corrupt in transfer: {exc}"
            ) from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            raise StockflowError(f"{where}: {_connection_problem(exc, source)}") from None
        except requests.exceptions.RequestException as exc:
            raise StockflowError(f"{where}: request failed: {exc}") from None


def _connection_problem(exc: BaseException, source: Source) -> str:
    """Name what went wrong; with retries, requests wraps timeouts in a ConnectionError."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

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
    return f"cannot connect ({tries}): {_root_cause(exc)}"


def requests_timeout(name: str) -> type:
    import requests

    return getattr(requests.exceptions, name)


def _root_cause(exc: BaseException) -> str:
    while exc.__context__ is not None or exc.__cause__ is not None:
        exc = exc.__cause__ or exc.__context__
    return f"{type(exc).__name__}: {exc}"


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
