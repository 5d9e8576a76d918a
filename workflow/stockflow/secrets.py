"""API keys: read from environment variables named in the config, never written anywhere.

The config, the params, the command lines and the logs hold only the variables' names. A key
read here is registered, and every line a stage prints goes through :func:`scrub` (cli.warn,
cli.info, errors and tracebacks in cli.run): should a key ever be part of a message (a URL in
a library's exception, say), the log shows ``***`` instead.
"""

import os
from urllib.parse import quote, quote_plus

MASK = "***"
_known: set[str] = set()


def check(names: list[str], what: str) -> None:
    """Fail unless every variable in ``names`` is set and not blank (named in the message)."""
    from stockflow import StockflowError

    for name in names:
        if not os.environ.get(name, "").strip():
            state = "is empty" if name in os.environ else "is not set"
            raise StockflowError(
                f"the environment variable {name} {state}; it must hold the {what} "
                f"(its name comes from source.key_env)"
            )


def read(names: list[str], what: str) -> list[str]:
    """The values of ``names`` (checked as :func:`check` does), registered for scrubbing."""
    check(names, what)
    values = [os.environ[name].strip() for name in names]
    for value in values:
        remember(value)
    return values


def remember(value: str) -> None:
    # as given, and as it appears inside a URL's query
    _known.update(v for v in (value, quote(value, safe=""), quote_plus(value)) if v)


def scrub(text: str) -> str:
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


# Executors whose job step logs every environment variable at debug level (--verbose):
# snakemake-executor-plugin-slurm-jobstep 0.6 writes os.environ into .snakemake/slurm_logs.
ENV_DUMPING_EXECUTORS = ("slurm",)


def check_verbose_executor(verbose: bool, executor: str | None, names: list[str]) -> None:
    """Refuse --verbose on an executor that would write the set variables ``names`` to a log."""
    from stockflow import StockflowError

    present = [n for n in names if os.environ.get(n)]
    if verbose and executor in ENV_DUMPING_EXECUTORS and present:
        raise StockflowError(
            f"--verbose with the {executor} executor writes every environment variable into the "
            f"cluster jobs' logs, {', '.join(present)} included (the job step logs os.environ "
            "at debug level); run without --verbose"
        )
