"""One real Snakemake run per provider, against its loopback fake: the quotes a provider serves
become the same normalized CSV and HDF5, the key stays out of every file the run writes, a
missing key stops the run before any job, and a bad ticker fails alone with the provider's
words."""

import os
import subprocess
import sys

import pandas as pd
import pytest
from stockflow.sources.providers import fetching
from support.fakekit import KEY, SECRET, history, normalized_csv, serving
from support.provkit import END, START, Slow, config_for, fake_of, files_holding, run
from support.workflow import SNAKEFILE, write_config

pytestmark = pytest.mark.workflow

# Tickers as each provider spells them
TICKERS = {
    "eodhd": ["AAPL.US", "IBM.US"],
    "stooq": ["aapl.us", "ibm.us"],
}
DEFAULT_TICKERS = ["AAPL", "IBM"]


@pytest.mark.parametrize("name", fetching.NAMES)
def test_a_run_through_each_provider_writes_its_quotes_and_never_its_key(tmp_path, name):
    fake = fake_of(name)
    tickers = TICKERS.get(name, DEFAULT_TICKERS)
    with serving(fake) as server:
        cfg = config_for(name, server.base, tickers)
        write_config(tmp_path, **cfg)
        proc = run(tmp_path, fake.env)
        assert proc.returncode == 0, proc.stderr[-4000:]
    for t in tickers:
        written = (tmp_path / f"resources/quotes/{t}.csv").read_text()
        assert written == normalized_csv(history(t, START, END)), t
        frame = pd.read_hdf(tmp_path / f"results/hdf5/{t}.h5", "data")
        assert len(frame) == 5 * 480
    leaks = files_holding(tmp_path, KEY, SECRET)
    assert leaks == [], leaks
    # what the run printed too
    assert KEY not in proc.stdout + proc.stderr and SECRET not in proc.stdout + proc.stderr


def test_a_missing_key_stops_the_run_before_any_job_naming_the_variable(tmp_path):
    cfg = config_for("eodhd", "http://127.0.0.1:9", TICKERS["eodhd"], key_env="MY_EODHD_KEY")
    write_config(tmp_path, **cfg)
    proc = run(tmp_path, {"MY_EODHD_KEY": ""})
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "the environment variable MY_EODHD_KEY is empty" in said, said[-2000:]
    assert not (tmp_path / "resources").exists() and not (tmp_path / "logs").exists()
    env = {k: v for k, v in os.environ.items() if k != "MY_EODHD_KEY"}
    unset = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(tmp_path), "-n"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "the environment variable MY_EODHD_KEY is not set" in unset.stdout + unset.stderr


def test_an_unknown_ticker_fails_alone_with_the_providers_words(tmp_path):
    fake = fake_of("eodhd", unknown={"NOPE.US"})
    with serving(fake) as server:
        cfg = config_for("eodhd", server.base, ["AAPL.US", "NOPE.US"])
        write_config(tmp_path, **cfg)
        proc = run(tmp_path, fake.env, "--keep-going")
    assert proc.returncode != 0
    log = (tmp_path / "logs/download/NOPE.US.log").read_text()
    assert "EODHD answered HTTP 404" in log and "Ticker Not Found." in log
    assert "api_token=***" in log and KEY not in log
    assert not (tmp_path / "resources/quotes/NOPE.US.csv").exists()
    assert (tmp_path / "results/hdf5/AAPL.US.h5").exists()


@pytest.mark.parametrize("parallel", [1, 2])
def test_downloads_at_once_are_capped_without_any_resources_flag(tmp_path, parallel):
    tickers = [f"T{i}.US" for i in range(5)]
    slow = Slow(fake_of("eodhd"), 0.4)
    with serving(slow) as server:
        cfg = config_for("eodhd", server.base, tickers, parallel=parallel)
        write_config(tmp_path, **cfg)
        proc = run(tmp_path, slow.env, "--cores", "4", "--until", "download")
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert slow.most == parallel
