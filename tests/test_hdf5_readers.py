"""The default HDF5 layout with the clients people read it with: pandas (whole, one day, a
range), dask over many files, and rows appended by pandas and read back."""

import numpy as np
import pandas as pd
import pytest
from stockflow import cli, convert, download, synthesize
from stockflow.formats import hdf5

DAYS = 12


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """Three tickers' bars made and converted with the default options (the table layout)."""
    d = tmp_path_factory.mktemp("market")
    frames = {}
    for ticker in ("aapl", "ibm", "ge"):
        src, js, h5 = d / f"{ticker}.csv", d / f"{ticker}.json", d / f"{ticker}.h5"
        assert cli.run(download.main, [ticker, str(src)]) == 0
        synthesize.synthesize_file(ticker, str(src), str(js), DAYS, "1min", "09:00", "17:00", 42)
        convert.convert_file(str(js), str(h5))
        frames[ticker] = h5
    return frames


def whole(path) -> pd.DataFrame:
    return pd.read_hdf(path, "data")


def test_the_default_layout_is_the_queryable_table(market):
    assert all(hdf5.describe(str(p))["layout"] == "table" for p in market.values())


def test_where_on_one_day_and_on_a_range_equals_filtering_the_whole_frame(market):
    path = market["aapl"]
    frame = whole(path)
    day = frame["timestamp"].dt.normalize().unique()[3]
    nxt = day + pd.Timedelta(days=1)
    one = pd.read_hdf(path, "data", where=f"timestamp >= '{day}' & timestamp < '{nxt}'")
    want = frame[frame["timestamp"].dt.normalize() == day]
    assert len(one) == 480
    pd.testing.assert_frame_equal(one, want)
    lo, hi = frame["timestamp"].iloc[1000], frame["timestamp"].iloc[3000]
    got = pd.read_hdf(path, "data", where=[f"timestamp >= {lo!r}", f"timestamp <= {hi!r}"])
    pd.testing.assert_frame_equal(got, frame[(frame.timestamp >= lo) & (frame.timestamp <= hi)])


def test_dask_reads_every_file_partitioned_and_equal_to_pandas(market):
    import dask.dataframe as dd

    paths = sorted(str(p) for p in market.values())
    ddf = dd.read_hdf(paths, "data", chunksize=1000)
    assert ddf.npartitions >= len(paths) * (DAYS * 480 // 1000)
    got = ddf.compute().reset_index(drop=True)
    want = pd.concat([whole(p) for p in paths], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
    # one day's cross-section across the tickers, through dask
    day = want["timestamp"].iloc[-1].normalize()
    closes = ddf[ddf.timestamp >= day].close.compute()
    assert len(closes) == len(want[want.timestamp >= day])


def test_rows_appended_by_pandas_read_back_equal(market, tmp_path):
    path = tmp_path / "aapl.h5"
    path.write_bytes(market["aapl"].read_bytes())
    before = whole(path)
    more = before.tail(480).copy()
    more["timestamp"] += pd.Timedelta(days=1)
    more.index = pd.RangeIndex(len(before), len(before) + len(more))
    with pd.HDFStore(path) as store:
        store.append("data", more)
    after = whole(path)
    pd.testing.assert_frame_equal(after, pd.concat([before, more]))
    assert np.array_equal(hdf5.read_bars(str(path))["close"], after["close"].to_numpy())
