"""The workflow on a real SLURM cluster through both profiles (tests/cluster/setup_slurm.sh).

Tickers go to the cluster in batches (config batch_size; group "chain" in the rules): each batch
is one SLURM job. These fail, never skip, when SLURM is not running: the README's test command
starts it. Deselect them with ``-m "not slurm"`` on a machine without root.
"""

import re
import shutil
import subprocess

import pandas as pd
import pytest
from support.workflow import REPO, jobs_run, snakemake, write_config

pytestmark = pytest.mark.slurm

PROFILES = {
    # The plugin's first status query waits 40 s by default; a test cluster answers at once.
    "slurm": (
        "--profile",
        str(REPO / "profiles/slurm"),
        "--slurm-init-seconds-before-status-checks",
        "2",
    ),
    # Snakemake asks the status command every 10 s by default; here every second.
    "cluster-generic": (
        "--profile",
        str(REPO / "profiles/cluster-generic"),
        "--seconds-between-status-checks",
        "1",
    ),
}
# The lesson's 29 tickers, as the issue that asked for batches measured them
TICKERS = (
    "aa aapl abc aig amgn amzn bwa cost csco d ebay emr esrx gas ge goog hal hp hpq ibm jbl jpm "
    "met nyx pcg usb vrsn yhoo zmh"
).split()
DAYS = 30


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
    write_config(d, tickers=TICKERS, synth={"days": DAYS})
    snakemake(d)
    return d


def grouped_jobs(output: str) -> set[tuple[str, str | None]]:
    """(rule, ticker) of the jobs inside the group jobs Snakemake submitted (indented blocks)."""
    found, rule = set(), None
    for line in output.splitlines():
        m = re.match(r"^\s+(?:local)?rule (\w+):$", line)
        if m:
            rule = m.group(1)
            found.add((rule, None))
            continue
        w = re.match(r"^\s+wildcards: ticker=(\S+)$", line)
        if w and rule:
            found.discard((rule, None))
            found.add((rule, w.group(1)))
            rule = None
    return found


def slurm_ids(output: str) -> list[str]:
    ids = re.findall(r"SLURM jobid (\d+)|with external jobid '(\d+)'", output)
    return [a or b for a, b in ids]


def sacct_states(ids: list[str]) -> list[str]:
    sacct = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "State", "-j", ",".join(ids)],
        capture_output=True,
        text=True,
    )
    assert sacct.returncode == 0, sacct.stderr
    return sacct.stdout.split()


def assert_same_as_local(work, local, tickers):
    for t in tickers:
        # Same bytes of JSON (deterministic synthesis) and the same frames in HDF5.
        assert (work / f"results/json/{t}.json").read_bytes() == (
            local / f"results/json/{t}.json"
        ).read_bytes(), t
        pd.testing.assert_frame_equal(
            pd.read_hdf(work / f"results/hdf5/{t}.h5", "data"),
            pd.read_hdf(local / f"results/hdf5/{t}.h5", "data"),
            check_exact=True,
        )


@pytest.mark.parametrize("profile", list(PROFILES))
def test_29_tickers_go_to_slurm_in_a_few_batch_jobs_and_match_a_local_run(
    tmp_path, local_run, profile
):
    write_config(tmp_path, tickers=TICKERS, synth={"days": DAYS}, batch_size=10)
    proc = snakemake(tmp_path, *PROFILES[profile])
    ran = {rule for rule, _ in grouped_jobs(proc.stderr) | set(jobs_run(proc.stderr))}
    assert {"download", "synthesize", "convert", "shard", "benchmark_summary"} <= ran
    # Three batches of at most 10 tickers: three SLURM jobs, and accounting says they
    # completed; the summary, inventory and plots are local rules.
    ids = slurm_ids(proc.stderr)
    assert len(ids) == 3, proc.stderr[-3000:]
    assert sacct_states(ids) == ["COMPLETED"] * 3
    assert_same_as_local(tmp_path, local_run, TICKERS)
    for t in TICKERS:
        for rule in ("download", "synthesize", "convert"):
            bench = pd.read_csv(tmp_path / f"benchmarks/{rule}/{t}.tsv", sep="\t")
            assert bench["s"].iloc[0] > 0
    summary = pd.read_csv(tmp_path / "results/benchmarks.tsv", sep="\t")
    assert len(summary) == 3 * len(TICKERS)
    again = snakemake(tmp_path, *PROFILES[profile])
    assert "Nothing to be done" in again.stderr


