"""Stage 2: synthesize intraday bars from daily quotes, written as JSON lines.

    python -m stockflow.synthesize TICKER IN.csv OUT.json [--days N] [--freq 1min]
        [--session-start 09:00] [--session-end 17:00] [--seed 42]

Per day a random walk of ``TICKS_PER_BAR`` ticks per bar is cut into bars, laid from the day's
open to its close and stretched to touch exactly its high and low, then rounded to the day's
price precision. Each day draws from its own stream seeded by (seed, ticker, date): output is
byte-identical for identical inputs, and editing one day changes only that day's bars. Days are
processed ``CHUNK_DAYS`` at a time (bounded memory) and formatted by ``formats.jsonlines``.
"""

import argparse
import datetime as dt
import os
from dataclasses import dataclass

# No BLAS in this stage: one OpenBLAS thread spares ~50 ms of CPU its idle pool spins at startup.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from stockflow import StockflowError, atomic, cli, defaults, quotes  # noqa: E402
from stockflow.config import session_clock  # noqa: E402
from stockflow.formats import jsonlines  # noqa: E402
from stockflow.nightly import finished, finished_days  # noqa: E402
from stockflow.runlog import joblog  # noqa: E402

TICKS_PER_BAR = 5  # as the lesson: a 12 s walk resampled to 1-minute bars
MAX_DECIMALS = quotes.PRICE_DECIMALS  # sources are rounded to it (stockflow.quotes)
CHUNK_DAYS = 32  # bounds memory and keeps a chunk's working arrays in cache


