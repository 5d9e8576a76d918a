"""The `batches` and `nightly` scales: batch jobs at market scale against the work alone, and
what a new trading day costs after a cold run. Each part returns its raw result (a dict, the
shape the records are made from: ``*_records`` turn it into core.record's, now and for the
figures converted from the old JSON files).

batches, 2 cores, cold unless said:
- cold1k: 1,000 x 5 days in reps of: the stage commands in one 2-process pool (bench/pool.py,
  "the work"), the workflow on the 1,000 .h5 targets, its default target, and the .h5 targets
  with input checksums off (--max-checksum-file-size 0); ratios taken within each rep;
- perticker1k: the same .h5 targets as one job per ticker per stage (batch_jobs: false), once;
- big10k: 10,000 x 5 days: the pool, ONE `snakemake --cores 2`, then three no-ops;
- change2k: 2,000 x 5 days: cold, then five pairs of (no-op, one ticker's source changed);
- main29: the default main job (29 x 365), this tree against the commit before batch jobs
  (a git worktree), in pairs;
- schedulers: 10,000 x 1 day with --scheduler greedy, --scheduler-subsample 100, firstfit
  (`pip install snakemake-scheduler-plugin-firstfit==0.1.4` first), one run each;
- storage: 1,000 x 5 days through profiles/s3 (SeaweedFS), per-ticker ÷ batch jobs, in pairs.
nightly, against the tests' fake Polygon on 127.0.0.1 (5-minute bars: 2,000 x 365 days of
1-minute bars is ~62 GB, more than this machine's free disk; the space is checked first):
- update: a cold run, --nights nights one weekday apart, one night with `periods: false`, and
  the floor: every ticker's JSON and HDF5 read and written again (synced), 2 processes;
- update_nobulk: one more night with `source.bulk: false` (one range request per ticker);
- main29: the default main job against the commit before periods, in pairs.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from core import (
    POOL,
    PY,
    ROOT,
    SNAKEMAKE,
    BenchError,
    benchmark_seconds,  # fmt: skip
    check_disk,
    clean,
    med,
    pair_ratio,
    progress,
    record,
    run,
    setup_sheet,
    sheet_names,
    snakemake,
    spread,
    write_config,
)
from market import changes, changes_record, noop, s3_pairs

BATCH_PARTS = ("cold1k", "perticker1k", "big10k", "change2k", "main29", "schedulers", "storage")
NIGHTLY_PARTS = ("update", "update_nobulk", "main29")
BASE = {"batches": "d6dbcdc", "nightly": "9b17e9f"}  # before batch jobs; before periods
END = "2025-06-05"  # a Thursday, long past: the fake's days are kept for good


def workflow(work: Path, logs: Path, name: str, *extra: str, cold: bool = True) -> dict:
    if cold:
        clean(work)
        os.sync()
    r = snakemake(work, 2, logs / f"{name}.log", *extra)
    return {"seconds": r["seconds"], "peak_mib": r["peak_mib"], "jobs": sum(r["jobs"].values())}


def pool(work: Path, logs: Path) -> float:
    out = work / "pool-out"
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    seconds = run([PY, str(POOL), str(work), str(out)], logs / "pool.log").seconds
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def main29(root: Path, logs: Path, reps: int, rev: str) -> dict:
    """29 x 365 cold, this tree against ``rev`` (a git worktree), in pairs."""
    base = root / "base-tree"
    if not base.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(base), rev], check=True,
                       cwd=ROOT, capture_output=True)  # fmt: skip
    pairs = []
    try:
        for _ in range(reps):
            one = {}
            for name, tree in (("base", base), ("now", ROOT)):
                work = root / f"main29-{name}"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                os.sync()
                cmd = [SNAKEMAKE, "-s", str(tree / "Snakefile"), "-d", str(work), "--cores", "2",
                       "--configfile", str(tree / "config/config.yaml")]  # fmt: skip
                env = {**os.environ, "PYTHONPATH": str(tree / "workflow")}
                one[name] = snakemake(work, 2, logs / f"main29-{name}.log", cmd=cmd, env=env)[
                    "seconds"]  # fmt: skip
            pairs.append(one)
            progress(f"main29: now {one['now']:.1f} s, {rev} {one['base']:.1f} s")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                       capture_output=True)  # fmt: skip
    return {"base": rev, "pairs": pairs}


def batches(root: Path, part: str, reps: int, n: int = 0) -> dict:
    """One part of the batches scale; ``n``: a smaller ticker count for every size."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    k1, k2, k10 = (n, 2 * n, 4 * n) if n else (1000, 2000, 10000)
    h5 = lambda ts: [f"results/hdf5/{t}.h5" for t in ts]  # noqa: E731
    if part in ("cold1k", "perticker1k"):
        work = root / "cold1k"
        tickers = setup_sheet(work, k1, 5)
        if part == "perticker1k":  # --config takes every word after it: the targets go first
            return workflow(work, logs, "perticker", *h5(tickers), "--config", "batch_jobs=false")
        out = []
        for rep in range(reps):
            r = {"pool_s": pool(work, logs),
                 "h5_s": workflow(work, logs, "h5", *h5(tickers))["seconds"],
                 "default_s": workflow(work, logs, "default")["seconds"],
                 "h5_no_checksums_s": workflow(work, logs, "nock", "--max-checksum-file-size",
                                               "0", *h5(tickers))["seconds"]}  # fmt: skip
            out.append(r)
            progress(f"cold1k {rep + 1}/{reps}: " + ", ".join(f"{k} {v:.1f}" for k, v in r.items()))
        return {"reps": out}
    if part == "big10k":
        work = root / "big10k"
        setup_sheet(work, k10, 5)
        r = {"pool": {"seconds": pool(work, logs)}, "cold": workflow(work, logs, "big10k-cold")}
        r["noop"] = [noop(work, logs / "big10k-noop.log") for _ in range(max(reps, 3))]
        return r
    if part == "change2k":
        work = root / "change2k"
        tickers = setup_sheet(work, k2, 5)
        stride = max(1, k2 // 40)  # a new batch each time
        return {"cold": workflow(work, logs, "change2k-cold"),
                "pairs": changes(work, tickers, max(reps, 5), logs, stride)}  # fmt: skip
    if part == "main29":
        return main29(root, logs, reps, BASE["batches"])
    if part == "schedulers":
        work = root / "sched10k"
        setup_sheet(work, k10, 1)
        flags = {
            "greedy": ["--scheduler", "greedy"],
            "firstfit": ["--scheduler", "firstfit"],
            "subsample100": ["--scheduler", "greedy", "--scheduler-subsample", "100"],
        }
        return {name: workflow(work, logs, f"sched-{name}", *f) for name, f in flags.items()}
    if part == "storage":
        work = root / "s3"
        setup_sheet(work, k1, 5)
        kinds = {k: (True, ("--config", f"batch_jobs={v}"))
                 for k, v in (("per_ticker", "false"), ("batched", "true"))}  # fmt: skip
        return {"pairs": s3_pairs(work, root, logs, reps, kinds)}
    raise BenchError(f"batches has no part {part!r}; its parts: {', '.join(BATCH_PARTS)}")


def main29_record(scale: str, raw: dict) -> dict:
    base, now = [p["base"] for p in raw["pairs"]], [p["now"] for p in raw["pairs"]]
    return record(
        scale,
        "main29",
        f"The default main job (29 x 365, cold) against {raw['base']}",
        ["pairs", f"{raw['base']} median s", "now median s", "now ÷ base (pairwise)"],
        [[len(base), med(base), med(now), pair_ratio(now, base)]],
        [f"In a git worktree of {raw['base']}, each in a fresh work directory."],
    )


def batches_records(part: str, raw: dict) -> list:
    notes = [raw["note"]] if raw.get("note") else []
    if part == "cold1k":
        reps, cols = raw["reps"], ("pool_s", "h5_s", "default_s", "h5_no_checksums_s")
        labels = ("the work alone: the stage calls in one 2-process pool (`bench/pool.py`)",
                  "the workflow, the `.h5` targets", "the workflow, its default target",
                  "the `.h5` targets, `--max-checksum-file-size 0`")  # fmt: skip
        pool_s = [r["pool_s"] for r in reps]
        rows = [[lab, *spread([r[c] for r in reps]), pair_ratio([r[c] for r in reps], pool_s)]
                for lab, c in zip(labels, cols, strict=True)]  # fmt: skip
        return [
            record(
                "batches",
                part,
                "Cold, 1,000 tickers x 5 days: the workflow ÷ the work",
                ["run", "median s", "min s", "max s", "÷ the pool (pairwise)"],
                rows,
                notes,
            )
        ]
    if part == "perticker1k":
        return [
            record(
                "batches",
                part,
                "The 1,000 `.h5` as per-ticker jobs (`batch_jobs: false`)",
                ["runs", "seconds", "jobs", "Snakemake peak MiB"],
                [[1, raw["seconds"], raw["jobs"], raw["peak_mib"]]],
                notes,
            )
        ]
    if part == "big10k":
        c, ns = raw["cold"], [r["seconds"] for r in raw["noop"]]
        rows = [["the work alone: one 2-process pool", 1, raw["pool"]["seconds"], None, None,
                 None],
                ["ONE `snakemake --cores 2`, default target", 1, c["seconds"], c["jobs"],
                 c["peak_mib"], c["seconds"] / raw["pool"]["seconds"]],
                [f"no-op (median; each: {', '.join(f'{x:.1f}' for x in ns)})", len(ns), med(ns),
                 0, med(r["peak_mib"] for r in raw["noop"]), None]]  # fmt: skip
        return [record("batches", part, "Cold, 10,000 tickers x 5 days, then the no-op",
                       ["run", "runs", "median s", "jobs", "Snakemake peak MiB",
                        "÷ the pool (one pair)"], rows, notes)]  # fmt: skip
    if part == "change2k":
        c = raw["cold"]
        note = f"The cold run before: {c['seconds']:.0f} s, {c['jobs']} jobs."
        rec = changes_record("batches", part, 2000, raw["pairs"], target=False)
        rec["notes"] = [note, *rec["notes"], *notes]
        return [rec]
    if part == "main29":
        return [main29_record("batches", raw)]
    if part == "schedulers":
        rows = [[k, v["seconds"], v["jobs"], v["peak_mib"]] for k, v in raw.items()
                if isinstance(v, dict)]  # fmt: skip
        return [
            record(
                "batches",
                part,
                "Schedulers: 10,000 tickers x 1 day, cold, one run each",
                ["scheduler", "seconds", "jobs", "Snakemake peak MiB"],
                rows,
                notes,
            )
        ]
    if part == "storage":
        p = raw["pairs"]
        per, bat = [x["per_ticker"]["seconds"] for x in p], [x["batched"]["seconds"] for x in p]
        return [record("batches", part, "Through S3: 1,000 tickers x 5 days, cold, in pairs",
                       ["pairs", "per-ticker jobs median s", "jobs", "batch jobs median s", "jobs",
                        "batch ÷ per-ticker (pairwise)"],
                       [[len(p), med(per), p[0]["per_ticker"]["jobs"], med(bat),
                         p[0]["batched"]["jobs"], pair_ratio(bat, per)]], notes)]  # fmt: skip
    raise BenchError(f"no records for batches part {part!r}")


# --- nightly ---------------------------------------------------------------------------------


def next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    return day if day.weekday() < 5 else next_weekday(day)


def _rewrite(paths: tuple) -> None:
    """What any night must do with whole-window files: read a ticker's JSON and HDF5 and write
    them again (atomically, synced), as the stages write."""
    for src in paths:
        tmp = src.with_name(src.name + ".floor")
        with open(src, "rb") as fh, open(tmp, "wb") as out:
            out.write(fh.read())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, src)


