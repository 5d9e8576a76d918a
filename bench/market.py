"""The `market` scale: what grows with the ticker count, measured at 1,000 to 10,000 tickers.

- planning (`snakemake -n`) at 1k/2k/4k/10k tickers, interleaved rep by rep;
- a cold run at 2,000 tickers x 5 days: wall time, jobs per second, Snakemake's peak RSS; it
  runs inside tmux, whose screen is captured every 20 s (what a person watching sees);
- the no-op at 2,000, and a one-ticker source change, in pairs (change / no-op);
- the no-op at 10,000 tickers (its done state reached at `synth.days: 1`, 1,000 tickers' data
  per run, then the summaries);
- on SLURM (when it answers): 29 tickers x 30 days, local vs `--profile profiles/slurm`, in
  pairs, and how many SLURM jobs the run submitted.

Each ticker is a `source.path` symlink to one of the 29 embedded files, listed in a ticker sheet.
The section of RESULTS.md these raw results make is bench/report_market.py's.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from harness import ROOT, BenchError, progress
from snakemake_runs import in_tmux, snakemake
from workdirs import change_source, clean, cold_embedded, setup_sheet

PLAN_SIZES = (1000, 2000, 4000, 10000)
COLD_TICKERS, COLD_DAYS = 2000, 5
NOOP_TICKERS, NOOP_DAYS = 10000, 1
NOOP_CHUNK = 1000  # tickers whose data one run of reach_done makes
CLUSTER_DAYS = 30
COLD_REPS = 1  # ~12 min on 2 cores; it runs in tmux, watched as a person would


def plan(root: Path, reps: int, cores: int, logs: Path) -> dict:
    out = {str(n): {"seconds": [], "peak_mib": []} for n in PLAN_SIZES}
    for n in PLAN_SIZES:
        setup_sheet(root / f"plan{n}", n, COLD_DAYS)
    for rep in range(reps):
        for n in PLAN_SIZES:
            r = snakemake(root / f"plan{n}", cores, logs / f"plan{n}.log", "-n")
            out[str(n)]["seconds"].append(r["seconds"])
            out[str(n)]["peak_mib"].append(r["peak_mib"])
            out[str(n)]["jobs"] = sum(r["jobs"].values())
            progress(f"market: plan {n} tickers ({rep + 1}/{reps}): {r['seconds']:.1f} s")
    return out


def cold_and_changes(root: Path, reps: int, cores: int, logs: Path) -> dict:
    work = root / f"cold{COLD_TICKERS}"
    tickers = setup_sheet(work, COLD_TICKERS, COLD_DAYS)
    sources = work / "sources"
    cold, captures = [], []
    runs = min(reps, COLD_REPS)
    for rep in range(runs):
        clean(work)
        os.sync()
        if shutil.which("tmux"):  # on a terminal, as a person would watch it
            r = in_tmux(work, cores, captures if rep == 0 else [])
        else:
            r = snakemake(work, cores, logs / f"cold{COLD_TICKERS}.log")
        cold.append(r)
        progress(f"market: cold {COLD_TICKERS} ({rep + 1}/{runs}): {r['seconds']:.0f} s")
    pairs = []
    for i in range(max(reps, 5)):
        noop = snakemake(work, cores, logs / "noop-cold.log")
        if sum(noop["jobs"].values()):
            raise BenchError(f"the no-op at {COLD_TICKERS} tickers ran jobs: {noop}")
        change_source(sources, tickers[i], i + 1)
        changed = snakemake(work, cores, logs / "change.log")
        pairs.append({"noop_s": noop["seconds"], "change_s": changed["seconds"],
                      "jobs": changed["jobs"], "ticker": tickers[i]})  # fmt: skip
        progress(
            f"market: one-ticker change {i + 1}: {changed['seconds']:.1f} s "
            f"(no-op {noop['seconds']:.1f} s)"
        )
    return {"tickers": COLD_TICKERS, "days": COLD_DAYS, "cold": cold, "pairs": pairs,
            "captures": captures}  # fmt: skip


def reach_done(work: Path, tickers: list, cores: int, logs: Path) -> list:
    """The completed state at NOOP_TICKERS: the data of NOOP_CHUNK tickers at a time (their .h5
    as targets), then one run for the shards, summaries and charts. Every file is made by its
    real job. One cold run would hold all 10,000 downloads ready at once, and Snakemake looks at
    every ready job each time it starts one: ~6 jobs/s here instead of ~12 (bench/README.md)."""
    chunks = []
    for i in range(0, len(tickers), NOOP_CHUNK):
        part = [f"results/hdf5/{t}.h5" for t in tickers[i : i + NOOP_CHUNK]]
        r = snakemake(work, cores, logs / "noop10k-chunk.log", *part)
        chunks.append(r)
        progress(
            f"market: {NOOP_TICKERS} tickers, data of {i + len(part)} done "
            f"({sum(r['jobs'].values()) / r['seconds']:.1f} jobs/s)"
        )
    chunks.append(snakemake(work, cores, logs / "noop10k-final.log"))
    return chunks


def noop_at_scale(root: Path, reps: int, cores: int, logs: Path) -> dict:
    work = root / f"noop{NOOP_TICKERS}"
    tickers = setup_sheet(work, NOOP_TICKERS, NOOP_DAYS)
    check = snakemake(work, cores, logs / "noop10k-check.log", "-n")
    cold = None
    if sum(check["jobs"].values()):
        progress(f"market: {NOOP_TICKERS} tickers to a done state, {NOOP_CHUNK} at a time")
        cold = reach_done(work, tickers, cores, logs)
    noop = []
    for rep in range(max(reps, 3)):
        r = snakemake(work, cores, logs / "noop10k.log")
        if sum(r["jobs"].values()):
            raise BenchError(f"the no-op at {NOOP_TICKERS} tickers ran jobs: {r}")
        noop.append(r)
        progress(f"market: no-op {NOOP_TICKERS} ({rep + 1}): {r['seconds']:.1f} s")
    return {"tickers": NOOP_TICKERS, "days": NOOP_DAYS, "chunk": NOOP_CHUNK, "cold": cold,
            "noop": noop}  # fmt: skip


def report_cost(root: Path, reps: int, cores: int, logs: Path) -> dict:
    """The 29 embedded tickers x 365 days, cold: the default target (data, summaries and every
    chart) and the data chain alone (the .h5 files and results/benchmarks.tsv), in pairs."""
    from stockflow.sources.origins import embedded_tickers

    tickers = embedded_tickers()
    data_targets = [f"results/hdf5/{t}.h5" for t in tickers] + ["results/benchmarks.tsv"]
    pairs = []
    for _ in range(reps):
        runs = {}
        for kind, targets in (("default", []), ("data", data_targets)):
            work = root / f"report-{kind}"
            cold_embedded(work, tickers, 365)
            runs[kind] = snakemake(work, cores, logs / f"report-{kind}.log", *targets)["seconds"]
        pairs.append(runs)
        progress(
            f"market: 29 tickers cold, default target {runs['default']:.1f} s, data chain "
            f"{runs['data']:.1f} s"
        )
    return {"tickers": len(tickers), "days": 365, "pairs": pairs}


def slurm_up() -> bool:
    if not shutil.which("sbatch"):
        return False
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True)
    return "UP" in ping.stdout


def cluster(root: Path, reps: int, cores: int, logs: Path) -> dict:
    """29 tickers x 30 days: a local run and a run through profiles/slurm, in pairs."""
    if not slurm_up():
        return {"skipped": "SLURM is not answering (run tests/cluster/setup_slurm.sh as root)"}
    from stockflow.sources.origins import embedded_tickers

    tickers = embedded_tickers()
    pairs = []
    for _ in range(reps):
        runs = {}
        for kind in ("local", "slurm"):
            work = root / f"cluster-{kind}"
            cold_embedded(work, tickers, CLUSTER_DAYS)
            extra = ("--profile", str(ROOT / "profiles/slurm")) if kind == "slurm" else ()
            log = logs / f"cluster-{kind}.log"
            r = snakemake(work, cores, log, *extra)
            ids = re.findall(r"SLURM jobid (\d+)", log.read_text(errors="replace"))
            runs[kind] = {"seconds": r["seconds"], "slurm_jobs": len(ids)}
        pairs.append(runs)
        progress(
            f"market: 29 tickers local {runs['local']['seconds']:.1f} s, slurm "
            f"{runs['slurm']['seconds']:.1f} s ({runs['slurm']['slurm_jobs']} SLURM jobs)"
        )
    return {"tickers": len(tickers), "days": CLUSTER_DAYS, "pairs": pairs}


PARTS = ("plan", "cold", "noop", "report", "cluster")


def measure(layout, reps: int, cores: int, smoke: int = 0, parts=PARTS, earlier=None) -> dict:
    """``smoke``: a ticker count to check the harness with (sizes smoke and 2x smoke);
    ``parts``: which to measure, the others kept from ``earlier`` (a previous result)."""
    global PLAN_SIZES, COLD_TICKERS, NOOP_TICKERS, NOOP_CHUNK
    if smoke:
        PLAN_SIZES, COLD_TICKERS, NOOP_TICKERS = (smoke, 2 * smoke), smoke, 2 * smoke
        NOOP_CHUNK = smoke
    root, logs = layout.root, layout.logs
    logs.mkdir(parents=True, exist_ok=True)
    steps = {
        "plan": plan,
        "cold": cold_and_changes,
        "noop": noop_at_scale,
        "report": report_cost,
        "cluster": cluster,
    }
    out = dict(earlier or {})
    for part in parts:
        out[part] = steps[part](root, reps, cores, logs)
    return out


def complete(m: dict) -> bool:
    """Every part measured (now or in an earlier run): RESULTS.md can be written."""
    return all(p in m for p in PARTS)
