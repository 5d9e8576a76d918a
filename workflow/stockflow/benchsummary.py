"""Gather Snakemake benchmark files into one table: rule, ticker, seconds, memory, throughput.

    python -m stockflow.benchsummary OUT.tsv --tickers T... \
        --rule NAME BENCH_TEMPLATE INPUT_TEMPLATE [--rule ...]

Templates hold ``{ticker}``. ``input_mb`` is the size of the file the job read (for a download,
the CSV it wrote), so ``mb_per_s`` compares jobs of different sizes.
"""

import argparse
import csv
import io
import os
import statistics

from stockflow import StockflowError, atomic, cli

COLUMNS = ("rule", "ticker", "seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s")


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # Snakemake writes NA when a job was too short to sample


def read_benchmark(path: str) -> dict:
    """The first (usually only) run of a Snakemake benchmark TSV."""
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except FileNotFoundError:
        raise StockflowError(f"{path}: benchmark file is missing") from None
    if not rows or "s" not in rows[0]:
        raise StockflowError(f"{path}: not a Snakemake benchmark file (no 's' column)")
    return rows[0]


def summarize(tickers: list[str], rules: list[tuple[str, str, str]]) -> list[dict]:
    table = []
    for rule, bench_t, input_t in rules:
        for ticker in tickers:
            row = read_benchmark(bench_t.replace("{ticker}", ticker))
            seconds = _number(row.get("s"))
            size = os.path.getsize(input_t.replace("{ticker}", ticker)) / 1e6
            table.append(
                {
                    "rule": rule,
                    "ticker": ticker,
                    "seconds": seconds,
                    "cpu_seconds": _number(row.get("cpu_time")),
                    "max_rss_mb": _number(row.get("max_rss")),
                    "input_mb": size,
                    "mb_per_s": size / seconds if seconds else None,
                }
            )
    return table


def to_tsv(table: list[dict]) -> bytes:
    out = io.StringIO()
    out.write("\t".join(COLUMNS) + "\n")
    for row in table:
        cells = [
            "NA" if row[c] is None else (f"{row[c]:.4f}" if isinstance(row[c], float) else row[c])
            for c in COLUMNS
        ]
        out.write("\t".join(cells) + "\n")
    return out.getvalue().encode()


def describe(table: list[dict]) -> str:
    """Per rule: jobs, median and total seconds, median MB/s."""
    lines = [f"{'rule':<16}{'jobs':>6}{'median s':>11}{'total s':>10}{'median MB/s':>13}"]
    for rule in dict.fromkeys(r["rule"] for r in table):
        rows = [r for r in table if r["rule"] == rule]
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
    p.add_argument(
        "--rule",
        nargs=3,
        action="append",
        required=True,
        metavar=("NAME", "BENCH_TEMPLATE", "INPUT_TEMPLATE"),
    )
    a = p.parse_args(argv)
    table = summarize(a.tickers, a.rule)
    atomic.write_bytes(a.out, to_tsv(table))
    cli.info(f"{len(table)} benchmarks -> {a.out}\n{describe(table)}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
