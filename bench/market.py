"""The `market` and `storage` scales (bench/README.md). --tickers N measures market at N and 2N
tickers instead of 1,000-10,000."""

import os
import re
import shutil
import subprocess
import time
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import core
from core import med, noop, pair_ratio, progress, record, snakemake, spread

PER_TICKER = {"batch_jobs": False}  # what this scale measures: one job per ticker per stage
TRANSFER = re.compile(r"^(Storing in storage|Retrieving from storage): s3://[^/]+/(\S+)$", re.M)


def logs(c) -> Path:
    (c.root / "logs").mkdir(parents=True, exist_ok=True)
    return c.root / "logs"


def changes(c, work: Path, tickers: list, pairs: int, stride: int = 1) -> list:
    """Pairs of (no-op, one ticker's source changed); the i-th pair changes tickers[i*stride]."""
    out = []
    for i in range(pairs):
        quiet = noop(work, logs(c) / "noop.log")
        core.change_source(work / "sources", tickers[i * stride], i + 1)
        changed = snakemake(work, 2, logs(c) / "change.log")
        out.append({"noop_s": quiet["seconds"], "change_s": changed["seconds"]})
        out[-1]["jobs"] = changed["jobs"]
        progress(f"change {i + 1}: {changed['seconds']:.1f} s (no-op {quiet['seconds']:.1f} s)")
    return out


def changes_record(scale, part, tickers: int, pairs: list, notes=(), target=True) -> dict:
    x = med(p["change_s"] / p["noop_s"] for p in pairs)
    row = [len(pairs), med(p["noop_s"] for p in pairs), med(p["change_s"] for p in pairs), x]
    ran = ", ".join(f"{k} {v}" for k, v in pairs[0]["jobs"].items())
    notes = [*notes, f"Each change adds a trade to a ticker's last day; the rerun ran {ran}."]
    what = f"one ticker's source changed, {tickers:,} tickers: rerun ÷ no-op"
    targets = [(what, f"{x:.2f}x", "<= 2x", x <= 2)] if target else []
    title = f"Reruns at {tickers:,} tickers: no-op, one ticker's source changed"
    cols = "pairs | no-op median s | change median s | change ÷ no-op (pairwise)"
    return record(scale, part, title, cols, [row], notes, targets)


def plan(c) -> list:
    sizes = (c.tickers, 2 * c.tickers) if c.tickers else (1000, 2000, 4000, 10000)
    dry = {}  # size: its `snakemake -n`
    for n in sizes:
        core.setup_sheet(c.root / f"plan{n}", n, 5, **PER_TICKER)
        dry[n] = partial(snakemake, c.root / f"plan{n}", c.cores, logs(c) / f"plan{n}.log", "-n")
    out = core.interleave(dry, c.reps, "plan")
    lo, hi = ([r["seconds"] for r in out[n]] for n in (sizes[0], sizes[-1]))
    growth, top = pair_ratio(hi, lo) * sizes[0] / sizes[-1], med(hi)
    rows = []
    for n, v in out.items():
        s = [r["seconds"] for r in v]
        rows.append([n, v[0]["n"], *spread(s), 1000 * med(s) / n, med(r["peak_mib"] for r in v)])
    note = (
        f"Cost per ticker at {sizes[-1]:,} over that at {sizes[0]:,}, rep by rep: {growth:.2f}x "
        "(the fixed start-up is spread over more tickers)."
    )
    what = "planning cost per ticker, 10,000 ÷ 1,000 tickers (`snakemake -n`)"
    targets = [(what, f"{growth:.2f}x", "<= 1.2x", growth <= 1.2)]
    what = f"`snakemake -n` at {sizes[-1]:,} tickers"
    targets.append((what, f"{top:.3g} s", "<= 60 s", top <= 60))
    title = "Planning: `snakemake -n`, each size interleaved rep by rep"
    cols = "tickers | jobs | median s | min s | max s | ms per ticker | Snakemake peak MiB"
    return [record("market", "plan", title, cols, rows, [note], targets)]


def cold(c) -> list:
    n = c.tickers or 2000
    work = c.root / f"cold{n}"
    tickers = core.setup_sheet(work, n, 5, **PER_TICKER)
    r = core.cold(work, logs(c) / "cold.log", cores=c.cores)
    progress(f"cold {n}: {r['seconds']:.0f} s, {r['n']} jobs")
    note = (
        "Jobs: " + ", ".join(f"{k} {v:,}" for k, v in r["jobs"].items()) + ". Output to a file; "
        "the peak is the Snakemake process's own (VmHWM), not its jobs'."
    )
    title = f"A cold run: {n:,} tickers x 5 days, `--cores {c.cores}`"
    cols = "runs | median s | jobs | jobs per s | Snakemake peak RSS MiB"
    row = [1, r["seconds"], r["n"], r["n"] / r["seconds"], r["peak_mib"]]
    first = record("market", "cold", title, cols, [row], [note])
    return [first, changes_record("market", "cold", n, changes(c, work, tickers, max(c.reps, 5)))]