def test_batch_jobs_go_to_slurm_one_job_per_batch_and_match_a_local_run(tmp_path, local_run):
    """batch_jobs: a batch's three batch jobs (and its shard) are one SLURM job, as its
    tickers' per-ticker chains were."""
    write_config(tmp_path, tickers=TICKERS, synth={"days": DAYS}, batch_size=10, batch_jobs=True)
    proc = snakemake(tmp_path, *PROFILES["slurm"])
    ran = {rule for rule, _ in grouped_jobs(proc.stderr)}
    assert {f"{s}_batch000{b}" for s in ("download", "convert") for b in range(3)} <= ran
    assert not ran & {"download", "synthesize", "convert"}
    ids = slurm_ids(proc.stderr)
    assert len(ids) == 3 and sacct_states(ids) == ["COMPLETED"] * 3, proc.stderr[-3000:]
    assert_same_as_local(tmp_path, local_run, TICKERS)
    summary = pd.read_csv(tmp_path / "results/benchmarks.tsv", sep="\t")
    assert len(summary) == 3 * len(TICKERS) and (summary["seconds"] > 0).all()
    assert "Nothing to be done" in snakemake(tmp_path, *PROFILES["slurm"]).stderr


def test_the_default_batch_sends_29_tickers_as_one_slurm_job(tmp_path, local_run):
    write_config(tmp_path, tickers=TICKERS, synth={"days": DAYS})
    proc = snakemake(tmp_path, *PROFILES["slurm"])
    ids = slurm_ids(proc.stderr)
    assert len(ids) == 1 and sacct_states(ids) == ["COMPLETED"]
    assert_same_as_local(tmp_path, local_run, TICKERS)


# Nine of the 29, ibm in the middle: three batches of three, a third of the 29 tickers' work
FAILING = TICKERS[15:24]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_failing_ticker_fails_its_batch_with_its_log_and_the_other_batches_finish(
    tmp_path, local_run, profile
):
    write_config(tmp_path, tickers=FAILING, synth={"days": DAYS}, batch_size=3)
    snakemake(tmp_path, "--until", "synthesize")
    bad = tmp_path / "results/json/ibm.json"
    good = bad.read_bytes()
    lines = good.decode().splitlines(keepends=True)
    lines[6] = "{oops\n"
    bad.write_text("".join(lines))

    proc = snakemake(tmp_path, *PROFILES[profile], "--keep-going", check=False)
    assert proc.returncode != 0
    assert "Error in group chain" in proc.stderr
    # the failed job's own log, shown by the main run (show-failed-logs)
    assert "results/json/ibm.json:7: malformed JSON" in proc.stderr
    log = (tmp_path / "logs/convert/ibm.log").read_text()
    assert "results/json/ibm.json:7: malformed JSON" in log
    assert not (tmp_path / "results/hdf5/ibm.h5").exists()
    batch = FAILING[3:6]  # ibm's batch: Snakemake keeps none of a failed group's outputs
    assert "ibm" in batch
    others = [t for t in FAILING if t not in batch]
    assert all((tmp_path / f"results/hdf5/{t}.h5").exists() for t in others)
    assert not any((tmp_path / f"results/hdf5/{t}.h5").exists() for t in batch)

    bad.write_bytes(good)  # fixed: the next run redoes exactly the failed batch
    again = snakemake(tmp_path, *PROFILES[profile])
    assert len(slurm_ids(again.stderr)) == 1
    assert {t for rule, t in grouped_jobs(again.stderr) if rule == "convert"} == set(batch)
    assert_same_as_local(tmp_path, local_run, FAILING)
    assert "Nothing to be done" in snakemake(tmp_path, *PROFILES[profile]).stderr


