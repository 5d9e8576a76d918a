"""The bottom of bench/: paths, timed processes, progress lines, timestamps (stdlib only).

Every other module of bench/ may import this one; it imports none of them.
"""

import datetime as dt
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SNAKEFILE = ROOT / "Snakefile"
LESSON = BENCH / "lesson.py"
INPROC = BENCH / "inproc.py"
POOL = BENCH / "pool.py"
PY = sys.executable
SNAKEMAKE = str(Path(PY).with_name("snakemake"))
MIB = 2**20


class BenchError(Exception):
    pass


@dataclass
class Run:
    seconds: float
    peak_mib: float  # max RSS of the child or any of its waited-for descendants
    stdout: str = ""
    extra: dict = field(default_factory=dict)


def run(cmd: list[str], log: Path) -> Run:
    """Run one fresh process; time it and read its peak RSS with wait4 (stderr goes to log)."""
    with open(log, "wb") as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode:
        raise BenchError(f"exit {proc.returncode}: {shlex.join(cmd)}\n  see {log}")
    return Run(seconds, usage.ru_maxrss / 1024, text)


def run_n_at_a_time(cmds: list[list[str]], n: int, log: Path) -> Run:
    """Run one process per command, at most n at a time; the wall time of all of them."""
    pending, running, peak = list(cmds), {}, 0.0
    with open(log, "wb") as err:
        t0 = time.perf_counter()
        while pending or running:
            while pending and len(running) < n:
                cmd = pending.pop(0)
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
                running[proc.pid] = (proc, cmd)
            pid, status, usage = os.wait4(-1, 0)
            if pid not in running:
                continue
            proc, cmd = running.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode:
                raise BenchError(f"exit {proc.returncode}: {shlex.join(cmd)}\n  see {log}")
            peak = max(peak, usage.ru_maxrss / 1024)
        seconds = time.perf_counter() - t0
    return Run(seconds, peak)


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line() -> str:
    exe = os.path.relpath(PY) if not os.path.relpath(PY).startswith("..") else PY
    script = os.path.relpath(sys.argv[0]) if sys.argv else "bench/run.py"
    return shlex.join([exe, script, *sys.argv[1:]])


def git_revision() -> str:
    r = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return r.stdout.strip() or "unknown"
