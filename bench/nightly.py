"""Nightly updates: what a new day costs after a cold run, against a loopback Polygon.

    python bench/nightly.py [--parts update,update_nobulk,main29] [--tickers 2000] [--days 365]
        [--freq 5min] [--nights 3] [--pairs 3] [--base 9b17e9f] [--end 2025-06-05]
        [--root /work/bench-nightly] [--keep]

- update: N tickers x synth.days through `source.provider: polygon`, served by the tests' fake
  (tests/providers/fake_polygon.py) on 127.0.0.1: a cold `snakemake --cores 2` ending on the
  weekday --end, then --nights updates, each ending one weekday later (source.bulk: true, the
  default). Per run: wall seconds, the fake's requests (grouped daily and per ticker, as
  deltas) and Snakemake's jobs per rule (batches summed into their rule).
  Then one more night with `periods: false` (every day and month made again, as before
  periods), for what periods save, and the floor of any night with whole-window files: every
  ticker's JSON and HDF5 read and written again (synced), in two processes.
- update_nobulk: one more night in the same work directory with source.bulk: false (each
  ticker asks its own range: at most one request per ticker); after a cold run of its own when
  update did not run first.
- main29: the default main job (29 x 365, embedded quotes, per-ticker jobs), cold in a fresh
  work directory, this tree against --base (a git worktree), in pairs (batches.main29).

--freq is 5min by default, not the workflow's 1min: 2,000 x 365 days of 1-minute bars is ~62 GB
of JSON and HDF5, more than this machine's free disk; 5-minute bars are 96 a day, 1/5 of that.
The free space is checked first. Writes bench/nightly.json; the work directory is removed at
the end unless --keep.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml
from batches import main29 as batches_main29
from harness import ROOT, BenchError, now, progress
from snakemake_runs import snakemake
from workdirs import sheet_names

sys.path.insert(0, str(ROOT / "tests" / "providers"))  # the fakes, as the tests import them
from fake_polygon import Fake  # noqa: E402
from fakekit import serving  # noqa: E402

OUT = Path(__file__).with_name("nightly.json")
BASE = "9b17e9f"  # main before the per-ticker periods cache
END = "2025-06-05"  # a Thursday, long past: the fake's days are kept for good (bulkdays)
PARTS = ("update", "update_nobulk", "main29")
SESSION_S = 8 * 3600  # synth.session_start 09:00 .. session_end 17:00
BYTES_PER_BAR = 130 * 1.5  # measured 172 a bar at 5min (113 JSON + 59 HDF5), plus slack
HEADROOM = 10 * 10**9
RATE = 1_000_000  # requests a minute: the fake never throttles, nor must the budget


def check_disk(root: Path, a) -> None:
    import pandas as pd  # only for the freq string, as the workflow reads it

    bars = SESSION_S / pd.Timedelta(a.freq).total_seconds()
    need = a.tickers * a.days * bars * BYTES_PER_BAR
    free = shutil.disk_usage(root).free
    if need > free - HEADROOM:
        raise BenchError(
            f"{a.tickers} tickers x {a.days} days at {a.freq} need ~{need / 1e9:.1f} GB; "
            f"{free / 1e9:.1f} GB are free under {root} and {HEADROOM / 1e9:.0f} GB stay free. "
            "Pass a longer --freq, fewer --tickers or --days, or a --root on a bigger disk."
        )


def next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def setup(work: Path, n: int) -> list[str]:
    # Upper case: the fake's per-ticker bars are seeded by the symbol as asked and its grouped
    # bars by the upper-case symbol; upper-case names get the same bars from both endpoints.
    tickers = [t.upper() for t in sheet_names(n)]
    (work / "config").mkdir(parents=True, exist_ok=True)
    (work / "config" / "tickers.txt").write_text("".join(f"{t}\n" for t in tickers))
    return tickers


def write_config(work: Path, a, base_url: str, end: dt.date, bulk: bool, periods=True) -> None:
    source = {
        "provider": "polygon",
        "key_env": next(iter(Fake.env)),
        "base_url": base_url,
        "end": end.isoformat(),
        "bulk": bulk,
        "requests_per_minute": RATE,
    }
    cfg = {
        "tickers": "config/tickers.txt",
        "synth": {"days": a.days, "freq": a.freq},
        "source": source,
        "periods": periods,
    }
    text = "# written by bench/nightly.py\n" + yaml.safe_dump(cfg)
    (work / "config" / "config.yaml").write_text(text)


def rule_seconds(work: Path) -> dict:
    """Seconds of each data rule's jobs (their benchmark files), batches summed into the rule.

    Every data job runs again each night, so its file is this run's.
    """
    out: dict[str, float] = {}
    for path in work.glob("benchmarks/*/*.tsv"):
        lines = path.read_text().splitlines()
        if len(lines) >= 2:
            out[path.parent.name] = out.get(path.parent.name, 0.0) + float(lines[1].split()[0])
    return {rule: round(sec, 1) for rule, sec in sorted(out.items())}


def _rewrite(paths: tuple) -> None:
    """What any night must do with whole-window files: read a ticker's JSON and HDF5 and
    write them again (atomically, synced), as the stages write."""
    for src in paths:
        tmp = src.with_name(src.name + ".floor")
        with open(src, "rb") as fh, open(tmp, "wb") as out:
            out.write(fh.read())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, src)


def floor(work: Path, tickers: list[str]) -> float:
    """Seconds to rewrite every ticker's JSON and HDF5, two processes (the machine's cores)."""
    from multiprocessing import Pool

    jobs = [(work / f"results/json/{t}.json", work / f"results/hdf5/{t}.h5") for t in tickers]
    t0 = time.perf_counter()
    with Pool(2) as pool:
        pool.map(_rewrite, jobs, chunksize=50)
    return time.perf_counter() - t0


def by_rule(jobs: dict) -> dict:
    """Snakemake's job stats with each batch rule (download_batch0003) summed into its rule."""
    out: dict[str, int] = {}
    for rule, count in jobs.items():
        name = re.sub(r"_batch\d+$", "", rule)
        out[name] = out.get(name, 0) + count
    return out


