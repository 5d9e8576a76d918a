"""Stage 3: convert one ticker's JSON lines of bars to HDF5 (key ``/data``).

    python -m stockflow.convert IN.json OUT.h5 [--format fixed|table] [--complevel N]
        [--complib blosc:lz4] [--threads N]

The file is parsed by Arrow's columnar JSON reader against a fixed schema (no per-line Python);
only when that fails is the file re-read line by line to report the first bad line as
``file:line: what was wrong``. The HDF5 file is written under a temporary name and renamed, so
a failed or killed conversion never leaves a partial ``.h5``.
"""

import argparse
import json
import os
import re

from stockflow import StockflowError, atomic, cli

COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
PRICES = ("open", "high", "low", "close")
HDF5_KEY = "/data"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$")


def schema():
    import pyarrow as pa

    return pa.schema(
        [("timestamp", pa.timestamp("s"))]
        + [(p, pa.float64()) for p in PRICES]
        + [("volume", pa.int64())]
    )


def read_bars(path: str, threads: int = 1):
    """Parse JSON lines of bars into a DataFrame: datetime64[ns] timestamp, float64, int64."""
    import pyarrow as pa
    import pyarrow.json as pj

    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise StockflowError(f"{path}: the file is empty; expected JSON lines of bars")
    if threads > 1:
        pa.set_cpu_count(threads)
    try:
        table = pj.read_json(
            path,
            read_options=pj.ReadOptions(use_threads=threads > 1),
            parse_options=pj.ParseOptions(
                explicit_schema=schema(), unexpected_field_behavior="error"
            ),
        )
    except pa.ArrowInvalid as exc:
        raise StockflowError(first_bad_line(path) or f"{path}: {exc}") from None
    except FileNotFoundError:
        raise StockflowError(f"{path}: no such file") from None
    if any(table.column(c).null_count for c in COLUMNS):
        raise StockflowError(first_bad_line(path) or f"{path}: some bars lack a value")
    # ns is what every pandas version reads back from HDF5 as-is.
    table = table.set_column(0, "timestamp", table.column(0).cast(pa.timestamp("ns")))
    return table.to_pandas()


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
        dt.datetime.fromisoformat(stamp)
    except ValueError:
        return f"'timestamp' {stamp!r} is not a valid date and time"
    for key in PRICES:
        value = rec[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{key!r} must be a number, got {value!r}"
    volume = rec["volume"]
    if isinstance(volume, bool) or not isinstance(volume, int):
        return f"'volume' must be an integer, got {volume!r}"
    return None


def write_hdf5(df, out: str, fmt: str = "fixed", complevel: int = 0, complib: str | None = None):
    """Write ``df`` under key /data, atomically."""
    opts = {"format": fmt}
    if complevel:
        opts.update(complevel=complevel, complib=complib or "blosc:lz4")
    with atomic.atomic_path(out) as tmp:
        df.to_hdf(tmp, key=HDF5_KEY, mode="w", **opts)


def convert_file(src: str, out: str, fmt="fixed", complevel=0, complib=None, threads=1) -> int:
    df = read_bars(src, threads=threads)
    if df.empty:
        raise StockflowError(f"{src}: no bars in the file")
    write_hdf5(df, out, fmt, complevel, complib)
    return len(df)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m stockflow.convert", description=__doc__)
    p.add_argument("src", help="JSON lines of bars")
    p.add_argument("out", help="HDF5 file to write (key /data)")
    p.add_argument("--format", choices=("fixed", "table"), default="fixed")
    p.add_argument("--complevel", type=int, default=0, choices=range(10))
    p.add_argument("--complib", default=None)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    n = convert_file(a.src, a.out, a.format, a.complevel, a.complib, a.threads)
    cli.info(f"{a.src}: {n} bars -> {a.out} ({a.format})")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
