"""stockflow's convert in one process: import once, call ``convert_file`` per file.

    python bench/inproc.py [--threads N] OUTDIR FILE.json...

Prints ``{"per_file_s": {file: seconds}}`` on stdout. The clock runs only around each
``stockflow.convert.convert_file(src, out)`` call: pyarrow.json, pandas and tables are imported
before it starts, so the figures exclude every import.
"""

import json
import os
import sys
import time

import pandas  # noqa: F401
import pyarrow.json  # noqa: F401
import stockflow.convert
import tables  # noqa: F401


def main(argv: list[str]) -> None:
    threads = 1
    if argv[0] == "--threads":
        threads, argv = int(argv[1]), argv[2:]
    outdir, files = argv[0], argv[1:]
    os.makedirs(outdir, exist_ok=True)
    seconds = {}
    for src in files:
        out = os.path.join(outdir, os.path.basename(src)[: -len(".json")] + ".h5")
        t0 = time.perf_counter()
        stockflow.convert.convert_file(src, out, threads=threads)
        seconds[src] = time.perf_counter() - t0
    json.dump({"per_file_s": seconds}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
