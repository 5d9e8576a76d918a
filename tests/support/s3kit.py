"""Snakemake runs whose every file lives in the session's S3 bucket (profiles/s3)."""

import itertools
import subprocess
import sys

from support.workflow import SNAKEFILE, not_in_fast_tier

_runs = itertools.count()


def fresh_prefix(name: str) -> str:
    """A path of its own in the bucket, so tests never see each other's objects."""
    return f"{name.replace('_', '-')[:50]}-{next(_runs)}"


def snakemake_s3(
    workdir, s3, prefix, *args, check=True, env=None, profile="s3", bucket="stockflow", timeout=900
):
    not_in_fast_tier()
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir),
        "--cores", "2", "--profile", str(SNAKEFILE.parent / "profiles" / profile),
        "--default-storage-prefix", f"s3://{bucket}/{prefix}", *args,
    ]  # fmt: skip
    env = s3.env() if env is None else env
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc
