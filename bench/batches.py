"""Batch jobs at market scale: the workflow against the work alone, side by side.

    python bench/batches.py [--parts cold1k,perticker1k,big10k,change2k,main29,schedulers,storage]
        [--reps 3] [--root /work/bench-batches]

- cold1k: 1,000 tickers x 5 days, cold, in reps of: the stage commands in one 2-process pool
  (bench/pool.py, "the work"), the workflow on the 1,000 .h5 targets, the workflow's default
  target (data, shards, summaries, charts), and the .h5 targets with Snakemake's input checksums
  off (--max-checksum-file-size 0); each ratio taken within its rep.
- perticker1k: the same .h5 targets as one job per ticker per stage (batch_jobs: false), once.
- big10k: 10,000 x 5 days: the pool, then ONE `snakemake --cores 2` on the default target
  (Snakemake's peak RSS), then the no-op three times.
- change2k: 2,000 x 5 days: cold, then five pairs of (no-op, one ticker's source changed).
- main29: the default main job (29 x 365, per-ticker jobs), cold, this tree against BASE (a git
  revision, default the commit before batch jobs), in pairs.
- schedulers: 10,000 x 1 day, cold, with --scheduler greedy, --scheduler-subsample 100 and the
  firstfit plugin, one after the other.
- storage: 1,000 x 5 days through profiles/s3 (SeaweedFS on loopback), per-ticker jobs against
  batch jobs, cold, in pairs.
Writes bench/batches.json; bench/report.py's figures are not touched.
"""

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import yaml
from harness import POOL, PY, ROOT, SNAKEMAKE, BenchError, now, progress, run
from s3_server import seaweed
from snakemake_runs import snakemake
from workdirs import change_source, clean, setup_sheet

OUT = Path(__file__).with_name("batches.json")
BASE = "d6dbcdc"  # main before batch jobs
STORAGE_TICKERS = 1000  # the cold1k scale, through S3: per-ticker jobs take ~0.3 s a job more
PARTS = ("cold1k", "perticker1k", "big10k", "change2k", "main29", "schedulers", "storage")


def setup(work: Path, n: int, days: int, **extra) -> list:
    tickers = setup_sheet(work, n, days)
    path = work / "config" / "config.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg.update(extra)
    path.write_text("# written by bench/batches.py\n" + yaml.safe_dump(cfg))
    return tickers


def pool(work: Path, logs: Path) -> dict:
    out = work / "pool-out"
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    r = run([PY, str(POOL), str(work), str(out)], logs / "pool.log")
    shutil.rmtree(out, ignore_errors=True)  # kept when it failed: its pool.log says why
    return {"seconds": r.seconds}


def workflow(work: Path, logs: Path, name: str, *extra: str, cold: bool = True) -> dict:
    if cold:
        clean(work)
        os.sync()
    try:
        r = snakemake(work, 2, logs / f"{name}.log", *extra)
    except BenchError as exc:  # its message holds the whole command: 1,000 targets
        raise BenchError(f"{name} failed: see {logs / name}.log") from exc
    r["jobs"] = sum(r["jobs"].values())
    return r


def h5_targets(tickers: list) -> list[str]:
    return [f"results/hdf5/{t}.h5" for t in tickers]


def cold1k(root: Path, logs: Path, reps: int) -> dict:
    work = root / "cold1k"
    tickers = setup(work, 1000, 5)
    reps_out = []
    for rep in range(reps):
        r = {"pool": pool(work, logs)}
        r["h5"] = workflow(work, logs, "cold1k-h5", *h5_targets(tickers))
        r["default"] = workflow(work, logs, "cold1k-default")
        r["h5_no_checksums"] = workflow(
            work, logs, "cold1k-nock", "--max-checksum-file-size", "0", *h5_targets(tickers)
        )
        reps_out.append(r)
        progress(
            f"cold1k {rep + 1}/{reps}: pool {r['pool']['seconds']:.1f} s, "
            f".h5 {r['h5']['seconds']:.1f} s, default {r['default']['seconds']:.1f} s, "
            f"no checksums {r['h5_no_checksums']['seconds']:.1f} s"
        )
    return {"reps": reps_out}


def perticker1k(root: Path, logs: Path, reps: int) -> dict:
    """cold1k's .h5 targets as one job per ticker per stage (batch_jobs: false), once."""
    work = root / "cold1k"
    tickers = setup(work, 1000, 5)
    r = workflow(  # --config takes every word after it: the targets go first
        work, logs, "cold1k-perticker", *h5_targets(tickers), "--config", "batch_jobs=false"
    )
    progress(f"cold1k per-ticker jobs: {r['seconds']:.1f} s")
    return r


