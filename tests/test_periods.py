"""Periods: a rerun copies the days and reuses the months its inputs left unchanged
(stockflow.nightly.finished), and its files equal files made whole, byte for byte (JSON) and by
read_hdf (HDF5), through any sequence of windows, revisions and damaged keeps."""

import datetime as dt
import os
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stockflow import StockflowError, cli, convert, download, quotes, synthesize
from stockflow.formats import hdf5
from stockflow.nightly import finished_days, finished_months

DAYS = 60  # three months or so: windows cross month ends


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """The embedded source's AAPL as quotes (~3,900 days)."""
    path = tmp_path_factory.mktemp("q") / "aapl.csv"
    assert cli.run(download.main, ["aapl", str(path)]) == 0
    return quotes.read_csv(str(path))


def csv(path, days):
    path.write_bytes(quotes.to_csv(days))
    return str(path)


def synth(tmp_path, quoted, out, keep=True, **kw):
    src = csv(tmp_path / "q.csv", quoted)
    args = dict(days=DAYS, freq="1min", session_start="09:00", session_end="17:00", seed=42)
    args.update(kw)
    keep_dir = str(tmp_path / "keep-synth") if keep else None
    return synthesize.synthesize_file("aapl", src, str(out), keep_dir=keep_dir, **args)[1]


def conv(tmp_path, src, out, keep=True, fmt="table"):
    keep_dir = str(tmp_path / "keep-convert") if keep else None
    opts = dict(fmt=fmt, complevel=0, complib="blosc:lz4", threads=1, memory_mb=512)
    return convert.convert_counting(str(src), str(out), keep_dir=keep_dir, **opts)[1]


def assert_whole(tmp_path, days, **kw):
    """Synthesize and convert with keeps, then whole; the files must be the same."""
    made = synth(tmp_path, days, tmp_path / "a.json", **kw)
    synth(tmp_path, days, tmp_path / "whole.json", keep=False, **kw)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "whole.json").read_bytes()
    parsed = conv(tmp_path, tmp_path / "a.json", tmp_path / "a.h5")
    conv(tmp_path, tmp_path / "whole.json", tmp_path / "whole.h5", keep=False)
    pd.testing.assert_frame_equal(
        pd.read_hdf(tmp_path / "a.h5", "data"), pd.read_hdf(tmp_path / "whole.h5", "data")
    )
    return made, parsed


def months(days) -> int:
    """The months the window (the last DAYS days) touches."""
    return len({(d.date.year, d.date.month) for d in days[-DAYS:]})


def revised(q: quotes.Quote, volume: int) -> quotes.Quote:
    return quotes.Quote(q.date, q.open, q.high, q.low, q.close, volume)


def test_nightly_windows_remake_only_the_new_days_and_touched_months(tmp_path, rows):
    base = rows[-400:-300]
    assert assert_whole(tmp_path, base[:-10]) == (DAYS, months(base[:-10]))  # cold: all
    # one new day: one day made; its month and the month the window leaves parsed
    made, parsed = assert_whole(tmp_path, base[:-9])
    assert made == 1 and 1 <= parsed <= 2
    made, parsed = assert_whole(tmp_path, base[:-6])  # a long weekend's three days
    assert made == 3 and parsed <= 3
    # a provider revised a past day (refetched): that day alone, its month alone
    days = base[:-6]
    days[-30] = revised(days[-30], days[-30].volume + 100)
    assert assert_whole(tmp_path, days) == (1, 1)
    # nothing new (a rerun): nothing made, nothing parsed
    assert assert_whole(tmp_path, days) == (0, 0)
    # the window goes back (an older end): its 14 older days are made, and the revised day
    # as it was; the others are copied
    assert assert_whole(tmp_path, base[:-20])[0] == 15


def test_a_changed_parameter_remakes_every_day(tmp_path, rows):
    days = rows[-100:]
    assert assert_whole(tmp_path, days)[0] == DAYS
    assert assert_whole(tmp_path, days, seed=7)[0] == DAYS
    assert assert_whole(tmp_path, days, session_end="16:00")[0] == DAYS
    assert assert_whole(tmp_path, days, session_end="16:00")[0] == 0


