"""The `batches` and `nightly` scales (their parts: `run.py --help`). Each part returns its raw
result (a dict) and ``*_records`` make its records. batches: batch jobs at 1,000-10,000 tickers
against the work alone (`bench/inproc.py pool`: the stage calls in one 2-process pool), per-
ticker jobs, reruns, schedulers (firstfit: `pip install snakemake-scheduler-plugin-firstfit==
0.1.4`), S3. nightly: against the tests' fake Polygon on loopback, at 5-minute bars (1-minute
bars at 2,000 x 365 would need ~62 GB): a cold run, nights, a night without periods or bulk,
and the floor (every JSON and HDF5 read and written again). main29: the main job against the
commit before the feature (a git worktree)."""

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import core
from core import ROOT, med, pair_ratio, progress, record, snakemake, spread
from market import changes, changes_record, noop, s3_pairs

BATCH_PARTS = ("cold1k", "perticker1k", "big10k", "change2k", "main29", "schedulers", "storage")
NIGHTLY_PARTS = ("update", "update_nobulk", "main29")
BASE = {"batches": "d6dbcdc", "nightly": "9b17e9f"}  # before batch jobs; before periods
END = "2025-06-05"  # a Thursday, long past: the fake's days are kept for good
SCHEDULERS = {
    "greedy": ["--scheduler", "greedy"],
    "firstfit": ["--scheduler", "firstfit"],
    "subsample100": ["--scheduler", "greedy", "--scheduler-subsample", "100"],
}
COLD1K = {  # raw key: row label
    "pool_s": "the work alone: the stage calls in one 2-process pool (`bench/inproc.py pool`)",
    "h5_s": "the workflow, the `.h5` targets",
    "default_s": "the workflow, its default target",
    "h5_no_checksums_s": "the `.h5` targets, `--max-checksum-file-size 0`",
}


def h5(tickers) -> list[str]:
    return [f"results/hdf5/{t}.h5" for t in tickers]


def workflow(work: Path, logs: Path, name: str, *extra: str) -> dict:
    """A cold run: seconds, Snakemake's peak, the number of jobs."""
    core.clean(work)
    os.sync()
    r = snakemake(work, 2, logs / f"{name}.log", *extra)
    return {"seconds": r["seconds"], "peak_mib": r["peak_mib"], "jobs": sum(r["jobs"].values())}


def pool(work: Path, logs: Path) -> float:
    out = work / "pool-out"
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    seconds = core.run([core.PY, str(core.INPROC), "pool", str(work), str(out)],
                       logs / "pool.log").seconds  # fmt: skip
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
                cmd = [core.SNAKEMAKE, "-s", str(tree / "Snakefile"), "-d", str(work), "--cores",
                       "2", "--configfile", str(tree / "config/config.yaml")]  # fmt: skip
                env = {**os.environ, "PYTHONPATH": str(tree / "workflow")}
                log = logs / f"main29-{name}.log"
                one[name] = snakemake(work, 2, log, cmd=cmd, env=env)["seconds"]
            pairs.append(one)
            progress(f"main29: now {one['now']:.1f} s, {rev} {one['base']:.1f} s")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                       capture_output=True)  # fmt: skip
    return {"base": rev, "pairs": pairs}


def cold1k(work: Path, logs: Path, reps: int, tickers: list) -> dict:
    out = []
    for rep in range(reps):
        r = {"pool_s": pool(work, logs),
             "h5_s": workflow(work, logs, "h5", *h5(tickers))["seconds"],
             "default_s": workflow(work, logs, "default")["seconds"],
             "h5_no_checksums_s": workflow(work, logs, "nock", "--max-checksum-file-size", "0",
                                           *h5(tickers))["seconds"]}  # fmt: skip
        out.append(r)
        progress(f"cold1k {rep + 1}/{reps}: " + ", ".join(f"{k} {v:.1f}" for k, v in r.items()))
    return {"reps": out}


