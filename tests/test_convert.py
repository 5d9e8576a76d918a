"""Stage 3: JSON lines -> HDF5 equals the lesson's json.loads loop, and bad input fails cleanly."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from stockflow import StockflowError, cli, convert, download, synthesize


def synthesized(d, ticker: str, days: int):
    """The JSON lines of ``days`` days of ``ticker``, made by the real download and synthesize."""
    csv, out = d / f"{ticker}.csv", d / f"{ticker}.json"
    assert cli.run(download.main, [ticker, str(csv)]) == 0
    assert cli.run(synthesize.main, [ticker, str(csv), str(out), "--days", str(days)]) == 0
    return out


@pytest.fixture(scope="module")
def bars_json(tmp_path_factory):
    return synthesized(tmp_path_factory.mktemp("bars"), "ibm", 60)


def lesson(path) -> pd.DataFrame:
    """The classic lesson's conversion, with the timestamp parsed as the lesson's readers do."""
    with open(path) as f:
        df = pd.DataFrame([json.loads(line) for line in f])
    df["timestamp"] = pd.to_datetime(df["timestamp"]).astype("datetime64[ns]")
    return df


def test_hdf5_reads_back_identical_to_the_lesson(bars_json, tmp_path):
    out = tmp_path / "ibm.h5"
    assert convert.convert_file(str(bars_json), str(out)) == 60 * 480
    got = pd.read_hdf(out, "data")
    assert got.dtypes.astype(str).to_dict() == {
        "timestamp": "datetime64[ns]",
        "open": "float64",
        "high": "float64",
        "low": "float64",
        "close": "float64",
        "volume": "int64",
    }
    pd.testing.assert_frame_equal(got, lesson(bars_json), check_exact=True)


@pytest.mark.parametrize(
    ("fmt", "complevel", "complib", "threads"),
    [
        ("table", 0, None, 1),
        ("fixed", 5, "blosc:lz4", 1),
        ("table", 5, "zlib", 2),
        ("fixed", 0, None, 2),
    ],
)
def test_layouts_and_threads_round_trip(bars_json, tmp_path, fmt, complevel, complib, threads):
    out = tmp_path / "x.h5"
    convert.convert_file(str(bars_json), str(out), fmt, complevel, complib, threads)
    pd.testing.assert_frame_equal(
        pd.read_hdf(out, "data"), lesson(bars_json), check_exact=True, check_index_type=False
    )


GOOD = '{"timestamp": "2013-08-09 09:00:00", "open": 1.5, "high": 2.0, "low": 1.0, "close": 1.25, "volume": 10}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "\n" + GOOD[:-9] + "\n", ":2: malformed JSON"),
        (
            GOOD + "\n" + GOOD + "\n" + GOOD.replace(', "volume": 10', "") + "\n",
            ":3: missing key(s) ['volume']",
        ),
        (
            GOOD + "\n" + GOOD.replace("1.5", '"1.5"') + "\n",
            ":2: 'open' must be a number, got '1.5'",
        ),
        (GOOD.replace("1.5", "null") + "\n", ":1: 'open' must be a number, got None"),
        (GOOD.replace("10}", '10, "x": 1}') + "\n", ":1: unexpected key(s) ['x']"),
        (GOOD.replace(": 10}", ": 10.5}") + "\n", ":1: 'volume' must be an integer, got 10.5"),
        (
            GOOD.replace("2013-08-09", "2013-13-09") + "\n",
            ":1: 'timestamp' '2013-13-09 09:00:00' is not a valid",
        ),
        (
            GOOD.replace("2013-08-09 09:00:00", "yesterday") + "\n",
            ":1: 'timestamp' must be a string 'YYYY-MM-DD HH:MM:SS'",
        ),
        ("[1, 2]\n", ":1: expected a JSON object"),
        ("", ": the file is empty; expected JSON lines of bars"),
    ],
)
def test_bad_json_fails_with_file_and_line_and_leaves_no_h5(tmp_path, capsys, text, expected):
    src = tmp_path / "bad.json"
    src.write_text(text)
    out = tmp_path / "bad.h5"
    assert cli.run(convert.main, [str(src), str(out)]) == 1
    err = capsys.readouterr().err
    assert str(src) in err and expected in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


# Values a lenient JSON reader would take as a bar (DuckDB's read_json takes each of them:
# docs/performance.md): each is refused and named at its line, in any block of the file.
@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (GOOD.replace("1.5", "true"), "'open' must be a number, got True"),
        (GOOD.replace(": 10}", ": 1e1}"), "'volume' must be an integer, got 10.0"),
        (GOOD.replace(": 10}", ': "10"}'), "'volume' must be an integer, got '10'"),
        (GOOD.replace("10}", "10,}"), "malformed JSON"),
        (GOOD.replace('"open"', '"Open"'), "missing key(s) ['open']"),
        (GOOD.replace('"volume": 10', '"volume": 10, "x": "y"'), "unexpected key(s) ['x']"),
        ("{}", "missing key(s)"),
    ],
)
@pytest.mark.parametrize("blocks", [1, 3])
def test_what_a_lenient_reader_would_take_is_named_at_its_line(tmp_path, bad, expected, blocks):
    src, out = tmp_path / "bad.json", tmp_path / "bad.h5"
    lines = [GOOD] * 27_000
    lines[20_000] = bad
    src.write_text("\n".join(lines) + "\n")
    budget = 512 if blocks == 1 else 116  # 116 MB: blocks of 1 MB, the bad line in the third
    assert -(-src.stat().st_size // convert.block_bytes(budget)) == blocks
    with pytest.raises(StockflowError) as err:
        convert.convert_file(str(src), str(out), memory_mb=budget)
    assert f"{src}:20001: {expected}" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_legal_bars_written_unusually_convert_exactly(tmp_path):
    """Valid JSON written otherwise than synthesize writes it reads as the same bars."""
    compact = GOOD.replace(": ", ":").replace(", ", ",")
    lines = {
        "exponent": (GOOD.replace("1.5", "15e-1"), 1.5, 10),
        "big volume": (GOOD.replace(": 10}", f": {2**60 + 1}}}"), 1.5, 2**60 + 1),
        "T": (GOOD.replace("09 09", "09T09"), 1.5, 10),
        "compact": (compact, 1.5, 10),
        "escaped key": (GOOD.replace('"open"', '"\\u006fpen"'), 1.5, 10),
        # json.dumps writes NaN and Infinity (the lesson's writer): taken, as json.loads does
        "NaN": (GOOD.replace("1.5", "NaN"), float("nan"), 10),
        "key order": ('{"volume": 10, ' + GOOD[1:].replace(', "volume": 10', ""), 1.5, 10),
    }
    for name, (line, open_, volume) in lines.items():
        src, out = tmp_path / "ok.json", tmp_path / f"{name}.h5"
        src.write_text(GOOD + "\n" + line + "\n" + GOOD + "\n")
        convert.convert_file(str(src), str(out))
        got = pd.read_hdf(out, "data")
        assert got["open"].tolist()[::2] == [1.5, 1.5], name
        assert got["open"][1] == open_ or (open_ != open_ and got["open"].isna()[1]), name
        assert got["volume"].tolist() == [10, volume, 10], name
        assert (got["timestamp"] == pd.Timestamp("2013-08-09 09:00:00")).all(), name


def test_failed_conversion_keeps_a_previous_good_h5(bars_json, tmp_path):
    out = tmp_path / "ibm.h5"
    convert.convert_file(str(bars_json), str(out))
    before = out.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(GOOD + "\n{oops\n")
    assert cli.run(convert.main, [str(bad), str(out)]) == 1
    assert out.read_bytes() == before


def test_tolerated_variants_bom_crlf_blank_lines_no_final_newline(tmp_path):
    variants = {
        "bom": "\ufeff" + GOOD + "\n" + GOOD + "\n",
        "crlf": GOOD + "\r\n" + GOOD + "\r\n",
        "blank": GOOD + "\n\n" + GOOD + "\n",
        "no_final_newline": GOOD + "\n" + GOOD,
    }
    for name, text in variants.items():
        src = tmp_path / f"{name}.json"
        src.write_text(text, encoding="utf-8")
        convert.convert_file(str(src), str(tmp_path / f"{name}.h5"))
        got = pd.read_hdf(tmp_path / f"{name}.h5", "data")
        assert len(got) == 2 and got["volume"].tolist() == [10, 10], name


def test_cli_in_a_fresh_process(bars_json, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(GOOD + "\n" + GOOD + "\n" + '{"timestamp": \n')
    proc = subprocess.run(
        [sys.executable, "-m", "stockflow.convert", str(bad), str(tmp_path / "b.h5")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"stockflow: error: {bad}:3: malformed JSON")
    ok = subprocess.run(
        [sys.executable, "-m", "stockflow.convert", str(bars_json), str(tmp_path / "g.h5")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert len(pd.read_hdf(tmp_path / "g.h5", "data")) == 60 * 480


@pytest.fixture(scope="module")
def big_json(tmp_path_factory):
    """~11 MB of bars: several Arrow blocks at the smallest memory budget."""
    out = synthesized(tmp_path_factory.mktemp("big"), "ge", 200)
    assert out.stat().st_size > convert.block_bytes(200)  # several blocks
    return out


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_streamed_conversion_equals_the_unbounded_one(big_json, tmp_path, fmt):
    import tables

    small, large = tmp_path / "small.h5", tmp_path / "large.h5"
    convert.convert_file(str(big_json), str(small), fmt, memory_mb=200)
    convert.convert_file(str(big_json), str(large), fmt, memory_mb=4096)
    a, b = pd.read_hdf(small, "data"), pd.read_hdf(large, "data")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, lesson(big_json), check_exact=True, check_index_type=False)
    if fmt == "fixed":
        with tables.open_file(small) as h5:  # really streamed: extendable, chunked arrays
            assert isinstance(h5.get_node("/data/block1_values"), tables.EArray)
        with tables.open_file(large) as h5:  # one block: contiguous, as pandas writes
            assert type(h5.get_node("/data/block1_values")) is tables.Array


def test_a_file_of_several_blocks_logs_progress_per_block_and_one_block_logs_none(
    big_json, tmp_path, capsys
):
    convert.convert_file(str(big_json), str(tmp_path / "one.h5"), memory_mb=4096)
    assert capsys.readouterr().err == ""
    convert.convert_file(str(big_json), str(tmp_path / "many.h5"), memory_mb=200)
    lines = capsys.readouterr().err.splitlines()
    blocks = -(-big_json.stat().st_size // convert.block_bytes(200))
    assert len(lines) >= 1  # one line per block after the first
    assert lines[0].startswith(f"stockflow: {big_json}: ") and ", block 2 of ~" in lines[0]
    assert lines[-1].endswith(f"block {len(lines) + 1} of ~{blocks}")
    assert f" {200 * 480} bars converted" in lines[-1]


def test_streamed_conversion_stays_within_its_memory_budget(big_json, tmp_path):
    # VmHWM, not ru_maxrss: after fork+exec, ru_maxrss still counts the forking pytest process.
    script = (
        "import re, sys; from stockflow import convert; "
        "convert.convert_file(sys.argv[1], sys.argv[2], memory_mb=200); "
        "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(big_json), str(tmp_path / "x.h5")],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb = int(proc.stdout) / 1024
    assert 50 < peak_mb < 200, f"peak RSS {peak_mb:.0f} MB; budget 200 MB"


@pytest.mark.parametrize(
    "fmt, pandas_opts",
    [
        ("fixed", {"format": "fixed"}),
        ("table", {"format": "table", "data_columns": ["timestamp"], "index": False}),
    ],
)
def test_layout_matches_what_pandas_writes(bars_json, tmp_path, fmt, pandas_opts):
    """Same nodes, shapes, dtypes and pandas attributes as DataFrame.to_hdf of that layout
    (the table: timestamp a data column, no PyTables index)."""
    import tables

    ours, theirs = tmp_path / "ours.h5", tmp_path / "pandas.h5"
    convert.convert_file(str(bars_json), str(ours), fmt=fmt)
    lesson(bars_json).to_hdf(theirs, key="/data", **pandas_opts)

    def describe(path):
        with tables.open_file(path) as h5:
            return {
                n._v_pathname: (
                    type(n).__name__,
                    getattr(n, "shape", None),
                    str(getattr(n, "dtype", "")),
                    {k: repr(n._v_attrs[k]) for k in n._v_attrs._v_attrnamesuser},
                )
                for n in h5.walk_nodes("/data")
            }

    assert describe(ours) == describe(theirs)


def test_parallel_map_cli_converts_the_good_files_and_reports_the_bad(bars_json, tmp_path):
    good2 = tmp_path / "two.json"
    good2.write_bytes(bars_json.read_bytes())
    bad = tmp_path / "bad.json"
    bad.write_text(GOOD + "\n" + "{nope\n")
    outdir = tmp_path / "h5"
    proc = subprocess.run(
        [sys.executable, "-m", "stockflow.convert_pool", "--jobs", "2", "--outdir", str(outdir),
         str(bars_json), str(good2), str(bad)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"{bad}:2: malformed JSON" in proc.stderr
    assert "1 of 3 files failed; 2 converted" in proc.stderr
    assert sorted(p.name for p in outdir.iterdir()) == ["ibm.h5", "two.h5"]
    for name in ("ibm.h5", "two.h5"):
        pd.testing.assert_frame_equal(
            pd.read_hdf(outdir / name, "data"), lesson(bars_json), check_exact=True
        )
