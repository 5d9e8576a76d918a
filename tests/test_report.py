"""The report: plots and tables of a real run, and Snakemake's --report around them."""

import datetime as dt
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from stockflow import (
    StockflowError,
    cli,
    convert,
    download,
    inventory,
    plots,
    registry,
    shard,
    synthesize,
)
from stockflow.formats import hdf5, tsv
from stockflow.report import benchmarks, market, per_ticker
from stockflow.runlog import benchfiles, joblog, schedule
from support.workflow import jobs_run, snakemake, write_config

TICKERS = ["aapl", "ibm"]
# Every entry of the report: (file under results/plots/, a phrase of its caption).
ENTRIES = [
    *((f"close/{t}.png", f"Daily close of {t}") for t in TICKERS),
    *((f"day/{t}.png", f"One day of {t}") for t in TICKERS),
    ("benchmarks.html", "benchmark of every download, synthesize and convert job"),
    ("benchmarks/seconds.png", "Wall seconds per job"),
    ("benchmarks/throughput.png", "MB of JSON lines read per second"),
    ("benchmarks/memory.png", "Peak resident memory"),
    ("benchmarks/timeline.png", "critical path"),
    ("inventory.html", "compression ratio"),
    ("market/distributions.png", "across every ticker"),
    ("market/progress.png", "jobs finished per rule over time"),
]


def assert_is_a_real_chart(path: Path) -> None:
    """Decodes as an image of a useful size with more than a few colours (not blank)."""
    assert path.stat().st_size > 10_000, path
    with Image.open(path) as img:
        img.load()
        assert img.format == "PNG"
        assert img.width >= 800 and img.height >= 150, (path, img.size)
        colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50, (path, len(colours or []))


# --- the timeline, from benchmark files ---------------------------------------------------------