@pytest.mark.parametrize("stage", ["synth", "convert"])
def test_a_kept_file_changed_in_place_is_not_used(tmp_path, rows, stage):
    days = rows[-100:]
    assert_whole(tmp_path, days[:-1])
    kept = tmp_path / ("keep-synth/a.json" if stage == "synth" else "keep-convert/a.h5")
    assert os.stat(kept).st_ino == os.stat(tmp_path / kept.name).st_ino  # a link, not a copy
    with open(kept, "r+b") as fh:  # the output (the same file) edited where it lies
        middle = kept.stat().st_size // 2
        fh.seek(middle)
        byte = fh.read(1)
        fh.seek(middle)
        fh.write(b"7" if byte != b"7" else b"8")
    made, parsed = assert_whole(tmp_path, days)
    if stage == "synth":  # the damaged day is made again, with the new one
        assert made == 2 and parsed <= 3
    else:  # the arrays no longer match their CRCs: every month parsed
        assert (made, parsed) == (1, months(days))


def test_a_bad_line_in_a_new_month_is_named_and_keeps_the_last_good_keep(tmp_path, rows):
    days = rows[-100:]
    assert_whole(tmp_path, days[:-1])
    good = (tmp_path / "a.h5").read_bytes()
    synth(tmp_path, days, tmp_path / "a.json")
    lines = (tmp_path / "a.json").read_text().splitlines(keepends=True)
    lines[-5] = lines[-5].replace('"volume": ', '"volume": "x')
    (tmp_path / "bad.json").write_text("".join(lines))
    with pytest.raises(StockflowError, match=rf"bad\.json:{len(lines) - 4}: malformed JSON"):
        conv(tmp_path, tmp_path / "bad.json", tmp_path / "a.h5")
    assert (tmp_path / "a.h5").read_bytes() == good  # nothing half-written
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]
    # made good: the last good keep still serves every month but the new day's and the first
    made, parsed = assert_whole(tmp_path, days)
    assert made == 0 and parsed <= 2


def test_blank_lines_give_the_same_rows_and_keep_nothing(tmp_path, rows):
    synth(tmp_path, rows[-100:], tmp_path / "a.json", keep=False)
    text = (tmp_path / "a.json").read_text()
    (tmp_path / "b.json").write_text(text.replace("\n", "\n\n", 3))
    assert conv(tmp_path, tmp_path / "b.json", tmp_path / "b.h5") == months(rows[-100:])
    conv(tmp_path, tmp_path / "a.json", tmp_path / "a.h5", keep=False)
    pd.testing.assert_frame_equal(
        pd.read_hdf(tmp_path / "a.h5", "data"), pd.read_hdf(tmp_path / "b.h5", "data")
    )
    assert not (tmp_path / "keep-convert/b.h5.index.json").exists()


def test_a_keep_dir_that_cannot_be_made_leaves_the_output_whole(tmp_path, rows):
    (tmp_path / "keep-synth").write_text("a file where the directory would be")
    assert synth(tmp_path, rows[-100:], tmp_path / "a.json") == DAYS
    synth(tmp_path, rows[-100:], tmp_path / "whole.json", keep=False)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "whole.json").read_bytes()


def test_month_cuts_are_line_starts_where_a_month_begins(tmp_path, rows):
    days = [d for d in rows[-200:] if d.date.month != rows[-100].date.month]  # a gap month
    synth(tmp_path, days, tmp_path / "a.json", keep=False, days=200)
    data = (tmp_path / "a.json").read_bytes()
    cuts = finished_months.month_cuts(data)
    months = sorted({(d.date.year, d.date.month) for d in days})
    assert len(cuts) == len(months)
    for cut, (y, m) in zip(cuts, months, strict=True):
        assert data[cut:].startswith(b'{"timestamp": "%04d-%02d-' % (y, m))
        assert cut == 0 or data[cut - 1 : cut] == b"\n"
    assert finished_months.month_cuts(b'{"open": 1}\n{"open": 2}\n') == [0]
    assert finished_months.month_cuts(b'{"timestamp": "9999-12-31 09:00:00"}\n') == [0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), picks=st.lists(st.integers(0, 59), min_size=1, max_size=20))
