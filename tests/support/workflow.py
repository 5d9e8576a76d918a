"""Real Snakemake runs in temporary work directories, and what the tests read from them."""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "Snakefile"
# Set by conftest.py while a plain pytest (the fast tier) runs: it starts no workflow.
FAST_TIER_ENV = "STOCKFLOW_FAST_TIER"


def not_in_fast_tier(what: str = "Snakemake") -> None:
    """Fail a fast-tier test that is about to start the workflow: it belongs to the full suite."""
    if os.environ.get(FAST_TIER_ENV):
        raise AssertionError(
            f"this test starts {what}: mark it workflow (or slurm, storage, root); "
            "a plain pytest is the fast tier, which runs no workflow"
        )


def write_config(workdir: Path, **overrides) -> Path:
    """config/config.yaml in ``workdir``: a small run (few days) unless overridden."""
    cfg = {"tickers": ["aapl", "ibm"], "synth": {"days": 5}}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path = workdir / "config" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg))
    return path


def copy_run(src: Path, dst: Path) -> Path:
    """A copy of a completed run's work directory: its outputs with their mtimes and Snakemake's
    metadata (.snakemake/), so Snakemake finds the copy complete ("Nothing to be done") and a
    test can change it without running the workflow again."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    not_in_fast_tier()
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(SNAKEFILE),
        "-d",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


def snakemake_each(workdirs, *args: str, jobs: int = 4) -> list[subprocess.CompletedProcess]:
    """``snakemake(workdir, *args, check=False)`` in each work directory, ``jobs`` at once: for
    runs that stop early (a config refused in a second or two, mostly Snakemake starting)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda w: snakemake(w, *args, check=False), workdirs))


_JOB = re.compile(r"^(?:local)?rule (\w+):$")
_WILDCARDS = re.compile(r"^\s+wildcards: ticker=(\S+)$")


def jobs_run(output: str) -> Counter:
    """(rule, ticker) of every job Snakemake started, read from its log output."""
    ran: Counter = Counter()
    rule = None
    for line in output.splitlines():
        m = _JOB.match(line)
        if m:
            if rule:
                ran[(rule, None)] += 1
            rule = m.group(1)
            continue
        if rule and not line.startswith(" "):
            ran[(rule, None)] += 1
            rule = None
        elif rule:
            w = _WILDCARDS.match(line)
            if w:
                ran[(rule, w.group(1))] += 1
                rule = None
    if rule:
        ran[(rule, None)] += 1
    return ran


def rules_run(output: str) -> Counter:
    return Counter(rule for rule, _ in jobs_run(output).elements())


def ran(proc: subprocess.CompletedProcess) -> set:
    """(rule, ticker) of the jobs a run started, the target rule ``all`` left out."""
    return {job for job in jobs_run(proc.stderr) if job[0] != "all"}


OHLCV_HEADER = "Date,Open,High,Low,Close,Volume\n"


def ohlcv_body(n_days: int, bump: float = 0.0, bad_line: int | None = None) -> bytes:
    """A daily-quotes CSV as a plain source serves it, one row a day from 2020-01-01; ``bump``
    raises every high (a changed source), ``bad_line`` (1-based, the header is line 1) swaps
    that row's high and low."""
    rows = [OHLCV_HEADER]
    for i in range(n_days):
        o = 100.0 + i
        high, low = o + 2 + bump, o - 1
        if bad_line == i + 2:
            high, low = low, high
        rows.append(f"2020-01-{i + 1:02d},{o},{high},{low},{o + 1},{10000 + i}\n")
    return "".join(rows).encode()
