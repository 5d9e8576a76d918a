"""Batch jobs (config batch_jobs): above 200 tickers, or when forced, each data stage runs one
job per batch of tickers in one process. Real Snakemake runs: the same files as per-ticker
jobs, per-ticker targets and reruns at batch granularity, a bad ticker failing only its batch,
per-ticker times in the summaries. (The speed is bench/batches.py's; no test asserts a time.)
"""

import re

import pandas as pd
import pytest
from stockflow import StockflowError, batch, registry
from stockflow.runlog import joblog
from support.workflow import jobs_run, ohlcv_body, snakemake, write_config

TICKERS = ["aapl", "ibm", "ge", "d", "hal"]


def data_jobs(proc) -> set:
    """(stage, batch) of the data jobs a run started: batch rules are download_batch0001 etc."""
    out = set()
    for rule, _ in jobs_run(proc.stderr):
        m = re.match(r"^(download|synthesize|convert)_batch(\d{4})$", rule)
        if m:
            out.add((m[1], m[2]))
    return out


def job_stats(output: str) -> dict[str, int]:
    """Snakemake's 'Job stats' table (printed above any number of jobs): {rule: count}."""
    m = re.search(r"Job stats:\s*\njob\s+count\s*\n-+\s+-+\s*\n((?:\S+\s+\d+\s*\n)+)", output)
    assert m, output[-2000:]
    rows = (line.split() for line in m.group(1).splitlines() if line.strip())
    return {rule: int(n) for rule, n in rows if rule != "total"}


def sources(tmp_path, tickers=TICKERS, n_days=6):
    src = tmp_path / "upstream"
    src.mkdir(exist_ok=True)
    for t in tickers:
        (src / f"{t}.csv").write_bytes(ohlcv_body(n_days))
    return src


def batched_config(work, src, **extra):
    settings = {"synth": {"days": 5}, "batch_size": 2, "batch_jobs": True, **extra}
    write_config(
        work, tickers=TICKERS, source={"path": str(src / "{ticker}.csv"), "format": "ohlcv"},
        **settings,
    )  # fmt: skip


def assert_same_files(a, b, tickers):
    for t in tickers:
        for rel in (f"resources/quotes/{t}.csv", f"results/json/{t}.json"):
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
        pd.testing.assert_frame_equal(
            pd.read_hdf(a / f"results/hdf5/{t}.h5", "data"),
            pd.read_hdf(b / f"results/hdf5/{t}.h5", "data"),
            check_exact=True,
        )


@pytest.fixture(scope="module")
def per_ticker(tmp_path_factory):
    """A per-ticker run (batch_jobs off) of the five tickers' sources: what batch jobs must
    equal. Made once: it only is read."""
    work = tmp_path_factory.mktemp("per-ticker")
    batched_config(work, sources(work), batch_jobs=False)
    snakemake(work)
    return work


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "setting", "expected"),
    [
        (29, "auto", False),
        (200, "auto", False),
        (201, "auto", True),
        (10_000, "auto", True),
        (29, True, True),
        (29, "true", True),
        (10_000, False, False),
        (10_000, "false", False),
    ],
)
def test_batch_jobs_above_the_threshold_or_when_forced(n, setting, expected):
    assert registry.batched(n, setting) is expected


def test_a_batch_rules_stage_and_a_plain_rules_own_name():
    assert registry.stage_of(registry.batch_rule("convert", "0012")) == "convert"
    assert registry.stage_of("convert") == "convert"
    assert registry.stage_of("plot_market") == "plot_market"
    assert registry.stage_of("unknown_batch0001") == "unknown_batch0001"
    with pytest.raises(StockflowError, match="batch_jobs is auto, true or false"):
        registry.batched(5, "sometimes")


def test_a_batch_needs_one_file_per_ticker():
    with pytest.raises(StockflowError, match="2 tickers but 1 --outputs"):
        batch.parse_args(["convert", "--tickers", "a", "b", "--inputs", "a.json", "b.json",
                          "--outputs", "a.h5", "--", "--format=fixed"])  # fmt: skip
    a = batch.parse_args(
        [
            "synthesize",
            "--tickers",
            "a",
            "--inputs",
            "a.csv",
            "--outputs",
            "a.json",
            "--",
            "--days=5",
            "--seed=1",
        ]  # fmt: skip
    )
    assert a.args == ["--days=5", "--seed=1"] and a.cprofile == []


def test_a_batch_log_gives_each_tickers_last_result(tmp_path):
    log = tmp_path / "batch.log"
    log.write_text(
        'stockflow: result {"ticker": "a", "bytes": 1, "ended": 2}\n'
        "stockflow: something else\n"
        'stockflow: result {"ticker": "b", "bytes": 3, "ended": 4}\n'
        'stockflow: result {"bytes": 9, "ended": 5}\n'
    )
    assert joblog.read_all(str(log)) == {
        "a": {"ticker": "a", "bytes": 1, "ended": 2},
        "b": {"ticker": "b", "bytes": 3, "ended": 4},
    }


# --- real runs --------------------------------------------------------------------------------


