"""The report's charts, as PNG files (and the benchmark summary as an HTML table).

    python -m stockflow.plots ticker TICKER QUOTES.csv BARS.h5 CLOSE.png DAY.png
    python -m stockflow.plots benchmarks SUMMARY.tsv --seconds P --throughput P --memory P
        --timeline P --table P.html --tickers T... [--run-log-dir .snakemake/log]

``ticker``: the daily close over the synthesized period and one sample day's bars
(``stockflow.ticker_charts``). ``benchmarks``: seconds per job by rule, MB/s per ticker for
convert, peak memory per rule, and the timeline of the latest run (``stockflow.bench_charts``);
which jobs the timeline looks for comes from ``stockflow.registry``.
"""

import argparse

from stockflow import cli, registry


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.plots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("ticker", help="daily close and one sample day of one ticker")
    t.add_argument("ticker")
    t.add_argument("quotes", help="normalized daily quotes CSV")
    t.add_argument("bars", help="the ticker's .h5")
    t.add_argument("close_out", help="PNG: daily close over the synthesized period")
    t.add_argument("day_out", help="PNG: one sample day as candlesticks with volume")
    b = sub.add_parser("benchmarks", help="plots and a table of the benchmark summary")
    b.add_argument("summary", help="results/benchmarks.tsv")
    for name in ("seconds", "throughput", "memory", "timeline", "table"):
        b.add_argument(f"--{name}", required=True, metavar="OUT")
    b.add_argument("--tickers", nargs="+", default=[], help="the run's tickers")
    b.add_argument(
        "--run-log-dir",
        default=registry.RUN_LOG_DIR,
        help="Snakemake's log directory: the timeline starts with this run",
    )
    a = p.parse_args(argv)
    if a.command == "ticker":
        from stockflow.ticker_charts import plot_ticker

        cli.info(plot_ticker(a.ticker, a.quotes, a.bars, a.close_out, a.day_out))
    else:
        from stockflow.bench_charts import plot_benchmarks

        cli.info(
            plot_benchmarks(
                a.summary,
                a.seconds,
                a.throughput,
                a.memory,
                a.timeline,
                a.table,
                a.tickers,
                run_log_dir=a.run_log_dir,
            )
        )


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
