"""Download only what is missing: which days a provider is asked for, and the seam.

A provider's download keeps every day it was answered in ``resources.HISTORY_DIR`` (not in the
rule's output, which Snakemake deletes before the job runs) and asks only for the days after the
last one it holds. What it keeps is trimmed to the window a cold download would ask for today,
so after any run of nightly updates the file equals a cold download of the same days. A failed
download leaves a marker whose time the Snakefile puts in the download's parameters, so the
next run asks again (``last_failures``). Stdlib only.
"""

import datetime as dt
import os
from dataclasses import dataclass

from stockflow import StockflowError, quotes, resources
from stockflow.sources.providers.base import Window

# A cold download's first row is the first trading day on or after the window's start, which
# may be days later (a weekend, a holiday, a closed market): within this many days the stored
# history still covers the start. A longer gap (a ticker listed since, or a window made
# longer) is asked for again whole.
COVER_SLACK_DAYS = 7
FAILED_SUFFIX = resources.FAILED_SUFFIX


@dataclass(frozen=True)
class Plan:
    keep: list  # stored quotes that stay
    ask: Window | None  # the days to ask for; None: nothing is missing
    why: str  # for the job's log


def plan(stored: list, wanted: Window, refetch_from: dt.date | None = None) -> Plan:
    """What to keep of ``stored`` and which days to ask for, to hold ``wanted`` whole."""
    if refetch_from is not None and refetch_from <= wanted.start:
        return Plan([], wanted, f"refetch from {refetch_from}: asking for the whole window")
    if not stored:
        return Plan([], wanted, "nothing stored: asking for the whole window")
    if (stored[0].date - wanted.start).days > COVER_SLACK_DAYS:
        return Plan(
            [],
            wanted,
            f"stored quotes start {stored[0].date}, after the window's start {wanted.start}: "
            "asking for the whole window",
        )
    keep = [q for q in stored if q.date >= wanted.start]
    if refetch_from is not None:
        keep = [q for q in keep if q.date < refetch_from]
    if not keep:
        return Plan([], wanted, "no stored day in the window: asking for the whole window")
    last = keep[-1].date
    if last >= wanted.end:
        return Plan(keep, None, f"stored through {last}: nothing missing up to {wanted.end}")
    again = f" (refetching from {refetch_from})" if refetch_from is not None else ""
    ask = Window(last + dt.timedelta(days=1), wanted.end)
    return Plan(keep, ask, f"stored through {last}: asking for {ask.start}..{ask.end}{again}")


def merge(kept: list, new: list, stored_path: str, where: str) -> tuple[list, list[str]]:
    """Kept and new quotes as one series, checked as one file's rows are (a day twice, order,
    gaps): a day of the answer on or before the last kept day is refused, naming both."""
    if kept and new and new[0].date <= kept[-1].date:
        raise StockflowError(
            f"{where}: the answer's first day {new[0].date} is not after the last stored day "
            f"{kept[-1].date} ({stored_path}); expected only days after it"
        )
    labelled = [(f"{stored_path} {q.date}", q) for q in kept]
    labelled += [(f"answer {q.date}", q) for q in new]
    return quotes.check_series(labelled, where)


def mark_failure(history_dir: str, ticker: str) -> None:
    """Record that the ticker's download failed now (an empty file; its time is the record)."""
    os.makedirs(history_dir, exist_ok=True)
    path = os.path.join(history_dir, ticker + FAILED_SUFFIX)
    with open(path, "ab"):
        pass
    os.utime(path)


def last_failures(history_dir: str) -> dict[str, str]:
    """{ticker: "+failed:<time>"} of every download that ever failed, from one directory listing.

    The Snakefile adds it to the download's parameters: a failure changes them, so the next run
    tries the download again; later runs see the same time and leave it alone. Never removed:
    removing it would change the parameters once more and rerun the ticker for nothing.
    """
    try:
        names = os.listdir(history_dir)
    except FileNotFoundError:
        return {}
    out = {}
    for name in names:
        if name.endswith(FAILED_SUFFIX):
            st = os.stat(os.path.join(history_dir, name))
            out[name[: -len(FAILED_SUFFIX)]] = f"+failed:{st.st_mtime_ns}"
    return out