@dataclass
class Bars:
    timestamp: np.ndarray  # int64 seconds since the epoch
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # int64
    decimals: np.ndarray  # per bar: the prices' decimals (the day's precision)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer, in place: a bijective, well-avalanching 64-bit hash."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def day_seeds(seed: int, ticker: str, dates: list[dt.date]) -> np.ndarray:
    """A 64-bit seed per day from (seed, ticker, date) alone, so days are independent."""
    text = ticker.encode()
    words = np.frombuffer(text.ljust(-(-len(text) // 8) * 8, b"\0"), "<u8")
    h = _mix(np.array([seed % 2**64], np.uint64) + _GOLDEN)
    for w in (np.uint64(len(text)), *words):
        h = _mix(h ^ w)
    ymd = np.array([d.year * 10000 + d.month * 100 + d.day for d in dates], np.uint64)
    return _mix(h ^ ymd)


def uniforms(seeds: np.ndarray, n: int) -> np.ndarray:
    """``n`` floats in [0, 1) per seed: SplitMix64 streams, vectorized over days.

    Cheaper than a numpy Generator per day, and spares importing numpy.random (~8 ms).
    """
    z = seeds[:, None] + np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN
    _mix(z)
    z >>= np.uint64(11)
    return z * 2.0**-53


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
    n_bars = bars_per_day
    n_ticks = n_bars * TICKS_PER_BAR
    if n_ticks < 4:
        raise StockflowError(f"{ticker}: a day needs at least 4 ticks; got {n_ticks}")
    daily = np.array([(q.open, q.high, q.low, q.close) for q in days])
    volume = np.array([q.volume for q in days], dtype=np.int64)
    decimals = price_decimals(daily)

    # One stream per (seed, ticker, date): editing one day changes only that day's bars.
    draws = uniforms(day_seeds(seed, ticker, [q.date for q in days]), n_ticks + n_bars)

    scale = 10.0 ** decimals[:, None]
    ohlc = _walk_bars(draws[:, :n_ticks], n_bars)
    _fit_day(ohlc, *(daily[:, i : i + 1] for i in range(4)))
    _round_and_pin(ohlc, np.rint(daily * scale), scale)
    ohlc /= scale

    day_s = np.array([(q.date - dt.date(1970, 1, 1)).days for q in days], dtype=np.int64) * 86400
    ts = day_s[:, None] + start_s + np.arange(n_bars, dtype=np.int64) * freq_s
    return Bars(
        timestamp=ts.ravel(),
        open=ohlc[0].ravel(),
        high=ohlc[1].ravel(),
        low=ohlc[2].ravel(),
        close=ohlc[3].ravel(),
        volume=_split_volume(volume, draws[:, n_ticks:]).ravel(),
        decimals=np.repeat(decimals, n_bars),
    )


def _walk_bars(steps: np.ndarray, n_bars: int) -> np.ndarray:
    """Open, high, low, close per bar, shape (4, days, bars), of walks from 0 (steps overwritten).

    Centred uniform steps are cheaper to draw than normal ones; summed over ticks they look alike.
    """
    steps -= 0.5
    steps[:, 0] = 0.0
    ticks = np.cumsum(steps, axis=1, out=steps).reshape(len(steps), n_bars, TICKS_PER_BAR)
    ohlc = np.empty((4, len(steps), n_bars))
    ohlc[0], ohlc[3] = ticks[:, :, 0], ticks[:, :, -1]
    np.maximum(ticks[:, :, 0], ticks[:, :, 1], out=ohlc[1])
    np.minimum(ticks[:, :, 0], ticks[:, :, 1], out=ohlc[2])
    for k in range(2, TICKS_PER_BAR):
        np.maximum(ohlc[1], ticks[:, :, k], out=ohlc[1])
        np.minimum(ohlc[2], ticks[:, :, k], out=ohlc[2])
    return ohlc


def _fit_day(ohlc: np.ndarray, o, h, lo, c) -> None:
    """Turn walk bars into bars from the day's open to its close touching its high and low.

    A piecewise-linear path A runs open -> first extreme -> second extreme -> close, through
    knots at bars ``_knots`` places from the walk's own highest and lowest bars. The walk's
    deviation from its own path through those bars (a constant per bar) rides on A, scaled like
    the walk as a whole and squashed smoothly into the room left above and below A
    (x -> R x / (R + x)): no bar leaves [low, high], the path approaches an extreme gently, and
    within a bar the map is increasing, so bar extremes stay extremes. (Stretching only what
    exceeds the open/close band, as the lesson does, can flatten hours of bars against the high.)
    """
    n_days, n_bars = ohlc.shape[1:]
    rows = np.arange(n_days)[:, None]
    hi_first = ohlc[1].argmax(axis=1) <= ohlc[2].argmin(axis=1)
    v_first = np.where(hi_first, h[:, 0], lo[:, 0])
    v_second = np.where(hi_first, lo[:, 0], h[:, 0])
    day_y = np.stack([o[:, 0], v_first, v_second, c[:, 0]], axis=1)
    first, second = _knots(ohlc, hi_first, day_y)
    knots_x = np.stack([np.zeros(n_days), first, second, np.full(n_days, n_bars - 1.0)], axis=1)
    close = ohlc[3]
    walk_y = np.stack(
        [ohlc[0][:, 0], close[rows[:, 0], first], close[rows[:, 0], second], close[:, -1]], axis=1
    )
    x = np.arange(n_bars, dtype=float)
    ohlc -= _polyline(knots_x, walk_y, x)
    anchor = _polyline(knots_x, day_y, x)
    span = ohlc[1].max(axis=1, keepdims=True) - ohlc[2].min(axis=1, keepdims=True)
    ohlc *= (h - lo) / np.where(span > 0, span, 1.0)
    room_up, room_down = h - anchor, anchor - lo
    up = np.maximum(ohlc, 0.0)
    down = np.maximum(-ohlc, 0.0)
    ohlc[:] = anchor
    ohlc += np.divide(room_up * up, room_up + up, out=np.zeros_like(up), where=up > 0)
    ohlc -= np.divide(room_down * down, room_down + down, out=np.zeros_like(down), where=down > 0)


KNOT_SHARE = 0.5  # of the day's bars, shared among A's three legs by the price each travels


def _knots(ohlc: np.ndarray, hi_first: np.ndarray, day_y: np.ndarray):
    """The bars of the day's first and second extreme: the walk's own, moved just enough that
    each leg of A has at least its share of ``KNOT_SHARE`` of the bars, shared by distance.

    A random walk's extremes most likely lie near its ends (the arcsine law); left there, the
    leg from the open to an extreme at bar 0 or 1 (or from bar n-2 to the close) is one bar's
    jump. With every leg this long, A climbs at most 1 / KNOT_SHARE of the day's path per bar
    (well under a walk's own step), and a leg that travels nothing (an open at the high) may
    still be empty.
    """
    last = ohlc.shape[2] - 1
    i_hi, i_lo = ohlc[1].argmax(axis=1), ohlc[2].argmin(axis=1)
    first, second = np.minimum(i_hi, i_lo), np.maximum(i_hi, i_lo)
    legs = np.abs(np.diff(day_y, axis=1))
    path = legs.sum(axis=1, keepdims=True)
    need = np.ceil(KNOT_SHARE * last * legs / np.where(path > 0, path, 1.0)).astype(np.intp)
    need = np.minimum(need, last)  # ceil of three shares can pass the day by a bar or two
    first = np.clip(first, need[:, 0], np.maximum(last - need[:, 2] - need[:, 1], need[:, 0]))
    second = np.clip(second, first + need[:, 1], np.maximum(last - need[:, 2], first + need[:, 1]))
    return first, np.minimum(second, last)


def _polyline(knots_x: np.ndarray, knots_y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per row, the piecewise-linear function through 4 knots (x sorted), evaluated at x."""
    seg = (x > knots_x[:, 1:2]).astype(np.intp) + (x > knots_x[:, 2:3])
    x0 = np.take_along_axis(knots_x, seg, axis=1)
    x1 = np.take_along_axis(knots_x, seg + 1, axis=1)
    y0 = np.take_along_axis(knots_y, seg, axis=1)
    y1 = np.take_along_axis(knots_y, seg + 1, axis=1)
    w = np.divide(x - x0, x1 - x0, out=np.zeros_like(x0), where=x1 > x0)
    return y0 + (y1 - y0) * w


def _round_and_pin(ohlc: np.ndarray, units: np.ndarray, scale: np.ndarray) -> None:
    """Round to the day's decimals (in units of 10**-d) and make the day's OHLC exact.

    ``units`` holds the day's open, high, low, close in those units. Rounding and clipping are
    monotone, so every bar keeps low <= open, close <= high.
    """
    o, h, lo, c = (units[:, i] for i in range(4))
    ohlc *= scale
    np.rint(ohlc, out=ohlc)
    np.clip(ohlc, lo[:, None], h[:, None], out=ohlc)
    rows = np.arange(len(units))
    ohlc[1, rows, ohlc[1].argmax(axis=1)] = h
    ohlc[2, rows, ohlc[2].argmin(axis=1)] = lo
    ohlc[0, :, 0], ohlc[3, :, -1] = o, c  # the first open and the last close
    for bar, price in ((0, o), (-1, c)):
        np.maximum(ohlc[1, :, bar], price, out=ohlc[1, :, bar])
        np.minimum(ohlc[2, :, bar], price, out=ohlc[2, :, bar])


def _split_volume(volume: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Integer volumes per bar, U-shaped over the session, summing exactly to the day's volume.

    Flooring the running total hands each bar the floor or ceiling of its share.
    """
    n_bars = noise.shape[1]
    x = (np.arange(n_bars) + 0.5) / n_bars
    weights = (1.0 + 2.0 * (2.0 * x - 1.0) ** 2) * (0.5 + noise)
    total = np.cumsum(weights, axis=1)
    total *= volume[:, None] / total[:, -1:]
    np.floor(total, out=total)
    total[:, -1] = volume
    np.minimum(total, volume[:, None], out=total)
    return np.diff(total, axis=1, prepend=0.0).astype(np.int64)


def encode(bars: Bars) -> memoryview:
    """Bars as JSON lines in the lesson's shape (formatted by numpy, see jsonlines)."""
    return jsonlines.encode_bars(
        bars.timestamp, bars.open, bars.high, bars.low, bars.close, bars.volume, bars.decimals
    )


def synthesize_file(
    ticker: str,
    src: str,
    out: str,
    days: int,
    freq: str,
    session_start: str,
    session_end: str,
    seed: int,
    keep_dir: str | None = None,
) -> tuple[int, int]:
    """Write ``out`` atomically; return the number of bars and of days made (not reused).

    With ``keep_dir``, days whose quote is unchanged since the last run are copied from the
    output it kept (stockflow.nightly.finished_days): a day's bars depend on its quote and the
    parameters alone, so the file is byte-identical to one made in full.
    """
    n_bars = session_clock.bars_per_day(freq, session_start, session_end)
    history = quotes.read_csv(src, last=days)
    if len(history) < days:
        n = f"{len(history)} day" + ("s" if len(history) != 1 else "")
        cli.warn(f"{ticker}: {src} has {n}, fewer than synth.days={days}; using all")
    chosen = history[-days:]
    freq_s = session_clock.freq_seconds(freq)
    start_s = session_clock.clock_seconds(session_start, "synth.session_start")
    code = finished.code_digest(__file__, jsonlines.__file__)
    key = dict(code=code, ticker=ticker, bars=n_bars, freq=freq_s, start=start_s, seed=seed)
    found = finished.load(keep_dir, out, key)
    kept = finished_days.kept_days(found)
    old = memoryview(found.path.read_bytes() if found else b"")
    pieces, made = [], 0
    with atomic.atomic_path(out) as tmp, open(tmp, "wb") as fh:
        at = 0
        for step in finished_days.plan(chosen, kept, old):
            if step.copy:
                text, copied = finished_days.copied(step, kept, old, at)
                fh.write(text)
                pieces += copied
                at += len(text)
                continue
            for i in range(0, len(step.days), CHUNK_DAYS):
                chunk = step.days[i : i + CHUNK_DAYS]
                text = encode(synthesize_days(chunk, ticker, n_bars, freq_s, start_s, seed))
                fh.write(text)
                pieces += finished_days.made(text, chunk, at)
                at += len(text)
                made += len(chunk)
    finished.keep(keep_dir, out, key, pieces)
    return len(chosen) * n_bars, made


def _keep_freed_memory() -> None:
    """Let glibc keep freed chunks for reuse instead of returning them to the kernel.

    Each chunk allocates the same few MB again; fresh pages cost ~1.5 us each to fault in here,
    which otherwise doubles the formatting time. Memory stays bounded by one chunk's peak.
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD: keep up to 64 MB free at the heap top
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: arrays up to 32 MB come from the heap
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m stockflow.synthesize", description=__doc__)
    p.add_argument("ticker")
    p.add_argument("src", help="normalized daily quotes CSV")
    p.add_argument("out", help="JSON lines of bars")
    d = defaults.SYNTH
    p.add_argument("--days", type=int, default=d["days"])
    p.add_argument("--freq", default=d["freq"])
    p.add_argument("--session-start", default=d["session_start"])
    p.add_argument("--session-end", default=d["session_end"])
    p.add_argument("--seed", type=int, default=d["seed"])
    p.add_argument(
        "--keep-dir",
        help="keep the output here and reuse its unchanged days next time (nightly.finished)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    a = parse_args(argv)
    _keep_freed_memory()
    if a.days <= 0 or a.seed < 0:
        raise StockflowError(f"{a.ticker}: --days must be > 0 and --seed >= 0")
    n, made = synthesize_file(
        a.ticker, a.src, a.out, a.days, a.freq, a.session_start, a.session_end, a.seed, a.keep_dir
    )
    cli.info(f"{a.ticker}: {n} bars -> {a.out} ({made} days made, the others kept)")
    joblog.write(bytes=os.path.getsize(a.out), bars=n, days_made=made)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