def nightly(root: Path, part: str, a) -> dict:
    """One part of the nightly scale (a: the options: tickers, days, freq, nights, reps)."""
    sys.path.insert(0, str(ROOT / "tests" / "providers"))  # the fakes, as the tests import them
    from fake_polygon import Fake
    from fakekit import serving

    logs, work = root / "logs", root / "nightly"
    logs.mkdir(parents=True, exist_ok=True)
    if part == "main29":
        return main29(root, logs, a.reps, BASE["nightly"])
    if part not in NIGHTLY_PARTS:
        raise BenchError(f"nightly has no part {part!r}; its parts: {', '.join(NIGHTLY_PARTS)}")
    import pandas as pd  # the freq string, as the workflow reads it

    bars = 8 * 3600 / pd.Timedelta(a.freq).total_seconds()
    check_disk(root, a.tickers * a.days * bars * 130 * 1.5 + 10e9)  # ~172 B a bar, + slack
    tickers = [t.upper() for t in sheet_names(a.tickers)]  # the fake's two endpoints agree
    fake = Fake(market=[t.lower() for t in sheet_names(a.tickers)])

    def night(server, end: dt.date, name: str, bulk=True, periods=True) -> dict:
        source = {
            "provider": "polygon",
            "key_env": next(iter(Fake.env)),
            "base_url": server.base,
            "end": end.isoformat(),
            "bulk": bulk,
            "requests_per_minute": 1_000_000,
        }
        write_config(work, {"tickers": "config/tickers.txt", "synth": {"days": a.days,
                     "freq": a.freq}, "source": source, "periods": periods})  # fmt: skip
        calls, grouped = fake.calls, fake.bulk_calls
        r = snakemake(work, 2, logs / f"nightly-{name}.log", env={**os.environ, **Fake.env})
        out = {"end": end.isoformat(), "seconds": r["seconds"], "jobs": r["jobs"],
               "per_ticker_requests": fake.calls - calls, "grouped_requests": fake.bulk_calls
               - grouped, "job_seconds": benchmark_seconds(work)}  # fmt: skip
        progress(f"{name} (to {out['end']}): {r['seconds']:.1f} s")
        return out

    with serving(fake) as server:
        end = dt.date.fromisoformat(END)
        first = None
        if part == "update" or not (work / "config" / "config.yaml").exists():
            shutil.rmtree(work, ignore_errors=True)
            (work / "config").mkdir(parents=True)
            (work / "config" / "tickers.txt").write_text("".join(f"{t}\n" for t in tickers))
            first = night(server, end, "cold")
        else:  # after update: one weekday past its last night
            import yaml

            end = dt.date.fromisoformat(
                yaml.safe_load((work / "config/config.yaml").read_text())["source"]["end"]
            )
        if part == "update_nobulk":
            r = night(server, next_weekday(end), "nobulk", bulk=False)
            if r["per_ticker_requests"] > a.tickers or r["grouped_requests"]:
                raise BenchError(f"bulk: false asked more than one range per ticker: {r}")
            return {"tickers": a.tickers, "cold": first, "night": r}
        nights = []
        for i in range(a.nights):
            end = next_weekday(end)
            nights.append(night(server, end, f"night{i + 1}"))
        whole = night(server, next_weekday(end), "whole", periods=False)
    from multiprocessing import Pool

    t0 = time.perf_counter()
    with Pool(2) as p:
        p.map(_rewrite, [(work / f"results/json/{t}.json", work / f"results/hdf5/{t}.h5")
                         for t in tickers], chunksize=50)  # fmt: skip
    return {"tickers": a.tickers, "days": a.days, "freq": a.freq, "cold": first,
            "nights": nights, "night_without_periods": whole,
            "rewrite_seconds": time.perf_counter() - t0}  # fmt: skip


