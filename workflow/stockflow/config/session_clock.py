"""Parsing and checking of the workflow's parameters (stdlib only: the Snakefile imports this)."""

import re

from stockflow import StockflowError

_FREQ = re.compile(r"^([1-9][0-9]*)(s|min|h)$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_UNIT_SECONDS = {"s": 1, "min": 60, "h": 3600}


def freq_seconds(freq: str) -> int:
    """'1min' -> 60, '30s' -> 30, '1h' -> 3600."""
    m = _FREQ.match(str(freq))
    if not m:
        raise StockflowError(f"synth.freq {freq!r} is not a frequency like '30s', '1min' or '1h'")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def clock_seconds(clock: str, key: str) -> int:
    """'09:30' -> 34200."""
    m = _CLOCK.match(str(clock))
    if not m:
        raise StockflowError(f"{key} {clock!r} is not a time of day like '09:00'")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60


def bars_per_day(freq: str, start: str, end: str) -> int:
    """Bars in one session; the session must hold a whole number of bars."""
    step = freq_seconds(freq)
    begin = clock_seconds(start, "synth.session_start")
    finish = clock_seconds(end, "synth.session_end")
    if finish <= begin:
        raise StockflowError(
            f"synth.session_end {end!r} must be after synth.session_start {start!r}"
        )
    if (finish - begin) % step:
        raise StockflowError(
            f"synth.freq {freq!r} does not divide the session {start}-{end} into whole bars"
        )
    return (finish - begin) // step
