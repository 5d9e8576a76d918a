"""A whole market's day, asked once for every download of a run (a provider's bulk endpoint).

Download jobs are separate processes (one per ticker, or per batch). The first one that needs
a day asks the provider for it, under an exclusive lock, and keeps the answer in
``DIR/<provider>/<day>.json``; the others read it. An answer asked after its day ended (in New
York) is kept for good; one asked on the day itself serves only that day's runs, since the day
may not be over. Jobs that share the directory share the answers: one machine, or a cluster's
nodes on a shared file system (without one, each node asks once).
"""

import datetime as dt
import fcntl
import json
import os

from stockflow import atomic
from stockflow.sources.providers import fetching
from stockflow.sources.providers.base import Row, Window, new_york_today

# Up to this many weekdays missing, a ticker's new days come from the market's days; more (a
# long pause, a new ticker) cost fewer requests as one range per ticker.
MAX_DAYS = 10


def weekdays(win: Window) -> list[dt.date]:
    """The days of ``win`` a market may trade on (holidays answer no bar)."""
    days, day = [], win.start
    while day <= win.end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def rows_for(ticker: str, days: list, settings, opts, directory: str) -> list[Row]:
    """The ticker's bars of ``days`` from the market's answers (raw: checked by the caller)."""
    rows = []
    for day in days:
        bar = market_day(day, settings, opts, directory).get(ticker.lower())
        if bar is not None:
            rows.append(Row(f"market answer of {day}", day, *bar))
    return rows


def market_day(day: dt.date, settings, opts, directory: str) -> dict:
    """{ticker: [open, high, low, close, volume]} of ``day``, asked at most once per run."""
    folder = os.path.join(directory, settings.provider)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{day.isoformat()}.json")
    today = new_york_today().isoformat()
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = _read(path)
        if kept is not None and (kept["asked_on"] > day.isoformat() or kept["asked_on"] == today):
            return kept["rows"]
        got, _ = fetching.fetch_day(day, settings, opts)
        rows = {t: [r.open, r.high, r.low, r.close, r.volume] for t, r in got.items()}
        data = {"day": day.isoformat(), "asked_on": today, "rows": rows}
        atomic.write_bytes(path, json.dumps(data, separators=(",", ":")).encode())
        return rows


def _read(path: str) -> dict | None:
    """A kept answer, or None (none yet; one that does not read back is asked again)."""
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read())
        if isinstance(data.get("rows"), dict) and isinstance(data.get("asked_on"), str):
            return data
    except (OSError, ValueError, AttributeError):
        pass
    return None
