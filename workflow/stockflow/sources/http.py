"""HTTP GET with timeouts, retries, backoff, Retry-After, a size cap and progress lines.

One retry budget for every cause: refused or dropped connections, timeouts, HTTP 429 and 5xx
(urllib3, honouring Retry-After) and bodies cut off or stalled in transfer (here). The generic
URL source refuses any status but 200; the providers read the body of an error status too, to
quote what the provider said. Messages name ``where`` (the ticker and a URL without secrets).
"""

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from stockflow import StockflowError, cli

RETRY_STATUSES = (429, 500, 502, 503, 504)
PROGRESS_BYTES = 5_000_000  # a progress line in the log per this many bytes received
ERROR_BODY_BYTES = 64_000  # what is kept of an error status's body


@dataclass(frozen=True)
class Options:
    """source.* settings of a download: timeouts, retries and the size cap."""

    connect_timeout: float
    read_timeout: float
    retries: int
    backoff: float
    max_bytes: int


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    retries_used: int = 0


def get(
    url: str,
    source: Options,
    where: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
    any_status: bool = False,
    retries_used: int = 0,
) -> Response:
    """GET ``url``; a 200 response with its whole body, or a StockflowError naming ``where``.

    ``any_status``: return other statuses too (after the retries for 429/5xx), with the start of
    their body, instead of failing. ``retries_used``: retries already spent by the caller (on a
    provider's throttling body), out of the same ``source.retries``.
    """
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise StockflowError(f"{where}: URL scheme {scheme!r} is not allowed; use http or https")
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    used = retries_used  # retries spent so far: urllib3 (connect, status), here (bodies), callers
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
                with session.get(
                    url, params=params, headers=headers, timeout=timeout, stream=True
                ) as resp:
                    used += len(getattr(resp.raw.retries, "history", ()))
                    if any_status and resp.status_code != 200:
                        body = resp.raw.read(ERROR_BODY_BYTES, decode_content=True) or b""
                        return Response(
                            resp.status_code, resp.reason, dict(resp.headers), body, used
                        )
                    _check_response(resp, source, where)
                    body = _read_body(resp, source, where)
                    return Response(resp.status_code, resp.reason, dict(resp.headers), body, used)
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


def _check_response(resp, source: Options, where: str) -> None:
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


def _read_body(resp, source: Options, where: str) -> bytes:
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


def _connection_problem(exc: BaseException, source: Options) -> str:
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
