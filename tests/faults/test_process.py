"""Process faults: killed jobs, a killed Snakemake, a full disk, a read-only output directory,
two Snakemake runs on one directory. No truncated file is ever taken as done, and a rerun
(with what Snakemake asks for) ends equal to a clean run."""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from stockflow import StockflowError
from stockflow.convert import convert_file
from support import faultkit
from support.faultkit import (
    audit,
    corrupt_present,
    data_targets,
    kill_tree,
    read_only,
    reference,
    start,
    temp_leftovers,
    tmpfs,
    wait_for,
)
from support.workflow import jobs_run, snakemake, write_config

pytestmark = pytest.mark.workflow

TICKERS = ["aapl", "ibm", "ge", "jpm"]
# 120 days of minute bars: 7 MB of JSON, 3.7 MB of HDF5 per ticker; a 200 MB budget makes
# convert read it in two blocks, so a kill can land between appends.
CONFIG = {"synth": {"days": 120}, "convert": {"memory_mb": 200}}
H5_BYTES = 3_690_000  # measured on tmpfs: the last chunks of 65,536 rows are stored whole


@pytest.fixture
def clean():
    return reference(TICKERS, **CONFIG)


@pytest.fixture
def workdir(tmp_path):
    write_config(tmp_path, tickers=TICKERS, **CONFIG)
    return tmp_path


def h5_temporaries(workdir: Path) -> list[Path]:
    d = workdir / "results/hdf5"
    return [d / e.name for e in os.scandir(d) if ".tmp-" in e.name] if d.is_dir() else []


def finished_h5(workdir: Path) -> list[str]:
    d = workdir / "results/hdf5"
    return [e.name for e in os.scandir(d) if not e.name.startswith(".")] if d.is_dir() else []


def recover(workdir: Path, rerun=None) -> tuple[list[str], subprocess.CompletedProcess]:
    """faultkit.recover, by default with this module's data targets."""
    if rerun is None:

        def rerun(*flags):
            return snakemake(workdir, *data_targets(TICKERS), *flags, check=False)

    return faultkit.recover(rerun)


def writing(workdir: Path) -> list[Path]:
    """Temporaries of .h5 files with bytes in them: conversions caught mid-write."""
    out = []
    for p in h5_temporaries(workdir):
        try:
            if p.stat().st_size > 0:
                out.append(p)
        except FileNotFoundError:  # renamed or removed since the listing
            pass
    return out


def test_sigkill_of_a_convert_job_mid_write(workdir, clean, fault_ledger):
    proc = start(workdir, "--keep-going", *data_targets(TICKERS))
    killed, tmp = [], None
    try:
        # Kill the writer of the first temporary seen; should it finish in between (its file
        # renamed), try the next ticker's.
        while tmp is None and len(killed) < len(TICKERS):
            seen = wait_for(
                lambda: [p for p in writing(workdir) if p not in killed], what="a write"
            )[0]
            try:
                os.kill(int(seen.stem.rsplit("-", 1)[1]), signal.SIGKILL)
            except ProcessLookupError:
                pass
            killed.append(seen)
            tmp = seen if seen.exists() else None
        out, _ = proc.communicate(timeout=300)
    finally:
        proc.kill()
    killed_mid_write = tmp is not None  # a finished write would have been renamed away
    hit = {p.name[1:].split(".tmp-")[0] for p in killed}
    ticker = tmp.name[1:].split(".tmp-")[0] if tmp else None
    left_after_kill = audit(workdir, clean, done=[t for t in TICKERS if t not in hit])
    final_after_kill = (workdir / f"results/hdf5/{ticker}.h5").exists()
    steps, _ = recover(workdir)
    lost, corrupt, found = audit(workdir, clean, done=TICKERS)
    corrupt += left_after_kill[1] + final_after_kill
    fault_ledger.record(
        "process",
        "SIGKILL a convert job mid-write",
        "job failed, others finished; rerun " + (" ".join(steps) or "as is") + " = clean run",
        lost + left_after_kill[0],
        corrupt,
    )
    assert killed_mid_write, "the kill came after the write finished"
    assert proc.returncode != 0 and "Error in rule convert" in out
    assert left_after_kill[:2] == (0, 0), left_after_kill[2]
    assert not final_after_kill
    assert (lost, corrupt) == (0, 0), found
    assert temp_leftovers(workdir) == []  # the rerun's write removed the dead job's temporary


def test_sigkill_of_the_whole_snakemake_mid_run(workdir, clean, fault_ledger):
    proc = start(workdir, *data_targets(TICKERS))
    try:
        wait_for(
            lambda: finished_h5(workdir) and h5_temporaries(workdir),
            what="one .h5 done and another being written",
        )
        killed = kill_tree(proc.pid)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    # What a crash leaves: every file under its final name must already be complete.
    after_kill = corrupt_present(workdir, clean, TICKERS)
    done_before = sum((workdir / f"results/hdf5/{t}.h5").exists() for t in TICKERS)
    steps, _ = recover(workdir)
    lost, corrupt, found = audit(workdir, clean, done=TICKERS)
    fault_ledger.record(
        "process",
        "SIGKILL snakemake and all its jobs mid-run",
        "rerun " + (" ".join(steps) or "as is") + " = clean run",
        lost,
        corrupt + len(after_kill),
    )
    assert len(killed) > 1 and 0 < done_before < len(TICKERS)  # killed with jobs in flight
    assert after_kill == []
    assert (lost, corrupt) == (0, 0), found
    assert temp_leftovers(workdir) == []