def nightly_records(part: str, raw: dict) -> list:
    if part == "main29":
        return [main29_record("nightly", raw)]
    if part.startswith("update_nobulk"):
        n = raw["night"]
        cold = raw["cold"]["seconds"] if raw.get("cold") else None
        return [record("nightly", part, f"A night with `source.bulk: false`, {raw['tickers']:,} "
                       "tickers", ["night seconds", "per-ticker requests", "grouped requests",
                                   "cold s (same run)"],
                       [[n["seconds"], n["per_ticker_requests"], n["grouped_requests"], cold]],
                       ["Each ticker asks its own range; after `update` in the same work "
                        "directory (no cold run of its own) unless it ran alone."])]  # fmt: skip
    cold = raw["cold"]
    runs = [("cold", cold), *((f"night {i + 1}", n) for i, n in enumerate(raw["nights"])),
            ("the same night, `periods: false`", raw["night_without_periods"])]  # fmt: skip
    rules = ("synthesize", "convert", "download")
    rows = [[name, r["end"], r["seconds"], r["seconds"] / cold["seconds"],
             r["per_ticker_requests"], r["grouped_requests"],
             *(r["job_seconds"].get(k) for k in rules)] for name, r in runs]  # fmt: skip
    rows.append(["floor: rewrite every JSON and HDF5 (read, write, fsync; 2 processes)", None,
                 raw["rewrite_seconds"], raw["rewrite_seconds"] / cold["seconds"], None, None,
                 None, None, None])  # fmt: skip
    ratio = med(n["seconds"] for n in raw["nights"]) / cold["seconds"]
    return [record("nightly", part, f"Nightly update: {raw['tickers']:,} tickers x {raw['days']} "
                   f"days, {raw['freq']} bars", ["run", "to", "seconds", "÷ cold",
                   "per-ticker requests", "grouped requests", *(f"job s {k}" for k in rules)],
                   rows, [f"Median night ÷ cold: **{ratio:.2f}x** (one run, the nights side by "
                          "side with its cold run). Job seconds: the Snakemake benchmarks of "
                          "each rule's jobs, batches summed."])]  # fmt: skip