def noop_at_scale(c) -> list:
    n, chunk = 2 * c.tickers or 10000, c.tickers or 1000
    work = c.root / f"noop{n}"
    tickers = core.setup_sheet(work, n, 1, **PER_TICKER)
    notes = []
    if snakemake(work, c.cores, logs(c) / "noop-check.log", "-n")["n"]:
        progress(f"{n} tickers to a done state, {chunk} at a time")
        t0, jobs = time.perf_counter(), 0
        # One cold run would hold all downloads ready at once, and the scheduler looks at every
        # ready job each time it starts one: the data of `chunk` tickers per run instead.
        for i in range(0, n, chunk):
            part = [f"results/hdf5/{t}.h5" for t in tickers[i : i + chunk]]
            jobs += snakemake(work, c.cores, logs(c) / "chunk.log", *part)["n"]
        jobs += snakemake(work, c.cores, logs(c) / "final.log")["n"]
        mins = (time.perf_counter() - t0) / 60
        done = f"The done state came from {n // chunk} runs of {chunk:,} tickers' data, then "
        notes.append(done + f"one for the summaries: {jobs:,} jobs in {mins:.1f} min.")
    runs = [noop(work, logs(c) / "noop10k.log", c.cores) for _ in range(max(c.reps, 3))]
    x = med(r["seconds"] for r in runs)
    row = [len(runs), *spread([r["seconds"] for r in runs]), med(r["peak_mib"] for r in runs)]
    limit = (f"no-op rerun at {n:,} tickers", f"{x:.3g} s", "<= 45 s", x <= 45)
    title, cols = f"No-op at {n:,} tickers (`synth.days: 1`)", "runs | median s | min s | max s"
    return [record("market", "noop", title, cols + " | Snakemake peak MiB", [row], notes, [limit])]


def in_pairs(c, kinds: dict, days=0, work=None, s3=()) -> dict:
    """Cold runs, per rep each of ``kinds`` ({name: extra args}) in turn, in ``work`` or each in
    its own directory of the embedded tickers x ``days``; those in ``s3`` through profiles/s3 on
    SeaweedFS: {name: [{seconds, jobs, log; through S3 Storing, Retrieving: (MiB, objects)}]}."""

    def once(name, server, bucket):
        extra, env, prefix = kinds[name], None, f"bench-{name}-{time.time_ns()}"
        if not work:
            core.cold_embedded(c.root / name, days)
        if name in s3:
            to = ("--default-storage-prefix", f"s3://{bucket}/{prefix}")
            extra = ("--profile", str(core.ROOT / "profiles/s3"), *to, *extra)
            env = {**os.environ, **server.env()}
        log = logs(c) / f"{name}.log"
        r = core.cold(work or c.root / name, log, *extra, cores=c.cores, env=env)
        one = {"seconds": r["seconds"], "jobs": r["n"], "log": log.read_text(errors="replace")}
        if name in s3:
            sizes = {f"{prefix}/{k}": v for k, v in server.keys(prefix).items()}
            moved = TRANSFER.findall(one["log"])
            for kind in ("Storing", "Retrieving"):
                keys = [k for what, k in moved if what.startswith(kind)]
                one[kind] = (sum(sizes.get(k, 0) for k in keys) / core.MIB, len(keys))
        return one

    with core.seaweed(c.root) if s3 else nullcontext((None, None)) as (server, bucket):
        go = {name: lambda name=name: once(name, server, bucket) for name in kinds}
        return core.interleave(go, c.reps)


def report(c) -> list:
    """29 x 365 cold: the default target (data, summaries, charts) and the data chain alone."""
    data = [f"results/hdf5/{t}.h5" for t in core.embedded()] + ["results/benchmarks.tsv"]
    runs = in_pairs(c, {"report-default": (), "report-data": data}, 365)
    full, chain = ([x["seconds"] for x in runs[k]] for k in runs)
    x = pair_ratio(full, chain)
    note = (
        "The data chain alone: `snakemake results/hdf5/*.h5 results/benchmarks.tsv`; the default "
        "target adds the charts, the inventory and the summaries."
    )
    what = "29 tickers x 365 days, cold: default target ÷ data chain alone"
    title = "The report's cost: 29 tickers x 365 days, cold, in pairs"
    cols = "pairs | default target median s | data chain alone median s | ratio (pairwise)"
    row, limit = [c.reps, med(full), med(chain), x], (what, f"{x:.2f}x", "<= 1.25x", x <= 1.25)
    return [record("market", "report", title, cols, [row], [note], [limit])]


