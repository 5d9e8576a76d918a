"""cProfile inside parallel runs: a profile per job via cli.run, merged per rule (config cprofile).

(Snakemake's execution profiles, profiles/, are tests/test_execution_profiles.py.)
"""

import cProfile
import pstats
import subprocess
import sys

import pytest
from PIL import Image
from stockflow import StockflowError, cli, convert, cprofile_merge, plots
from stockflow.report import where_time_goes
from support.workflow import jobs_run, ran, snakemake, write_config

STAGES = ("download", "synthesize", "convert")


def calls(stats: pstats.Stats, module: str, function: str) -> int:
    """Total calls of ``function`` defined in ``stockflow/<module>.py``."""
    return sum(
        value[1]
        for (filename, _, name), value in stats.stats.items()
        if name == function and filename.replace("\\", "/").endswith(f"stockflow/{module}.py")
    )


def work(n: int) -> int:
    return sum(i * i for i in range(n))


def profile_of(path, repeat: int) -> None:
    prof = cProfile.Profile()
    for _ in range(repeat):
        prof.runcall(work, 1000)
    prof.dump_stats(path)


def work_calls(stats: pstats.Stats) -> int:
    return sum(v[1] for (f, _, name), v in stats.stats.items() if name == "work")


# --- unit: the merge CLI and cli.run's profiling -------------------------------------------


def test_merge_adds_up_the_calls_of_every_input(tmp_path):
    a, b, out = tmp_path / "a.prof", tmp_path / "b.prof", tmp_path / "out" / "merged.prof"
    profile_of(a, 2)
    profile_of(b, 3)
    assert cli.run(cprofile_merge.main, [str(out), str(a), str(b)]) == 0
    assert work_calls(pstats.Stats(str(out))) == 5
    assert [p.name for p in out.parent.iterdir()] == ["merged.prof"]  # no temporary left


def test_merge_cli_as_a_process(tmp_path):
    a, out = tmp_path / "a.prof", tmp_path / "merged.prof"
    profile_of(a, 4)
    proc = subprocess.run(
        [sys.executable, "-m", "stockflow.cprofile_merge", str(out), str(a)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "merged 1 profile(s)" in proc.stderr
    assert work_calls(pstats.Stats(str(out))) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "profile is missing"), (b"not a profile", "not a cProfile/pstats file")],
)
def test_merge_refuses_a_bad_input_and_writes_nothing(tmp_path, capsys, content, message):
    good, bad, out = tmp_path / "good.prof", tmp_path / "bad.prof", tmp_path / "merged.prof"
    profile_of(good, 1)
    if content is not None:
        bad.write_bytes(content)
    assert cli.run(cprofile_merge.main, [str(out), str(good), str(bad)]) == 1
    assert f"{bad}: {message}" in capsys.readouterr().err
    assert not out.exists()


def test_run_profiles_main_only_when_the_variable_is_set(tmp_path, monkeypatch):
    def main(argv):
        work(100)

    out = tmp_path / "p" / "main.prof"
    monkeypatch.setenv(cli.CPROFILE_ENV, "")
    assert cli.run(main, []) == 0
    assert not out.parent.exists()

    monkeypatch.setenv(cli.CPROFILE_ENV, str(out))
    assert cli.run(main, []) == 0
    stats = pstats.Stats(str(out))
    assert work_calls(stats) == 1
    assert [p.name for p in out.parent.iterdir()] == ["main.prof"]


def test_a_failing_stage_keeps_its_error_and_writes_no_profile(tmp_path, monkeypatch, capsys):
    def main(argv):
        raise StockflowError("boom")

    out = tmp_path / "main.prof"
    monkeypatch.setenv(cli.CPROFILE_ENV, str(out))
    assert cli.run(main, []) == 1
    assert "stockflow: error: boom" in capsys.readouterr().err
    assert not out.exists()


# --- the report's chart: where a rule's time goes --------------------------------------------


def bars_file(path, n: int) -> None:
    with open(path, "w") as fh:
        for i in range(n):
            stamp = f"2013-08-09 {9 + i // 60 % 8:02d}:{i % 60:02d}:00"
            p = 100 + i % 7
            fh.write(
                f'{{"timestamp": "{stamp}", "open": {p}.5, "high": {p + 1}.0,'
                f' "low": {p}.0, "close": {p}.25, "volume": {i}}}\n'
            )


