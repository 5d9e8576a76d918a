"""Property-based faults: hypothesis generates the inputs, the real code must keep its promises.

For any valid daily OHLCV row the synthesized bars keep every invariant of that day; for any bar
set the converter accepts, JSON lines -> HDF5 -> ``pandas.read_hdf`` gives back exactly the
lesson's DataFrame of those bars; what it cannot store it must refuse with a clear error.

Every property runs with ``derandomize=True`` (which also turns the example database off): the
examples follow from the test's source alone, so CI runs the same cases on every machine and a
failure found there reproduces locally. The ``@given`` functions live inside ordinary tests,
which take the ``fault_ledger`` fixture (a function-scoped fixture on a ``@given`` test would
be shared by all its examples), count the examples the property ran and record them.
"""

import datetime as dt
import json
import math
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stockflow import StockflowError, convert, quotes, synthesize
from stockflow.config import session_clock
from stockflow.formats import jsonlines

FAULT_CLASS = "property-based (hypothesis)"
PRICES = ("open", "high", "low", "close")
EPOCH = dt.datetime(1970, 1, 1)


def hold(ledger, case: str, prop, ran: list[int], unit: str, at_least: int) -> None:
    """Run a property, record how many examples it held for (or failed after), then check."""
    try:
        prop()
    except BaseException:
        ledger.record(FAULT_CLASS, case, f"FAILED after {ran[0]} {unit}", 0, 1)
        raise
    ledger.record(FAULT_CLASS, case, f"held for {ran[0]} {unit}", 0, 0)
    assert ran[0] >= at_least, f"only {ran[0]} {unit}: the property ran almost vacuously"


# --- synthesis -----------------------------------------------------------------------------------

# (freq, session start, session end), each dividing its session evenly: the usual layouts and
# days of 1, 2 and 3 bars, where the day's extremes must share bars with its open and close.
LAYOUTS = [
    ("30s", "09:30", "16:00"),
    ("1min", "09:00", "17:00"),
    ("5min", "09:00", "17:00"),
    ("15min", "09:30", "16:00"),
    ("1h", "00:00", "23:00"),
    ("1s", "09:30", "09:35"),
    ("1h", "10:00", "11:00"),
    ("30min", "09:30", "10:30"),
    ("20min", "09:00", "10:00"),
]
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
TICKERS = st.text(string.ascii_lowercase + ".-", min_size=1, max_size=12)
SEEDS = st.integers(0, 2**63 - 1)


