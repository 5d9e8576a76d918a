"""Stage 3: convert one file of JSON lines of bars to HDF5 (key ``/data``).

    python -m stockflow.convert IN.json OUT.h5 [--format table|fixed] [--complevel N]
        [--complib blosc:lz4] [--threads N] [--memory-mb 512]

The file is read in line-aligned blocks sized from the memory budget (our own reader: Arrow's
streaming reader reads ahead without bound); Arrow's JSON parser turns each block into columns
against a fixed schema (no per-line Python), and each block is appended to the HDF5 file, so
memory stays within the budget whatever the file size. Only when parsing fails is the file
re-read line by line to report the first bad line as ``file:line: what was wrong``. Output is
written under a temporary name and renamed: a failed or killed conversion never leaves a
partial ``.h5``. ``stockflow.convert_pool`` maps this over many files with a process pool.
"""

import argparse
import json
import os
import re

from stockflow import StockflowError, atomic, cli, defaults
from stockflow.bars import COLUMNS, PRICES
from stockflow.nightly import finished, finished_months
from stockflow.runlog import joblog

DEFAULT_THREADS = defaults.CONVERT["threads"]
DEFAULT_MEMORY_MB = defaults.CONVERT["memory_mb"]
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$")
# HDF5 holds timestamps as int64 nanoseconds (pandas' datetime64[ns]): whole seconds from
# 1677-09-21 00:12:44 to 2262-04-11 23:47:16. Outside, seconds * 1e9 would wrap around silently.
NS_MIN_S, NS_MAX_S = -(2**63) // 10**9 + 1, (2**63 - 1) // 10**9
# The shortest a bar's line can be: sizes a table's chunks for a file of several blocks.
MIN_JSON_BYTES_PER_BAR = 100