@pytest.mark.root
def test_full_disk_fails_clearly_and_a_rerun_with_space_completes(workdir, clean, fault_ledger):
    hdf5 = workdir / "results/hdf5"
    # Room for two files and a half: the first two converts (run at once) fit, the others not.
    with tmpfs(hdf5, size=f"{5 * H5_BYTES // 2048}k"):
        proc = snakemake(workdir, "--keep-going", *data_targets(TICKERS), check=False)
        full = [t for t in TICKERS if not (hdf5 / f"{t}.h5").exists()]
        messages = [(workdir / f"logs/convert/{t}.log").read_text() for t in full]
        _, corrupt_full, found_full = audit(
            workdir, clean, done=[t for t in TICKERS if t not in full]
        )
        leftovers = temp_leftovers(workdir)
        # The disk is given more room, as an operator would; what it holds stays.
        subprocess.run(
            ["mount", "-o", f"remount,size={8 * H5_BYTES // 1024}k", str(hdf5)], check=True
        )
        steps, rerun = recover(workdir)
        lost, corrupt, found = audit(workdir, clean, done=TICKERS)
    fault_ledger.record(
        "process",
        "full disk (tmpfs) under results/hdf5",
        f"{len(full)} convert jobs failed: 'no space left on device'; rerun with room = clean run",
        lost,
        corrupt + corrupt_full,
    )
    assert proc.returncode != 0 and len(full) == 2
    for t, log in zip(full, messages, strict=True):
        assert f"cannot write results/hdf5/{t}.h5: no space left on device" in log, log
    assert corrupt_full == 0, found_full
    assert leftovers == []
    assert (lost, corrupt) == (0, 0), found
    # The rerun redid exactly the converts that had no room.
    assert set(full) == {t for rule, t in jobs_run(rerun.stderr) if rule == "convert"}


@pytest.mark.root
def test_read_only_output_directory_stops_the_run_clearly_then_completes(
    workdir, clean, fault_ledger
):
    hdf5 = workdir / "results/hdf5"
    with read_only(hdf5):
        proc = snakemake(workdir, "--keep-going", *data_targets(TICKERS), check=False)
        in_dir = sorted(p.name for p in hdf5.iterdir())
    after = corrupt_present(workdir, clean, TICKERS)
    steps, _ = recover(workdir)
    lost, corrupt, found = audit(workdir, clean, done=TICKERS)
    fault_ledger.record(
        "process",
        "read-only results/hdf5 (bind mount)",
        "Snakemake stops before the first convert: 'Read-only file system: results/hdf5/...'; "
        "rerun when writable = clean run",
        lost,
        corrupt + len(after),
    )
    # Snakemake itself removes a job's stale outputs before running it, and that os.remove
    # fails first on a read-only file system, ending the whole run (--keep-going or not).
    assert proc.returncode != 0
    assert re.search(r"Read-only file system: 'results/hdf5/\w+\.h5'", proc.stderr)
    assert in_dir == [] and after == []
    assert (lost, corrupt) == (0, 0), found
    assert temp_leftovers(workdir) == []


@pytest.mark.root
def test_convert_into_a_read_only_directory_names_it(clean, tmp_path):
    target = tmp_path / "ro"
    with read_only(target):
        with pytest.raises(StockflowError) as err:
            convert_file(str(clean / "results/json/ibm.json"), str(target / "ibm.h5"))
        assert list(target.iterdir()) == []
    assert f"cannot write {target}/ibm.h5: the file system is read-only" in str(err.value)


def test_two_snakemake_runs_on_one_directory(workdir, clean, fault_ledger):
    first = start(workdir)  # the whole workflow, charts too: it runs long enough
    try:
        wait_for(
            lambda: any((workdir / ".snakemake/locks").glob("*")),
            what="the first run to lock the directory",
        )
        # Plain, and with what the refusal may suggest, both while the first still runs.
        others = [start(workdir, *data_targets(TICKERS), *f) for f in ([], ["--rerun-incomplete"])]
        second, third = (
            subprocess.CompletedProcess(p.args, p.wait(timeout=300), "", p.stdout.read())
            for p in others
        )
        first_running = first.poll() is None
        out, _ = first.communicate(timeout=300)
    finally:
        first.kill()
    lost, corrupt, found = audit(workdir, clean, done=TICKERS)
    refused = [
        "locked" if "cannot be locked" in p.stderr else "incomplete files"
        for p in (second, third)
        if p.returncode != 0 and ("cannot be locked" in p.stderr or "Incomplete files" in p.stderr)
    ]
    fault_ledger.record(
        "process",
        "a second snakemake while one runs, then one with --rerun-incomplete",
        f"refused ({', '.join(refused)}); first finished = clean run",
        lost,
        corrupt,
    )
    assert first.returncode == 0, out[-3000:]
    assert len(refused) == 2 and first_running, (second.stderr[-2000:], third.stderr[-2000:])
    assert (lost, corrupt) == (0, 0), found
