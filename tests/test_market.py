"""A market's worth of tickers: ticker sheets, names that never match paths, charts for a
sample, sources that rerun only their ticker, and a status line instead of a block per job.
(The figures at 1,000-10,000 tickers are bench/run.py --scale market; tests assert no timings.)
"""

import re

import pandas as pd
import pytest
from stockflow.config import tickers
from support.workflow import jobs_run, ohlcv_body, ran, snakemake, write_config

pytestmark = pytest.mark.workflow


def test_a_tsv_ticker_sheet_runs_as_the_same_list(tmp_path):
    listed, sheeted = tmp_path / "list", tmp_path / "sheet"
    for work in (listed, sheeted):
        work.mkdir()
    write_config(listed, tickers=["ibm", "aapl"], synth={"days": 3})
    (sheeted / "config").mkdir()
    (sheeted / "config/tickers.tsv").write_text(
        "# the run's tickers\nexchange\tticker\nNYSE\tibm\nNASDAQ\taapl\n"
    )
    write_config(sheeted, tickers="config/tickers.tsv", synth={"days": 3})
    for work in (listed, sheeted):
        snakemake(work)
    summary = pd.read_csv(sheeted / "results/benchmarks.tsv", sep="\t")
    assert list(summary["ticker"][:2]) == ["ibm", "aapl"]  # the sheet's order
    for t in ("ibm", "aapl"):
        assert (sheeted / f"results/json/{t}.json").read_bytes() == (
            listed / f"results/json/{t}.json"
        ).read_bytes()
        pd.testing.assert_frame_equal(
            pd.read_hdf(sheeted / f"results/hdf5/{t}.h5", "data"),
            pd.read_hdf(listed / f"results/hdf5/{t}.h5", "data"),
            check_exact=True,
        )


def test_a_bad_sheet_stops_the_run_naming_file_and_line(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config/tickers.txt").write_text("aapl\nibm\n../../etc/passwd\n")
    write_config(tmp_path, tickers="config/tickers.txt")
    proc = snakemake(tmp_path, check=False)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "config/tickers.txt:3: ticker '../../etc/passwd' is not a valid name" in said, said
    assert jobs_run(proc.stderr) == {} and not (tmp_path / "results").exists()


def test_a_ticker_wildcard_never_matches_an_unconfigured_name_or_a_path(tmp_path):
    write_config(tmp_path, tickers=["aapl"], synth={"days": 3})
    stray = snakemake(tmp_path, "results/hdf5/zzz.h5", check=False)
    assert stray.returncode != 0
    assert "'zzz' is not one of the configured tickers" in stray.stdout + stray.stderr
    for target in ("results/hdf5/a/b.h5", "results/hdf5/.aapl.tmp-x-1.h5"):
        proc = snakemake(tmp_path, target, check=False)
        assert proc.returncode != 0, target
        assert "MissingRuleException" in proc.stdout + proc.stderr, target
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


def test_per_ticker_charts_only_for_the_sample(tmp_path):
    names = ["aapl", "ibm", "ge", "d"]
    write_config(tmp_path, tickers=names, synth={"days": 3}, report={"tickers": 2})
    proc = snakemake(tmp_path)
    charted = {t for rule, t in ran(proc) if rule == "plot_ticker"}
    assert charted == set(tickers.sample(names, 2)) and len(charted) == 2
    pngs = sorted(
        p.relative_to(tmp_path / "results/plots").as_posix()
        for p in (tmp_path / "results/plots").rglob("*.png")
    )
    assert len(pngs) == 2 * 2 + 4 + 2  # per ticker, benchmarks, market
    assert {"market/distributions.png", "market/progress.png"} <= set(pngs)

    other = next(t for t in names if t not in charted)
    write_config(tmp_path, tickers=names, synth={"days": 3}, report={"tickers": [other]})
    again = snakemake(tmp_path)
    assert {t for rule, t in ran(again) if rule == "plot_ticker"} == {other}


def test_a_changed_source_file_reruns_only_its_ticker(tmp_path):
    src = tmp_path / "upstream"
    src.mkdir()
    for t in ("aapl", "ibm"):
        (src / f"{t}.csv").write_bytes(ohlcv_body(6))
    write_config(
        tmp_path,
        tickers=["aapl", "ibm"],
        source={"path": str(src / "{ticker}.csv"), "format": "ohlcv"},
        synth={"days": 5},
    )
    snakemake(tmp_path)
    (src / "ibm.csv").write_bytes(ohlcv_body(6, bump=0.5))
    proc = snakemake(tmp_path)
    data = {job for job in ran(proc) if job[1] is not None}
    assert data == {
        ("download", "ibm"),
        ("synthesize", "ibm"),
        ("convert", "ibm"),
        ("plot_ticker", "ibm"),
    }
    assert pd.read_hdf(tmp_path / "results/hdf5/ibm.h5", "data")["high"].max() == 107.5
    assert "Nothing to be done" in snakemake(tmp_path).stderr


def test_a_market_run_prints_a_status_line_and_each_failure_not_a_block_per_job(tmp_path):
    """The logger plugin's market mode, switched on here above 5 jobs instead of 500."""
    src = tmp_path / "upstream"
    src.mkdir()
    (src / "aapl.csv").write_bytes(ohlcv_body(4))
    (src / "ibm.csv").write_text("<html>rate limited</html>\n")
    write_config(
        tmp_path,
        tickers=["aapl", "ibm"],
        source={"path": str(src / "{ticker}.csv"), "format": "ohlcv"},
        synth={"days": 3},
    )
    args = ("--keep-going", "--logger-stockflow-market-jobs", "5")
    proc = snakemake(tmp_path, *args, "--logger-stockflow-status-every", "0.2", check=False)
    err = proc.stderr
    assert proc.returncode != 0
    # no block per job: only the failed job's error block names its rule
    assert not re.search(r"^(local)?rule \w+:$", err, re.M) and "Finished jobid" not in err
    assert re.search(r"^stockflow: 0/14 jobs done \(0\.0%\) \| 0 running \| 0 failed", err, re.M)
    assert "Error in rule download:" in err and "output: resources/quotes/ibm.csv" in err
    assert "the source returned an HTML page" in err  # the failed job's log, shown
    last = [line for line in err.splitlines() if line.startswith("stockflow: ")][-1]
    assert "| 1 failed |" in last and "not run" in last, last
    assert (tmp_path / "results/hdf5/aapl.h5").exists()
