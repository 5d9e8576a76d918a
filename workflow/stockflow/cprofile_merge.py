"""Add up cProfile files, e.g. one per ticker, into one profile per rule.

    python -m stockflow.cprofile_merge OUT.prof IN.prof [IN.prof ...]

Call counts and times are added up function by function (``pstats.Stats.add``); the result
opens in ``snakeviz`` or ``pstats`` like any single profile.
"""

import argparse
import pstats

from stockflow import StockflowError, atomic, cli


def load(path: str) -> pstats.Stats:
    try:
        return pstats.Stats(path)
    except FileNotFoundError:
        raise StockflowError(f"{path}: profile is missing") from None
    except Exception as exc:  # marshal/EOF/type errors: not a pstats file
        raise StockflowError(f"{path}: not a cProfile/pstats file ({exc})") from None


def merge(out: str, inputs: list[str]) -> pstats.Stats:
    """Add up the profiles ``inputs`` and write the sum atomically to ``out``."""
    if not inputs:
        raise StockflowError("merge needs at least one input profile")
    merged = load(inputs[0])
    for path in inputs[1:]:
        merged.add(load(path))
    with atomic.atomic_path(out) as tmp:
        merged.dump_stats(tmp)
    return merged


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stockflow.cprofile_merge", description=__doc__)
    parser.add_argument("out", help="merged profile to write")
    parser.add_argument("inputs", nargs="+", help="profiles to add up")
    args = parser.parse_args(argv)
    merged = merge(args.out, args.inputs)
    cli.info(
        f"merged {len(args.inputs)} profile(s) into {args.out}: "
        f"{merged.total_calls} calls, {merged.total_tt:.3f} s"
    )


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