def test_chart_of_a_rule_adds_up_its_jobs_own_time_by_package_and_function(tmp_path):
    profiles = []
    for job in range(2):  # two convert jobs, as the workflow runs them
        src, prof = tmp_path / f"{job}.json", tmp_path / f"{job}.prof"
        bars_file(src, 3000)
        profiler = cProfile.Profile()
        profiler.runcall(convert.main, [str(src), str(tmp_path / f"{job}.h5")])
        profiler.dump_stats(prof)
        profiles.append(str(prof))
    merged = tmp_path / "convert.prof"
    assert cli.run(cprofile_merge.main, [str(merged), *profiles]) == 0
    stats = pstats.Stats(str(merged))

    assert where_time_goes.jobs_in(stats, "convert") == 2
    rows, total = where_time_goes.top(stats)
    assert len(rows) == where_time_goes.TOP
    assert [r.own_s for r in rows] == sorted((r.own_s for r in rows), reverse=True)
    assert total == pytest.approx(stats.total_tt)
    packages = dict(where_time_goes.by_package(stats))
    # every second of the profile is in one package: the shares add up to the whole
    assert sum(packages.values()) == pytest.approx(stats.total_tt)
    assert {"stockflow", "tables", "numpy"} <= set(packages), packages

    out = tmp_path / "plots" / "convert.png"
    assert cli.run(plots.main, ["cprofile", "convert", str(merged), str(out)]) == 0
    with Image.open(out) as img:
        img.load()
        assert img.format == "PNG" and img.width >= 800 and img.height >= 400
        assert len(img.convert("RGB").getcolors(maxcolors=1 << 16) or range(51)) > 50
    assert [p.name for p in out.parent.iterdir()] == ["convert.png"]


def test_functions_are_labelled_by_package_path_and_builtins_by_name():
    label = where_time_goes._label
    site = "/x/lib/python3.11/site-packages/pyarrow/json.py"
    assert label((site, 12, "read_json")) == "pyarrow/json.py:12 read_json"
    assert label(("~", 0, "<built-in method marshal.loads>")) == "built-in method marshal.loads"
    assert where_time_goes.package(site) == "pyarrow"
    assert where_time_goes.package("/r/workflow/stockflow/convert.py") == "stockflow"
    assert where_time_goes.package("~", "<built-in method _imp.create_dynamic>") == (
        "imports (importlib)"
    )
    assert where_time_goes.package("~", "<method 'read' of '_io.BufferedReader'>") == (
        "built-in calls"
    )


# --- the workflow -------------------------------------------------------------------------


@pytest.mark.workflow
def test_cprofile_switch_on_profiles_every_job_and_off_again_reruns_nothing(tmp_path):
    tickers = ["aapl", "ibm", "ge"]
    write_config(tmp_path, tickers=tickers, synth={"days": 3})
    snakemake(tmp_path)
    assert not (tmp_path / "results/cprofile").exists()

    write_config(tmp_path, tickers=tickers, synth={"days": 3}, cprofile=True)
    on = snakemake(tmp_path)
    # The data jobs run again (to be profiled), plus one merge per rule; and, since the data
    # were rewritten, the report's charts, inventory and benchmark plots.
    assert ran(on) == {
        *((rule, t) for rule in STAGES for t in tickers),
        ("cprofile_merge", None),
        ("plot_cprofile", None),
        ("shard", None),
        ("benchmark_summary", None),
        *(("plot_ticker", t) for t in tickers),
        ("plot_benchmarks", None),
        ("plot_market", None),
        ("inventory", None),
    }
    assert jobs_run(on.stderr)[("cprofile_merge", None)] == len(STAGES)
    assert jobs_run(on.stderr)[("plot_cprofile", None)] == len(STAGES)
    root = tmp_path / "results/cprofile"
    for rule in STAGES:
        for t in tickers:
            job = pstats.Stats(str(root / rule / f"{t}.prof"))
            assert calls(job, rule, "main") == 1
        merged = pstats.Stats(str(root / f"{rule}.prof"))
        # Every ticker's job is in the merged profile, with the stage's own code.
        assert calls(merged, rule, "main") == len(tickers)
        own = {name for (f, _, name) in merged.stats if f.endswith(f"stockflow/{rule}.py")}
        assert len(own - {"main", "<module>"}) > 0, own
        assert (tmp_path / f"logs/cprofile_merge/{rule}.log").stat().st_size > 0
        assert (tmp_path / f"benchmarks/cprofile_merge/{rule}.tsv").exists()
        log = (tmp_path / f"logs/plot_cprofile/{rule}.log").read_text()
        assert f"{rule}, {len(tickers)} jobs" in log, log

    assert "Nothing to be done" in snakemake(tmp_path).stderr
    # The report holds a chart per profiled rule, with its caption.
    snakemake(tmp_path, "--report", "report.html")
    page = (tmp_path / "report.html").read_text()
    assert '"Profiles"' in page
    for rule in STAGES:
        assert f'"results/plots/cprofile/{rule}.png"' in page, rule
    assert "functions with the most <em>own</em> time" in page

    write_config(tmp_path, tickers=tickers, synth={"days": 3}, cprofile=False)
    off = snakemake(tmp_path)
    assert "Nothing to be done" in off.stderr, off.stderr[-3000:]
    # ... and with --config as the README shows it (a string "true" there).
    again = snakemake(tmp_path, "--config", "cprofile=true")
    assert "Nothing to be done" in again.stderr, again.stderr[-3000:]


@pytest.mark.workflow
def test_the_old_profile_key_is_refused_naming_its_new_name(tmp_path):
    write_config(tmp_path, tickers=["aapl"], synth={"days": 3}, profile=True)
    proc = snakemake(tmp_path, "-n", check=False)
    assert proc.returncode != 0
    said = proc.stdout + proc.stderr
    assert "'profile' was renamed 'cprofile'" in said, said[-2000:]
    assert not (tmp_path / "results").exists()
