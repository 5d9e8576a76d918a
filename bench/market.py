"""The `market` scale (one job per ticker per stage, `batch_jobs: false`, each ticker a symlink
to an embedded source, listed in a sheet) and the `storage` scale. Parts of market:
plan (`snakemake -n` at 1k-10k tickers), cold (2,000 x 5 days, then no-op / one-ticker change
pairs), noop (10,000 x 1 day), report (default target ÷ data chain), cluster (SLURM)."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import core
from core import med, pair_ratio, progress, record, snakemake, spread

PARTS = ("plan", "cold", "noop", "report", "cluster")
PER_TICKER = {"batch_jobs": False}  # what this scale measures: one job per ticker per stage
TRANSFER = re.compile(r"^(Storing in storage|Retrieving from storage): s3://[^/]+/(\S+)$", re.M)


def noop(work: Path, log: Path, cores: int = 2) -> dict:
    r = snakemake(work, cores, log)
    if sum(r["jobs"].values()):
        raise core.BenchError(f"a no-op in {work} ran jobs: {r['jobs']}")
    return r


def changes(work: Path, tickers: list, pairs: int, logs: Path, stride: int = 1) -> list:
    """Pairs of (no-op, one ticker's source changed); the i-th pair changes tickers[i*stride]."""
    out = []
    for i in range(pairs):
        quiet = noop(work, logs / "noop.log")
        core.change_source(work / "sources", tickers[i * stride], i + 1)
        changed = snakemake(work, 2, logs / "change.log")
        out.append({"noop_s": quiet["seconds"], "change_s": changed["seconds"],
                    "jobs": changed["jobs"]})  # fmt: skip
        progress(f"change {i + 1}: {changed['seconds']:.1f} s (no-op {quiet['seconds']:.1f} s)")
    return out


def changes_record(scale, part, tickers: int, pairs: list, target: bool = True) -> dict:
    ratio = med(p["change_s"] / p["noop_s"] for p in pairs)
    row = [len(pairs), med(p["noop_s"] for p in pairs), med(p["change_s"] for p in pairs), ratio]
    ran = ", ".join(f"{k} {v}" for k, v in pairs[0]["jobs"].items())
    return record(scale, part, f"Reruns at {tickers:,} tickers: no-op, one ticker's source changed",
                  ["pairs", "no-op median s", "change median s", "change ÷ no-op (pairwise)"],
                  [row], [f"Each change adds a trade to a ticker's last day; the rerun ran {ran}."],
                  [(f"one ticker's source changed, {tickers:,} tickers: rerun ÷ no-op",
                    f"{ratio:.2f}x", "<= 2x", ratio <= 2)] if target else [])  # fmt: skip


def plan(root, reps, cores, logs, sizes) -> list:
    out = {n: [] for n in sizes}
    for rep in range(reps):
        for n in sizes:
            core.setup_sheet(root / f"plan{n}", n, 5, **PER_TICKER)
            out[n].append(snakemake(root / f"plan{n}", cores, logs / f"plan{n}.log", "-n"))
            progress(f"plan {n} tickers ({rep + 1}/{reps}): {out[n][-1]['seconds']:.1f} s")
    lo, hi = ([r["seconds"] for r in out[n]] for n in (sizes[0], sizes[-1]))
    growth, top = pair_ratio(hi, lo) * sizes[0] / sizes[-1], med(hi)
    rows = [[n, sum(v[0]["jobs"].values()), *spread([r["seconds"] for r in v]),
             1000 * med(r["seconds"] for r in v) / n, med(r["peak_mib"] for r in v)]
            for n, v in out.items()]  # fmt: skip
    return [record("market", "plan", "Planning: `snakemake -n`, each size interleaved rep by rep",
                   ["tickers", "jobs", "median s", "min s", "max s", "ms per ticker",
                    "Snakemake peak MiB"], rows,
                   [f"Cost per ticker at {sizes[-1]:,} over that at {sizes[0]:,}, rep by rep: "
                    f"{growth:.2f}x (the fixed start-up is spread over more tickers)."],
                   [("planning cost per ticker, 10,000 ÷ 1,000 tickers (`snakemake -n`)",
                     f"{growth:.2f}x", "<= 1.2x", growth <= 1.2),
                    (f"`snakemake -n` at {sizes[-1]:,} tickers", f"{top:.3g} s", "<= 60 s",
                     top <= 60)])]  # fmt: skip


def cold(root, reps, cores, logs, n) -> list:
    work = root / f"cold{n}"
    tickers = core.setup_sheet(work, n, 5, **PER_TICKER)
    core.clean(work)
    os.sync()
    r = snakemake(work, cores, logs / "cold.log")
    jobs = sum(r["jobs"].values())
    progress(f"cold {n}: {r['seconds']:.0f} s, {jobs} jobs")
    return [
        record("market", "cold", f"A cold run: {n:,} tickers x 5 days, `--cores {cores}`",
               ["runs", "median s", "jobs", "jobs per s", "Snakemake peak RSS MiB"],
               [[1, r["seconds"], jobs, jobs / r["seconds"], r["peak_mib"]]],
               ["Jobs: " + ", ".join(f"{k} {v:,}" for k, v in r["jobs"].items()) + ". Output to "
                "a file; the peak is the Snakemake process's own (VmHWM), not its jobs'."]),
        changes_record("market", "cold", n, changes(work, tickers, max(reps, 5), logs)),
    ]  # fmt: skip


def noop_at_scale(root, reps, cores, logs, n, chunk) -> list:
    work = root / f"noop{n}"
    tickers = core.setup_sheet(work, n, 1, **PER_TICKER)
    notes = []
    if sum(snakemake(work, cores, logs / "noop-check.log", "-n")["jobs"].values()):
        progress(f"{n} tickers to a done state, {chunk} at a time")
        t0, jobs = time.perf_counter(), 0
        # One cold run would hold all downloads ready at once, and the scheduler looks at every
        # ready job each time it starts one: the data of `chunk` tickers per run instead.
        for i in range(0, n, chunk):
            part = [f"results/hdf5/{t}.h5" for t in tickers[i : i + chunk]]
            jobs += sum(snakemake(work, cores, logs / "chunk.log", *part)["jobs"].values())
        jobs += sum(snakemake(work, cores, logs / "final.log")["jobs"].values())
        mins = (time.perf_counter() - t0) / 60
        notes.append(
            f"The done state came from {n // chunk} runs of {chunk:,} tickers' data, "
            f"then one for the summaries: {jobs:,} jobs in {mins:.1f} min."
        )
    runs = [noop(work, logs / "noop10k.log", cores) for _ in range(max(reps, 3))]
    x = med(r["seconds"] for r in runs)
    return [record("market", "noop", f"No-op at {n:,} tickers (`synth.days: 1`)",
                   ["runs", "median s", "min s", "max s", "Snakemake peak MiB"],
                   [[len(runs), *spread([r["seconds"] for r in runs]),
                     med(r["peak_mib"] for r in runs)]], notes,
                   [(f"no-op rerun at {n:,} tickers", f"{x:.3g} s", "<= 45 s",
                     x <= 45)])]  # fmt: skip


def in_pairs(root: Path, reps: int, cores: int, logs: Path, days: int, kinds: dict) -> dict:
    """Cold runs of the embedded tickers, each of ``kinds`` ({name: extra args}) in turn per
    rep: {name: [(seconds, log text)]}."""
    runs = {kind: [] for kind in kinds}
    for _ in range(reps):
        for kind, extra in kinds.items():
            core.cold_embedded(root / kind, days)
            log = logs / f"{kind}.log"
            runs[kind].append((snakemake(root / kind, cores, log, *extra)["seconds"],
                               log.read_text(errors="replace")))  # fmt: skip
    return runs


def report_cost(root, reps, cores, logs) -> list:
    """29 x 365 cold: the default target (data, summaries, charts) and the data chain alone."""
    data = [f"results/hdf5/{t}.h5" for t in core.embedded()] + ["results/benchmarks.tsv"]
    runs = in_pairs(root, reps, cores, logs, 365, {"report-default": (), "report-data": data})
    full, chain = ([s for s, _ in runs[k]] for k in runs)
    x = pair_ratio(full, chain)
    return [record("market", "report", "The report's cost: 29 tickers x 365 days, cold, in pairs",
                   ["pairs", "default target median s", "data chain alone median s",
                    "ratio (pairwise)"], [[reps, med(full), med(chain), x]],
                   ["The data chain alone: `snakemake results/hdf5/*.h5 results/benchmarks.tsv`; "
                    "the default target adds the charts, the inventory and the summaries."],
                   [("29 tickers x 365 days, cold: default target ÷ data chain alone",
                     f"{x:.2f}x", "<= 1.25x", x <= 1.25)])]  # fmt: skip


def cluster(root, reps, cores, logs) -> list:
    """29 x 30 days: a local run and a run through profiles/slurm, in pairs."""
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True) \
        if shutil.which("sbatch") else None  # fmt: skip
    if not ping or "UP" not in ping.stdout:
        progress("cluster: SLURM is not answering (tests/cluster/setup_slurm.sh as root); skipped")
        return []
    slurm = ("--profile", str(core.ROOT / "profiles/slurm"))
    runs = in_pairs(root, reps, cores, logs, 30, {"cluster-local": (), "cluster-slurm": slurm})
    loc, sl = ([s for s, _ in runs[k]] for k in runs)
    x = pair_ratio(sl, loc)
    jobs = med(len(re.findall(r"SLURM jobid (\d+)", text)) for _, text in runs["cluster-slurm"])
    return [record("market", "cluster", "On SLURM: 29 tickers x 30 days, local and "
                   "`--profile profiles/slurm`, in pairs",
                   ["pairs", "local median s", "SLURM median s", "SLURM ÷ local", "SLURM jobs"],
                   [[reps, med(loc), med(sl), x, jobs]],
                   ["The one-node test cluster of tests/cluster/setup_slurm.sh."],
                   [("29 tickers x 30 days: SLURM jobs submitted through profiles/slurm",
                     f"{jobs:g}", "<= 6", jobs <= 6),
                    ("29 tickers x 30 days: profiles/slurm ÷ local wall time", f"{x:.2f}x",
                     "<= 3x", x <= 3)])]  # fmt: skip