def big10k(root: Path, logs: Path, reps: int) -> dict:
    work = root / "big10k"
    setup(work, 10000, 5)
    p = pool(work, logs)
    progress(f"big10k pool: {p['seconds']:.0f} s")
    cold = workflow(work, logs, "big10k-cold")
    progress(f"big10k cold: {cold['seconds']:.0f} s, peak {cold['peak_mib']:.0f} MiB")
    noops = []
    for _ in range(max(reps, 3)):
        r = workflow(work, logs, "big10k-noop", cold=False)
        if r["jobs"]:
            raise BenchError(f"the no-op at 10,000 ran jobs: {r}")
        noops.append(r)
        progress(f"big10k no-op: {r['seconds']:.1f} s")
    return {"pool": p, "cold": cold, "noop": noops}


def change2k(root: Path, logs: Path, reps: int) -> dict:
    work = root / "change2k"
    tickers = setup(work, 2000, 5)
    cold = workflow(work, logs, "change2k-cold")
    pairs = []
    for i in range(max(reps, 5)):
        noop = workflow(work, logs, "change2k-noop", cold=False)
        if noop["jobs"]:
            raise BenchError(f"the no-op at 2,000 ran jobs: {noop}")
        change_source(work / "sources", tickers[i * 50], i + 1)  # a new batch each time
        changed = snakemake(work, 2, logs / "change2k-change.log")
        pairs.append({"noop_s": noop["seconds"], "change_s": changed["seconds"],
                      "jobs": changed["jobs"]})  # fmt: skip
        progress(f"change2k {i + 1}: {changed['seconds']:.1f} s / {noop['seconds']:.1f} s")
    return {"cold": cold, "pairs": pairs}


def main29(root: Path, logs: Path, reps: int, rev: str = BASE) -> dict:
    base = root / "base-tree"
    if not base.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(base), rev], check=True,
                       cwd=ROOT, capture_output=True)  # fmt: skip
    else:  # a tree left by a run against another revision (bench/nightly.py passes its own)
        subprocess.run(["git", "-C", str(base), "checkout", "--detach", rev], check=True,
                       capture_output=True)  # fmt: skip
    pairs = []
    for rep in range(reps):
        one = {}
        for name, tree in (("base", base), ("now", ROOT)):
            work = root / f"main29-{name}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            os.sync()
            cmd = [SNAKEMAKE, "-s", str(tree / "Snakefile"), "-d", str(work),
                   "--cores", "2", "--configfile", str(tree / "config/config.yaml")]  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(tree / "workflow")}
            t0 = time.perf_counter()
            with open(logs / f"main29-{name}.log", "wb") as fh:
                subprocess.run(cmd, check=True, stdout=fh, stderr=subprocess.STDOUT, env=env)
            one[name] = time.perf_counter() - t0
        pairs.append(one)
        progress(f"main29 {rep + 1}/{reps}: now {one['now']:.1f} s, base {one['base']:.1f}")
    return {"base": rev, "pairs": pairs}


def schedulers(root: Path, logs: Path, reps: int) -> dict:
    work = root / "sched10k"
    setup(work, 10000, 1)
    out = {}
    for name, flags in (
        ("greedy", ["--scheduler", "greedy"]),
        ("subsample100", ["--scheduler", "greedy", "--scheduler-subsample", "100"]),
        ("firstfit", ["--scheduler", "firstfit"]),
    ):
        out[name] = workflow(work, logs, f"sched-{name}", *flags)
        progress(f"schedulers {name}: {out[name]['seconds']:.0f} s")
    return out


def storage(root: Path, logs: Path, reps: int) -> dict:
    work = root / f"s3-{STORAGE_TICKERS}"
    setup(work, STORAGE_TICKERS, 5)
    pairs = []
    with seaweed(root) as (server, bucket):
        server.make_bucket()  # the workflow creates no bucket (it checks it exists)
        env = {**os.environ, **server.env()}
        for rep in range(reps):
            one = {}
            for name, setting in (("per_ticker", "false"), ("batched", "true")):
                clean(work)
                prefix = f"{bucket}/bench-{name}-{rep}-{int(time.time())}"
                r = snakemake(work, 2, logs / f"s3-{name}.log", "--profile",
                              str(ROOT / "profiles/s3"), "--default-storage-prefix",
                              f"s3://{prefix}", "--config", f"batch_jobs={setting}",
                              env=env)  # fmt: skip
                one[name] = {"seconds": r["seconds"], "jobs": sum(r["jobs"].values())}
            pairs.append(one)
            progress(
                f"storage {rep + 1}/{reps}: per-ticker {one['per_ticker']['seconds']:.0f} s, "
                f"batched {one['batched']['seconds']:.0f} s"
            )
    return {"pairs": pairs}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--parts", default=",".join(PARTS))
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--root", type=Path, default=Path("/work/bench-batches"))
    a = p.parse_args(argv)
    a.root.mkdir(parents=True, exist_ok=True)
    logs = a.root / "logs"
    logs.mkdir(exist_ok=True)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    for part in a.parts.split(","):
        results[part] = globals()[part](a.root, logs, a.reps)
        results[part]["measured"] = now()
        OUT.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
