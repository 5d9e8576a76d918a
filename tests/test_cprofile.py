"""cProfile inside parallel runs: a profile per job via cli.run, merged per rule (config cprofile).

(Snakemake's execution profiles, profiles/, are tests/test_execution_profiles.py.)
"""

import cProfile
import pstats
import subprocess
import sys

import pytest
from stockflow import StockflowError, cli, cprofile_merge
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
        ("shard", None),
        ("benchmark_summary", None),
        *(("plot_ticker", t) for t in tickers),
        ("plot_benchmarks", None),
        ("plot_market", None),
        ("inventory", None),
    }
    assert jobs_run(on.stderr)[("cprofile_merge", None)] == len(STAGES)
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

    assert "Nothing to be done" in snakemake(tmp_path).stderr

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
