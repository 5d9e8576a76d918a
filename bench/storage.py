"""The `storage` scale: the main job (29 tickers x 365 days) with every file in S3, against local.

A SeaweedFS server on loopback (tests/seaweed.py, the tests' own server) holds the bucket. Each
rep runs the local job and the S3 job (`--profile profiles/s3`, a fresh prefix) cold, one after
the other; the ratio is taken within the rep. Bytes moved are read from Snakemake's log: every
"Storing in storage" and "Retrieving from storage" line, sized by the object it names.
"""

import re
import sys
import time
from pathlib import Path

import market
import run as harness

sys.path.insert(0, str(harness.ROOT / "tests"))

TRANSFER = re.compile(r"^(Storing in storage|Retrieving from storage): s3://([^/]+)/(\S+)$", re.M)


def moved(log: Path, sizes: dict[str, int]) -> dict:
    up = down = n_up = n_down = 0
    for kind, _bucket, key in TRANSFER.findall(log.read_text(errors="replace")):
        size = sizes.get(key, 0)
        if kind.startswith("Storing"):
            up, n_up = up + size, n_up + 1
        else:
            down, n_down = down + size, n_down + 1
    return {"up_bytes": up, "down_bytes": down, "stored": n_up, "retrieved": n_down}


def measure(root: Path, logs: Path, reps: int, cores: int, days: int) -> dict:
    from seaweed import BUCKET, SeaweedS3
    from stockflow.sources import embedded_tickers

    tickers = embedded_tickers()
    server = SeaweedS3(root / "seaweed")
    server.start()
    pairs = []
    try:
        server.make_bucket()
        for rep in range(reps):
            runs = {}
            for kind in ("local", "s3"):
                work = root / f"work-{kind}"
                market.clean(work)
                harness.write_config(work, tickers, days, None)
                log = logs / f"storage-{kind}.log"
                extra = ()
                if kind == "s3":
                    prefix = f"bench-{int(time.time())}-{rep}"
                    extra = ("--profile", str(harness.ROOT / "profiles/s3"),
                             "--default-storage-prefix", f"s3://{BUCKET}/{prefix}")  # fmt: skip
                env = server.env() if kind == "s3" else None
                r = market.snakemake(work, cores, log, *extra, env=env)
                r["jobs"] = sum(r["jobs"].values())
                if kind == "s3":
                    sizes = {f"{prefix}/{k}": v for k, v in server.keys(prefix).items()}
                    r.update(moved(log, sizes), objects=len(sizes))
                runs[kind] = r
            pairs.append(runs)
            harness.progress(
                f"storage: 29 tickers cold, local {runs['local']['seconds']:.1f} s, S3 "
                f"{runs['s3']['seconds']:.1f} s"
            )
    finally:
        server.stop()
    return {"tickers": len(tickers), "days": days, "pairs": pairs}


def _med(xs) -> float:
    import statistics

    return statistics.median(list(xs))


def figures(m: dict) -> dict:
    p = m["pairs"]
    s3 = [x["s3"] for x in p]
    return {
        "local_s": _med(x["local"]["seconds"] for x in p),
        "s3_s": _med(x["seconds"] for x in s3),
        "ratio": _med(x["s3"]["seconds"] / x["local"]["seconds"] for x in p),
        "per_job_s": _med(
            (x["s3"]["seconds"] - x["local"]["seconds"]) / x["s3"]["jobs"] for x in p
        ),
        "jobs": s3[0]["jobs"],
        "up_mib": _med(x["up_bytes"] for x in s3) / harness.MIB,
        "down_mib": _med(x["down_bytes"] for x in s3) / harness.MIB,
        "stored": _med(x["stored"] for x in s3),
        "retrieved": _med(x["retrieved"] for x in s3),
    }


def targets(m: dict) -> list[list[str]]:
    f = figures(m)
    what = f"{m['tickers']} tickers x {m['days']} days, cold: S3 (SeaweedFS, loopback) ÷ local"
    return [["storage", what, f"{f['ratio']:.2f}x", "measured (no target)", "—"]]


def section(m: dict) -> list[str]:
    f = figures(m)
    return [
        f"### The main job through S3: {m['tickers']} tickers x {m['days']} days, cold, in pairs",
        "",
        "| pairs | local median s | S3 median s | S3 ÷ local (pairwise) | extra s per job | jobs "
        "| stored MiB (objects) | retrieved MiB (objects) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(m['pairs'])} | {f['local_s']:.1f} | {f['s3_s']:.1f} | {f['ratio']:.2f}x | "
        f"{f['per_job_s']:.2f} | {f['jobs']} | {f['up_mib']:.0f} ({f['stored']:.0f}) | "
        f"{f['down_mib']:.0f} ({f['retrieved']:.0f}) |",
        "",
        "Every output, log and benchmark is uploaded once, after its job (`Storing in "
        "storage`); an input is downloaded only when no local copy of it is left from the job "
        "that wrote it in the same run (`Retrieving from storage`). The S3 server runs on the "
        "same 2 cores as the jobs. Snakemake checks each output's existence and mtime in the "
        "bucket before the run (one request each) and uploads after each job: that, not the "
        "bytes, is the extra cost per job on loopback.",
        "",
    ]