def measure(root: Path, reps: int, cores: int, parts, small: int = 0) -> list:
    """``small``: a ticker count to check the harness with (sizes small and 2x small)."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    sizes = (small, 2 * small) if small else (1000, 2000, 4000, 10000)
    steps = {
        "plan": lambda: plan(root, reps, cores, logs, sizes),
        "cold": lambda: cold(root, reps, cores, logs, small or 2000),
        "noop": lambda: noop_at_scale(root, reps, cores, logs, 2 * small or 10000, small or 1000),
        "report": lambda: report_cost(root, reps, cores, logs),
        "cluster": lambda: cluster(root, reps, cores, logs),
    }
    return [rec for part in parts for rec in steps[part]()]


def s3_pairs(work: Path, root: Path, logs: Path, reps: int, kinds: dict, cores: int = 2) -> list:
    """Cold runs in pairs: per rep, each of ``kinds`` ({name: (s3?, extra args)}) in turn.
    Through S3, the bytes and objects moved come from Snakemake's log, sized by the bucket."""
    pairs = []
    with core.seaweed(root) as (server, bucket):
        for rep in range(reps):
            one = {}
            for name, (s3, extra) in kinds.items():
                core.clean(work)
                prefix = f"bench-{name}-{rep}-{int(time.time())}"
                if s3:
                    to = f"s3://{bucket}/{prefix}"
                    extra = ("--profile", str(core.ROOT / "profiles/s3"),
                             "--default-storage-prefix", to, *extra)  # fmt: skip
                env = {**os.environ, **server.env()} if s3 else None
                log = logs / f"s3-{name}.log"
                r = snakemake(work, cores, log, *extra, env=env)
                one[name] = {"seconds": r["seconds"], "jobs": sum(r["jobs"].values())}
                if s3:
                    sizes = {f"{prefix}/{k}": v for k, v in server.keys(prefix).items()}
                    moved = TRANSFER.findall(log.read_text(errors="replace"))
                    for kind in ("Storing", "Retrieving"):
                        keys = [k for what, k in moved if what.startswith(kind)]
                        one[name][kind] = (sum(sizes.get(k, 0) for k in keys) / core.MIB, len(keys))
            pairs.append(one)
            progress(f"storage {rep + 1}/{reps}: " + ", ".join(
                f"{k} {v['seconds']:.1f} s" for k, v in one.items()))  # fmt: skip
    return pairs


