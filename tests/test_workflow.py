"""The whole workflow, run for real by Snakemake in temporary directories."""

import json
import shutil

import pandas as pd
import pytest
import yaml
from support.workflow import (
    copy_run,
    ohlcv_body,
    ran,
    rules_run,
    snakemake,
    snakemake_each,
    write_config,
)

pytestmark = pytest.mark.workflow

# The report's jobs (workflow/rules/report.smk) rerun whenever a ticker's data changes: its
# charts, the inventory of every .h5, and the benchmark plots after the new summary.
REPORT_JOBS = {
    ("plot_benchmarks", None),
    ("plot_market", None),
    ("inventory", None),
    ("shard", None),
}


def charts(*tickers) -> set:
    return {("plot_ticker", t) for t in tickers}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A completed run of two tickers over five days, made once for the module."""
    work = tmp_path_factory.mktemp("small")
    write_config(work)
    proc = snakemake(work)
    assert ran(proc) == {
        *((rule, t) for rule in ("download", "synthesize", "convert") for t in ("aapl", "ibm")),
        ("shard", None),
        ("benchmark_summary", None),
        *charts("aapl", "ibm"),
        *REPORT_JOBS,
    }
    return work


@pytest.fixture
def small(small_run, tmp_path):
    """A copy of that run (outputs, mtimes and .snakemake/ metadata) for one test to change:
    Snakemake sees a completed run, as after running it here."""
    return copy_run(small_run, tmp_path / "small")


def test_run_produces_hdf5_benchmarks_and_logs_then_nothing_to_do(small_run):
    small = small_run  # read only, and a rerun that must do nothing: the run itself
    for t in ("aapl", "ibm"):
        got = pd.read_hdf(small / f"results/hdf5/{t}.h5", "data")
        with open(small / f"results/json/{t}.json") as f:
            lesson = pd.DataFrame([json.loads(line) for line in f])
        lesson["timestamp"] = pd.to_datetime(lesson["timestamp"]).astype("datetime64[ns]")
        pd.testing.assert_frame_equal(got, lesson, check_exact=True)
        assert len(got) == 5 * 480
        for rule in ("download", "synthesize", "convert"):
            assert (small / f"logs/{rule}/{t}.log").stat().st_size > 0
            assert (small / f"benchmarks/{rule}/{t}.tsv").exists()
    summary = pd.read_csv(small / "results/benchmarks.tsv", sep="\t")
    assert list(summary.columns) == [
        "rule",
        "ticker",
        "seconds",
        "cpu_seconds",
        "max_rss_mb",
        "input_mb",
        "mb_per_s",
    ]
    assert sorted(zip(summary["rule"], summary["ticker"], strict=True)) == sorted(
        (r, t) for r in ("download", "synthesize", "convert") for t in ("aapl", "ibm")
    )
    assert (summary["seconds"] > 0).all() and (summary["input_mb"] > 0).all()

    again = snakemake(small)
    assert "Nothing to be done" in again.stderr
    assert ran(again) == set()


def test_added_ticker_runs_only_its_chain_and_the_summary(small):
    write_config(small, tickers=["aapl", "ibm", "ge"])
    proc = snakemake(small)
    assert ran(proc) == {
        ("shard", None),
        ("download", "ge"),
        ("synthesize", "ge"),
        ("convert", "ge"),
        ("benchmark_summary", None),
        *charts("ge"),
        *REPORT_JOBS,
    }


def test_synth_parameter_change_reruns_every_synthesize_and_convert(small):
    write_config(small, synth={"days": 5, "seed": 7})
    proc = snakemake(small)
    assert rules_run(proc.stderr) == {
        "synthesize": 2,
        "convert": 2,
        "shard": 1,
        "benchmark_summary": 1,
        "plot_ticker": 2,
        "plot_benchmarks": 1,
        "plot_market": 1,
        "inventory": 1,
        "all": 1,
    }


def test_hdf5_layout_change_reruns_only_convert(small):
    write_config(small, hdf5={"format": "fixed"})
    proc = snakemake(small)
    assert rules_run(proc.stderr) == {
        "convert": 2,
        "shard": 1,
        "benchmark_summary": 1,
        "plot_ticker": 2,
        "plot_benchmarks": 1,
        "plot_market": 1,
        "inventory": 1,
        "all": 1,
    }


def test_deleted_h5_reruns_only_its_convert(small):
    (small / "results/hdf5/ibm.h5").unlink()
    proc = snakemake(small)
    assert ran(proc) == {
        ("convert", "ibm"),
        ("benchmark_summary", None),
        *charts("ibm"),
        *REPORT_JOBS,
    }


REFRESH = ("--forcerun", "download", "--until", "download")


@pytest.mark.parametrize("kind", ["path", "url"])
def test_refresh_reruns_only_the_ticker_whose_source_changed(tmp_path, http_server, kind):
    src = tmp_path / "upstream"
    src.mkdir()

    def publish(ticker, body):
        (src / f"{ticker}.csv").write_bytes(body)
        http_server.serve(f"/{ticker}.csv", body)

    for t in ("aapl", "ibm"):
        publish(t, ohlcv_body(6))
    template = str(src / "{ticker}.csv") if kind == "path" else http_server.base + "/{ticker}.csv"
    write_config(tmp_path, source={kind: template, "format": "ohlcv"})
    snakemake(tmp_path)

    publish("ibm", ohlcv_body(6, bump=0.5))  # upstream revises ibm's highs
    refresh = snakemake(tmp_path, *REFRESH)
    assert rules_run(refresh.stderr) == {"download": 2}
    proc = snakemake(tmp_path)
    assert ran(proc) == {
        ("synthesize", "ibm"),
        ("convert", "ibm"),
        ("benchmark_summary", None),
        *charts("ibm"),
        *REPORT_JOBS,
    }
    assert pd.read_hdf(tmp_path / "results/hdf5/ibm.h5", "data")["high"].max() == 107.5

    snakemake(tmp_path, *REFRESH)  # nothing changed upstream
    proc = snakemake(tmp_path)
    # Only the summaries, which re-read the fresh download timings, and their plots; no data job.
    assert ran(proc) <= {
        ("shard", None),
        ("benchmark_summary", None),
        ("inventory", None),
        ("plot_benchmarks", None),
        ("plot_market", None),
    }


BAD_CONFIGS = [
    ({"tickers": ["aapl"], "colour": "red"}, "'colour' was unexpected"),
    ({"tickers": ["aapl", "../x"]}, "tickers"),
    ({"tickers": ["aapl", ""]}, "tickers"),
    ({"tickers": ["a b"]}, "tickers"),
    ({"tickers": ["aapl;rm -rf ~"]}, "tickers"),
    ({"tickers": []}, "tickers"),
    ({"tickers": ["aapl"], "synth": {"days": 0}}, "days"),
    ({"tickers": ["aapl"], "synth": {"freq": "often"}}, "freq"),
    (
        {"tickers": ["aapl"], "synth": {"freq": "7min"}},
        "synth.freq '7min' does not divide the session",
    ),
    ({"tickers": ["aapl"], "synth": {"session_start": "18:00"}}, "synth.session_end"),
    ({"tickers": ["aapl"], "source": {"format": "xml"}}, "format"),
    ({"tickers": ["aapl"], "source": {"url": "file:///etc/{ticker}"}}, "url"),
    ({"tickers": ["aapl"], "hdf5": {"format": "parquet"}}, "format"),
]


@pytest.fixture(scope="module")
def bad_config_runs(tmp_path_factory):
    """Each bad config's run, in a work directory of its own, four at a time (each stops in a
    second or two): {repr(config): (work directory, the run)}."""
    works = []
    for config, _ in BAD_CONFIGS:
        work = tmp_path_factory.mktemp("bad-config")
        (work / "config").mkdir()
        (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
        works.append(work)
    runs = snakemake_each(works)
    return {repr(c): (w, p) for (c, _), w, p in zip(BAD_CONFIGS, works, runs, strict=True)}


@pytest.mark.parametrize(("config", "message"), BAD_CONFIGS)
def test_bad_config_stops_before_any_job_naming_the_key(bad_config_runs, config, message):
    tmp_path, proc = bad_config_runs[repr(config)]
    assert proc.returncode != 0
    assert message in proc.stderr
    assert ran(proc) == set()
    assert not (tmp_path / "resources").exists() and not (tmp_path / "results").exists()


def test_malformed_json_fails_only_that_convert_and_keep_going_finishes_the_rest(tmp_path):
    write_config(tmp_path, tickers=["aapl", "ibm", "ge"])
    snakemake(tmp_path, "--until", "synthesize")
    bad = tmp_path / "results/json/ibm.json"
    lines = bad.read_text().splitlines(keepends=True)
    lines[41] = lines[41].replace('"high": ', '"high": x')
    bad.write_text("".join(lines))

    proc = snakemake(tmp_path, "--keep-going", check=False)
    assert proc.returncode != 0
    assert "results/json/ibm.json:42: malformed JSON" in proc.stderr
    assert not (tmp_path / "results/hdf5/ibm.h5").exists()
    assert list((tmp_path / "results/hdf5").iterdir()) != []
    for t in ("aapl", "ge"):
        assert len(pd.read_hdf(tmp_path / f"results/hdf5/{t}.h5", "data")) == 5 * 480
    leftovers = [p.name for p in (tmp_path / "results/hdf5").iterdir()]
    assert sorted(leftovers) == ["aapl.h5", "ge.h5"]


def test_unknown_ticker_at_the_source_fails_its_download_clearly(tmp_path):
    write_config(tmp_path, tickers=["aapl", "nosuch"])
    proc = snakemake(tmp_path, "--keep-going", check=False)
    assert proc.returncode != 0
    assert "ticker 'nosuch' is not in the embedded source" in proc.stderr
    assert (tmp_path / "results/hdf5/aapl.h5").exists()
    assert not (tmp_path / "resources/quotes/nosuch.csv").exists()


def test_workflow_runs_from_a_copy_of_the_repository(tmp_path):
    """The workflow depends on nothing outside its own tree (e.g. run from a clone)."""
    from support.workflow import REPO

    clone = tmp_path / "clone"
    clone.mkdir()
    for part in ("Snakefile", "workflow", "config", "envs", "profiles"):
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, clone / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, clone / part)
    write_config(clone, tickers=["d"], synth={"days": 2})
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(pd.read_hdf(clone / "results/hdf5/d.h5", "data")) == 2 * 480
