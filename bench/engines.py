"""Each JSON parser's own minimal conversion of one file (a child of the harness; bench/README.md).

Minimal: parse the JSON lines on one thread with the timestamp parsed, then write the six
columns with PyTables (one array each, no checks): what stockflow's convert is held against.

    python bench/engines.py ENGINE SRC OUT.h5      # one conversion in a fresh process
    python bench/engines.py inproc REPS SRC OUTDIR # every engine, the lesson and stockflow in
        # one process after every import, interleaved; prints the seconds of each, as JSON
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ["POLARS_MAX_THREADS"] = "1"  # read when polars is imported
PRICES = ("open", "high", "low", "close")
STAMP = "%Y-%m-%d %H:%M:%S"


def pyarrow(src: str) -> list:
    import numpy as np
    import pyarrow as pa
    import pyarrow.json as pj

    pa.set_cpu_count(1)
    fields = [("timestamp", pa.timestamp("s")), *((p, pa.float64()) for p in PRICES)]
    schema = pa.schema([*fields, ("volume", pa.int64())])
    read = pj.ReadOptions(use_threads=False, block_size=os.path.getsize(src) + 1)
    table = pj.read_json(src, read, pj.ParseOptions(explicit_schema=schema)).combine_chunks()
    cols = [c.chunks[0] for c in table.columns]
    kinds = [np.int64, *(np.float64 for _ in PRICES), np.int64]
    out = [np.frombuffer(c.buffers()[1], k, len(c)) for c, k in zip(cols, kinds, strict=True)]
    return [out[0] * 10**9, *out[1:]]


def polars(src: str) -> list:
    import polars as pl

    types = {"timestamp": pl.String, **dict.fromkeys(PRICES, pl.Float64), "volume": pl.Int64}
    df = pl.read_ndjson(src, schema=types)
    df = df.with_columns(pl.col("timestamp").str.strptime(pl.Datetime("ns"), STAMP))
    return [df["timestamp"].to_numpy().view("i8"), *(df[c].to_numpy() for c in list(types)[1:])]


def duckdb(src: str) -> list:
    import duckdb as ddb

    con = ddb.connect(config={"threads": 1})
    cols = ", ".join(f"{p}: 'DOUBLE'" for p in PRICES)
    q = (
        "select epoch_ns(timestamp), open, high, low, close, volume from read_json(?, format="
        f"'newline_delimited', columns={{timestamp: 'TIMESTAMP', {cols}, volume: 'BIGINT'}},"
        f" timestampformat='{STAMP}')"
    )
    return list(con.execute(q, [src]).fetchnumpy().values())


ENGINES = {"pyarrow": pyarrow, "polars": polars, "duckdb": duckdb}


def write(cols: list, out: str) -> None:
    import tables

    with tables.open_file(out, "w") as h5:
        for name, values in zip(("timestamp", *PRICES, "volume"), cols, strict=True):
            h5.create_array("/", name, values)


def inproc(reps: int, src: str, outdir: str) -> dict:
    """Seconds of each contender's every rep: parse alone and the whole conversion."""
    sys.path.insert(0, str(Path(__file__).parent))
    import lesson
    import stockflow.convert

    out = str(Path(outdir) / "out.h5")
    runs = {
        **{f"parse {e}": (lambda f=f: f(src)) for e, f in ENGINES.items()},
        **{e: (lambda f=f: write(f(src), out)) for e, f in ENGINES.items()},
        "stockflow": lambda: stockflow.convert.convert_file(src, out),
        "lesson": lambda: lesson.convert_to_hdf(src, outdir),
    }
    for go in runs.values():  # every import and first-call cost before the clock
        go()
    seconds = {name: [] for name in runs}
    for _ in range(reps):
        for name, go in runs.items():
            t0 = time.perf_counter()
            go()
            seconds[name].append(time.perf_counter() - t0)
            if os.path.exists(out):
                os.unlink(out)
    return seconds


def main(argv: list[str]) -> int:
    if argv[0] == "inproc":
        json.dump(inproc(int(argv[1]), argv[2], argv[3]), sys.stdout)
    else:
        write(ENGINES[argv[0]](argv[1]), argv[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
