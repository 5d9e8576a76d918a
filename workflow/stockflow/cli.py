"""Shared plumbing for the stage CLIs: one-line errors and exit codes."""

import sys
from collections.abc import Callable

from stockflow import StockflowError


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a stage's main; a StockflowError becomes one clear line on stderr and exit code 1."""
    try:
        main(argv)
    except StockflowError as exc:
        print(f"stockflow: error: {exc}", file=sys.stderr)
        return 1
    return 0


def warn(message: str) -> None:
    print(f"stockflow: warning: {message}", file=sys.stderr)


def info(message: str) -> None:
    print(f"stockflow: {message}", file=sys.stderr)
