"""The data jobs of a batch of tickers in one table: times, resources, results (rule "shard").

    python -m stockflow.shard OUT.tsv --anchor FIRST_INPUT --tickers T...

One row per job of the data chain (download, synthesize, convert) of each ticker: seconds, CPU
seconds and peak memory from its benchmark, when it ended (the ``ended`` of its log's result
line, else the benchmark's mtime: Snakemake writes it when the job's process exits) and started
(that minus the benchmarked seconds), the bytes of its work from its log's result
line (``stockflow.runlog.joblog``), and for convert the facts of the ``.h5``. The benchmark summary,
the inventory and the timeline read the shards, not 30,000 files each.
``--anchor``: the shard's first input as the job sees it (its download benchmark of the first
ticker), which tells where the run's files are (the working directory, or a storage copy).
``--batched``: the data stages ran as batch jobs (stockflow.batch): a shard is a batch, and
each ticker's seconds, CPU seconds and peak memory are its own result line's in the batch's
log (the batch's benchmark counts the whole batch), its start that line's end minus its seconds.
"""

import argparse
import os
from dataclasses import dataclass

from stockflow import StockflowError, atomic, cli, registry
from stockflow.formats import tsv
from stockflow.runlog import benchfiles, joblog, schedule

COLUMNS = (
    "rule",
    "ticker",
    "seconds",
    "cpu_seconds",
    "max_rss_mb",
    "work_bytes",
    "start",
    "end",
    "rows",
    "file_bytes",
    "data_bytes",
    "disk_bytes",
    "layout",
)
H5_FACTS = ("rows", "file_bytes", "data_bytes", "disk_bytes", "layout")
NUMBERS = ("seconds", "cpu_seconds", "max_rss_mb", "work_bytes", "start", "end", *H5_FACTS[:-1])


def anchor(tickers: list[str], shard: str = "", batched: bool = False) -> str:
    """The workflow-relative path of a shard's first input."""
    if batched:
        return registry.batch_benchmark("download", shard)
    return registry.RULES["download"].benchmark_of(tickers[0])


def collect_batch(tickers: list[str], shard: str, root: str = ".") -> list[dict]:
    """The rows of a batch's tickers, from the batch logs' per-ticker result lines."""
    rows = []
    results = {}
    for rule in registry.SUMMARIZED:
        log = registry.at(root, registry.batch_log(rule.name, shard))
        try:
            results[rule.name] = joblog.read_all(log)
        except (OSError, ValueError) as exc:
            raise StockflowError(
                f"{rule.name} batch {shard}: no results in {log} ({exc})"
            ) from None
    for ticker in tickers:
        for rule in registry.SUMMARIZED:
            result = results[rule.name].get(ticker)
            if result is None:
                log = registry.batch_log(rule.name, shard)
                raise StockflowError(f"{rule.name} {ticker}: no result line in {log}")
            row = dict.fromkeys(COLUMNS)
            row.update(
                rule=rule.name,
                ticker=ticker,
                seconds=result["seconds"],
                cpu_seconds=result["cpu_seconds"],
                max_rss_mb=result["max_rss_mb"],
                work_bytes=result["bytes"],
                start=result["ended"] - result["seconds"],
                end=result["ended"],
                layout="",
            )
            if rule.name == "convert":
                row.update({k: result[k] for k in H5_FACTS})
            rows.append(row)
    return rows


def collect(tickers: list[str], root: str = ".") -> list[dict]:
    rows = []
    for ticker in tickers:
        for rule in registry.SUMMARIZED:
            bench_path = registry.at(root, rule.benchmark_of(ticker))
            bench = benchfiles.read(bench_path)
            span = benchfiles.span(bench_path) or (None, None)
            row = dict.fromkeys(COLUMNS)
            row.update(
                rule=rule.name,
                ticker=ticker,
                seconds=bench.seconds,
                cpu_seconds=bench.cpu_seconds,
                max_rss_mb=bench.max_rss_mb,
                start=span[0],
                end=span[1],
                layout="",
            )
            if rule.summarized:
                log = registry.at(root, rule.log_of(ticker))
                try:
                    result = joblog.read(log)
                except (OSError, ValueError) as exc:
                    raise StockflowError(
                        f"{rule.name} {ticker}: no result in {log} ({exc})"
                    ) from None
                row["work_bytes"] = result["bytes"]
                if result.get("ended") and bench.seconds is not None:
                    row.update(start=result["ended"] - bench.seconds, end=result["ended"])
                if rule.name == "convert":
                    row.update({k: result[k] for k in H5_FACTS})
            rows.append(row)
    return rows


def read(paths: list[str]) -> list[dict]:
    """The rows of shard files, numbers parsed, in the order given."""
    rows = []
    for path in paths:
        try:
            part = tsv.read_tsv(path)
        except FileNotFoundError:
            raise StockflowError(f"{path}: shard is missing") from None
        if part and "work_bytes" not in part[0]:
            raise StockflowError(f"{path}: not a shard (no work_bytes column)")
        for row in part:
            for key in NUMBERS:
                row[key] = tsv.number(row.get(key))
        rows += part
    return rows


def run_jobs(
    jobs: list[dict], singles: list[str], stages: list[str] = registry.CPROFILED
) -> list[schedule.Job]:
    """The run's jobs with their times: the data chain's from the shards' rows, the others from
    their benchmark files ``singles``, and the cProfile merges of ``stages`` when present."""
    found = [
        schedule.Job(j["rule"], j["ticker"], j["start"], j["end"])
        for j in jobs
        if j["start"] is not None and j["end"] is not None
    ]
    root = "."
    for path in singles:
        rule, value, root = registry.job_of_benchmark(path)
        times = benchfiles.span(path)
        if times is not None:
            found.append(
                schedule.Job(rule.name, value if rule.wildcard == "ticker" else None, *times)
            )
    merge = registry.RULES["cprofile_merge"]
    for stage in stages:
        times = benchfiles.span(registry.at(root, merge.benchmark_of(stage)))
        if times is not None:
            found.append(schedule.Job(merge.name, None, *times))
    return found


@dataclass(frozen=True)
class RunFiles:
    """Where the charts find the jobs of the latest run: the shard files, the other jobs'
    benchmark files and Snakemake's log directory (when the run started)."""

    shards: list[str]
    singles: list[str]
    run_log_dir: str | None = registry.RUN_LOG_DIR

    def latest_run(self) -> tuple[list[schedule.Job], int]:
        """The jobs of the latest run, and how many jobs of earlier runs were left out
        (stockflow.runlog.schedule.latest_run)."""
        jobs = run_jobs(read(self.shards), self.singles)
        return schedule.latest_run(jobs, benchfiles.run_start(self.run_log_dir))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.shard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", help="the shard's TSV")
    p.add_argument("--anchor", required=True, help="the shard's first input, as given")
    p.add_argument("--tickers", nargs="+", required=True)
    p.add_argument("--batched", action="store_true", help="the data stages ran as batch jobs")
    a = p.parse_args(argv)
    shard = os.path.basename(a.out).rsplit(".", 1)[0]
    root = registry.root_of(a.anchor, anchor(a.tickers, shard, a.batched))
    rows = collect_batch(a.tickers, shard, root) if a.batched else collect(a.tickers, root)
    atomic.write_bytes(a.out, tsv.to_tsv(COLUMNS, rows, digits=6))
    cli.info(f"{len(a.tickers)} tickers, {len(rows)} jobs -> {a.out}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