def test_a_providers_key_reaches_the_cluster_jobs_and_no_file(tmp_path):
    """Through profiles/slurm, the key lives in the environment only: every file the run, its
    SLURM jobs and Snakemake wrote under the working directory (.snakemake/ included) is free
    of it."""
    import os
    import sys

    from support import fake_eodhd
    from support.fakekit import KEY, history, normalized_csv, serving
    from support.provkit import END, START, config_for, files_holding

    fake = fake_eodhd.Fake()
    tickers = ["AAPL.US", "IBM.US"]
    with serving(fake) as server:
        write_config(tmp_path, **config_for("eodhd", server.base, tickers))
        env = {**os.environ, **fake.env}
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d"]
        cmd += [str(tmp_path), *PROFILES["slurm"], "--slurm-keep-successful-logs"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr[-4000:]
    ids = slurm_ids(proc.stderr)
    assert len(ids) == 1 and sacct_states(ids) == ["COMPLETED"]
    for t in tickers:
        written = (tmp_path / f"resources/quotes/{t}.csv").read_text()
        assert written == normalized_csv(history(t, START, END))
    assert list((tmp_path / ".snakemake/slurm_logs").rglob("*.log"))  # kept, and searched
    assert files_holding(tmp_path, KEY) == []
    assert KEY not in proc.stdout + proc.stderr


@pytest.mark.storage
def test_slurm_without_a_shared_disk_keeps_every_file_in_s3_and_matches_a_local_run(
    tmp_path, local_run, s3
):
    """profiles/slurm-s3: the batch jobs fetch their inputs from the bucket and store their
    outputs there (shared-fs-usage none); the S3 keys reach them through the environment only."""
    import sys

    tickers = ["aapl", "goog", "ibm"]
    write_config(tmp_path, tickers=tickers, synth={"days": DAYS}, batch_size=2)
    prefix = "slurm-no-shared-disk"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path)]
    cmd += ["--profile", str(REPO / "profiles/slurm-s3"), "--slurm-keep-successful-logs"]
    cmd += ["--slurm-init-seconds-before-status-checks", "2"]
    cmd += ["--default-storage-prefix", f"s3://stockflow/{prefix}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=s3.env())
    assert proc.returncode == 0, proc.stderr[-4000:]
    ids = slurm_ids(proc.stderr)
    assert len(ids) == 2 and sacct_states(ids) == ["COMPLETED"] * 2  # 2 batches of <= 2 tickers
    assert not (tmp_path / "results").exists()  # nothing but Snakemake's metadata stays here
    for t in tickers:
        name = f"results/json/{t}.json"
        assert s3.get(f"{prefix}/{name}") == (local_run / name).read_bytes()
        copy = tmp_path / f"{t}.h5"
        copy.write_bytes(s3.get(f"{prefix}/results/hdf5/{t}.h5"))
        pd.testing.assert_frame_equal(
            pd.read_hdf(copy, "data"), pd.read_hdf(local_run / f"results/hdf5/{t}.h5", "data")
        )
        copy.unlink()
    assert list((tmp_path / ".snakemake/slurm_logs").rglob("*.log"))  # kept, and searched
    secrets = (s3.access_key.encode(), s3.secret_key.encode())
    holding = [
        p for p in tmp_path.rglob("*") if p.is_file() and any(s in p.read_bytes() for s in secrets)
    ]
    assert holding == []
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=s3.env())
    assert again.returncode == 0 and "Nothing to be done" in again.stderr


def test_a_nightly_update_on_slurm_asks_one_market_request_per_day(tmp_path):
    """Through profiles/slurm, batch jobs: the second night's downloads share the market's days
    (resources/bulk on the shared disk): one grouped-daily request per missing weekday."""
    import datetime as dt
    import os
    import sys

    from support import fake_polygon
    from support.fakekit import history, normalized_csv, serving
    from support.provkit import START, config_for, stage_results

    fake = fake_polygon.Fake(market=("aapl", "ibm", "ge"))
    tickers = ["AAPL", "IBM", "GE"]
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d"]
    cmd += [str(tmp_path), *PROFILES["slurm"]]
    env = {**os.environ, **fake.env}
    with serving(fake) as server:
        for end in (dt.date(2024, 3, 28), dt.date(2024, 4, 5)):
            cfg = config_for("polygon", server.base, tickers, end=end.isoformat())
            cfg["synth"] = {"days": 30}  # the six new weekdays are made, the others kept
            write_config(tmp_path, **cfg, batch_jobs=True, batch_size=2)
            before = (fake.calls, fake.bulk_calls)
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
            assert proc.returncode == 0, proc.stderr[-4000:]
    assert (fake.calls - before[0], fake.bulk_calls - before[1]) == (0, 6)
    assert len(slurm_ids(proc.stderr)) == 2  # two batches, one SLURM job each
    made = stage_results(tmp_path, "synthesize")
    for t in tickers:
        written = (tmp_path / f"resources/quotes/{t}.csv").read_text()
        assert written == normalized_csv(history(t, START, dt.date(2024, 4, 5)))
        assert made[t]["days_made"] == 6, made[t]  # the keep (resources/periods) is shared
