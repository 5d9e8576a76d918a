"""Gather Snakemake benchmark files into one table: rule, ticker, seconds, memory, throughput.

    python -m stockflow.benchsummary OUT.tsv --tickers T...

Every rule the registry summarizes (``stockflow.registry``: the data chain), for every ticker.
``input_mb`` is the size of the file that measures the job's work (for a download, the CSV it
wrote), so ``mb_per_s`` compares jobs of different sizes.
"""

import argparse
import os
import statistics

from stockflow import atomic, benchfiles, cli, registry, tabular

COLUMNS = ("rule", "ticker", "seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s")


def summarize(tickers: list[str], rules: list[registry.Rule] = registry.SUMMARIZED) -> list[dict]:
    table = []
    for rule in rules:
        for ticker in tickers:
            bench = benchfiles.read(rule.benchmark_of(ticker))
            size = os.path.getsize(rule.work.replace("{ticker}", ticker)) / 1e6
            table.append(
                {
                    "rule": rule.name,
                    "ticker": ticker,
                    "seconds": bench.seconds,
                    "cpu_seconds": bench.cpu_seconds,
                    "max_rss_mb": bench.max_rss_mb,
                    "input_mb": size,
                    "mb_per_s": size / bench.seconds if bench.seconds else None,
                }
            )
    return table


def to_tsv(table: list[dict]) -> bytes:
    return tabular.to_tsv(COLUMNS, table)


def describe(table: list[dict]) -> str:
    """Per rule: jobs, median and total seconds, median MB/s."""
    lines = [f"{'rule':<16}{'jobs':>6}{'median s':>11}{'total s':>10}{'median MB/s':>13}"]
    for rule, rows in tabular.group_by(table, "rule").items():
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
    p.add_argument("--tickers", nargs="+", required=True)
    a = p.parse_args(argv)
    table = summarize(a.tickers)
    atomic.write_bytes(a.out, to_tsv(table))
    cli.info(f"{len(table)} benchmarks -> {a.out}\n{describe(table)}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
