"""Running the workflow: Snakemake's command line, timed runs with its own peak memory, a run in
tmux watched as a person would, and what its logs and benchmark files say afterwards."""

import os
import re
import subprocess
import threading
import time
from pathlib import Path

from harness import SNAKEFILE, SNAKEMAKE, BenchError

CAPTURE_EVERY_S = 20  # tmux screen captures of a run in tmux


def snakemake_cmd(workdir: Path, cores: int, *extra: str) -> list[str]:
    return [SNAKEMAKE, "-s", str(SNAKEFILE), "-d", str(workdir), "--cores", str(cores), *extra]


def job_stats(log: Path) -> dict[str, int]:
    """The 'Job stats' table Snakemake prints before it runs anything: {rule: count}."""
    text = log.read_text(errors="replace")
    m = re.search(r"Job stats:\s*\njob\s+count\s*\n-+\s+-+\s*\n((?:\S+\s+\d+\s*\n)+)", text)
    if not m:
        return {}
    rows = (line.split() for line in m.group(1).splitlines() if line.strip())
    return {rule: int(count) for rule, count in rows if rule != "total"}


def elapsed(log: Path) -> float:
    """Snakemake's own 'Elapsed time' (from its first job to the end), in seconds."""
    m = re.search(r"Elapsed time: (\d+):(\d+):(\d+(?:\.\d+)?)", log.read_text(errors="replace"))
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else float("nan")


def sum_benchmark_seconds(workdir: Path) -> float:
    """Sum of the 's' column of every job's Snakemake benchmark file."""
    total = 0.0
    for path in workdir.glob("benchmarks/**/*.tsv"):
        lines = path.read_text().splitlines()
        if len(lines) >= 2:
            row = dict(zip(lines[0].split("\t"), lines[1].split("\t"), strict=False))
            try:
                total += float(row.get("s", "nan"))
            except ValueError:
                pass
    return total


class PeakRSS:
    """Polls the peak resident memory (VmHWM) of one process while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak_mib = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_mib = max(self.peak_mib, int(line.split()[1]) / 1024)
            except OSError:
                return
            self._stop.wait(0.5)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mib


def snakemake(workdir: Path, cores: int, log: Path, *extra: str, env=None) -> dict:
    """One Snakemake run: wall seconds and Snakemake's own peak RSS (not its jobs')."""
    cmd = snakemake_cmd(workdir, cores, *extra)
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = PeakRSS(proc.pid)
        code = proc.wait()
        seconds = time.perf_counter() - t0
    if code:
        raise BenchError(f"exit {code}: {' '.join(cmd)}\n  see {log}")
    return {"seconds": seconds, "peak_mib": peak.stop(), "jobs": job_stats(log)}


def in_tmux(workdir: Path, cores: int, captures: list) -> dict:
    """The run in a tmux window (its output on the terminal, as a person would watch it); the
    screen captured every CAPTURE_EVERY_S seconds. Job counts from Snakemake's own log file."""
    session = f"stockflow-bench-{os.getpid()}"
    done = workdir / ".bench-rc"
    done.unlink(missing_ok=True)
    cmd = " ".join(snakemake_cmd(workdir, cores))
    script = f"{cmd}; echo $? > {done}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", "bash", "-c", script],
        check=True,
    )
    t0 = time.perf_counter()
    next_capture = t0 + CAPTURE_EVERY_S
    peak = None
    try:
        while not done.exists():
            if peak is None:
                pid = snakemake_pid(workdir)
                peak = PeakRSS(pid) if pid else None
            time.sleep(0.2)
            if time.perf_counter() >= next_capture:
                screen = subprocess.run(
                    ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
                ).stdout
                lines = [line for line in screen.splitlines() if line.strip()]
                captures.append({"at_s": round(time.perf_counter() - t0), "last": lines[-3:]})
                next_capture += CAPTURE_EVERY_S
        seconds = time.perf_counter() - t0
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if done.read_text().strip() != "0":
        raise BenchError(f"the run in tmux failed: see {workdir}/.snakemake/log")
    logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    peak_mib = peak.stop() if peak else None
    return {"seconds": seconds, "peak_mib": peak_mib, "jobs": job_stats(logs[-1])}


def snakemake_pid(workdir: Path) -> int | None:
    """The Snakemake process running in ``workdir`` (not the shell that started it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and not argv[0].endswith(b"bash") and str(workdir).encode() in argv:
            if any(a.endswith(b"snakemake") for a in argv):
                return int(entry.name)
    return None