def bench(path: Path, seconds: float, end: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:01\t50.0\n")
    os.utime(path, (end, end))


def test_timeline_jobs_start_at_the_benchmark_mtime_minus_its_seconds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = registry.RULES
    t = 1_700_000_000.0
    times = {  # (ticker, rule): (seconds, end)
        ("aapl", "download"): (2.0, t - 500),  # an earlier run
        ("aapl", "synthesize"): (1.0, t - 498),
        ("aapl", "convert"): (3.0, t + 5),
        ("ibm", "download"): (1.0, t + 1),
        ("ibm", "synthesize"): (0.5, t + 1.6),
        ("ibm", "convert"): (1.0, t + 2.7),
    }
    for (ticker, rule), (seconds, end) in times.items():
        bench(Path(rules[rule].benchmark_of(ticker)), seconds, end)
        log = Path(rules[rule].log_of(ticker))
        log.parent.mkdir(parents=True, exist_ok=True)
        facts = {"rows": 1, "file_bytes": 1, "data_bytes": 1, "disk_bytes": 1, "layout": "fixed"}
        log.write_text(f"stockflow: result {json.dumps({'bytes': 100, **facts})}\n")
    bench(Path(rules["benchmark_summary"].benchmark), 0.5, t + 6)
    rows = shard.collect(["aapl", "ibm"])
    found = shard.run_jobs(rows, [rules["benchmark_summary"].benchmark], stages=[])
    jobs, earlier = schedule.latest_run(found)
    assert earlier == 2  # ended more than RUN_GAP_S before the rest
    assert [(j.rule, j.ticker) for j in jobs] == [
        ("download", "ibm"),
        ("synthesize", "ibm"),
        ("convert", "ibm"),
        ("convert", "aapl"),
        ("benchmark_summary", None),
    ]
    assert (jobs[0].start - t, jobs[0].end - t) == (0.0, 1.0)
    assert (jobs[3].start - t, jobs[3].end - t) == (2.0, 5.0)
    # Given the run's start, jobs before it are left out whatever the gap.
    jobs, earlier = schedule.latest_run(found, since=t + 3)
    assert (earlier, [j.rule for j in jobs]) == (5, ["convert", "benchmark_summary"])


def test_run_start_is_the_newest_snakemake_log(tmp_path):
    assert benchfiles.run_start(str(tmp_path / "none")) is None
    for name in ("2026-11-25T101010.000001", "2026-11-26T025639.646211", "x"):
        (tmp_path / f"{name}.snakemake.log").touch()
    expected = dt.datetime(2026, 11, 26, 2, 56, 39, 646211).timestamp()
    assert benchfiles.run_start(str(tmp_path)) == expected


def test_html_table_escapes_its_cells():
    page = tsv.html_page("t<", tsv.html_table("t<", ["a&b"], [["<x>", 1.5, None]]))
    assert "<th>a&amp;b</th>" in page and "<td>&lt;x&gt;</td>" in page
    assert "<td>1.500</td>" in page and "<td>NA</td>" in page


# --- per ticker and inventory, on real files ----------------------------------------------------


@pytest.fixture(scope="module")
def ticker_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ticker")
    assert cli.run(download.main, ["ge", str(d / "ge.csv")]) == 0
    args = ["ge", str(d / "ge.csv"), str(d / "ge.json"), "--days", "30"]
    assert cli.run(synthesize.main, args) == 0
    convert.convert_file(str(d / "ge.json"), str(d / "ge.h5"))
    convert.convert_file(str(d / "ge.json"), str(d / "table.h5"), "table", 5, "blosc:zstd")
    return d


@pytest.mark.parametrize("h5", ["ge.h5", "table.h5"])
def test_ticker_charts_from_either_layout(ticker_files, tmp_path, capsys, h5):
    d = ticker_files
    close, day = tmp_path / "close.png", tmp_path / "day.png"
    args = ["ticker", "ge", str(d / "ge.csv"), str(d / h5), str(close), str(day)]
    assert cli.run(plots.main, args) == 0
    err = capsys.readouterr().err
    assert re.search(r"ge: 30 days \S+\.\.\S+ -> .*sample day \S+ \(480 bars\)", err), err
    assert_is_a_real_chart(close)
    assert_is_a_real_chart(day)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["close.png", "day.png"]


def test_sample_day_is_inside_the_period_and_bars_respect_its_range(ticker_files):
    from stockflow import quotes

    bars = hdf5.read_bars(str(ticker_files / "ge.h5"))
    days = bars["timestamp"].astype("datetime64[D]")
    period = [q for q in quotes.read_csv(str(ticker_files / "ge.csv")) if q.date >= days[0].item()]
    day = per_ticker.sample_day(period)
    assert max(period, key=lambda q: (q.high - q.low) / q.open) == day
    one = days == day.date
    assert one.sum() == 480
    assert bars["high"][one].max() == day.high and bars["low"][one].min() == day.low


def test_a_missing_or_foreign_h5_is_one_clear_line(tmp_path, capsys):
    import tables

    args = ["ticker", "ge", "q.csv", str(tmp_path / "no.h5"), "c.png", "d.png"]
    assert cli.run(plots.main, args) == 1
    assert f"{tmp_path / 'no.h5'}: no such file" in capsys.readouterr().err
    with tables.open_file(tmp_path / "other.h5", "w") as h5:
        h5.create_array("/", "x", [1, 2])
    args[3] = str(tmp_path / "other.h5")
    assert cli.run(plots.main, args) == 1
    assert "other.h5: no /data node" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()


def test_inventory_rows_sizes_and_compression_from_each_converts_result(ticker_files, tmp_path):
    """The inventory reads the result line each convert job logged about the .h5 it wrote."""
    import subprocess
    import sys

    d = ticker_files
    rows = {}
    for name, opts in (
        ("ge", ["--format=fixed"]),
        ("tbl", ["--format=table", "--complevel=5", "--complib=blosc:zstd"]),
    ):
        log = tmp_path / f"{name}.log"
        with open(log, "wb") as err:
            cmd = [
                sys.executable,
                "-m",
                "stockflow.convert",
                str(d / "ge.json"),
                str(tmp_path / f"{name}.h5"),
                *opts,
            ]
            assert subprocess.run(cmd, stderr=err).returncode == 0
        result = joblog.read(str(log))
        rows[name] = inventory.row({"ticker": name, "work_bytes": result["bytes"], **result})
    fixed, table = rows["ge"], rows["tbl"]
    assert fixed["rows"] == table["rows"] == 30 * 480
    assert fixed["layout"] == "fixed" and table["layout"] == "table blosc:zstd:5"
    assert fixed["ratio"] == pytest.approx(1.0, abs=0.01)  # stored raw
    assert table["ratio"] > 1.5 and table["size_mb"] < fixed["size_mb"]
    assert fixed["json_mb"] == table["json_mb"] == (d / "ge.json").stat().st_size / 1e6
    assert fixed["size_mb"] == (tmp_path / "ge.h5").stat().st_size / 1e6
    assert fixed["json_ratio"] == pytest.approx(fixed["json_mb"] / fixed["size_mb"])
    assert hdf5.describe(str(tmp_path / "tbl.h5"))["rows"] == 30 * 480
    tsv = inventory.to_tsv([fixed, table]).decode().splitlines()
    assert tsv[0].split("\t") == list(inventory.COLUMNS)
    assert tsv[1].startswith("ge\t14400\t")


def test_a_job_without_a_result_line_is_named_with_its_log(tmp_path):
    (tmp_path / "logs/convert").mkdir(parents=True)
    (tmp_path / "logs/convert/ge.log").write_text("stockflow: error: it broke\n")
    bench = tmp_path / "benchmarks/download/ge.tsv"
    for rule in ("download", "synthesize", "convert"):
        path = tmp_path / f"benchmarks/{rule}/ge.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("s\th:m:s\n0.1\t0:00:00\n")
        log = tmp_path / f"logs/{rule}/ge.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        if rule != "convert":
            log.write_text('stockflow: result {"bytes": 10}\n')
    with pytest.raises(StockflowError, match="convert ge: no result in .*logs/convert/ge.log"):
        shard.collect(["ge"], str(tmp_path))
    assert registry.root_of(str(bench), "benchmarks/download/ge.tsv") == str(tmp_path)


def test_charts_of_a_market_show_spreads_not_a_mark_per_job(tmp_path):
    """At thousands of jobs the throughput chart is a histogram and the timeline stacks rules."""
    jobs = []
    t = 1_700_000_000.0
    for i in range(1500):
        rule = ("download", "synthesize", "convert")[i % 3]
        jobs.append(schedule.Job(rule, f"t{i // 3:04d}", t + i * 0.1, t + i * 0.1 + 0.15))
    rows = [
        {"rule": "convert", "ticker": f"t{i:04d}", "seconds": 0.2, "cpu_seconds": 0.2,
         "max_rss_mb": 80.0, "input_mb": 1.0 + i % 7, "mb_per_s": 5.0 + i % 11}
        for i in range(500)
    ]  # fmt: skip
    benchmarks._throughput(rows, str(tmp_path / "throughput.png"))
    benchmarks._timeline(jobs, 0, str(tmp_path / "timeline.png"))
    market.progress(jobs, 0, str(tmp_path / "progress.png"))
    files = [{"size_mb": 1.0 + i % 5} for i in range(500)]
    market.distributions(rows, files, str(tmp_path / "distributions.png"))
    for name in ("throughput", "timeline", "progress", "distributions"):
        assert_is_a_real_chart(tmp_path / f"{name}.png")
    with Image.open(tmp_path / "timeline.png") as img:
        assert img.height < 1000  # not a lane per concurrent job
    page = benchmarks.summary_html(rows * 2)
    assert page.count("<tr>") < 60 and "The 10 slowest jobs of each rule, of 1000" in page


# --- the workflow and Snakemake's report ----------------------------------------------------------


@pytest.mark.workflow
def test_report_of_a_small_real_run_has_every_plot(tmp_path):
    write_config(tmp_path, tickers=TICKERS, synth={"days": 3})
    run = snakemake(tmp_path)
    ran = {job for job in jobs_run(run.stderr) if job[0] != "all"}
    assert {("plot_ticker", t) for t in TICKERS} <= ran
    assert {("plot_benchmarks", None), ("plot_market", None), ("inventory", None)} <= ran
    assert re.search(r"^\d+ of \d+ steps \(100%\) done$", run.stderr, re.M)
    plots_dir = tmp_path / "results/plots"
    for name, _ in ENTRIES:
        if name.endswith(".png"):
            assert_is_a_real_chart(plots_dir / name)
    assert "Nothing to be done" in snakemake(tmp_path).stderr

    # the timeline drew this run's jobs: every data and plot job but its own
    log = (tmp_path / "logs/plot_benchmarks.log").read_text()
    assert "timeline of 11 jobs (0 earlier not shown)" in log, log
    inv = (tmp_path / "results/inventory.tsv").read_text().splitlines()
    assert [line.split("\t")[:2] for line in inv[1:]] == [[t, str(3 * 480)] for t in TICKERS]

    snakemake(tmp_path, "--report", "report.html")
    page = (tmp_path / "report.html").read_text()
    for name, caption in ENTRIES:
        assert f'"results/plots/{name}"' in page, name
        assert caption in page, caption
    assert "stockflow</strong> turns daily quotes" in page  # workflow/report/workflow.rst
    for category in ("Benchmarks", "Data", "Outputs", "Market"):
        assert f'"{category}"' in page
    assert "results/plots/cprofile" not in page  # only with config cprofile

    snakemake(tmp_path, "--report", "report.zip")
    with zipfile.ZipFile(tmp_path / "report.zip") as z:
        names = z.namelist()
        assert "report/report.html" in names
        for name, _ in ENTRIES:
            assert any(n.endswith("/" + Path(name).name) for n in names), name
        timeline = next(n for n in names if n.endswith("/timeline.png"))
        (tmp_path / "from_zip.png").write_bytes(z.read(timeline))
    assert_is_a_real_chart(tmp_path / "from_zip.png")