def measure_storage(root: Path, reps: int, cores: int, days: int) -> list:
    """The main job cold, local and through `--profile profiles/s3` on SeaweedFS, in pairs."""
    work, n = root / "work", len(core.embedded())
    core.cold_embedded(work, days)
    p = s3_pairs(work, root, root / "logs", reps, {"local": (False, ()), "s3": (True, ())}, cores)
    loc, s3 = [x["local"]["seconds"] for x in p], [x["s3"]["seconds"] for x in p]
    x, jobs = pair_ratio(s3, loc), p[0]["s3"]["jobs"]
    up, down = (f"{med(x['s3'][k][0] for x in p):.0f} ({p[0]['s3'][k][1]})"
                for k in ("Storing", "Retrieving"))  # fmt: skip
    return [record("storage", "storage", f"The main job through S3: {n} tickers x {days} days, "
                   "cold, in pairs",
                   ["pairs", "local median s", "S3 median s", "S3 ÷ local (pairwise)",
                    "extra s per job", "jobs", "stored MiB (objects)", "retrieved MiB (objects)"],
                   [[reps, med(loc), med(s3), x,
                     med((b - a) / jobs for a, b in zip(loc, s3, strict=True)), jobs, up, down]],
                   ["The S3 server runs on the same cores as the jobs; every output, log and "
                    "benchmark is uploaded once, after its job."],
                   [(f"{n} tickers x {days} days, cold: S3 (SeaweedFS, loopback) ÷ local",
                     f"{x:.2f}x", "measured (no target)", None)])]  # fmt: skip
