"""The `batches` and `nightly` scales (bench/README.md). --tickers N measures batches at N, 2N
and 4N tickers instead of 1,000, 2,000 and 10,000."""

import datetime as dt
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from functools import partial
from multiprocessing import Pool
from pathlib import Path

import core
from core import ROOT, med, pair_ratio, progress, record, snakemake, spread
from market import changes, changes_record, in_pairs, logs

BASE = "9b17e9f"  # nightly main29: the commit before periods
END = "2025-06-05"  # a Thursday, long past: the fake's days are kept for good


def size(c, n: int) -> int:
    """A batches size (1,000, 2,000 or 10,000 tickers), or its smaller stand-in."""
    return {1000: 1, 2000: 2, 10000: 4}[n] * c.tickers if c.tickers else n


def h5(tickers) -> list[str]:
    return [f"results/hdf5/{t}.h5" for t in tickers]


def pool(c, work: Path) -> float:
    """The work alone: the stage calls in one 2-process pool (`bench/inproc.py pool`)."""
    out = work / "pool-out"
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    r = core.run([core.PY, str(core.INPROC), "pool", str(work), str(out)], logs(c) / "pool.log")
    shutil.rmtree(out, ignore_errors=True)
    return r.seconds


def main29(c) -> list:
    """29 x 365 cold, this tree against the commit before periods (a git worktree)."""
    rev, base = BASE, c.root / "base-tree"
    if not base.exists():
        cmd = ["git", "worktree", "add", "--detach", str(base), rev]
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)

    def once(tree: Path, work: Path) -> float:  # in a fresh directory (core.interleave)
        cmd = [core.SNAKEMAKE, "-s", str(tree / "Snakefile"), "-d", str(work), "--cores", "2"]
        cmd += ["--configfile", str(tree / "config/config.yaml")]
        env = {**os.environ, "PYTHONPATH": str(tree / "workflow")}
        return snakemake(work, 2, logs(c) / f"main29-{work.name}.log", cmd=cmd, env=env)["seconds"]

    kinds = {"base": partial(once, base), "now": partial(once, ROOT)}
    try:
        runs = core.interleave(kinds, c.reps, "main29", c.root / "main29")
    finally:
        cmd = ["git", "worktree", "remove", "--force", str(base)]
        subprocess.run(cmd, cwd=ROOT, capture_output=True)
    old, now = runs["base"], runs["now"]
    title = f"The default main job (29 x 365, cold) against {rev}"
    cols = f"pairs | {rev} median s | now median s | now ÷ base (pairwise)"
    row = [len(old), med(old), med(now), pair_ratio(now, old)]
    note = f"In a git worktree of {rev}, each in a fresh directory."
    return [record("nightly", "main29" + c.tag, title, cols, [row], [note])]


def cold1k(c) -> list:
    """1,000 x 5 cold: the work alone, then the workflow three ways, rep by rep."""
    work = c.root / "cold1k"
    tickers = h5(core.setup_sheet(work, size(c, 1000), 5))
    nock = ("--max-checksum-file-size", "0")

    def cold(name, *args):
        return lambda: core.cold(work, logs(c) / f"{name}.log", *args)["seconds"]

    alone = "the work alone: the stage calls in one 2-process pool (`bench/inproc.py pool`)"
    kinds = {  # row label: () -> the run's seconds
        alone: lambda: pool(c, work),
        "the workflow, the `.h5` targets": cold("h5", *tickers),
        "the workflow, its default target": cold("default"),
        "the `.h5` targets, `--max-checksum-file-size 0`": cold("nock", *nock, *tickers),
    }
    s = core.interleave(kinds, c.reps)
    pool_s = next(iter(s.values()))
    rows = [[k, *spread(v), pair_ratio(v, pool_s)] for k, v in s.items()]
    title = "Cold, 1,000 tickers x 5 days: the workflow ÷ the work"
    cols = "run | median s | min s | max s | ÷ the pool (pairwise)"
    return [record("batches", "cold1k", title, cols, rows)]


