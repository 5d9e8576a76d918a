"""RESULTS.md on the `storage` scale (bench/storage.py): S3 against local, and bytes moved."""

from harness import MIB
from report_format import med


def figures(m: dict) -> dict:
    p = m["pairs"]
    s3 = [x["s3"] for x in p]
    return {
        "local_s": med(x["local"]["seconds"] for x in p),
        "s3_s": med(x["seconds"] for x in s3),
        "ratio": med(x["s3"]["seconds"] / x["local"]["seconds"] for x in p),
        "per_job_s": med((x["s3"]["seconds"] - x["local"]["seconds"]) / x["s3"]["jobs"] for x in p),
        "jobs": s3[0]["jobs"],
        "up_mib": med(x["up_bytes"] for x in s3) / MIB,
        "down_mib": med(x["down_bytes"] for x in s3) / MIB,
        "stored": med(x["stored"] for x in s3),
        "retrieved": med(x["retrieved"] for x in s3),
    }


def targets(res: dict) -> list[list[str]]:
    m = res["storage"]
    f = figures(m)
    what = f"{m['tickers']} tickers x {m['days']} days, cold: S3 (SeaweedFS, loopback) ÷ local"
    return [["storage", what, f"{f['ratio']:.2f}x", "measured (no target)", "—"]]


def section(res: dict) -> list[str]:
    m = res["storage"]
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
