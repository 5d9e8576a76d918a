"""THE LESSON'S METHOD, ported to pandas 3; not stockflow code (a child of the harness).

The "parallel map over files" lesson (the PyData parallel tutorial, notebooks/01-map.ipynb):
per file ``json.loads`` per line -> ``pd.DataFrame`` -> ``df.to_hdf``, in a loop,
``ProcessPoolExecutor().map`` or ``multiprocessing.Pool().map``. Changed for pandas 3 only:
``to_hdf(out, key=...)``. The timestamp stays the JSON's string, as in the lesson.

    python bench/lesson.py convert OUTDIR FILE.json... [--map loop|executor|pool]
        # loop: prints per-file seconds (imports excluded)
"""

import argparse
import functools
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import tables  # noqa: F401  (to_hdf imports it on first use; imported here so timings exclude it)


def convert_to_hdf(fn, outdir):
    with open(fn) as f:
        data = [json.loads(line) for line in f]
    df = pd.DataFrame(data)
    out_filename = os.path.join(outdir, os.path.basename(fn)[: -len(".json")] + ".h5")
    df.to_hdf(out_filename, key="/data")
    return out_filename


def convert_all(filenames, outdir, how="loop"):
    """Convert every file; for ``loop``, return per-file seconds."""
    fn = functools.partial(convert_to_hdf, outdir=outdir)
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
    a = p.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    json.dump({"per_file_s": convert_all(a.files, a.outdir, a.map)}, sys.stdout)


if __name__ == "__main__":
    main()