def perticker1k(c) -> list:
    work = c.root / "cold1k"
    tickers = h5(core.setup_sheet(work, size(c, 1000), 5))
    # --config takes every word after it: the targets go first
    r = core.cold(work, logs(c) / "perticker.log", *tickers, "--config", "batch_jobs=false")
    title = "The 1,000 `.h5` as per-ticker jobs (`batch_jobs: false`)"
    row = [1, r["seconds"], r["n"], r["peak_mib"]]
    cols = "runs | seconds | jobs | Snakemake peak MiB"
    return [record("batches", "perticker1k", title, cols, [row])]


def big10k(c) -> list:
    work = c.root / "big10k"
    core.setup_sheet(work, size(c, 10000), 5)
    p, r = pool(c, work), core.cold(work, logs(c) / "big10k-cold.log")
    noops = [core.noop(work, logs(c) / "big10k-noop.log") for _ in range(max(c.reps, 3))]
    ns, peak = [x["seconds"] for x in noops], med(x["peak_mib"] for x in noops)
    each = f"no-op (median; each: {', '.join(f'{x:.1f}' for x in ns)})"
    one = "ONE `snakemake --cores 2`, default target"
    rows = [["the work alone: one 2-process pool", 1, p, None, None, None]]
    rows.append([one, 1, r["seconds"], r["n"], r["peak_mib"], r["seconds"] / p])
    rows.append([each, len(ns), med(ns), 0, peak, None])
    title = "Cold, 10,000 tickers x 5 days, then the no-op"
    cols = "run | runs | median s | jobs | Snakemake peak MiB | ÷ the pool (one pair)"
    return [record("batches", "big10k", title, cols, rows)]


