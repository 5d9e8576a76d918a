"""THE LESSON'S METHOD, ported to pandas 3; not stockflow code (a child of the harness).

The "parallel map over files" lesson (the Dask tutorial's stock-data exercise and the
``fakestockdata`` package that prepares its data): *prepare*, per day a 12-second random walk
resampled to 1-minute bars (``generate_day``), one CSV per day, then every CSV read back and
written as JSON lines, one ``json.dump`` per record; *convert*, per file ``json.loads`` per line
-> ``pd.DataFrame`` -> ``df.to_hdf``, in a loop, ``ProcessPoolExecutor().map`` or
``multiprocessing.Pool().map``. Changed for pandas 3 only: ``infer_datetime_format`` dropped,
``to_hdf(out, key=...)``. Added (the lesson's ``# TODO: add in volume``): the day's volume split
evenly over the bars. The timestamp stays the JSON's string, as in the lesson;
``--parse-timestamp`` parses it as stockflow does.

    python bench/lesson.py convert OUTDIR FILE.json... [--map loop|executor|pool]
        [--parse-timestamp]    # loop: prints per-file seconds (imports excluded)
    python bench/lesson.py prepare DAILY.csv.bz2 OUT.json --days N --tmpdir DIR
"""

import argparse
import functools
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from glob import glob

import numpy as np
import pandas as pd
import tables  # noqa: F401  (to_hdf imports it on first use; imported here so timings exclude it)

COLUMNS = ["date", "time", "open", "high", "low", "close", "volume"]
MINUTE = pd.Timedelta(seconds=60)


def load_file(fn):
    compression = "bz2" if fn.endswith("bz2") else None
    df = pd.read_csv(fn, parse_dates=["date"], header=None, index_col="date", names=COLUMNS,
                     compression=compression)  # fmt: skip
    return df.drop("time", axis=1)


def generate_day(date, open, high, low, close, volume, freq=MINUTE):
    start, end = date + pd.Timedelta(hours=9), date + pd.Timedelta(hours=5 + 12)
    time_ = pd.date_range(start, end, freq=freq / 5, name="timestamp")
    n = len(time_)
    while True:
        values = (np.random.random(n) - 0.5).cumsum()
        values *= (high - low) / (values.max() - values.min())  # scale
        values += np.linspace(open - values[0], close - values[-1], len(values))  # endpoints
        assert np.allclose(open, values[0])
        assert np.allclose(close, values[-1])

        mx = max(close, open)
        mn = min(close, open)
        ind = values > mx
        values[ind] = (values[ind] - mx) * (high - mx) / (values.max() - mx) + mx
        ind = values < mn
        values[ind] = (values[ind] - mn) * (low - mn) / (values.min() - mn) + mn
        if np.allclose(values.max(), high) and np.allclose(values.min(), low):
            break  # the process fails if min/max are the same as open/close; rare

    s = pd.Series(values.round(3), index=time_)
    rs = s.resample(freq)
    df = pd.DataFrame({"open": rs.first(), "close": rs.last(), "high": rs.max(), "low": rs.min()})
    # Added here (the lesson's TODO): the day's volume split evenly over the bars.
    total, bars = int(volume), len(df)
    df["volume"] = total // bars + (np.arange(bars) < total % bars)
    return df


def generate_stock(fn, directory, days, freq=MINUTE):
    """One CSV per day for the last ``days`` days of ``fn``; return the ticker's directory."""
    fn2 = os.path.split(fn)[1]
    sym = fn2[len("table_") : fn2.find(".csv")] if fn2.startswith("table_") else fn2.split(".")[0]
    os.makedirs(os.path.join(directory, sym), exist_ok=True)
    df = load_file(fn).iloc[-days:]
    for date, rec in df.to_dict(orient="index").items():
        df2 = generate_day(date, freq=freq, **rec)
        fn2 = os.path.join(directory, sym, str(date).replace(" ", "T") + ".csv")
        df2.to_csv(fn2)
    return os.path.join(directory, sym)


def convert_to_json(d, out, days):
    filenames = sorted(glob(os.path.join(d, "*")))[-days:]
    with open(out, "w") as f:
        for fn in filenames:
            df = pd.read_csv(fn)
            for rec in df.to_dict(orient="records"):
                json.dump(rec, f)
                f.write(os.linesep)


def convert_to_hdf(fn, outdir, parse_timestamp=False):
    with open(fn) as f:
        data = [json.loads(line) for line in f]
    df = pd.DataFrame(data)
    if parse_timestamp:
        df["timestamp"] = pd.to_datetime(df["timestamp"])
    out_filename = os.path.join(outdir, os.path.basename(fn)[: -len(".json")] + ".h5")
    df.to_hdf(out_filename, key="/data")
    return out_filename


def convert_all(filenames, outdir, how="loop", parse_timestamp=False):
    """Convert every file; for ``loop``, return per-file seconds."""
    fn = functools.partial(convert_to_hdf, outdir=outdir, parse_timestamp=parse_timestamp)
    if how == "executor":
        with ProcessPoolExecutor() as e:
            list(e.map(fn, filenames))
        return {}
    if how == "pool":
        with multiprocessing.Pool() as p:
            p.map(fn, filenames)
        return {}
    seconds = {}
    for name in filenames:
        t0 = time.perf_counter()
        fn(name)
        seconds[name] = time.perf_counter() - t0
    return seconds


def main(argv=None):
    p = argparse.ArgumentParser(prog="python bench/lesson.py", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert", help="JSON lines -> HDF5, the lesson's way")
    c.add_argument("outdir")
    c.add_argument("files", nargs="+")
    c.add_argument("--map", choices=("loop", "executor", "pool"), default="loop")
    c.add_argument("--parse-timestamp", action="store_true")
    g = sub.add_parser("prepare", help="daily quotes -> CSV per day -> JSON lines")
    g.add_argument("daily", help="a QuantQuote daily file, e.g. table_aapl.csv.bz2")
    g.add_argument("out", help="JSON lines to write")
    g.add_argument("--days", type=int, default=365)
    g.add_argument("--tmpdir", required=True, help="where the CSV per day go")
    a = p.parse_args(argv)
    if a.cmd == "convert":
        os.makedirs(a.outdir, exist_ok=True)
        seconds = convert_all(a.files, a.outdir, a.map, a.parse_timestamp)
        json.dump({"per_file_s": seconds}, sys.stdout)
    else:
        t0 = time.perf_counter()
        d = generate_stock(a.daily, a.tmpdir, a.days)
        t1 = time.perf_counter()
        convert_to_json(d, a.out, a.days)
        t2 = time.perf_counter()
        json.dump({"generate_csv_s": t1 - t0, "csv_to_json_s": t2 - t1}, sys.stdout)


if __name__ == "__main__":
    main()
