"""Shared plumbing for the stage CLIs: one-line errors, exit codes, optional cProfile, and no
API key in anything a stage prints (stockflow.secrets)."""

import os
import sys
from collections.abc import Callable

from stockflow import StockflowError
from stockflow.runlog.cprofile import OUT_ENV as CPROFILE_ENV
from stockflow.secrets import scrub


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a stage's main; a StockflowError or OSError becomes one line on stderr and exit code 1.

    With ``$STOCKFLOW_CPROFILE_OUT`` set, main runs under cProfile (stockflow.runlog.cprofile). Any
    other exception prints its traceback, with keys scrubbed, and exit code 1.
    """
    return 0 if attempt(main, argv) is None else 1


def attempt(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> str | None:
    """``run``'s work: None when main succeeded, else why it failed in one line (already
    printed, keys scrubbed). A batch job (stockflow.batch) calls it once per ticker."""
    profile_out = os.environ.get(CPROFILE_ENV, "")
    try:
        if profile_out:
            from stockflow.runlog.cprofile import run_profiled

            run_profiled(main, argv, profile_out)
            info(f"profile written to {profile_out}")
        else:
            main(argv)
    except (StockflowError, OSError) as exc:  # an OSError names its file: one line is enough
        line = scrub(f"stockflow: error: {exc}")
        print(line, file=sys.stderr)
        return line[len("stockflow: error: ") :]
    except Exception as exc:
        import traceback

        print(scrub(traceback.format_exc()), file=sys.stderr, end="")
        return scrub(f"{type(exc).__name__}: {exc}")
    return None


def warn(message: str) -> None:
    print(scrub(f"stockflow: warning: {message}"), file=sys.stderr)


def info(message: str) -> None:
    print(scrub(f"stockflow: {message}"), file=sys.stderr)