def change2k(c) -> list:
    work, n = c.root / "change2k", size(c, 2000)
    tickers = core.setup_sheet(work, n, 5)
    r = core.cold(work, logs(c) / "change2k-cold.log")
    pairs = changes(c, work, tickers, max(c.reps, 5), stride=max(1, n // 40))  # a new batch each
    note = f"The cold run before: {r['seconds']:.0f} s, {r['n']} jobs."
    return [changes_record("batches", "change2k", 2000, pairs, [note], target=False)]


def storage(c) -> list:
    work = c.root / "s3"
    core.setup_sheet(work, size(c, 1000), 5)
    kinds = {"per_ticker": ("--config", "batch_jobs=false")}
    kinds["batched"] = ("--config", "batch_jobs=true")
    p = in_pairs(c, kinds, work=work, s3=set(kinds))
    per, bat = ([x["seconds"] for x in p[k]] for k in kinds)
    jobs = [p[k][0]["jobs"] for k in kinds]
    row = [c.reps, med(per), jobs[0], med(bat), jobs[1], pair_ratio(bat, per)]
    title = "Through S3: 1,000 tickers x 5 days, cold, in pairs"
    cols = "pairs | per-ticker jobs median s | jobs | batch jobs median s | jobs | "
    cols += "batch ÷ per-ticker (pairwise)"
    return [record("batches", "storage", title, cols, [row])]


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


@contextmanager
def polygon(c, fresh: bool):
    """While the tests' fake Polygon serves c.tickers (2,000) x c.days (365): (night(end, name,
    **config) one run to ``end``, the last day run, the cold run made first if ``fresh`` or none
    was yet, else None)."""
    core.tests_support()  # the fakes, as the tests import them
    import pandas as pd  # the freq string, as the workflow reads it
    import yaml
    from support.fake_polygon import Fake
    from support.fakekit import serving

    c.tickers, c.days, work = c.tickers or 2000, c.days or 365, c.root / "nightly"
    bars = 8 * 3600 / pd.Timedelta(c.freq).total_seconds()
    core.check_disk(c.root, c.tickers * c.days * bars * 130 * 1.5 + 10e9)  # ~172 B a bar, + slack
    names = core.sheet_names(c.tickers)
    fake = Fake(market=[t.lower() for t in names])
    c.names = [t.upper() for t in names]  # the fake's two endpoints agree

    def night(end: dt.date, name: str, bulk=True, periods=True) -> dict:
        source = {"provider": "polygon", "base_url": server.base, "end": end.isoformat()}
        source |= {"key_env": next(iter(Fake.env)), "bulk": bulk, "requests_per_minute": 10**6}
        config = {"tickers": "config/tickers.txt", "source": source, "periods": periods}
        core.write_config(work, config | {"synth": {"days": c.days, "freq": c.freq}})
        calls, grouped = fake.calls, fake.bulk_calls
        r = snakemake(work, 2, logs(c) / f"nightly-{name}.log", env={**os.environ, **Fake.env})
        progress(f"{name} (to {end}): {r['seconds']:.1f} s")
        r["end"], r["job_seconds"] = end.isoformat(), core.benchmark_seconds(work)
        r["per_ticker_requests"] = fake.calls - calls
        r["grouped_requests"] = fake.bulk_calls - grouped
        return r

    with serving(fake) as server:
        end, first = dt.date.fromisoformat(END), None
        if fresh or not (work / "config" / "config.yaml").exists():
            shutil.rmtree(work, ignore_errors=True)
            core.write_if_changed(work / "config/tickers.txt", "".join(f"{t}\n" for t in c.names))
            first = night(end, "cold")
        else:  # after update: one weekday past its last night
            config = yaml.safe_load((work / "config/config.yaml").read_text())
            end = dt.date.fromisoformat(config["source"]["end"])
        yield night, end, first


def update(c) -> list:
    """A cold run, --nights nights, the same night again without periods, and the floor."""
    with polygon(c, fresh=True) as (night, end, cold):
        runs = [("cold", cold)]
        for i in range(c.nights):
            end = next_weekday(end)
            runs.append((f"night {i + 1}", night(end, f"night{i + 1}")))
        whole = night(next_weekday(end), "whole", periods=False)
        runs.append(("the same night, `periods: false`", whole))
    work, t0 = c.root / "nightly", time.perf_counter()
    with Pool(2) as p:
        files = [(work / f"results/json/{t}.json", work / f"results/hdf5/{t}.h5") for t in c.names]
        p.map(_rewrite, files, chunksize=50)
    floor, cold = time.perf_counter() - t0, cold["seconds"]
    rules, rows = ("synthesize", "convert", "download"), []
    for name, r in runs:
        x = [r["end"], r["seconds"], r["seconds"] / cold, r["per_ticker_requests"]]
        rows.append([name, *x, r["grouped_requests"], *(r["job_seconds"].get(k) for k in rules)])
    what = "floor: rewrite every JSON and HDF5 (read, write, fsync; 2 processes)"
    rows.append([what, None, floor, floor / cold, *[None] * 5])
    ratio = med(r["seconds"] for _, r in runs[1:-1]) / cold
    note = (
        f"Median night ÷ cold: **{ratio:.2f}x** (one run, the nights side by side with its cold "
        "run). Job seconds: the Snakemake benchmarks of each rule's jobs, batches summed."
    )
    title = f"Nightly update: {c.tickers:,} tickers x {c.days} days, {c.freq} bars"
    cols = "run | to | seconds | ÷ cold | per-ticker requests | grouped requests | "
    cols += " | ".join(f"job s {k}" for k in rules)
    return [record("nightly", "update" + c.tag, title, cols, rows, [note])]


def update_nobulk(c) -> list:
    """One night with `source.bulk: false`, after update's nights (or a cold run of its own)."""
    with polygon(c, fresh=False) as (night, end, cold):
        r = night(next_weekday(end), "nobulk", bulk=False)
    if r["per_ticker_requests"] > c.tickers or r["grouped_requests"]:
        raise core.BenchError(f"bulk: false asked more than one range per ticker: {r}")
    row = [r["seconds"], r["per_ticker_requests"], r["grouped_requests"], cold and cold["seconds"]]
    title = f"A night with `source.bulk: false`, {c.tickers:,} tickers"
    cols = "night seconds | per-ticker requests | grouped requests | cold s (same run)"
    note = (
        "Each ticker asks its own range; after `update` in the same work directory (no cold run "
        "of its own) unless it ran alone."
    )
    return [record("nightly", "update_nobulk" + c.tag, title, cols, [row], [note])]


SCALES = {
    "batches": dict(
        cold1k=cold1k, perticker1k=perticker1k, big10k=big10k, change2k=change2k, storage=storage
    ),
    "nightly": {"update": update, "update_nobulk": update_nobulk, "main29": main29},
}
