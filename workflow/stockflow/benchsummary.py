"""The benchmark summary: rule, ticker, seconds, memory and throughput of every data job.

    python -m stockflow.benchsummary OUT.tsv SHARD.tsv...

Every rule the registry summarizes (``stockflow.registry``: the data chain), for every ticker,
from the shards (``stockflow.shard``): seconds, CPU seconds and peak memory from the job's
benchmark, and ``input_mb`` from the result line of its log: the bytes of its work (what a
download or synthesize wrote, what a convert read), so ``mb_per_s`` compares jobs of
different sizes.
"""

import argparse
import statistics

from stockflow import atomic, cli, registry, shard
from stockflow.formats import tsv

COLUMNS = ("rule", "ticker", "seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s")


def summarize(jobs: list[dict], rules: list[registry.Rule] = registry.SUMMARIZED) -> list[dict]:
    """Rows of the summarized rules, rule by rule, tickers in run order."""
    by_rule = tsv.group_by(jobs, "rule")
    table = []
    for rule in rules:
        for job in by_rule.get(rule.name, []):
            size = job["work_bytes"] / 1e6 if job["work_bytes"] is not None else None
            seconds = job["seconds"]
            table.append(
                {
                    "rule": rule.name,
                    "ticker": job["ticker"],
                    "seconds": seconds,
                    "cpu_seconds": job["cpu_seconds"],
                    "max_rss_mb": job["max_rss_mb"],
                    "input_mb": size,
                    "mb_per_s": size / seconds if seconds and size is not None else None,
                }
            )
    return table


def to_tsv(table: list[dict]) -> bytes:
    return tsv.to_tsv(COLUMNS, table)


def describe(table: list[dict]) -> str:
    """Per rule: jobs, median and total seconds, median MB/s."""
    lines = [f"{'rule':<16}{'jobs':>6}{'median s':>11}{'total s':>10}{'median MB/s':>13}"]
    for rule, rows in tsv.group_by(table, "rule").items():
        secs = [r["seconds"] for r in rows if r["seconds"] is not None]
        rates = [r["mb_per_s"] for r in rows if r["mb_per_s"] is not None]
        lines.append(
            f"{rule:<16}{len(rows):>6}{statistics.median(secs) if secs else float('nan'):>11.3f}"
            f"{sum(secs):>10.2f}{statistics.median(rates) if rates else float('nan'):>13.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m stockflow.benchsummary", description=__doc__)
    p.add_argument("out")
    p.add_argument("shards", nargs="+", metavar="SHARD.tsv", help="results/shards/*.tsv")
    a = p.parse_args(argv)
    table = summarize(shard.read(a.shards))
    atomic.write_bytes(a.out, to_tsv(table))
    cli.info(f"{len(table)} benchmarks -> {a.out}\n{describe(table)}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
