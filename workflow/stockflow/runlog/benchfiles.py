"""Snakemake's benchmark files and run logs: what a job took and when it ended.

Snakemake writes a job's benchmark (a TSV whose first data row has ``s``, ``cpu_time``,
``max_rss``, ...) right after the job's process exits, so the file's mtime is when the job
ended and ``s`` how long it ran.
"""

import datetime as dt
import os
from dataclasses import dataclass

from stockflow import StockflowError
from stockflow.formats import tsv


@dataclass(frozen=True)
class Benchmark:
    seconds: float | None
    cpu_seconds: float | None
    max_rss_mb: float | None


def read(path: str) -> Benchmark:
    """The first (usually only) run of a benchmark file; an error if it is missing or foreign."""
    try:
        rows = tsv.read_tsv(path)
    except FileNotFoundError:
        raise StockflowError(f"{path}: benchmark file is missing") from None
    if not rows or "s" not in rows[0]:
        raise StockflowError(f"{path}: not a Snakemake benchmark file (no 's' column)")
    row = rows[0]
    # Snakemake writes NA when a job was too short to sample
    return Benchmark(
        tsv.number(row.get("s")),
        tsv.number(row.get("cpu_time")),
        tsv.number(row.get("max_rss")),
    )


def span(path: str) -> tuple[float, float] | None:
    """(start, end) of the job, as epoch seconds; None without a readable benchmark.

    The end is the file's mtime (a log's would be earlier by the interpreter's shutdown, up to
    0.5 s for matplotlib), the start that minus the benchmarked wall seconds.
    """
    try:
        end = os.stat(path).st_mtime
        seconds = read(path).seconds
    except (FileNotFoundError, StockflowError):
        return None
    return None if seconds is None else (end - seconds, end)


def run_start(log_dir: str | None) -> float | None:
    """When the current Snakemake run started: the time in its log's name (local time).

    Snakemake names each run's log ``.snakemake/log/2026-11-26T025639.646211.snakemake.log``;
    the newest one is the run this job belongs to. None if there is none.
    """
    if not log_dir or not os.path.isdir(log_dir):
        return None
    starts = []
    for name in os.listdir(log_dir):
        if name.endswith(".snakemake.log"):
            try:
                when = dt.datetime.strptime(name.split(".snakemake")[0], "%Y-%m-%dT%H%M%S.%f")
            except ValueError:
                continue
            starts.append(when.timestamp())
    return max(starts) if starts else None
