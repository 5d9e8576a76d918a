"""The report's charts, as PNG files (and the benchmark summary as an HTML table).

    python -m stockflow.plots ticker TICKER QUOTES.csv BARS.h5 CLOSE.png DAY.png
    python -m stockflow.plots benchmarks SUMMARY.tsv --shards SHARD.tsv... --singles BENCH.tsv...
        --seconds P --throughput P --memory P --timeline P --table P.html [--run-log-dir DIR]
    python -m stockflow.plots market SUMMARY.tsv --inventory INVENTORY.tsv --shards SHARD.tsv...
        --singles BENCH.tsv... --distributions P --progress P [--run-log-dir DIR]
    python -m stockflow.plots cprofile STAGE MERGED.prof OUT.png

``ticker``: the daily close over the synthesized period and one sample day's bars
(``stockflow.report.per_ticker``). ``benchmarks``: seconds per job by rule, MB/s per ticker for
convert, peak memory per rule, the timeline of the latest run (``stockflow.report.benchmarks``).
``market``: distributions across every ticker and the run's progress
(``stockflow.report.market``). The jobs of the run come from the shards (the data chain) and
the benchmark files of the other jobs (``--singles``). ``cprofile``: where a rule's time goes,
the functions with the most own time in its merged cProfile
(``stockflow.report.where_time_goes``).
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
    c = sub.add_parser("cprofile", help="where a rule's time goes, from its merged cProfile")
    c.add_argument("stage", help="the profiled rule: download, synthesize or convert")
    c.add_argument("profile", help="its merged profile, results/cprofile/STAGE.prof")
    c.add_argument("out", help="PNG: its top functions by own time")
    for name, help_, outs in (
        ("benchmarks", "plots and a table of the benchmark summary", registry.BENCH_OUTPUTS),
        ("market", "distributions across every ticker, the run's progress", registry.MARKET_PLOTS),
    ):
        b = sub.add_parser(name, help=help_)
        b.add_argument("summary", help="results/benchmarks.tsv")
        for out in outs:
            b.add_argument(f"--{out}", required=True, metavar="OUT")
        if name == "market":
            b.add_argument("--inventory", required=True, help="results/inventory.tsv")
        b.add_argument("--shards", nargs="+", required=True, help="results/shards/*.tsv")
        b.add_argument("--singles", nargs="*", default=[], help="benchmark files of the other jobs")
        b.add_argument(
            "--run-log-dir",
            default=registry.RUN_LOG_DIR,
            help="Snakemake's log directory: the timeline starts with this run",
        )
    a = p.parse_args(argv)
    if a.command == "ticker":
        from stockflow.report.per_ticker import plot_ticker

        cli.info(plot_ticker(a.ticker, a.quotes, a.bars, a.close_out, a.day_out))
        return
    if a.command == "cprofile":
        from stockflow.report.where_time_goes import plot_where_time_goes

        cli.info(plot_where_time_goes(a.stage, a.profile, a.out))
        return
    from stockflow.shard import RunFiles

    run = RunFiles(a.shards, a.singles, a.run_log_dir)
    if a.command == "benchmarks":
        from stockflow.report.benchmarks import plot_benchmarks

        outs = {name: getattr(a, name) for name in registry.BENCH_OUTPUTS}
        cli.info(plot_benchmarks(a.summary, outs, run))
    else:
        from stockflow.report.market import plot_market

        outs = {name: getattr(a, name) for name in registry.MARKET_PLOTS}
        cli.info(plot_market(a.summary, a.inventory, outs, run))


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
