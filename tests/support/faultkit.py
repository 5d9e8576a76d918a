"""The fault suite's tools: clean reference runs, an audit of a work directory against one, and
file systems that fill up or refuse writes.

A fault test injects one fault into a real Snakemake run, lets the workflow (and a rerun, where
recovery is the point) finish, then audits every ticker's outputs against a clean run of the
same config: an output that is missing is data lost; one that exists under its final name but
differs from the clean run, or cannot be read, is a corrupt output accepted.
"""

import atexit
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from support.workflow import SNAKEFILE, not_in_fast_tier, snakemake, write_config

STAGES = {
    "quotes": "resources/quotes/{t}.csv",
    "json": "results/json/{t}.json",
    "hdf5": "results/hdf5/{t}.h5",
}
OUTPUT_DIRS = ("resources/quotes", "results/json", "results/hdf5")


def data_targets(tickers) -> list[str]:
    """The three data outputs of each ticker (no charts: the faults are in the data path)."""
    return [STAGES["hdf5"].format(t=t) for t in tickers]


@functools.cache
def _reference(tickers: tuple[str, ...], overrides: str) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="stockflow-reference-"))
    atexit.register(shutil.rmtree, workdir, True)
    write_config(workdir, tickers=list(tickers), **json.loads(overrides))
    snakemake(workdir, *data_targets(tickers))
    return workdir


def reference(tickers, **overrides) -> Path:
    """The work directory of a clean run of ``tickers`` (made once per session and config)."""
    return _reference(tuple(tickers), json.dumps(overrides, sort_keys=True))


def same_output(path: Path, ref: Path) -> bool:
    """Same bytes for CSV and JSON; for HDF5 the frame read back (pandas.read_hdf) is equal."""
    if path.suffix != ".h5":
        return path.read_bytes() == ref.read_bytes()
    try:
        got = pd.read_hdf(path, "data")
    except Exception:  # any failure to read is a corrupt file
        return False
    want = pd.read_hdf(ref, "data")
    try:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    except AssertionError:
        return False
    return True


def audit(workdir: Path, ref_dir: Path, done=(), absent=()) -> tuple[int, int, list[str]]:
    """(data lost, corrupt outputs accepted, what was found) for a finished work directory.

    ``done``: tickers whose every output must be there and equal the clean run; ``absent``:
    tickers whose input was bad, so none of the outputs listed in STAGES after the failing stage
    may exist (``absent`` maps ticker -> first stage that must be missing).
    """
    lost, corrupt, found = 0, 0, []
    for t in done:
        for stage, template in STAGES.items():
            path, ref = workdir / template.format(t=t), ref_dir / template.format(t=t)
            if not path.exists():
                lost += 1
                found.append(f"{t} {stage}: missing")
            elif not same_output(path, ref):
                corrupt += 1
                found.append(f"{t} {stage}: differs from the clean run")
    absent = dict.fromkeys(absent, "quotes") if not isinstance(absent, dict) else absent
    for t, first in absent.items():
        names = list(STAGES)
        for stage in names[names.index(first) :]:
            path = workdir / STAGES[stage].format(t=t)
            if path.exists():
                corrupt += 1
                found.append(f"{t} {stage}: exists although its input was bad")
    return lost, corrupt, found


def corrupt_present(workdir: Path, ref_dir: Path, tickers) -> list[str]:
    """Outputs that exist under their final name but differ from the clean run (or are
    unreadable): what a crash must never leave, since Snakemake would take them as done."""
    return [
        STAGES[stage].format(t=t)
        for t in tickers
        for stage in STAGES
        if (workdir / STAGES[stage].format(t=t)).exists()
        and not same_output(
            workdir / STAGES[stage].format(t=t), ref_dir / STAGES[stage].format(t=t)
        )
    ]


def temp_leftovers(workdir: Path) -> list[str]:
    """Temporary files of interrupted writes (stockflow.atomic names them .NAME.tmp-*)."""
    return sorted(
        str(p.relative_to(workdir))
        for d in OUTPUT_DIRS
        if (workdir / d).is_dir()
        for p in (workdir / d).glob(".*.tmp-*")
    )


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "1m", readonly: bool = False) -> Iterator[Path]:
    """A real file system of ``size`` mounted on ``path`` (needs root, as README command 2)."""
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size},mode=0755" + (",ro" if readonly else "")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "stockflow-fault", str(path)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"cannot mount a tmpfs on {path} (the fault suite runs as root, like README "
            f"command 2): {proc.stderr.strip()}"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """``path`` bind-mounted onto itself read-only: refused even to root, unlike chmod."""
    path.mkdir(parents=True, exist_ok=True)
    for cmd in (
        ["mount", "--bind", str(path), str(path)],
        ["mount", "-o", "remount,bind,ro", str(path)],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=False)
            raise AssertionError(f"cannot make {path} read-only: {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


# --- killing a run as a lost node would, and recovering as a user would --------------------------


def start(workdir: Path, *args: str) -> subprocess.Popen:
    not_in_fast_tier()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir)]
    return subprocess.Popen(
        [*cmd, "--cores", "2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        out.append(p)
        frontier.extend(parents.get(p, []))
    return out


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and all its descendants at once, as a crashed node would.

    Stopped first, so none of them can start another process or finish a write in between.
    """
    stopped = []
    for _ in range(3):  # a process forked during the walk is caught by the next walk
        for p in descendants(pid):
            if p not in stopped:
                try:
                    os.kill(p, signal.SIGSTOP)
                    stopped.append(p)
                except ProcessLookupError:
                    pass
    for p in stopped:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stopped


def wait_for(predicate, timeout: float = 120.0, what: str = "condition"):
    """Poll without sleeping: a write to catch lasts a few tens of milliseconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
    raise AssertionError(f"timed out waiting for {what}")


def recover(rerun) -> tuple[list[str], subprocess.CompletedProcess]:
    """Rerun as a user would, doing what Snakemake's messages ask; return the steps taken.

    ``rerun(*flags)`` runs Snakemake."""
    steps, flags = [], []
    for _ in range(4):
        proc = rerun(*flags)
        if proc.returncode == 0:
            return steps, proc
        if "cannot be locked" in proc.stderr and "--unlock" in proc.stderr:
            rerun("--unlock")
            steps.append("--unlock")
        elif "--rerun-incomplete" in proc.stderr and not flags:
            flags = ["--rerun-incomplete"]
            steps.append("--rerun-incomplete")
        else:
            break
    raise AssertionError(f"no recovery after {steps}:\n{proc.stderr[-4000:]}")


# --- the fault suite's figures: each fault test records what it measured, before asserting it;
# the session prints one row per fault class (conftest.py's pytest_terminal_summary).


class FaultLedger:
    def __init__(self, rows: list):
        self._rows = rows

    def record(self, fault_class: str, case: str, outcome: str, data_lost: int, corrupt: int):
        """One injected fault: what happened, outputs lost, corrupt outputs taken as done."""
        self._rows.append((fault_class, case, outcome, data_lost, corrupt))


def fault_table(rows: list) -> str:
    classes: dict[str, list] = {}
    for row in rows:
        classes.setdefault(row[0], []).append(row)
    lines = [
        "| fault class | cases tried | outcome | data lost | corrupt outputs accepted |",
        "|---|---:|---|---:|---:|",
    ]
    for name, group in classes.items():
        outcomes = "; ".join(dict.fromkeys(r[2] for r in group))
        lost = sum(r[3] for r in group)
        corrupt = sum(r[4] for r in group)
        lines.append(f"| {name} | {len(group)} | {outcomes} | {lost} | {corrupt} |")
    return "\n".join(lines) + "\n"
