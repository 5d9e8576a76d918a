"""Shared plumbing for the stage CLIs: one-line errors, exit codes, optional cProfile, and no
API key in anything a stage prints (stockflow.secrets)."""

import os
import sys
from collections.abc import Callable

from stockflow import StockflowError
from stockflow.cprofile import OUT_ENV as CPROFILE_ENV
from stockflow.secrets import scrub


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a stage's main; a StockflowError or OSError becomes one line on stderr and exit code 1.

    With ``$STOCKFLOW_CPROFILE_OUT`` set, main runs under cProfile (stockflow.cprofile). Any
    other exception prints its traceback, with keys scrubbed, and exit code 1.
    """
    profile_out = os.environ.get(CPROFILE_ENV, "")
    try:
        if profile_out:
            from stockflow.cprofile import run_profiled

            run_profiled(main, argv, profile_out)
            info(f"profile written to {profile_out}")
        else:
            main(argv)
    except StockflowError as exc:
        print(scrub(f"stockflow: error: {exc}"), file=sys.stderr)
        return 1
    except OSError as exc:  # a missing input, a refused write: the message names the file
        print(scrub(f"stockflow: error: {exc}"), file=sys.stderr)
        return 1
    except Exception:
        import traceback

        print(scrub(traceback.format_exc()), file=sys.stderr, end="")
        return 1
    return 0


def warn(message: str) -> None:
    print(scrub(f"stockflow: warning: {message}"), file=sys.stderr)


def info(message: str) -> None:
    print(scrub(f"stockflow: {message}"), file=sys.stderr)
