"""The `storage` scale: the main job (29 tickers x 365 days) with every file in S3, against local.

A SeaweedFS server on loopback (tests/seaweed.py, the tests' own server) holds the bucket. Each
rep runs the local job and the S3 job (`--profile profiles/s3`, a fresh prefix) cold, one after
the other; the ratio is taken within the rep. Bytes moved are read from Snakemake's log: every
"Storing in storage" and "Retrieving from storage" line, sized by the object it names.
The section of RESULTS.md these raw results make is bench/report_storage.py's.
"""

import re
import time
from pathlib import Path

from harness import ROOT, progress
from s3_server import seaweed
from snakemake_runs import snakemake
from workdirs import cold_embedded

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
    from stockflow.sources.origins import embedded_tickers

    tickers = embedded_tickers()
    pairs = []
    with seaweed(root) as (server, bucket):
        server.make_bucket()
        for rep in range(reps):
            runs = {}
            for kind in ("local", "s3"):
                work = root / f"work-{kind}"
                cold_embedded(work, tickers, days)
                log = logs / f"storage-{kind}.log"
                extra = ()
                if kind == "s3":
                    prefix = f"bench-{int(time.time())}-{rep}"
                    extra = ("--profile", str(ROOT / "profiles/s3"),
                             "--default-storage-prefix", f"s3://{bucket}/{prefix}")  # fmt: skip
                env = server.env() if kind == "s3" else None
                r = snakemake(work, cores, log, *extra, env=env)
                r["jobs"] = sum(r["jobs"].values())
                if kind == "s3":
                    sizes = {f"{prefix}/{k}": v for k, v in server.keys(prefix).items()}
                    r.update(moved(log, sizes), objects=len(sizes))
                runs[kind] = r
            pairs.append(runs)
            progress(
                f"storage: 29 tickers cold, local {runs['local']['seconds']:.1f} s, S3 "
                f"{runs['s3']['seconds']:.1f} s"
            )
    return {"tickers": len(tickers), "days": days, "pairs": pairs}
