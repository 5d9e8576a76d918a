"""Stage 3: JSON lines -> HDF5 equals the lesson's json.loads loop, and bad input fails cleanly."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from stockflow import cli, convert, download, synthesize


@pytest.fixture(scope="module")
def bars_json(tmp_path_factory):
    d = tmp_path_factory.mktemp("bars")
    assert cli.run(download.main, ["ibm", str(d / "ibm.csv")]) == 0
    out = d / "ibm.json"
    assert cli.run(synthesize.main, ["ibm", str(d / "ibm.csv"), str(out), "--days", "60"]) == 0
    return out


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