def batches(root: Path, part: str, reps: int, n: int = 0) -> dict:
    """One part of the batches scale; ``n``: a smaller ticker count for every size."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    k1, k2, k10 = (n, 2 * n, 4 * n) if n else (1000, 2000, 10000)
    if part in ("cold1k", "perticker1k"):
        work = root / "cold1k"
        tickers = core.setup_sheet(work, k1, 5)
        if part == "cold1k":
            return cold1k(work, logs, reps, tickers)
        # --config takes every word after it: the targets go first
        return workflow(work, logs, "perticker", *h5(tickers), "--config", "batch_jobs=false")
    if part == "big10k":
        work = root / "big10k"
        core.setup_sheet(work, k10, 5)
        r = {"pool": {"seconds": pool(work, logs)}, "cold": workflow(work, logs, "big10k-cold")}
        r["noop"] = [noop(work, logs / "big10k-noop.log") for _ in range(max(reps, 3))]
        return r
    if part == "change2k":
        work = root / "change2k"
        tickers = core.setup_sheet(work, k2, 5)
        stride = max(1, k2 // 40)  # a new batch each time
        return {"cold": workflow(work, logs, "change2k-cold"),
                "pairs": changes(work, tickers, max(reps, 5), logs, stride)}  # fmt: skip
    if part == "main29":
        return main29(root, logs, reps, BASE["batches"])
    if part == "schedulers":
        if not importlib.util.find_spec("snakemake_scheduler_plugin_firstfit"):
            raise core.BenchError("schedulers needs pip install "
                                  "snakemake-scheduler-plugin-firstfit==0.1.4")  # fmt: skip
        work = root / "sched10k"
        core.setup_sheet(work, k10, 1)
        return {name: workflow(work, logs, f"sched-{name}", *f) for name, f in SCHEDULERS.items()}
    if part == "storage":
        work = root / "s3"
        core.setup_sheet(work, k1, 5)
        kinds = {k: (True, ("--config", f"batch_jobs={v}"))
                 for k, v in (("per_ticker", "false"), ("batched", "true"))}  # fmt: skip
        return {"pairs": s3_pairs(work, root, logs, reps, kinds)}
    raise core.BenchError(f"batches has no part {part!r}; its parts: {', '.join(BATCH_PARTS)}")


def main29_record(scale: str, raw: dict) -> dict:
    base, now = [p["base"] for p in raw["pairs"]], [p["now"] for p in raw["pairs"]]
    return record(scale, "main29", f"The default main job (29 x 365, cold) against {raw['base']}",
                  ["pairs", f"{raw['base']} median s", "now median s", "now ÷ base (pairwise)"],
                  [[len(base), med(base), med(now), pair_ratio(now, base)]],
                  [f"In a git worktree of {raw['base']}, each in a fresh directory."])  # fmt: skip


def batches_rows(part: str, raw: dict) -> tuple[str, list, list]:
    """(title, columns, rows) of a batches part."""
    if part == "cold1k":
        reps, pool_s = raw["reps"], [r["pool_s"] for r in raw["reps"]]
        return ("Cold, 1,000 tickers x 5 days: the workflow ÷ the work",
                ["run", "median s", "min s", "max s", "÷ the pool (pairwise)"],
                [[label, *spread([r[k] for r in reps]), pair_ratio([r[k] for r in reps], pool_s)]
                 for k, label in COLD1K.items()])  # fmt: skip
    if part == "perticker1k":
        return ("The 1,000 `.h5` as per-ticker jobs (`batch_jobs: false`)",
                ["runs", "seconds", "jobs", "Snakemake peak MiB"],
                [[1, raw["seconds"], raw["jobs"], raw["peak_mib"]]])  # fmt: skip
    if part == "big10k":
        c, ns, p = raw["cold"], [r["seconds"] for r in raw["noop"]], raw["pool"]["seconds"]
        return ("Cold, 10,000 tickers x 5 days, then the no-op",
                ["run", "runs", "median s", "jobs", "Snakemake peak MiB", "÷ the pool (one pair)"],
                [["the work alone: one 2-process pool", 1, p, None, None, None],
                 ["ONE `snakemake --cores 2`, default target", 1, c["seconds"], c["jobs"],
                  c["peak_mib"], c["seconds"] / p],
                 [f"no-op (median; each: {', '.join(f'{x:.1f}' for x in ns)})", len(ns),
                  med(ns), 0, med(r["peak_mib"] for r in raw["noop"]), None]])  # fmt: skip
    if part == "schedulers":
        return ("Schedulers: 10,000 tickers x 1 day, cold, one run each",
                ["scheduler", "seconds", "jobs", "Snakemake peak MiB"],
                [[k, v["seconds"], v["jobs"], v["peak_mib"]] for k, v in raw.items()
                 if isinstance(v, dict)])  # fmt: skip
    if part == "storage":
        p = raw["pairs"]
        per, bat = ([x[k]["seconds"] for x in p] for k in ("per_ticker", "batched"))
        return ("Through S3: 1,000 tickers x 5 days, cold, in pairs",
                ["pairs", "per-ticker jobs median s", "jobs", "batch jobs median s", "jobs",
                 "batch ÷ per-ticker (pairwise)"],
                [[len(p), med(per), p[0]["per_ticker"]["jobs"], med(bat), p[0]["batched"]["jobs"],
                  pair_ratio(bat, per)]])  # fmt: skip
    raise core.BenchError(f"no records for batches part {part!r}")


def batches_records(part: str, raw: dict) -> list:
    notes = [raw["note"]] if raw.get("note") else []
    if part == "main29":
        return [main29_record("batches", raw)]
    if part == "change2k":
        c = raw["cold"]
        rec = changes_record("batches", part, 2000, raw["pairs"], target=False)
        rec["notes"] = [f"The cold run before: {c['seconds']:.0f} s, {c['jobs']} jobs.",
                        *rec["notes"], *notes]  # fmt: skip
        return [rec]
    return [record("batches", part, *batches_rows(part, raw), notes)]


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
    sys.path.insert(0, str(ROOT / "tests"))  # the fakes, as the tests import them
    from support.fake_polygon import Fake
    from support.fakekit import serving

    logs, work = root / "logs", root / "nightly"
    logs.mkdir(parents=True, exist_ok=True)
    if part == "main29":
        return main29(root, logs, a.reps, BASE["nightly"])
    if part not in NIGHTLY_PARTS:
        raise core.BenchError(f"nightly has no part {part!r}; parts: {', '.join(NIGHTLY_PARTS)}")
    import pandas as pd  # the freq string, as the workflow reads it

    bars = 8 * 3600 / pd.Timedelta(a.freq).total_seconds()
    core.check_disk(root, a.tickers * a.days * bars * 130 * 1.5 + 10e9)  # ~172 B a bar, + slack
    names = core.sheet_names(a.tickers)
    tickers = [t.upper() for t in names]  # the fake's two endpoints agree
    fake = Fake(market=[t.lower() for t in names])

    def night(server, end: dt.date, name: str, bulk=True, periods=True) -> dict:
        source = {"provider": "polygon", "base_url": server.base, "end": end.isoformat()}
        source |= {"key_env": next(iter(Fake.env)), "bulk": bulk, "requests_per_minute": 10**6}
        core.write_config(work, {"tickers": "config/tickers.txt", "source": source,
                                 "synth": {"days": a.days, "freq": a.freq},
                                 "periods": periods})  # fmt: skip
        calls, grouped = fake.calls, fake.bulk_calls
        r = snakemake(work, 2, logs / f"nightly-{name}.log", env={**os.environ, **Fake.env})
        out = {"end": end.isoformat(), "seconds": r["seconds"], "jobs": r["jobs"],
               "per_ticker_requests": fake.calls - calls, "grouped_requests": fake.bulk_calls
               - grouped, "job_seconds": core.benchmark_seconds(work)}  # fmt: skip
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

            config = yaml.safe_load((work / "config/config.yaml").read_text())
            end = dt.date.fromisoformat(config["source"]["end"])
        if part == "update_nobulk":
            r = night(server, next_weekday(end), "nobulk", bulk=False)
            if r["per_ticker_requests"] > a.tickers or r["grouped_requests"]:
                raise core.BenchError(f"bulk: false asked more than one range per ticker: {r}")
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
