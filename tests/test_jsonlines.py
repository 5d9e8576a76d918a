"""The numpy JSON-lines formatter writes exactly what json.dumps writes, record by record."""

import datetime as dt
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stockflow.formats import jsonlines

KEYS = ("open", "high", "low", "close")


def expected(ts, prices, volume) -> str:
    lines = []
    for i in range(len(ts)):
        stamp = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(ts[i]))
        record = {"timestamp": stamp.isoformat(sep=" ")}
        record.update((k, float(p[i])) for k, p in zip(KEYS, prices, strict=True))
        record["volume"] = int(volume[i])
        lines.append(json.dumps(record) + "\n")
    return "".join(lines)


def encode(ts, prices, volume, decimals) -> str:
    return bytes(jsonlines.encode_bars(ts, *prices, volume, decimals)).decode()


def rounded(values, decimals):
    scale = 10.0 ** np.asarray(decimals)
    return np.rint(values * scale) / scale


def test_fixed_point_text_is_repr_for_prices_from_1e_4_with_15_digits():
    """The claim the fast path rests on, checked against repr itself."""
    rng = np.random.default_rng(1)
    values = [3.31397, 0.001, 0.0001, 123456.5, 99999.99, 458.0, 0.1, 1e-4, 999999999.99999]
    cases = [(v, d) for v in values for d in range(9) if rounded(v, d) == v]
    for _ in range(20_000):
        d = int(rng.integers(0, 9))
        v = float(rounded(10 ** rng.uniform(-4, 15 - d), d))
        if v >= 1e-4 and round(v * 10**d) < 10**15:
            cases.append((v, d))
    for v, d in cases:
        text = f"{v:.{max(d, 1)}f}".rstrip("0")  # d decimals, trailing zeros trimmed
        assert repr(v) == (text + "0" if text.endswith(".") else text), (v, d)
    # Below 1e-4 repr switches to exponent notation: the formatter falls back to repr there.
    assert repr(0.00001) == "1e-05"


def test_random_rows_match_json_dumps():
    rng = np.random.default_rng(7)
    n = 5000
    decimals = rng.integers(0, 9, n)
    base = np.exp(rng.uniform(np.log(1e-3), np.log(1e7), n))
    prices = [rounded(base * rng.uniform(0.9, 1.1, n), decimals) for _ in KEYS]
    ts = np.sort(rng.integers(-2_000_000_000, 4_200_000_000, n))
    volume = rng.integers(0, 10 ** rng.integers(1, 16, n))
    assert encode(ts, prices, volume, decimals) == expected(ts, prices, volume)


def test_day_like_chunks_with_equal_widths_match_json_dumps():
    # Equal digit counts on every row take another code path (one run per price).
    for decimals in (0, 1, 2, 3, 5, 8):
        n = 480 * 3
        ts = 1_376_038_800 + np.arange(n) * 60
        prices = [np.full(n, 458.0) for _ in KEYS]
        prices[1] = rounded(np.linspace(458, 459, n), decimals)
        volume = np.full(n, 123456)
        assert encode(ts, prices, volume, decimals) == expected(ts, prices, volume)


@pytest.mark.parametrize(
    "value",
    [0.0, 1e-05, 1.5e-07, 9.9999e-05, 0.0001, 1e15, 1234567890123456.0, 2.5e20, 1 / 3, 0.1 + 0.2],
)
def test_values_outside_the_fast_path_fall_back_to_repr(value):
    prices = [np.array([1.5, value, 2.25]) for _ in KEYS]
    ts, volume = np.array([0, 60, 120]), np.array([0, 7, 10**12])
    assert encode(ts, prices, volume, 2) == expected(ts, prices, volume)


def test_calendar_edges():
    days = [dt.date(y, m, d) for y, m, d in [(1, 1, 1), (1900, 3, 1), (1969, 12, 31),
            (2000, 2, 29), (2100, 2, 28), (2100, 3, 1), (9999, 12, 31)]]  # fmt: skip
    epoch = dt.date(1970, 1, 1)
    ts = np.array([(d - epoch).days * 86400 + 86399 for d in days])
    prices = [np.ones(len(ts)) for _ in KEYS]
    volume = np.zeros(len(ts), np.int64)
    assert encode(ts, prices, volume, 0) == expected(ts, prices, volume)


def test_empty_and_invalid_input():
    assert bytes(jsonlines.encode_bars(np.array([], np.int64), *[[]] * 4, [], 2)) == b""
    ok = dict(timestamp=np.array([0]), open=[1.0], high=[1.0], low=[1.0], close=[1.0])
    for bad in (
        {"volume": [-1]},
        {"volume": [1], "close": [np.nan]},
        {"volume": [1], "low": [-0.0]},
    ):
        with pytest.raises(ValueError):
            jsonlines.encode_bars(**{**ok, **bad}, decimals=2)
    with pytest.raises(ValueError):
        jsonlines.encode_bars(**ok, volume=[1], decimals=16)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e13, allow_nan=False),
            st.integers(min_value=0, max_value=8),
            st.integers(min_value=0, max_value=2**53),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_property_any_rounded_price_and_volume(rows):
    values, decimals, volume = (np.array(c) for c in zip(*rows, strict=True))
    prices = [rounded(values, decimals) for _ in KEYS]
    ts = 1_000_000_000 + np.arange(len(rows)) * 61
    assert encode(ts, prices, volume, decimals) == expected(ts, prices, volume)