@pytest.mark.workflow
@pytest.mark.parametrize(("n", "batched"), [(200, False), (201, True)])
def test_the_plan_is_per_ticker_up_to_200_tickers_and_per_batch_above(tmp_path, n, batched):
    names = [f"t{i:03d}" for i in range(n)]
    write_config(tmp_path, tickers=names, source={"path": str(tmp_path / "{ticker}.csv")})
    proc = snakemake(tmp_path, "-n")
    rules = set(job_stats(proc.stdout + proc.stderr))
    if batched:  # 201 tickers in batches of 50: 5 batches, 3 stages
        assert sum(r.startswith(("download_batch", "synthesize_batch")) for r in rules) == 10
        assert {"download", "synthesize", "convert"}.isdisjoint(rules)
    else:
        assert {"download", "synthesize", "convert"} <= rules
        assert not any("_batch" in r for r in rules)


@pytest.mark.workflow
def test_batch_jobs_make_the_same_files_as_per_ticker_jobs_and_per_ticker_summaries(
    tmp_path, per_ticker
):
    src = sources(tmp_path)
    batched = tmp_path / "batched"
    batched.mkdir()
    batched_config(batched, src, cprofile=True)
    proc = snakemake(batched)
    # 5 tickers in batches of 2: 3 batches, one job per stage each
    assert data_jobs(proc) == {(s, b) for s in ("download", "synthesize", "convert")
                               for b in ("0000", "0001", "0002")}  # fmt: skip
    assert not {r for r, _ in jobs_run(proc.stderr)} & {"download", "synthesize", "convert"}
    assert_same_files(per_ticker, batched, TICKERS)

    summary = pd.read_csv(batched / "results/benchmarks.tsv", sep="\t")
    assert len(summary) == 3 * len(TICKERS)
    assert set(zip(summary["rule"], summary["ticker"], strict=True)) == {
        (r, t) for r in ("download", "synthesize", "convert") for t in TICKERS
    }
    assert (summary["seconds"] > 0).all() and (summary["input_mb"] > 0).all()
    # each ticker's own time, from its result line: not the batch's
    for stage in ("download", "synthesize", "convert"):
        whole = pd.read_csv(batched / f"benchmarks/{stage}/batch-0000.tsv", sep="\t")["s"][0]
        mine = summary[(summary["rule"] == stage) & summary["ticker"].isin(TICKERS[:2])]
        assert mine["seconds"].sum() <= whole
    # cProfile per ticker from the batch jobs, merged per stage
    for stage in ("download", "synthesize", "convert"):
        for t in TICKERS:
            assert (batched / f"results/cprofile/{stage}/{t}.prof").stat().st_size > 0
        assert (batched / f"results/cprofile/{stage}.prof").stat().st_size > 0
    for png in ("benchmarks/timeline.png", "market/distributions.png"):
        assert (batched / "results/plots" / png).stat().st_size > 10_000
    assert "Nothing to be done" in snakemake(batched).stderr


@pytest.mark.workflow
def test_a_tickers_target_makes_only_its_batch(tmp_path):
    src = sources(tmp_path)
    batched_config(tmp_path, src)
    proc = snakemake(tmp_path, "results/hdf5/ge.h5")  # ge is in batch 0001 (ge, d)
    assert data_jobs(proc) == {("download", "0001"), ("synthesize", "0001"), ("convert", "0001")}
    made = sorted(p.stem for p in (tmp_path / "results/hdf5").glob("*.h5"))
    assert made == ["d", "ge"]
    assert not (tmp_path / "resources/quotes/aapl.csv").exists()
    stray = snakemake(tmp_path, "results/hdf5/zzz.h5", check=False)
    assert stray.returncode != 0 and "MissingRuleException" in stray.stdout + stray.stderr


@pytest.mark.workflow
def test_a_changed_source_reruns_only_its_batch(tmp_path):
    src = sources(tmp_path)
    batched_config(tmp_path, src)
    snakemake(tmp_path)
    (src / "hal.csv").write_bytes(ohlcv_body(6, bump=0.5))  # hal: batch 0002, alone
    proc = snakemake(tmp_path)
    assert data_jobs(proc) == {("download", "0002"), ("synthesize", "0002"), ("convert", "0002")}
    assert pd.read_hdf(tmp_path / "results/hdf5/hal.h5", "data")["high"].max() == 107.5
    assert "Nothing to be done" in snakemake(tmp_path).stderr


@pytest.mark.workflow
def test_a_bad_line_fails_its_batch_naming_ticker_and_line_and_the_other_batches_finish(
    tmp_path, per_ticker
):
    src = sources(tmp_path)
    (src / "d.csv").write_bytes(ohlcv_body(6, bad_line=4))  # d: batch 0001 (ge, d)
    batched_config(tmp_path, src)
    proc = snakemake(tmp_path, "--keep-going", check=False)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"d ({src}/d.csv): line 4: high 101.0 is below low 104.0" in said, said[-3000:]
    assert "batch download: 1 of 2 tickers failed (d)" in said
    for t in ("aapl", "ibm", "hal"):  # the other batches, whole
        assert (tmp_path / f"results/hdf5/{t}.h5").exists()
    for t in ("ge", "d"):  # nothing of the failed batch, nothing half-written
        assert not (tmp_path / f"resources/quotes/{t}.csv").exists()
        assert not (tmp_path / f"results/hdf5/{t}.h5").exists()
    leftovers = [p for p in tmp_path.rglob(".*tmp-*") if ".snakemake" not in p.parts]
    assert leftovers == []

    (src / "d.csv").write_bytes(ohlcv_body(6))  # fixed: the next run redoes exactly that batch
    again = snakemake(tmp_path)
    assert data_jobs(again) == {("download", "0001"), ("synthesize", "0001"), ("convert", "0001")}
    assert_same_files(tmp_path, per_ticker, TICKERS)
