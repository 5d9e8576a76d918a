"""The `big` scale: one JSON file over 1 GB through the streaming converter within a 512 MB
budget, checked value for value against a conversion that holds the whole file in memory."""

from harness import MIB, PY, progress, run
from workdirs import Layout, check_disk

FREQ = "10s"
BUDGET_MB = 512
CHECK = """
import sys
import pandas as pd
import pyarrow as pa, pyarrow.json as pj
from stockflow.convert import schema
# Unbounded: the whole file parsed at once, written by pandas.
t = pj.read_json(sys.argv[1], parse_options=pj.ParseOptions(explicit_schema=schema()))
ref = t.to_pandas()
ref["timestamp"] = ref["timestamp"].astype("datetime64[ns]")
ref.to_hdf(sys.argv[3], key="/data")
got = pd.read_hdf(sys.argv[2], "data")
pd.testing.assert_frame_equal(got, pd.read_hdf(sys.argv[3], "data"), check_exact=True)
print(len(got))
"""


def measure(lay: Layout, days: int, reps: int) -> dict:
    """A >= 1 GB JSON file through the streaming converter with a 512 MB budget."""
    src = lay.data / "aapl.json"
    if not src.is_file():
        check_disk(lay.root, lay.data)
        lay.data.mkdir(parents=True, exist_ok=True)
        quotes = lay.data / "aapl.csv"
        run([PY, "-m", "stockflow.download", "aapl", str(quotes)], lay.logs / "big-download.log")
        progress(f"big: synthesizing {FREQ} bars for every day of aapl")
        synth = [PY, "-m", "stockflow.synthesize", "aapl", str(quotes), str(src),
                 f"--days={days}", f"--freq={FREQ}"]  # fmt: skip
        run(synth, lay.logs / "big-synthesize.log")
    out = lay.out / "bounded.h5"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [PY, "-m", "stockflow.convert", str(src), str(out), f"--memory-mb={BUDGET_MB}"]
    runs = []
    for i in range(reps):
        progress(f"big: bounded conversion {i + 1}/{reps}")
        runs.append(run(cmd, lay.logs / "big-convert.log"))
    progress("big: checking against an unbounded conversion")
    ref = lay.out / "unbounded.h5"
    check = run([PY, "-c", CHECK, str(src), str(out), str(ref)], lay.logs / "big-check.log")
    result = {
        "json_mib": src.stat().st_size / MIB,
        "budget_mb": BUDGET_MB,
        "rows": int(check.stdout.strip()),
        "seconds": [r.seconds for r in runs],
        "peak_mib": [r.peak_mib for r in runs],
        "unbounded_peak_mib": check.peak_mib,
        "h5_mib": out.stat().st_size / MIB,
    }
    for f in (out, ref):
        f.unlink()
    return result
