"""Benchmark stockflow against the lesson it grew from; write bench/RESULTS.md.

    .venv/bin/python bench/run.py [--scale default|full|many|all] [--reps 3] [--workdir bench/.work]

Each scale gets its own Snakemake working directory under --workdir whose JSON lines are made by
the workflow itself (``--until synthesize``). Every figure is the median of --reps runs of a
fresh process (imports included) unless a table says otherwise. Contenders run interleaved, rep by
rep, and a ratio is taken between the two runs of the same rep before the median is taken. See
bench/README.md for what each contender is.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import big_file
import convert_scales
import market
import report
import storage
from harness import BENCH, BenchError, command_line, git_revision, now, progress
from machine import machine
from scales import SCALES, Scale
from workdirs import Layout


def smoke(args) -> bool:
    return bool(args.tickers or args.days)


def measure_scale(scale: Scale, args) -> dict:
    """One scale's raw result: what and when, then what its module measured."""
    n = args.tickers or scale.tickers
    days = args.days or scale.days
    lay = Layout(Path(args.workdir).resolve() / (scale.name + ("-smoke" if smoke(args) else "")))
    lay.logs.mkdir(parents=True, exist_ok=True)
    result = {
        "scale": scale.name, "tickers": n, "days": days, "note": scale.note,
        "smoke": smoke(args), "date": now(), "command": command_line(), "reps": args.reps,
        "cores": args.cores, "parallel_convert": None, "git": git_revision(),
    }  # fmt: skip
    if scale.storage:
        result["storage"] = storage.measure(lay.root, lay.logs, args.reps, args.cores, days)
        return result
    if scale.market:
        raw = Path(args.workdir).resolve() / "raw" / f"market{'-smoke' if smoke(args) else ''}.json"
        earlier = json.loads(raw.read_text())["market"] if raw.is_file() else None
        parts = args.market_parts.split(",") if args.market_parts else market.PARTS
        result["market"] = market.measure(
            lay, args.reps, args.cores, smoke=args.tickers, parts=parts, earlier=earlier
        )
        return result
    result.update(convert_scales.measure(scale, lay, n, days, args.reps, args.cores))
    if scale.big:
        result["big"] = big_file.measure(lay, days, args.reps)
    return result


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scale", choices=(*SCALES, "all"), default="default")
    p.add_argument("--reps", type=int, default=3, help="runs per figure (>= 3)")
    p.add_argument("--workdir", default=str(BENCH / ".work"))
    p.add_argument("--cores", type=int, default=2, help="Snakemake --cores, and N at a time")
    p.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    p.add_argument(
        "--market-parts",
        help="with --scale market: only these parts (plan,cold,noop,report,cluster), "
        "the others kept from the last run",
    )
    # Smoke runs: override every scale's size (e.g. --tickers 3 --days 20).
    p.add_argument("--tickers", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--days", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reps < 3:
        p.error("--reps must be >= 3: every figure is a median of at least 3 runs")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    scales = list(SCALES) if args.scale == "all" else [args.scale]
    raw_dir = Path(args.workdir).resolve() / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name in scales:
        t0 = time.perf_counter()
        try:
            result = measure_scale(SCALES[name], args)
        except BenchError as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return 1
        result["elapsed_s"] = time.perf_counter() - t0
        suffix = "-smoke" if smoke(args) else ""
        (raw_dir / f"{name}{suffix}.json").write_text(json.dumps(result, indent=1))
        progress(f"{name}: done in {result['elapsed_s'] / 60:.1f} min")
        # After every scale, so a long run that fails later keeps what it measured.
        results = report.load(raw_dir, list(SCALES), smoke(args))
        if "market" in result and not market.complete(result["market"]):
            progress("market: not every part measured yet; RESULTS.md left as it was")
            continue
        out = Path(args.output)
        text = report.render(machine(), results, smoke(args))
        earlier = out.read_text() if out.is_file() and not smoke(args) else ""
        out.write_text(report.keep_earlier(earlier, text, [r["scale"] for r in results]))
        progress(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