def night(work: Path, logs: Path, a, server, fake, end, bulk: bool, name: str, periods=True):
    """One whole `snakemake --cores 2` ending on ``end``: wall time, requests, jobs."""
    write_config(work, a, server.base, end, bulk, periods)
    calls, bulk_calls = fake.calls, fake.bulk_calls
    env = {**os.environ, **Fake.env}
    r = snakemake(work, 2, logs / f"nightly-{name}.log", env=env)
    out = {
        "end": end.isoformat(),
        "bulk": bulk,
        "periods": periods,
        "seconds": round(r["seconds"], 2),
        "peak_mib": round(r["peak_mib"]),
        "per_ticker_requests": fake.calls - calls,
        "grouped_requests": fake.bulk_calls - bulk_calls,
        "jobs": by_rule(r["jobs"]),
        "job_seconds": rule_seconds(work),
    }
    progress(
        f"{name} (to {out['end']}, bulk {bulk}): {out['seconds']:.1f} s, requests "
        f"{out['per_ticker_requests']} per ticker + {out['grouped_requests']} grouped, "
        f"{sum(out['jobs'].values())} jobs"
    )
    return out


def cold(work: Path, logs: Path, a, server, fake) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    setup(work, a.tickers)
    os.sync()
    r = night(work, logs, a, server, fake, dt.date.fromisoformat(a.end), True, "cold")
    if r["per_ticker_requests"] < a.tickers:
        raise BenchError(f"the cold run asked fewer ranges than tickers: {r}")
    return r


