"""Synthesize by day, making only the days whose quote changed since the last run.

A day's bars depend on (seed, ticker, date, the day's quote, the parameters) alone, so a day
whose quote is unchanged is copied, as bytes, from the JSON the last run kept
(nightly.finished); the others are made. The parameters and the code's digest are in the keep's
key; the quote is in each day's piece. A copied day's bytes must still match their CRC-32: a
kept file edited in place has its damaged days made again. Stdlib only.
"""

from typing import NamedTuple

from stockflow import quotes
from stockflow.nightly import finished

_LINE = b'{"timestamp": "'


class DayPiece(NamedTuple):
    """A day of the JSON as its index records it."""

    date: str  # ISO date
    quote: str  # what the day was made from (day_key)
    start: int  # byte offsets of the day's lines in the file
    end: int
    crc: int  # CRC-32 of those bytes


class Step(NamedTuple):
    """Days in file order that are all copied (lying together in the kept file) or all made."""

    copy: bool
    days: list  # quotes.Quote


def day_key(q: quotes.Quote) -> str:
    """What a day's bars are made from, besides the run's parameters (repr: exact floats)."""
    return f"{q.open!r},{q.high!r},{q.low!r},{q.close!r},{q.volume}"


def kept_days(found: finished.Kept | None) -> dict[str, DayPiece]:
    """The kept file's days by date."""
    return {p.date: p for p in map(DayPiece._make, found.pieces)} if found else {}


def plan(chosen: list[quotes.Quote], kept: dict[str, DayPiece], old: memoryview) -> list[Step]:
    """The days in order as steps: copy the days whose quote is unchanged and whose bytes are
    intact, make the others."""
    steps: list[Step] = []
    for q in chosen:
        k = kept.get(q.date.isoformat())
        if k and k.quote == day_key(q) and finished.crc(old[k.start : k.end]) == k.crc:
            prev = steps[-1] if steps and steps[-1].copy else None
            if prev and kept[prev.days[-1].date.isoformat()].end == k.start:
                prev.days.append(q)
            else:
                steps.append(Step(True, [q]))
        elif steps and not steps[-1].copy:
            steps[-1].days.append(q)
        else:
            steps.append(Step(False, [q]))
    return steps


def copied(step: Step, kept: dict[str, DayPiece], old: memoryview, at: int):
    """The bytes of a copy step, and its days' pieces where they now lie (from offset ``at``)."""
    days = [kept[q.date.isoformat()] for q in step.days]
    pieces = []
    for k in days:
        pieces.append(k._replace(start=at, end=at + k.end - k.start))
        at += k.end - k.start
    return old[days[0].start : days[-1].end], pieces


def made(text: memoryview, days: list[quotes.Quote], at: int) -> list[DayPiece]:
    """The pieces of freshly formatted ``text`` holding ``days`` whole, written at ``at``."""
    starts = day_starts(text, days)
    return [
        DayPiece(q.date.isoformat(), day_key(q), at + a, at + b, finished.crc(text[a:b]))
        for q, a, b in zip(days, starts, [*starts[1:], len(text)], strict=True)
    ]


def day_starts(text: memoryview, days: list[quotes.Quote]) -> list[int]:
    """Where each day's first line starts in ``text`` (days in order, each a whole day)."""
    data, starts, at = bytes(text), [], 0
    for q in days:
        at = data.find(_LINE + q.date.isoformat().encode(), at)
        if at < 0:
            raise AssertionError(f"{q.date}: no bars in the formatted text")
        starts.append(at)
    return starts
