"""Stage 2: synthesize intraday bars from daily quotes, written as JSON lines.

    python -m stockflow.synthesize TICKER IN.csv OUT.json [--days N] [--freq 1min]
        [--session-start 09:00] [--session-end 17:00] [--seed 42]

Per day a random walk of ``TICKS_PER_BAR`` ticks per bar is pinned to the day's open and close
and stretched to touch exactly its high and low, then rounded to the day's price precision and
cut into bars. Each day draws from its own stream seeded by (seed, ticker, date): output is
byte-identical for identical inputs, and editing one day changes only that day's bars.
"""

import argparse
import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from stockflow import StockflowError, atomic, cli, params, quotes

TICKS_PER_BAR = 5  # as the lesson: a 12 s walk resampled to 1-minute bars
MAX_DECIMALS = 8
CHUNK_DAYS = 256  # bounds memory: ~256 * 2400 ticks * 8 B per working array


@dataclass
class Bars:
    timestamp: np.ndarray  # int64 seconds since the epoch
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # int64


def ticker_key(ticker: str) -> int:
    """A stable 64-bit number per ticker (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(ticker.encode(), digest_size=8).digest(), "little")


def price_decimals(prices: np.ndarray) -> np.ndarray:
    """Per row, the fewest decimals that represent every price of the row exactly."""
    out = np.full(prices.shape[0], MAX_DECIMALS, dtype=np.int64)
    for d in range(MAX_DECIMALS - 1, -1, -1):
        scale = 10.0**d
        exact = np.all(np.rint(prices * scale) / scale == prices, axis=1)
        out[exact] = d
    return out


def synthesize_days(
    days: list[quotes.Quote],
    ticker: str,
    bars_per_day: int,
    freq_s: int,
    start_s: int,
    seed: int,
) -> Bars:
    """Bars for the given days, vectorized across days and bars."""
    n_days, n_bars = len(days), bars_per_day
    n_ticks = n_bars * TICKS_PER_BAR
    if n_ticks < 4:
        raise StockflowError(f"{ticker}: a day needs at least 4 ticks; got {n_ticks}")
    o, h, lo, c = (
        np.array([getattr(q, f) for q in days]) for f in ("open", "high", "low", "close")
    )
    vol = np.array([q.volume for q in days], dtype=np.int64)

    key = ticker_key(ticker)
    steps = np.empty((n_days, n_ticks - 1))
    noise = np.empty((n_days, n_bars))
    for i, q in enumerate(days):
        ymd = q.date.year * 10000 + q.date.month * 100 + q.date.day
        rng = np.random.default_rng([seed, key, ymd])
        rng.standard_normal(out=steps[i])
        noise[i] = rng.lognormal(0.0, 0.5, n_bars)

    ticks = _pinned_walk(steps, o[:, None], h[:, None], lo[:, None], c[:, None])
    ticks = ticks.reshape(n_days, n_bars, TICKS_PER_BAR)

    day_s = np.array([(q.date - dt.date(1970, 1, 1)).days for q in days], dtype=np.int64) * 86400
    ts = day_s[:, None] + start_s + np.arange(n_bars, dtype=np.int64) * freq_s
    return Bars(
        timestamp=ts.ravel(),
        open=ticks[:, :, 0].ravel(),
        high=ticks.max(axis=2).ravel(),
        low=ticks.min(axis=2).ravel(),
        close=ticks[:, :, -1].ravel(),
        volume=_split_volume(vol, noise).ravel(),
    )


def _pinned_walk(steps, o, h, lo, c):
    """Random walks that start at o, end at c, and have max exactly h and min exactly lo."""
    n_days, n = steps.shape[0], steps.shape[1] + 1
    walk = np.zeros((n_days, n))
    np.cumsum(steps, axis=1, out=walk[:, 1:])
    t = np.linspace(0.0, 1.0, n)
    bridge = walk - t * walk[:, -1:]  # 0 at both ends
    span = np.ptp(bridge, axis=1, keepdims=True)
    bridge /= np.where(span > 0, span, 1.0)
    path = o + (c - o) * t + bridge * (h - lo)

    # Stretch the excursions beyond the open/close band onto the day's high and low.
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    up = path - top
    up_max = up.max(axis=1, keepdims=True)
    stretch = np.divide(h - top, up_max, out=np.zeros_like(up_max), where=up_max > 0)
    path = np.where(up > 0, top + up * stretch, path)
    down = bottom - path
    down_max = down.max(axis=1, keepdims=True)
    stretch = np.divide(bottom - lo, down_max, out=np.zeros_like(down_max), where=down_max > 0)
    path = np.where(down > 0, bottom - down * stretch, path)

    # Round like the source, then pin the four prices exactly (rounding is monotone, so the
    # clipped path stays inside [low, high]).
    decimals = price_decimals(np.hstack([o, h, lo, c]))
    scale = (10.0**decimals)[:, None]
    np.clip(path, lo, h, out=path)
    path = np.rint(path * scale) / scale
    np.clip(path, lo, h, out=path)
    rows = np.arange(n_days)
    inner = path[:, 1:-1]
    i_high = 1 + inner.argmax(axis=1)
    i_low = 1 + inner.argmin(axis=1)
    clash = i_high == i_low  # only when the interior is flat
    i_low[clash] = 1 + (i_high[clash] - 1 + (n - 2) // 2) % (n - 2)
    path[rows, i_high] = h[:, 0]
    path[rows, i_low] = lo[:, 0]
    path[:, 0] = o[:, 0]
    path[:, -1] = c[:, 0]
    return path


def _split_volume(volume: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Integer volumes per bar, U-shaped over the session, summing exactly to the day's volume."""
    n_bars = noise.shape[1]
    x = (np.arange(n_bars) + 0.5) / n_bars
    weights = (1.0 + 2.0 * (2.0 * x - 1.0) ** 2) * noise
    share = volume[:, None] * (weights / weights.sum(axis=1, keepdims=True))
    base = np.floor(share).astype(np.int64)
    short = volume - base.sum(axis=1)  # 0 <= short < n_bars
    # Hand the remaining units to the bars with the largest fractional parts.
    order = np.argsort(-(share - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n_bars)[None, :].repeat(len(volume), 0), axis=1)
    return base + (rank < short[:, None])