def block_bytes(memory_mb: int) -> int:
    """Bytes of JSON parsed at a time for a memory budget.

    Measured: peak RSS is ~70 MB of interpreter and libraries plus ~11x the block (the bytes
    read, Arrow's parser state, the parsed columns, the arrays appended to HDF5).
    """
    usable = max(memory_mb - 100, 16) * 2**20
    return int(min(max(usable // 16, 1 << 20), 64 << 20))


def schema():
    import pyarrow as pa

    return pa.schema(
        [("timestamp", pa.timestamp("s"))]
        + [(p, pa.float64()) for p in PRICES]
        + [("volume", pa.int64())]
    )


def _line_blocks(path: str, block: int):
    """The file as Arrow buffers of about ``block`` bytes, each ending at a line end.

    Read here, one block at a time, because Arrow's streaming JSON reader reads ahead of its
    parser without bound: it held the whole of a 1.3 GB file in memory.
    """
    import pyarrow as pa

    with open(path, "rb") as fh:
        rest = b""
        while data := fh.read(block):
            buf = rest + data
            del data
            cut = buf.rfind(b"\n") + 1
            if cut == 0:  # a line longer than the block: read on
                rest = buf
                continue
            rest = buf[cut:]
            yield pa.py_buffer(buf).slice(0, cut)
        if rest.strip():
            yield pa.py_buffer(rest)


def _arrow_setup(threads: int) -> None:
    import pyarrow as pa

    if threads > 1:
        pa.set_cpu_count(threads)
    # mimalloc (Arrow's default) keeps freed parser buffers mapped: +35 MB peak on a 21 MB file.
    pa.set_memory_pool(pa.system_memory_pool())


def iter_batches(path: str, threads: int = DEFAULT_THREADS, memory_mb: int = DEFAULT_MEMORY_MB):
    """Yield Arrow record batches of validated bars (no nulls), a block of the file at a time."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise StockflowError(f"{path}: no such file") from None
    if size == 0:
        raise StockflowError(f"{path}: the file is empty; expected JSON lines of bars")
    _arrow_setup(threads)
    block = block_bytes(memory_mb)
    rows, n_blocks = 0, -(-size // block)
    for n, chunk in enumerate(_line_blocks(path, block), 1):
        for batch in _parse(path, chunk, threads):
            rows += batch.num_rows
            yield batch
        del chunk
        if n > 1:  # progress of a file of several blocks, once each block is written
            cli.info(f"{path}: {rows} bars converted, block {n} of ~{n_blocks}")


def _parse(path: str, chunk, threads: int) -> list:
    """The validated record batches of a buffer of whole lines of ``path``."""
    import pyarrow as pa
    import pyarrow.json as pj

    parse = pj.ParseOptions(explicit_schema=schema(), unexpected_field_behavior="error")
    # With threads, Arrow parses sub-blocks of the block in parallel.
    sub = chunk.size if threads <= 1 else max(chunk.size // (4 * threads), 1 << 20)
    opts = pj.ReadOptions(use_threads=threads > 1, block_size=max(sub, 1 << 20))
    try:
        table = pj.read_json(pa.BufferReader(chunk), read_options=opts, parse_options=parse)
    except pa.ArrowInvalid as exc:
        raise StockflowError(first_bad_line(path) or f"{path}: {exc}") from None
    batches = table.combine_chunks().to_batches()
    for batch in batches:
        if any(batch.column(i).null_count for i in range(len(COLUMNS))):
            raise StockflowError(first_bad_line(path) or f"{path}: some bars lack a value")
        if not _stamps_in_range(batch):
            raise StockflowError(first_bad_line(path) or f"{path}: timestamp out of range")
    return batches


def _values(column, dtype):
    """A null-free fixed-width Arrow column as a zero-copy numpy view of its data buffer.

    (``Array.to_numpy`` would import pandas: ~0.25 s per job.)
    """
    import numpy as np

    return np.frombuffer(column.buffers()[1], dtype, len(column), column.offset * 8)


def _blocks(batch):
    """A record batch as the arrays of formats.hdf5.BLOCKS: timestamps (ns), prices, volumes."""
    import numpy as np

    ts = _values(batch.column(0), np.int64) * np.int64(1_000_000_000)  # seconds -> ns
    prices = np.column_stack([_values(batch.column(i), np.float64) for i in range(1, 5)])
    return [ts[:, None], prices, _values(batch.column(5), np.int64)[:, None]]


def _stamps_in_range(batch) -> bool:
    import numpy as np

    if batch.num_rows == 0:
        return True
    # numpy on the column's buffer: pyarrow.compute would cost every job ~35 ms to import
    seconds = _values(batch.column(0), np.int64)
    return NS_MIN_S <= int(seconds.min()) and int(seconds.max()) <= NS_MAX_S


def first_bad_line(path: str) -> str | None:
    """Re-read ``path`` line by line; describe the first line that is not a valid bar."""
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"{path}:{no}: not UTF-8 text (byte {exc.start} of the line)"
            if no == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            problem = _bar_problem(line)
            if problem:
                return f"{path}:{no}: {problem}"
    return None


def _bar_problem(line: str) -> str | None:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"malformed JSON ({exc.msg} at column {exc.colno}): {line.strip()[:80]!r}"
    if not isinstance(rec, dict):
        return f"expected a JSON object with keys {list(COLUMNS)}, got {type(rec).__name__}"
    missing = [k for k in COLUMNS if k not in rec]
    if missing:
        return f"missing key(s) {missing}; a bar has keys {list(COLUMNS)}"
    extra = [k for k in rec if k not in COLUMNS]
    if extra:
        return f"unexpected key(s) {extra}; a bar has keys {list(COLUMNS)}"
    stamp = rec["timestamp"]
    if not isinstance(stamp, str) or not _STAMP.match(stamp):
        return f"'timestamp' must be a string 'YYYY-MM-DD HH:MM:SS', got {stamp!r}"
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return f"'timestamp' {stamp!r} is not a valid date and time"
    seconds = (when - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)
    if not NS_MIN_S <= seconds <= NS_MAX_S:
        return (
            f"'timestamp' {stamp!r} is outside what HDF5/pandas datetime64[ns] holds "
            "(1677-09-21 00:12:44 to 2262-04-11 23:47:16)"
        )
    for key in PRICES:
        value = rec[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{key!r} must be a number, got {value!r}"
    volume = rec["volume"]
    if isinstance(volume, bool) or not isinstance(volume, int):
        return f"'volume' must be an integer, got {volume!r}"
    if not -(2**63) <= volume < 2**63:
        return f"'volume' {volume} is outside the 64-bit integer range"
    return None


def _write(batches, tmp, fmt, complevel, complib, expected_rows) -> int:
    from stockflow.formats import hdf5

    first = next(batches, None)
    if first is None:
        return 0
    second = next(batches, None)
    # One block (the usual case): fixed writes contiguous arrays, as pandas does; else chunked.
    rows = first.num_rows if second is None else expected_rows
    with hdf5.writer(fmt, tmp, complevel, complib, rows, growable=second is not None) as writer:
        writer.append(_blocks(first))
        if second is not None:
            writer.append(_blocks(second))
            for batch in batches:
                writer.append(_blocks(batch))
        return writer.rows


def convert_file(
    src: str,
    out: str,
    fmt: str = defaults.HDF5["format"],
    complevel: int = defaults.HDF5["complevel"],
    complib: str = defaults.HDF5["complib"],
    threads: int = DEFAULT_THREADS,
    memory_mb: int = DEFAULT_MEMORY_MB,
    keep_dir: str | None = None,
) -> int:
    """Convert one file; return the number of bars. ``out`` appears only if all went well.

    With ``keep_dir`` (a file of one parsing block) only the months whose text changed since
    the last run are parsed (stockflow.nightly.finished_months).
    """
    return convert_counting(src, out, fmt, complevel, complib, threads, memory_mb, keep_dir)[0]


def convert_counting(src, out, fmt, complevel, complib, threads, memory_mb, keep_dir):
    """As convert_file; return the number of bars and of months parsed (None: not by month)."""
    if fmt not in ("table", "fixed"):
        raise StockflowError(f"unknown HDF5 format {fmt!r}; expected table or fixed")
    if keep_dir and finished_months.fits(src, block_bytes(memory_mb)):
        _arrow_setup(threads)
        writer = {"fmt": fmt, "complevel": complevel, "complib": complib}
        # The rows parsed from a month's text depend on the text and this module's code alone.
        key = {"code": finished.code_digest(__file__)}
        return finished_months.convert(src, out, keep_dir, key, writer, _parser(src, threads))
    batches = iter_batches(src, threads, memory_mb)
    expected_rows = os.path.getsize(src) // MIN_JSON_BYTES_PER_BAR
    with atomic.atomic_path(out) as tmp:
        rows = _write(batches, tmp, fmt, complevel, complib, expected_rows)
        if rows == 0:
            raise StockflowError(f"{src}: no bars in the file")
    return rows, None


def _parser(src: str, threads: int):
    """For nightly.finished_months: a buffer of whole lines of ``src`` to the HDF5 block arrays."""
    import numpy as np
    import pyarrow as pa

    def parse(view) -> list:
        batches = _parse(src, pa.py_buffer(view), threads)
        blocks = [_blocks(b) for b in batches]
        if not blocks:
            return [np.empty((0, 1), np.int64), np.empty((0, 4)), np.empty((0, 1), np.int64)]
        return [np.concatenate([b[i] for b in blocks]) for i in range(3)]

    return parse


def add_options(p) -> None:
    """The options of a conversion, shared with stockflow.convert_pool."""
    h5 = defaults.HDF5
    p.add_argument("--format", choices=("table", "fixed"), default=h5["format"])
    p.add_argument("--complevel", type=int, default=h5["complevel"], choices=range(10))
    p.add_argument("--complib", default=h5["complib"])
    p.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="Arrow parser threads per file"
    )
    p.add_argument(
        "--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help="memory budget per file"
    )
    p.add_argument(
        "--keep-dir",
        help="keep the output here; next time parse only the months that changed"
        " (stockflow.nightly.finished)",
    )


def options(a) -> dict:
    """convert_file's keyword arguments from parsed options."""
    return dict(
        fmt=a.format,
        complevel=a.complevel,
        complib=a.complib,
        threads=a.threads,
        memory_mb=a.memory_mb,
        keep_dir=a.keep_dir,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.convert",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("src", metavar="IN.json", help="JSON lines of bars")
    p.add_argument("out", metavar="OUT.h5", help="the HDF5 file to write")
    add_options(p)
    a = p.parse_args(argv)
    n, months = convert_counting(a.src, a.out, **options(a))
    made = "" if months is None else f", {months} months parsed, the others kept"
    cli.info(f"{a.src}: {n} bars -> {a.out} ({a.format}{made})")
    from stockflow.formats.hdf5 import describe

    parsed = {} if months is None else {"months_parsed": months}
    joblog.write(bytes=os.path.getsize(a.src), bars=n, **parsed, **describe(a.out))


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