@st.composite
def daily_rows(draw, date: dt.date | None = None) -> quotes.Quote:
    """A valid day: prices of 0..4 decimals in [0.01, 1e5], open and close within [low, high]."""
    unit = 10 ** draw(st.integers(0, 4))
    top = 10**5 * unit
    low = draw(st.integers(max(1, unit // 100), top))
    # Mostly narrow days, as markets have, but wide and flat (high == low) ones too.
    high = low + draw(st.integers(0, min(top - low, max(low // 20, 1))) | st.integers(0, top - low))
    inside = st.sampled_from([low, high]) | st.integers(low, high)  # extremes at open/close
    o, c = draw(inside), draw(inside)
    day = draw(DATES) if date is None else date
    # int / int is correctly rounded: the same float as parsing the decimal text.
    return quotes.Quote(
        day, o / unit, high / unit, low / unit, c / unit, draw(st.integers(0, 10**10))
    )


@st.composite
def histories(draw) -> list[quotes.Quote]:
    """Days in date order with gaps of 1 (consecutive days) to 400 days."""
    first = draw(st.dates(dt.date(1900, 1, 1), dt.date(2090, 12, 31)))
    gaps = draw(st.lists(st.integers(1, 400), min_size=1, max_size=7))
    dates = [first + dt.timedelta(days=sum(gaps[:i])) for i in range(len(gaps) + 1)]
    return [draw(daily_rows(date=d)) for d in dates]


def layout_numbers(layout) -> tuple[int, int, int, int]:
    freq, start, end = layout
    return (
        session_clock.bars_per_day(freq, start, end),
        session_clock.freq_seconds(freq),
        session_clock.clock_seconds(start, "start"),
        session_clock.clock_seconds(end, "end"),
    )


def synth(days, ticker, seed, layout) -> synthesize.Bars:
    n_bars, freq_s, start_s, _ = layout_numbers(layout)
    return synthesize.synthesize_days(days, ticker, n_bars, freq_s, start_s, seed)


def day_decimals(q: quotes.Quote) -> int:
    """The day's precision by Python's own rounding, independent of synthesize.price_decimals."""
    prices = (q.open, q.high, q.low, q.close)
    return next(d for d in range(16) if all(round(p, d) == p for p in prices))


def check_day(bars: synthesize.Bars, i: int, q: quotes.Quote, layout) -> None:
    """Every invariant of day ``i`` of ``bars``, whose daily row is ``q``."""
    n_bars, freq_s, start_s, end_s = layout_numbers(layout)
    day = slice(i * n_bars, (i + 1) * n_bars)
    ts, volume = bars.timestamp[day], bars.volume[day]
    o, h, lo, c = (getattr(bars, p)[day] for p in PRICES)
    assert len(ts) == n_bars and all(len(p) == n_bars for p in (o, h, lo, c, volume))
    # On the freq, from the session's start to its end, on that date.
    midnight = (q.date - EPOCH.date()).days * 86400
    assert ts.dtype == np.int64
    assert ts[0] == midnight + start_s and ts[-1] + freq_s == midnight + end_s
    assert (np.diff(ts) == freq_s).all()
    # Every bar is a bar, inside the day's range.
    assert (lo <= np.minimum(o, c)).all() and (np.maximum(o, c) <= h).all()
    assert (q.low <= lo).all() and (h <= q.high).all()
    # The day's own figures come back exactly.
    assert o[0] == q.open and c[-1] == q.close
    assert h.max() == q.high and lo.min() == q.low
    assert volume.dtype == np.int64 and (volume >= 0).all()
    assert sum(volume.tolist()) == q.volume
    # No bar carries more decimals than its day.
    d = day_decimals(q)
    assert (bars.decimals[day] == d).all()
    for p in (o, h, lo, c):
        assert all(round(x, d) == x for x in set(p.tolist())), (d, p)


def assert_same_bars(a: synthesize.Bars, b: synthesize.Bars, b_rows=slice(None)) -> None:
    for name in ("timestamp", *PRICES, "volume", "decimals"):
        x, y = getattr(a, name), getattr(b, name)[b_rows]
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def test_synthesized_bars_keep_every_invariant_of_their_day(fault_ledger):
    ran = [0]

    @settings(max_examples=1000, deadline=None, derandomize=True)
    @given(q=daily_rows(), layout=st.sampled_from(LAYOUTS), ticker=TICKERS, seed=SEEDS)
    def prop(q, layout, ticker, seed):
        ran[0] += 1
        # Valid by the project's own rules (warnings aside): it survives the normalized CSV.
        assert quotes.parse(quotes.to_csv([q]), "ohlcv", "generated")[0] == [q]
        bars = synth([q], ticker, seed, layout)
        check_day(bars, 0, q, layout)
        assert_same_bars(bars, synth([q], ticker, seed, layout))  # deterministic

    hold(fault_ledger, "synthesized bars keep every invariant", prop, ran, "generated days", 500)


@st.composite
def source_rows(draw) -> quotes.Quote:
    """A source day with any positive prices, any number of decimals (0.30000000000000004)."""
    # Up to 1e6 (dearer than any share traded): 8 decimals of it still fit a float exactly.
    prices = sorted(draw(st.lists(st.floats(1e-6, 1e6), min_size=4, max_size=4)))
    o, c = draw(st.permutations(prices[1:3]))
    return quotes.Quote(draw(DATES), o, prices[3], prices[0], c, draw(st.integers(0, 10**10)))


def test_source_prices_of_any_precision_give_bars_true_to_the_parsed_day(fault_ledger):
    """Prices are rounded to PRICE_DECIMALS when parsed (with a warning), never later: the bars
    then keep every invariant of the day as the normalized CSV holds it."""
    ran = [0]

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(q=source_rows(), layout=st.sampled_from(LAYOUTS), seed=SEEDS)
    def prop(q, layout, seed):
        ran[0] += 1
        (p,), warnings = quotes.parse(quotes.to_csv([q]), "ohlcv", "generated")
        for name in PRICES:
            # Half a unit of the 8th decimal, plus the float error of scaling by 1e8.
            want = getattr(q, name)
            assert abs(getattr(p, name) - want) <= 0.5e-8 + 4 * math.ulp(want)
        assert any("decimals" in w for w in warnings) == (p != q)
        check_day(synth([p], "x", seed, layout), 0, p, layout)

    hold(
        fault_ledger,
        "source prices of any precision: bars true to the day",
        prop,
        ran,
        "generated days",
        150,
    )


def test_days_synthesized_together_equal_each_day_alone(fault_ledger):
    ran = [0]

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(days=histories(), layout=st.sampled_from(LAYOUTS), ticker=TICKERS, seed=SEEDS)
    def prop(days, layout, ticker, seed):
        ran[0] += len(days)
        together = synth(days, ticker, seed, layout)
        n_bars = layout_numbers(layout)[0]
        for i, q in enumerate(days):
            check_day(together, i, q, layout)
            alone = synth([q], ticker, seed, layout)
            assert_same_bars(alone, together, slice(i * n_bars, (i + 1) * n_bars))

    hold(fault_ledger, "days synthesized together equal each alone", prop, ran, "days", 400)


# --- JSON lines -> HDF5 -> read_hdf --------------------------------------------------------------

# datetime64[ns] spans 1677-09-21 00:12:43.15 .. 2262-04-11 23:47:16.85: these whole seconds.
NS_MIN_S, NS_MAX_S = -9_223_372_036, 9_223_372_036
YEAR_1_S = int((dt.datetime(1, 1, 1) - EPOCH).total_seconds())
YEAR_9999_END_S = int((dt.datetime(9999, 12, 31, 23, 59, 59) - EPOCH).total_seconds())
# Any timestamp order: the converter takes bars as they come, unsorted and repeated.
STAMPS = st.integers(NS_MIN_S, NS_MAX_S)
CONFIGS = [(fmt, threads) for fmt in ("fixed", "table") for threads in (1, 2)]
# encode_bars scales prices beyond ~1e293 past float64 (and then writes them by repr, correctly).
OVERFLOW_OK = pytest.mark.filterwarnings("ignore:overflow encountered in multiply:RuntimeWarning")


@st.composite
def plain_price(draw) -> tuple[float, int]:
    """A price as synthesize hands it to encode_bars (finite, >= 0) with a row's decimals.

    Mostly rounded to those decimals (the fast path); otherwise any value (the repr fallback).
    """
    d = draw(st.integers(0, jsonlines.MAX_DECIMALS))
    x = abs(draw(st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)))
    if draw(st.booleans()):
        with np.errstate(over="ignore"):
            r = float(np.rint(x * 10.0**d) / 10.0**d)
        x = r if np.isfinite(r) else x
    return x, d


@st.composite
def bar_sets(draw, plain: bool, max_size: int = 30) -> dict:
    """Columns of bars. ``plain``: what encode_bars takes (prices finite and >= 0, volumes >= 0,
    decimals per row); else anything JSON and the converter take: prices of every float64
    (NaN, infinities, -0.0, subnormals, negative), volumes of the whole int64 range.
    """
    n = draw(st.integers(1, max_size))
    bars = {"timestamp": draw(st.lists(STAMPS, min_size=n, max_size=n))}
    if plain:
        rows = draw(
            st.lists(st.lists(plain_price(), min_size=4, max_size=4), min_size=n, max_size=n)
        )
        for k, name in enumerate(PRICES):
            bars[name] = [row[k][0] for row in rows]
        # encode_bars takes one precision per row: the finest of the row's four prices.
        bars["decimals"] = [max(d for _, d in row) for row in rows]
        volumes = st.integers(0, 2**63 - 1)
    else:
        for name in PRICES:
            bars[name] = draw(st.lists(st.floats(), min_size=n, max_size=n))
        volumes = st.integers(-(2**63), 2**63 - 1)
    bars["volume"] = draw(st.lists(volumes, min_size=n, max_size=n))
    return bars


def plain_or_any(max_size: int = 30):
    return st.tuples(st.just(True), bar_sets(True, max_size)) | st.tuples(
        st.just(False), bar_sets(False, max_size)
    )


def stamp(seconds: int, sep: str = " ") -> str:
    return (EPOCH + dt.timedelta(seconds=seconds)).isoformat(sep=sep)


def records(bars: dict, sep: str = " ") -> list[dict]:
    """The bars as json.loads reads their lines back, keys in the converter's column order."""
    return [
        {
            "timestamp": stamp(t, sep),
            **{name: float(bars[name][i]) for name in PRICES},
            "volume": int(bars["volume"][i]),
        }
        for i, t in enumerate(bars["timestamp"])
    ]


def dumps_lines(bars: dict, sep: str = " ") -> bytes:
    """The lesson's writer: json.dumps per record."""
    return "".join(json.dumps(r) + "\n" for r in records(bars, sep)).encode()


def encoded_lines(bars: dict) -> bytes:
    """The workflow's writer."""
    prices = (np.array(bars[name], np.float64) for name in PRICES)
    return bytes(
        jsonlines.encode_bars(
            np.array(bars["timestamp"], np.int64),
            *prices,
            np.array(bars["volume"], np.int64),
            np.array(bars["decimals"]),
        )
    )


def frame(recs: list[dict]) -> pd.DataFrame:
    """The lesson's DataFrame: a frame of json.loads records, timestamps parsed to ns."""
    df = pd.DataFrame(recs)
    df["timestamp"] = pd.to_datetime(df["timestamp"]).astype("datetime64[ns]")
    return df


def lesson(path: Path) -> pd.DataFrame:
    with open(path) as f:
        return frame([json.loads(line) for line in f])


def assert_exactly(got: pd.DataFrame, want: pd.DataFrame) -> None:
    # HDF5 reads back an Index of int64 (so does pandas' own to_hdf): "equiv" to a RangeIndex.
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type="equiv")
    for name in PRICES:  # bit for bit: -0.0 stays -0.0 (== would not tell), NaN stays NaN
        a, b = got[name].to_numpy(), want[name].to_numpy()
        nan = np.isnan(b)
        assert np.array_equal(np.isnan(a), nan), name
        assert np.array_equal(a[~nan].view(np.int64), b[~nan].view(np.int64)), name


@OVERFLOW_OK
def test_json_lines_to_hdf5_round_trip_exactly(fault_ledger, tmp_path):
    ran, conversions = [0], [0]

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(case=plain_or_any(), sep=st.sampled_from([" ", "T"]))
    def prop(case, sep):
        ran[0] += 1
        plain, bars = case
        files = {"dumps.json": dumps_lines(bars, sep)}
        if plain:
            files = {"dumps.json": dumps_lines(bars), "encode_bars.json": encoded_lines(bars)}
            sep = " "
        want = frame(records(bars, sep))
        with tempfile.TemporaryDirectory(dir=tmp_path) as d:
            for name, text in files.items():
                src = Path(d) / name
                src.write_bytes(text)
                assert_exactly(lesson(src), want)  # the lines carry the values
                for fmt, threads in CONFIGS:
                    out = Path(d) / f"{fmt}-{threads}.h5"
                    n = convert.convert_file(str(src), str(out), fmt, threads=threads)
                    assert n == len(want)
                    assert_exactly(pd.read_hdf(out, "data"), want)
                    conversions[0] += 1

    hold(fault_ledger, "JSON -> HDF5 -> read_hdf round-trips exactly", prop, ran, "bar sets", 75)
    assert conversions[0] >= 4 * ran[0]


@OVERFLOW_OK
def test_several_blocks_round_trip_exactly(fault_ledger, tmp_path):
    """A small memory budget: the file streams through in blocks cut at arbitrary rows."""
    ran = [0]
    budget_mb = 16
    block = convert.block_bytes(budget_mb)

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(
        case=plain_or_any(20),
        fmt=st.sampled_from(["fixed", "table"]),
        threads=st.sampled_from([1, 2]),
    )
    def prop(case, fmt, threads):
        ran[0] += 1
        plain, bars = case
        text = encoded_lines(bars) if plain else dumps_lines(bars)
        copies = -(-(2 * block + block // 2) // len(text))  # about 2.5 blocks
        want = pd.concat([frame(records(bars))] * copies, ignore_index=True)
        with tempfile.TemporaryDirectory(dir=tmp_path) as d:
            src, out = Path(d) / "bars.json", Path(d) / "bars.h5"
            src.write_bytes(text * copies)
            assert src.stat().st_size > 2 * block  # several blocks
            n = convert.convert_file(str(src), str(out), fmt, threads=threads, memory_mb=budget_mb)
            assert n == len(want)
            assert_exactly(pd.read_hdf(out, "data"), want)

    hold(fault_ledger, "a file of several blocks round-trips exactly", prop, ran, "bar sets", 12)


# Values the HDF5 columns cannot hold. Found by this suite: timestamps are stored as int64
# nanoseconds (1677-09-21 .. 2262-04-11), and "fixed" used to multiply seconds by 1e9 with silent
# wraparound (2300-01-01 09:00:00 read back as 1715-06-13 09:25:26.290448384) while "table"
# crashed with pandas' OutOfBoundsDatetime.
OUT_OF_RANGE = {
    "volume": (st.integers(2**63, 2**80) | st.integers(-(2**80), -(2**63) - 1), str, 30),
    "timestamp": (
        st.integers(YEAR_1_S, NS_MIN_S - 1) | st.integers(NS_MAX_S + 1, YEAR_9999_END_S),
        stamp,
        20,
    ),
}


@pytest.mark.parametrize("column", OUT_OF_RANGE)
def test_values_hdf5_cannot_hold_are_refused_with_file_and_line(column, fault_ledger, tmp_path):
    ran = [0]
    values, shown, examples = OUT_OF_RANGE[column]

    @settings(max_examples=examples, deadline=None, derandomize=True)
    @given(
        bars=bar_sets(False, 10),
        at=st.integers(0, 9),
        bad=values,
        fmt=st.sampled_from(["fixed", "table"]),
    )
    def prop(bars, at, bad, fmt):
        ran[0] += 1
        row = at % len(bars[column])
        bars[column][row] = bad
        with tempfile.TemporaryDirectory(dir=tmp_path) as d:
            src = Path(d) / "bars.json"
            src.write_bytes(dumps_lines(bars))
            with pytest.raises(StockflowError) as err:
                convert.convert_file(str(src), str(Path(d) / "bars.h5"), fmt)
            assert f"{src}:{row + 1}: " in str(err.value) and shown(bad) in str(err.value)
            assert [p.name for p in Path(d).iterdir()] == ["bars.json"]  # no .h5, no temporary

    hold(fault_ledger, f"{column} out of range is refused", prop, ran, "bar sets", examples // 2)