def write_jsonl(bars: Bars, fh) -> None:
    """Append bars as JSON lines in the lesson's shape, formatted in Arrow (no per-bar Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def num(values: np.ndarray) -> pa.Array:
        text = pc.cast(pa.array(values), pa.string())
        # Keep prices floats in JSON ("458.0", not "458") so every reader infers float64.
        return pc.replace_substring_regex(text, pattern=r"^(-?[0-9]+)$", replacement=r"\1.0")

    stamp = pc.strftime(pa.array(bars.timestamp, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    lines = pc.binary_join_element_wise(
        '{"timestamp": "',
        stamp,
        '", "open": ',
        num(bars.open),
        ', "high": ',
        num(bars.high),
        ', "low": ',
        num(bars.low),
        ', "close": ',
        num(bars.close),
        ', "volume": ',
        pc.cast(pa.array(bars.volume), pa.string()),
        "}\n",
        "",
    )
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    fh.write(memoryview(lines.buffers()[2])[first:last])


def synthesize_file(
    ticker: str,
    src: str,
    out: str,
    days: int,
    freq: str,
    session_start: str,
    session_end: str,
    seed: int,
) -> int:
    """Write ``out`` atomically; return the number of bars."""
    n_bars = params.bars_per_day(freq, session_start, session_end)
    history = quotes.read_csv(src)
    if len(history) < days:
        cli.warn(
            f"{ticker}: {src} has {len(history)} days, fewer than synth.days={days}; using all"
        )
    chosen = history[-days:]
    with atomic.atomic_path(out) as tmp, open(tmp, "wb") as fh:
        for i in range(0, len(chosen), CHUNK_DAYS):
            bars = synthesize_days(
                chosen[i : i + CHUNK_DAYS],
                ticker,
                n_bars,
                params.freq_seconds(freq),
                params.clock_seconds(session_start, "synth.session_start"),
                seed,
            )
            write_jsonl(bars, fh)
    return len(chosen) * n_bars


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m stockflow.synthesize", description=__doc__)
    p.add_argument("ticker")
    p.add_argument("src", help="normalized daily quotes CSV")
    p.add_argument("out", help="JSON lines of bars")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--freq", default="1min")
    p.add_argument("--session-start", default="09:00")
    p.add_argument("--session-end", default="17:00")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args(argv)
    if a.days <= 0 or a.seed < 0:
        raise StockflowError(f"{a.ticker}: --days must be > 0 and --seed >= 0")
    n = synthesize_file(
        a.ticker, a.src, a.out, a.days, a.freq, a.session_start, a.session_end, a.seed
    )
    cli.info(f"{a.ticker}: {n} bars -> {a.out}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