def test_days_alone_are_the_days_together(rows, seed, picks):
    """A day's bars depend on its quote and the parameters only: made alone, or among others."""
    days = rows[-60:]
    together = synthesize.synthesize_days(days, "aapl", 480, 60, 9 * 3600, seed)
    text = bytes(synthesize.encode(together))
    starts = finished_days.day_starts(memoryview(text), days)
    ends = [*starts[1:], len(text)]
    alone = [days[i] for i in sorted(set(picks))]
    some = bytes(synthesize.encode(synthesize.synthesize_days(alone, "aapl", 480, 60, 32400, seed)))
    want = b"".join(text[starts[i] : ends[i]] for i in sorted(set(picks)))
    assert some == want


def test_a_random_sequence_of_nights_equals_whole_runs(tmp_path, rows):
    rng = random.Random(5)
    end, days = 3000, None
    for _ in range(8):
        end += rng.choice([0, 1, 1, 2, 5])
        days = list(rows[end - 120 : end])
        if rng.random() < 0.3:  # a revised past day
            k = rng.randrange(len(days))
            days[k] = revised(days[k], days[k].volume + rng.randrange(1, 1000))
        assert_whole(tmp_path, days)
    assert np.isfinite(pd.read_hdf(tmp_path / "a.h5", "data")["close"]).all()
    first = (tmp_path / "a.json").read_text()[15:25]
    assert dt.date.fromisoformat(first) == days[-DAYS].date


@pytest.mark.parametrize("left", ["no index", "a link half made", "an index half written"])
def test_what_a_killed_keep_leaves_is_ignored_or_replaced(tmp_path, rows, left):
    """The states a job killed inside periods.keep can leave: every one reads as no keep (or
    the last whole one), the next run's files are whole, and nothing piles up."""
    days = rows[-100:]
    assert_whole(tmp_path, days[:-1])
    keep = tmp_path / "keep-synth"
    if left == "no index":  # killed after the old index was removed
        (keep / "a.json.index.json").unlink()
    elif left == "a link half made":  # killed between the link and its rename
        os.link(keep / "a.json", keep / ".a.json.linking")
        (keep / "a.json.index.json").unlink()
    else:  # killed while writing the new index: the old one was removed first
        (keep / "a.json.index.json").rename(keep / ".a.json.index.json.writing")
        with open(keep / ".a.json.index.json.writing", "r+b") as fh:
            fh.truncate(50)
    made, _ = assert_whole(tmp_path, days)
    assert made == DAYS  # nothing to copy from: every day made, and the file whole
    assert sorted(p.name for p in keep.iterdir()) == ["a.json", "a.json.index.json"]
    assert assert_whole(tmp_path, days)[0] == 0  # and kept again


@pytest.mark.parametrize("first, then", [("fixed", "table"), ("table", "fixed")])
def test_kept_months_are_read_from_either_layout(tmp_path, rows, first, then):
    """A layout change reuses every kept month: the rows are the same, only the file differs."""
    src = tmp_path / "a.json"
    synth(tmp_path, rows[-DAYS:], src, keep=False)
    assert conv(tmp_path, src, tmp_path / "a.h5", fmt=first) > 0
    assert conv(tmp_path, src, tmp_path / "a.h5", fmt=then) == 0  # no month parsed again
    conv(tmp_path, src, tmp_path / "whole.h5", keep=False, fmt=then)
    pd.testing.assert_frame_equal(
        pd.read_hdf(tmp_path / "a.h5", "data"), pd.read_hdf(tmp_path / "whole.h5", "data")
    )
    assert hdf5.describe(str(tmp_path / "a.h5"))["layout"] == then
