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
from urllib.parse import quote

from stockflow import StockflowError, defaults
from stockflow.sources import http

EMBEDDED_PACKAGE = "fakestockdata"
EMBEDDED_FORMAT = "quantquote"


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
        body = http.get(url, source, where).body
        return _limited(body, source.max_bytes, where), where
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