def cluster(c) -> list:
    """29 x 30 days: a local run and a run through profiles/slurm, in pairs."""
    ping = shutil.which("sbatch") and subprocess.run(["scontrol", "ping"], capture_output=True)
    if not ping or b"UP" not in ping.stdout:
        progress("cluster: SLURM is not answering (tests/cluster/setup_slurm.sh as root); skipped")
        return []
    slurm = ("--profile", str(core.ROOT / "profiles/slurm"))
    runs = in_pairs(c, {"cluster-local": (), "cluster-slurm": slurm}, 30)
    loc, sl = ([x["seconds"] for x in runs[k]] for k in runs)
    x = pair_ratio(sl, loc)
    jobs = med(len(re.findall(r"SLURM jobid (\d+)", r["log"])) for r in runs["cluster-slurm"])
    what = "29 tickers x 30 days: SLURM jobs submitted through profiles/slurm"
    targets = [(what, f"{jobs:g}", "<= 6", jobs <= 6)]
    what = "29 tickers x 30 days: profiles/slurm ÷ local wall time"
    targets.append((what, f"{x:.2f}x", "<= 3x", x <= 3))
    title = "On SLURM: 29 tickers x 30 days, local and `--profile profiles/slurm`, in pairs"
    cols = "pairs | local median s | SLURM median s | SLURM ÷ local | SLURM jobs"
    note = "The one-node test cluster of tests/cluster/setup_slurm.sh."
    row = [c.reps, med(loc), med(sl), x, jobs]
    return [record("market", "cluster", title, cols, [row], [note], targets)]


def storage(c) -> list:
    """The main job cold, local and through `--profile profiles/s3` on SeaweedFS, in pairs."""
    work, n = c.root / "work", len(core.embedded())
    core.cold_embedded(work, c.days)
    p = in_pairs(c, {"local": (), "s3": ()}, work=work, s3={"s3"})
    loc, s3 = [x["seconds"] for x in p["local"]], [x["seconds"] for x in p["s3"]]
    x, jobs = pair_ratio(s3, loc), p["s3"][0]["jobs"]
    via = p["s3"]
    moved = [f"{med(y[k][0] for y in via):.0f} ({via[0][k][1]})" for k in ("Storing", "Retrieving")]
    per_job = med((b - a) / jobs for a, b in zip(loc, s3, strict=True))
    note = (
        "The S3 server runs on the same cores as the jobs; every output, log and benchmark is "
        "uploaded once, after its job."
    )
    what = f"{n} tickers x {c.days} days, cold: S3 (SeaweedFS, loopback) ÷ local"
    title = f"The main job through S3: {n} tickers x {c.days} days, cold, in pairs"
    cols = "pairs | local median s | S3 median s | S3 ÷ local (pairwise) | extra s per job | jobs "
    cols += "| stored MiB (objects) | retrieved MiB (objects)"
    row = [c.reps, med(loc), med(s3), x, per_job, jobs, *moved]
    limit = (what, f"{x:.2f}x", "measured (no target)", None)
    return [record("storage", "storage", title, cols, [row], [note], [limit])]


def readers(c) -> list:
    """docs/workflow.md's reader recipes on a market the workflow made (1,000 x 30 days)."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    n = c.tickers or 1000
    work = c.root / f"readers{n}"
    core.setup_sheet(work, n, 30)
    if len(list(work.glob("results/hdf5/*.h5"))) != n:
        core.cold(work, logs(c) / "readers.log", cores=c.cores)
    h5 = sorted(str(f) for f in work.glob("results/hdf5/*.h5"))
    day = pd.read_hdf(h5[0], "data")["timestamp"].iloc[-1].normalize()
    where = f"timestamp >= '{day}' & timestamp < '{day + pd.Timedelta(days=1)}'"
    market = partial(dd.read_hdf, str(work / "results/hdf5/*.h5"), "data")
    dask.config.set(scheduler="threads", num_workers=c.cores)
    recipes = {
        "`pd.read_hdf(one file)`": lambda: len(pd.read_hdf(h5[0], "data")),
        "the same with a one-day `where=`": lambda: len(pd.read_hdf(h5[0], "data", where=where)),
        "dask: `.close.max()` over the market": lambda: market().close.max().compute(),
        "dask: one day across the market": lambda: len(market().query(f"timestamp >= '{day}'")),
        "pandas: one day across the market (`where=` per file)": lambda: len(
            pd.concat([pd.read_hdf(f, "data", where=where) for f in h5])
        ),
    }
    rows = []
    for label, recipe in recipes.items():
        times = [(time.perf_counter(), recipe(), time.perf_counter()) for _ in range(c.reps)]
        rows.append([label, *spread([t1 - t0 for t0, _, t1 in times]), times[0][1]])
    title = f"Reading the `.h5` of {n:,} tickers x 30 days (the table layout), in one process"
    note = f"The day is {day.date()}, each ticker's last; dask on {c.cores} threads."
    return [
        record("market", "readers", title, "recipe | median s | min s | max s | rows", rows, [note])
    ]


SCALES = {
    "market": dict(
        plan=plan, cold=cold, noop=noop_at_scale, report=report, cluster=cluster, readers=readers
    ),
    "storage": {"storage": storage},
}
