"""API keys stay out of what stages print; the request budget is shared by a run's jobs."""

import subprocess
import sys

import pytest
from stockflow import StockflowError, cli, secrets
from stockflow.sources import ratebudget


def test_a_missing_or_empty_key_variable_is_named(monkeypatch):
    monkeypatch.delenv("SF_TEST_KEY", raising=False)
    with pytest.raises(StockflowError, match="SF_TEST_KEY is not set"):
        secrets.check(["SF_TEST_KEY"], "test API key")
    monkeypatch.setenv("SF_TEST_KEY", "   ")
    with pytest.raises(StockflowError, match="SF_TEST_KEY is empty"):
        secrets.read(["SF_TEST_KEY"], "test API key")


def test_every_printed_line_has_the_key_masked_also_url_encoded(monkeypatch, capsys):
    monkeypatch.setenv("SF_TEST_KEY", "k3y/with+odd&chars")
    [key] = secrets.read(["SF_TEST_KEY"], "test API key")
    cli.info(f"GET https://x.example/q?apikey={key}")
    cli.warn("GET https://x.example/q?apikey=k3y%2Fwith%2Bodd%26chars")

    def boom(argv):
        raise RuntimeError(f"unexpected, with the key {key} in it")

    assert cli.run(boom, []) == 1  # a traceback, scrubbed too
    err = capsys.readouterr().err
    assert key not in err and "k3y%2Fwith%2Bodd%26chars" not in err
    assert err.count(secrets.MASK) >= 3 and "RuntimeError: unexpected, with the key ***" in err


def test_a_spent_budget_waits_until_its_oldest_request_is_a_minute_old(tmp_path):
    now, waits = [1000.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    for _ in range(3):
        ratebudget.acquire(str(tmp_path), "p", 2, clock=lambda: now[0], sleep=sleep)
    assert waits == [60.0]  # two at once, the third a minute later
    # below one a minute: one request per 60 / rate seconds
    now[0], waits[:] = 5000.0, []
    for _ in range(2):
        ratebudget.acquire(str(tmp_path), "q", 0.5, clock=lambda: now[0], sleep=sleep)
    assert waits == [120.0]


TAKE_ALL = """
import sys
from stockflow.sources import ratebudget

class Spent(Exception):
    pass

def stop(seconds):
    raise Spent

taken = 0
try:
    for _ in range(10):
        ratebudget.acquire(sys.argv[1], "p", 10, clock=lambda: 1000.0, sleep=stop)
        taken += 1
except Spent:
    pass
print(taken)
"""


def test_the_budget_is_shared_by_processes(tmp_path):
    """Four processes take what they can at one instant: ten slots in all, not forty."""
    procs = [
        subprocess.Popen([sys.executable, "-c", TAKE_ALL, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    taken = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(taken) == 10, taken


@pytest.mark.workflow  # starts Snakemake with the slurm executor
def test_verbose_on_slurm_is_refused_while_a_key_is_in_the_environment(tmp_path):
    """The SLURM job step logs os.environ at debug level: --verbose would write the keys into
    .snakemake/slurm_logs. Refused before any job is submitted, naming the variables."""
    import os

    from support.workflow import SNAKEFILE, write_config

    write_config(tmp_path, tickers=["aapl"])
    env = {**os.environ, "SNAKEMAKE_STORAGE_S3_SECRET_KEY": "s3cr3t-for-the-test"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(tmp_path)]
    cmd += ["--executor", "slurm", "--jobs", "1", "--verbose"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode != 0
    assert "--verbose with the slurm executor" in proc.stderr
    assert "SNAKEMAKE_STORAGE_S3_SECRET_KEY" in proc.stderr
    assert "s3cr3t-for-the-test" not in proc.stderr + proc.stdout
    assert "SLURM jobid" not in proc.stderr
    assert not (tmp_path / ".snakemake" / "slurm_logs").exists()
