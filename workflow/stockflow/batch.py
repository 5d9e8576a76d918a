"""One data stage over a batch of tickers, in one process (config ``batch_jobs``).

    python -m stockflow.batch STAGE --tickers T... [--inputs F...] --outputs F...
        [--cprofile P...] -- STAGE_ARG...

A market run of one job per ticker per stage spends most of its time starting Python and
importing numpy, Arrow and PyTables for a tenth of a second of work each. A batch job imports
them once and calls the stage's own ``main`` for each ticker in turn, with the arguments that
ticker's per-ticker job gets (``STAGE_ARG...``: the rule's params, the same tuple), so every
file is the same, byte for byte, and written the same way (atomically, by the stage).

Each ticker's result line (runlog.joblog) carries its name and its own seconds, CPU seconds
and peak memory: the batch's benchmark is per batch, the summaries stay per ticker. A ticker
that fails does not stop the batch: the others are tried, then the job exits 1 with one line
per failed ticker saying why (file and line, as the stage said it).
"""

import argparse
import importlib
import os
import sys

from stockflow import StockflowError, cli
from stockflow.runlog import joblog
from stockflow.runlog.cprofile import OUT_ENV as CPROFILE_ENV

# stage -> (reads an input file, the stage's argv for one ticker)
STAGES = {
    "download": (False, lambda t, src, out, args: [t, out, *args]),
    "synthesize": (True, lambda t, src, out, args: [t, src, out, *args]),
    "convert": (True, lambda t, src, out, args: [src, out, *args]),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.batch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("stage", choices=list(STAGES))
    p.add_argument("--tickers", nargs="+", required=True)
    p.add_argument("--inputs", nargs="*", default=[], help="one per ticker (not for download)")
    p.add_argument("--outputs", nargs="+", required=True, help="one per ticker")
    p.add_argument("--cprofile", nargs="*", default=[], help="one per ticker, or none")
    p.epilog = "-- STAGE_ARG...: the stage's own arguments, after the batch's"
    argv = sys.argv[1:] if argv is None else list(argv)
    # After "--": the stage's own arguments, untouched (they start with dashes too).
    cut = argv.index("--") if "--" in argv else len(argv)
    a = p.parse_args(argv[:cut])
    a.args = argv[cut + 1 :]
    reads, _ = STAGES[a.stage]
    n = len(a.tickers)
    lists = {"--outputs": a.outputs, "--inputs": a.inputs if reads else None}
    if a.cprofile:
        lists["--cprofile"] = a.cprofile
    for flag, values in lists.items():
        if values is not None and len(values) != n:
            raise StockflowError(f"batch {a.stage}: {n} tickers but {len(values)} {flag}")
    if not reads and a.inputs:
        raise StockflowError("batch download: takes no --inputs")
    return a


def run_one(stage: str, main, argv: list[str], profile_out: str) -> str | None:
    """One ticker through the stage's main: None, or why it failed."""
    os.environ[CPROFILE_ENV] = profile_out
    try:
        return cli.attempt(main, argv)
    except SystemExit as exc:  # the stage's argparse refused its arguments
        return f"{stage}: arguments refused (exit {exc.code})"


def main(argv: list[str] | None = None) -> None:
    a = parse_args(argv)
    reads, stage_argv = STAGES[a.stage]
    stage_main = importlib.import_module(f"stockflow.{a.stage}").main
    failed = []
    for i, ticker in enumerate(a.tickers):
        src = a.inputs[i] if reads else None
        joblog.begin(ticker)
        why = run_one(
            a.stage,
            stage_main,
            stage_argv(ticker, src, a.outputs[i], a.args),
            a.cprofile[i] if a.cprofile else "",
        )
        if why is not None:
            failed.append((ticker, why))
    n = len(a.tickers)
    if failed:
        for ticker, why in failed:  # again, together: the batch's verdict, ticker by ticker
            named = why if why.startswith(ticker) else f"{ticker}: {why}"
            print(f"stockflow: error: {named}", file=sys.stderr)
        names = ", ".join(t for t, _ in failed)
        raise StockflowError(f"batch {a.stage}: {len(failed)} of {n} tickers failed ({names})")
    cli.info(f"batch {a.stage}: {n} tickers done")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
