"""Shared plumbing for the stage CLIs: one-line errors, exit codes and optional profiling."""

import os
import sys
from collections.abc import Callable

from stockflow import StockflowError

# Set to a path, every stage CLI run through ``run`` writes a cProfile file there (the workflow
# sets it per job when ``profile: true``); empty or unset, nothing is profiled.
PROFILE_ENV = "STOCKFLOW_PROFILE_OUT"


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a stage's main; a StockflowError or OSError becomes one line on stderr and exit code 1.

    With ``$STOCKFLOW_PROFILE_OUT`` set, main runs under cProfile and, if it succeeds, its stats
    are written atomically to that path (``pstats``/``snakeviz`` format).
    """
    profile_out = os.environ.get(PROFILE_ENV, "")
    try:
        if profile_out:
            _profiled(main, argv, profile_out)
        else:
            main(argv)
    except StockflowError as exc:
        print(f"stockflow: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a missing input, a refused write: the message names the file
        print(f"stockflow: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _profiled(main: Callable[[list[str] | None], None], argv: list[str] | None, out: str) -> None:
    import cProfile

    from stockflow import atomic

    profiler = cProfile.Profile()
    profiler.runcall(main, argv)
    with atomic.atomic_path(out) as tmp:
        profiler.dump_stats(tmp)
    info(f"profile written to {out}")


def warn(message: str) -> None:
    print(f"stockflow: warning: {message}", file=sys.stderr)


def info(message: str) -> None:
    print(f"stockflow: {message}", file=sys.stderr)