def update(root: Path, logs: Path, a, server, fake) -> dict:
    work = root / "nightly"
    first = cold(work, logs, a, server, fake)
    end, nights = dt.date.fromisoformat(a.end), []
    for i in range(a.nights):
        end = next_weekday(end)
        nights.append(night(work, logs, a, server, fake, end, True, f"night{i + 1}"))
    ratio = statistics.median(n["seconds"] for n in nights) / first["seconds"]
    progress(f"update: cold {first['seconds']:.1f} s, median night / cold {ratio:.3f}")
    # The same night's work without periods (every day and month re-made): what periods save.
    end = next_weekday(end)
    whole = night(work, logs, a, server, fake, end, True, "whole", periods=False)
    rewrite = floor(work, setup(work, a.tickers))
    progress(f"floor: rewriting every JSON and HDF5 took {rewrite:.1f} s")
    return {
        "tickers": a.tickers,
        "days": a.days,
        "freq": a.freq,
        "cold": first,
        "nights": nights,
        "median_night_over_cold": round(ratio, 4),
        "night_without_periods": whole,
        "whole_night_over_cold": round(whole["seconds"] / first["seconds"], 4),
        "rewrite_seconds": round(rewrite, 2),
        "rewrite_over_cold": round(rewrite / first["seconds"], 4),
        "requests_per_night": [n["per_ticker_requests"] + n["grouped_requests"] for n in nights],
    }


def update_nobulk(root: Path, logs: Path, a, server, fake) -> dict:
    work = root / "nightly"
    path = work / "config" / "config.yaml"
    if path.exists():  # after update: its last night
        last = dt.date.fromisoformat(yaml.safe_load(path.read_text())["source"]["end"])
        first = None
    else:
        first = cold(work, logs, a, server, fake)
        last = dt.date.fromisoformat(a.end)
    r = night(work, logs, a, server, fake, next_weekday(last), False, "nobulk")
    if r["per_ticker_requests"] > a.tickers or r["grouped_requests"]:
        raise BenchError(f"bulk: false asked more than one range per ticker: {r}")
    return {"tickers": a.tickers, "cold": first, "night": r}


def main29(root: Path, logs: Path, a, server, fake) -> dict:
    r = batches_main29(root, logs, a.pairs, a.base)
    ratios = [p["now"] / p["base"] for p in r["pairs"]]
    r["median_now_over_base"] = round(statistics.median(ratios), 4)
    progress(f"main29: now / {a.base} = {r['median_now_over_base']:.3f} (median of {a.pairs})")
    return r


def tidy(root: Path) -> None:
    """What the parts wrote: work directories and the base worktree (logs stay)."""
    for name in ("nightly", "main29-now", "main29-base"):
        shutil.rmtree(root / name, ignore_errors=True)
    if (root / "base-tree").exists():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(root / "base-tree")],
            check=False,
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--parts", default=",".join(PARTS))
    p.add_argument("--tickers", type=int, default=2000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--freq", default="5min")
    p.add_argument("--nights", type=int, default=3)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--base", default=BASE)
    p.add_argument("--end", default=END, help="the cold run's last day, a weekday")
    p.add_argument("--root", type=Path, default=Path("/work/bench-nightly"))
    p.add_argument("--keep", action="store_true", help="keep the work directories")
    p.add_argument("--tag", default="", help="appended to each part's key in nightly.json")
    a = p.parse_args(argv)
    if dt.date.fromisoformat(a.end).weekday() >= 5:
        raise BenchError(f"--end {a.end} is not a weekday")
    parts = a.parts.split(",")
    a.root.mkdir(parents=True, exist_ok=True)
    if {"update", "update_nobulk"} & set(parts):
        check_disk(a.root, a)
    logs = a.root / "logs"
    logs.mkdir(exist_ok=True)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    fake = Fake(market=[t.lower() for t in sheet_names(a.tickers)])  # lower case: as stockflow
    try:
        with serving(fake) as server:  # one port: base_url is a download param
            for part in parts:
                key = part + a.tag
                results[key] = globals()[part](a.root, logs, a, server, fake)
                results[key]["measured"] = now()
                OUT.write_text(json.dumps(results, indent=1) + "\n")
    finally:
        if not a.keep:
            tidy(a.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
