"""The S3 server stops in the middle of a run, killed as a crash would (a server of its own: the
session's stays up)."""

import subprocess
import sys
import time

import pandas as pd
import pytest
from support.s3kit import snakemake_s3
from support.seaweed import SeaweedS3
from support.workflow import SNAKEFILE, snakemake, write_config

pytestmark = pytest.mark.storage

TICKERS = ["aapl", "amzn", "cost", "csco", "ebay", "ge", "goog", "ibm"]
DAYS = 60
PREFIX = "interrupted"


def test_server_stopped_mid_run_fails_the_jobs_in_flight_then_a_rerun_completes(
    tmp_path, fault_ledger
):
    server = SeaweedS3(tmp_path / "seaweed")
    server.start()
    try:
        server.make_bucket()
        work, ref = tmp_path / "work", tmp_path / "local"
        for d in (work, ref):
            write_config(d, tickers=TICKERS, synth={"days": DAYS})
        snakemake(ref)

        cmd = [
            sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(work),
            "--cores", "2", "--profile", str(SNAKEFILE.parent / "profiles/s3"),
            "--default-storage-prefix", f"s3://stockflow/{PREFIX}",
        ]  # fmt: skip
        run = subprocess.Popen(
            cmd, env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        # stop the server once some tickers are done and others are still running
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None:
            done = [k for k in server.keys(PREFIX) if k.startswith("results/hdf5/")]
            if len(done) >= 2:
                break
            time.sleep(0.5)
        assert run.poll() is None, "the run ended before the server could be stopped"
        # at once: in stop()'s grace period weed answers 500 (which names no endpoint) for a while
        server.kill()
        out, _ = run.communicate(timeout=600)
        (tmp_path / "interrupted.log").write_text(out)

        assert run.returncode != 0
        assert server.endpoint in out, out[-3000:]  # the failing jobs name the endpoint

        server.start()
        stored = server.keys(PREFIX)
        # every object there is whole: the data files equal a clean local run's
        corrupt = 0
        for key in stored:
            if key.startswith("results/json/") or key.startswith("resources/quotes/"):
                corrupt += server.get(f"{PREFIX}/{key}") != (ref / key).read_bytes()
            elif key.startswith("results/hdf5/"):
                copy = tmp_path / "copy.h5"
                copy.write_bytes(server.get(f"{PREFIX}/{key}"))
                try:
                    pd.testing.assert_frame_equal(
                        pd.read_hdf(copy, "data"), pd.read_hdf(ref / key, "data")
                    )
                except (AssertionError, OSError, ValueError):
                    corrupt += 1
        missing_h5 = [t for t in TICKERS if f"results/hdf5/{t}.h5" not in stored]
        assert missing_h5, "every ticker finished before the server stopped"

        snakemake_s3(work, server, PREFIX)
        after = server.keys(PREFIX)
        lost = 0
        for t in TICKERS:
            key = f"results/hdf5/{t}.h5"
            if key not in after:
                lost += 1
                continue
            copy = tmp_path / f"{t}.h5"
            copy.write_bytes(server.get(f"{PREFIX}/{key}"))
            pd.testing.assert_frame_equal(pd.read_hdf(copy, "data"), pd.read_hdf(ref / key, "data"))
            assert (
                server.get(f"{PREFIX}/results/json/{t}.json")
                == (ref / f"results/json/{t}.json").read_bytes()
            )
        fault_ledger.record(
            "object storage",
            f"S3 server stopped with {len(missing_h5)} of {len(TICKERS)} tickers unfinished",
            "jobs in flight failed naming the endpoint; rerun completed, equal to a local run",
            lost,
            corrupt,
        )
        assert (lost, corrupt) == (0, 0)
    finally:
        server.kill()  # a server of this test's own: nothing to shut down gracefully
