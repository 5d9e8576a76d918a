"""The workflow on a real SLURM cluster through both profiles (tests/cluster/setup_slurm.sh).

These fail, never skip, when SLURM is not running: the README's test command starts it.
Deselect them with ``-m "not slurm"`` on a machine without root.
"""

import re
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import REPO, jobs_run, snakemake, write_config

pytestmark = pytest.mark.slurm

PROFILES = {
    # The plugin's first status query waits 40 s by default; a test cluster answers at once.
    "slurm": (
        "--profile",
        str(REPO / "profiles/slurm"),
        "--slurm-init-seconds-before-status-checks",
        "2",
    ),
    "cluster-generic": ("--profile", str(REPO / "profiles/cluster-generic")),
}
TICKERS = ["aapl", "ibm"]


@pytest.fixture(scope="module", autouse=True)
def slurm_up():
    if not shutil.which("sbatch"):
        pytest.fail("SLURM is not installed: run `bash tests/cluster/setup_slurm.sh` as root")
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True)
    if "UP" not in ping.stdout:
        pytest.fail(f"slurmctld is not answering ({ping.stdout.strip()} {ping.stderr.strip()})")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("local")
    write_config(d, tickers=TICKERS, synth={"days": 3})
    snakemake(d)
    return d


@pytest.mark.parametrize("profile", list(PROFILES))
def test_cluster_run_matches_a_local_run(tmp_path, local_run, profile):
    write_config(tmp_path, tickers=TICKERS, synth={"days": 3})
    proc = snakemake(tmp_path, *PROFILES[profile])
    ran = {rule for rule, _ in jobs_run(proc.stderr)}
    assert {"download", "synthesize", "convert", "benchmark_summary", "plot_ticker"} <= ran
    # Every data and chart job (4 a ticker) really went through SLURM, and its accounting says
    # it completed; the summary, inventory and benchmark plots are local rules.
    ids = re.findall(r"SLURM jobid (\d+)|with external jobid '(\d+)'", proc.stderr)
    ids = [a or b for a, b in ids]
    assert len(ids) == 4 * len(TICKERS), proc.stderr[-3000:]
    sacct = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "State", "-j", ",".join(ids)],
        capture_output=True,
        text=True,
    )
    assert sacct.returncode == 0, sacct.stderr
    assert sacct.stdout.split() == ["COMPLETED"] * len(ids)
    for t in TICKERS:
        # Same bytes of JSON (deterministic synthesis) and the same frames in HDF5.
        assert (tmp_path / f"results/json/{t}.json").read_bytes() == (
            local_run / f"results/json/{t}.json"
        ).read_bytes()
        pd.testing.assert_frame_equal(
            pd.read_hdf(tmp_path / f"results/hdf5/{t}.h5", "data"),
            pd.read_hdf(local_run / f"results/hdf5/{t}.h5", "data"),
            check_exact=True,
        )
        for rule in ("download", "synthesize", "convert"):
            bench = pd.read_csv(tmp_path / f"benchmarks/{rule}/{t}.tsv", sep="\t")
            assert bench["s"].iloc[0] > 0
    summary = pd.read_csv(tmp_path / "results/benchmarks.tsv", sep="\t")
    assert len(summary) == 3 * len(TICKERS)
    again = snakemake(tmp_path, *PROFILES[profile])
    assert "Nothing to be done" in again.stderr


@pytest.mark.parametrize("profile", list(PROFILES))
def test_failed_cluster_job_is_reported_with_its_log_and_no_hang(tmp_path, profile):
    write_config(tmp_path, tickers=TICKERS, synth={"days": 3})
    snakemake(tmp_path, "--until", "synthesize")
    bad = tmp_path / "results/json/ibm.json"
    lines = bad.read_text().splitlines(keepends=True)
    lines[6] = "{oops\n"
    bad.write_text("".join(lines))

    proc = snakemake(tmp_path, *PROFILES[profile], "--keep-going", check=False)
    assert proc.returncode != 0
    assert "Error in rule convert" in proc.stderr
    assert "logs/convert/ibm.log" in proc.stderr
    log = (tmp_path / "logs/convert/ibm.log").read_text()
    assert "results/json/ibm.json:7: malformed JSON" in log
    assert not (tmp_path / "results/hdf5/ibm.h5").exists()
    assert len(pd.read_hdf(tmp_path / "results/hdf5/aapl.h5", "data")) == 3 * 480
