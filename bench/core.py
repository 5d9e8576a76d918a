"""What every scale shares: paths, timed processes, Snakemake runs, work directories, machine
facts, medians, and the record a measured part returns. It imports nothing else from bench/."""

import bz2
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SNAKEFILE = ROOT / "Snakefile"
LESSON, INPROC, ENGINES = BENCH / "lesson.py", BENCH / "inproc.py", BENCH / "engines.py"
PY = sys.executable
SNAKEMAKE = str(Path(PY).with_name("snakemake"))
MIB = 2**20
OUTPUTS = ("results", "resources", "logs", "benchmarks", ".snakemake")
PACKAGES = ("snakemake", "pandas", "numpy", "duckdb", "tables", "pyarrow", "polars")
RECORD = ("scale", "part", "title", "columns", "rows", "notes", "targets")  # a record's keys


class BenchError(Exception):
    pass


def med(xs) -> float:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else math.nan


def pair_ratio(a, b) -> float:
    """Median over reps of a[i] / b[i]: both runs of a pair come from the same rep."""
    return med(x / y for x, y in zip(a, b, strict=True) if y)


def rnd(x):
    """Three significant digits (whole numbers from 100 up): what a table shows."""
    if x is None or isinstance(x, (int, str)) or x != x or x == 0:
        return x
    return round(x, max(0, 2 - math.floor(math.log10(abs(x)))))


def spread(xs) -> list:
    """median, min, max."""
    return [rnd(med(xs)), rnd(min(xs)), rnd(max(xs))]


def record(scale, part, title, columns: str, rows, notes=(), targets=()) -> dict:
    """One measured part, one table: ``columns`` is its header, "a | b | c". targets: (what,
    measured, target, met) with met True/False/None; run.py adds when, where and how."""
    rows = [[rnd(c) if isinstance(c, float) else c for c in row] for row in rows]
    columns, notes, targets = columns.split(" | "), list(notes), [list(t) for t in targets]
    return dict(zip(RECORD, (scale, part, title, columns, rows, notes, targets), strict=True))


@dataclass
class Run:
    seconds: float
    peak_mib: float  # max RSS of the child or any of its waited-for descendants
    stdout: str = ""
    extra: dict = field(default_factory=dict)  # what the child printed, if a JSON object


def run(cmd: list[str], log: Path, env=None) -> Run:
    """Run one fresh process; time it and read its peak RSS with wait4 (stderr goes to log)."""
    with open(log, "wb") as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode()
    if code := os.waitstatus_to_exitcode(status):
        raise BenchError(f"exit {code}: {shlex.join(cmd)[:300]}\n  see {log}")
    extra = {}
    with suppress(ValueError):
        extra = json.loads(text) if text.startswith("{") else {}
    return Run(seconds, usage.ru_maxrss / 1024, text, extra)


def run_n_at_a_time(cmds: list[list[str]], n: int, log: Path) -> Run:
    """Run one process per command, at most n at a time; the wall time of all of them."""
    pending, running, peak = list(cmds), {}, 0.0
    with open(log, "wb") as err:
        t0 = time.perf_counter()
        while pending or running:
            while pending and len(running) < n:
                # keep each Popen: one dropped is reaped by the next Popen, not by wait4 here
                proc = subprocess.Popen(pending.pop(0), stdout=subprocess.DEVNULL, stderr=err)
                running[proc.pid] = proc
            pid, status, usage = os.wait4(-1, 0)
            if proc := running.pop(pid, None):
                proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here
                if code:
                    raise BenchError(f"exit {code}: {shlex.join(proc.args)}\n  see {log}")
                peak = max(peak, usage.ru_maxrss / 1024)
    return Run(time.perf_counter() - t0, peak)


def interleave(kinds: dict, reps: int, tag: str = "pairs", fresh_dir=None, made=None) -> dict:
    """Each of ``kinds`` ({name: () -> x}) once per rep, in order: {name: [x]}. With ``fresh_dir``,
    each gets an empty fresh_dir/name (off the clock) and must leave made[name] .h5 files (or 0)."""
    out = {name: [] for name in kinds}
    for rep in range(reps):
        for name, go in kinds.items():
            if fresh := fresh_dir and fresh_dir / name:
                shutil.rmtree(fresh, ignore_errors=True)
                fresh.mkdir(parents=True)
                os.sync()  # earlier writes must not be flushed on this one's clock
            out[name].append(go(fresh) if fresh else go())
            if fresh:
                if (n := len(list(fresh.glob("*.h5")))) != (want := (made or {}).get(name, 0)):
                    raise BenchError(f"{name} left {n} .h5 files in {fresh}, not {want}")
                shutil.rmtree(fresh, ignore_errors=True)
        progress(f"{tag} rep {rep + 1}/{reps} done")
    return out


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line() -> str:
    exe = os.path.relpath(PY) if not os.path.relpath(PY).startswith("..") else PY
    script = os.path.relpath(sys.argv[0]) if sys.argv else "bench/run.py"
    return shlex.join([exe, script, *sys.argv[1:]])


def git_revision() -> str:
    cmd = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or "unknown"


def machine() -> dict:
    """The machine and package versions a record was measured with."""
    info = {}
    for path in ("/proc/cpuinfo", "/proc/meminfo"):
        with suppress(OSError):
            for key, _, value in (ln.partition(":") for ln in Path(path).read_text().splitlines()):
                info.setdefault(key.strip(), value.strip())
    have = {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()}
    versions = {name: have.get(name, "not installed") for name in PACKAGES}
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": info.get("model name") or platform.processor() or "unknown",
        "ram_gib": round(int(info.get("MemTotal", "0 kB").split()[0]) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
    }


def snakemake_cmd(workdir: Path, cores: int, *extra: str) -> list[str]:
    return [SNAKEMAKE, "-s", str(SNAKEFILE), "-d", str(workdir), "--cores", str(cores), *extra]


def job_stats(log: Path) -> dict[str, int]:
    """The 'Job stats' table Snakemake prints before it runs anything: {rule: count}."""
    text = log.read_text(errors="replace")
    m = re.search(r"Job stats:\s*\njob\s+count\s*\n-+\s+-+\s*\n((?:\S+\s+\d+\s*\n)+)", text)
    rows = (line.split() for line in m.group(1).splitlines() if line.strip()) if m else ()
    return {rule: int(count) for rule, count in rows if rule != "total"}


def elapsed(log: Path) -> float:
    """Snakemake's own 'Elapsed time' (from its first job to the end), in seconds."""
    m = re.search(r"Elapsed time: (\d+):(\d+):(\d+(?:\.\d+)?)", log.read_text(errors="replace"))
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else math.nan


def benchmark_seconds(workdir: Path) -> dict[str, float]:
    """The 's' column of every job's Snakemake benchmark, summed per rule (batch rules included)."""
    out: dict[str, float] = {}
    for path in workdir.glob("benchmarks/**/*.tsv"):
        rule = re.sub(r"_batch\d+$", "", path.parent.name)
        with suppress(IndexError, ValueError):
            out[rule] = out.get(rule, 0.0) + float(path.read_text().splitlines()[1].split("\t")[0])
    return out


def watch_peak(pid: int, peak: list, stop: threading.Event) -> None:
    """Poll one process's peak resident memory (VmHWM) into peak[0], in MiB, until stopped."""
    while not stop.is_set():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        hwm = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
        peak[0] = max(peak[0], int(hwm[1]) / 1024 if hwm else 0.0)
        stop.wait(0.5)


def snakemake(workdir: Path, cores: int, log: Path, *extra: str, env=None, cmd=None) -> dict:
    """One Snakemake run: wall seconds, its own peak RSS (not its jobs'), job stats, their sum n."""
    cmd = cmd or snakemake_cmd(workdir, cores, *extra)
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak, stop = [0.0], threading.Event()
        watcher = threading.Thread(target=watch_peak, args=(proc.pid, peak, stop), daemon=True)
        watcher.start()
        code = proc.wait()
        seconds = time.perf_counter() - t0
        stop.set()
        watcher.join()
    if code:
        raise BenchError(f"exit {code}: {shlex.join(cmd)[:300]}\n  see {log}")
    jobs = job_stats(log)
    return {"seconds": seconds, "peak_mib": peak[0], "jobs": jobs, "n": sum(jobs.values())}


def cold(workdir: Path, log: Path, *extra: str, cores: int = 2, env=None) -> dict:
    """A cold Snakemake run: everything a run wrote deleted and synced first, off the clock."""
    clean(workdir)
    os.sync()
    return snakemake(workdir, cores, log, *extra, env=env)


def noop(work: Path, log: Path, cores: int = 2) -> dict:
    """A Snakemake rerun that must run nothing."""
    r = snakemake(work, cores, log)
    if r["n"]:
        raise BenchError(f"a no-op in {work} ran jobs: {r['jobs']}")
    return r


def embedded() -> list[str]:
    from stockflow.sources.origins import embedded_tickers

    return embedded_tickers()


def write_config(workdir: Path, config: dict) -> None:
    """config/config.yaml, rewritten only when it changes (a done state stays done)."""
    import yaml

    text = "# written by bench/run.py\n" + yaml.safe_dump(config, default_flow_style=None)
    write_if_changed(workdir / "config" / "config.yaml", text)


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def sheet_names(n: int) -> dict[str, str]:
    """n ticker names, each reusing one of the embedded sources: {name: source}."""
    src = embedded()
    return {f"{src[i % len(src)]}{i:05d}": src[i % len(src)] for i in range(n)}


def setup_sheet(workdir: Path, n: int, days: int, **extra) -> list[str]:
    """A work directory of n tickers listed in a ticker sheet, each a symlink to an embedded
    source in its own sources/ (so a changed source stays local to it); extra: config keys."""
    from stockflow.sources.origins import embedded_dir

    tickers, sources = sheet_names(n), workdir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for name, src in tickers.items():
        link, to = sources / f"{name}.csv.bz2", embedded_dir() / f"table_{src}.csv.bz2"
        if not link.is_symlink() or os.readlink(link) != str(to):
            link.unlink(missing_ok=True)
            link.symlink_to(to)
    write_if_changed(workdir / "config" / "tickers.txt", "".join(f"{t}\n" for t in tickers))
    source = {"path": f"{sources}/{{ticker}}.csv.bz2", "format": "quantquote"}
    config = {"tickers": "config/tickers.txt", "source": source, "synth": {"days": days}}
    write_config(workdir, config | extra)
    return list(tickers)


def clean(workdir: Path) -> None:
    """Everything a run wrote, so the next one starts cold (config and sources stay)."""
    for name in OUTPUTS:
        shutil.rmtree(workdir / name, ignore_errors=True)


def cold_embedded(workdir: Path, days: int) -> None:
    """A work directory of the embedded tickers with nothing run in it yet."""
    clean(workdir)
    write_config(workdir, {"tickers": embedded(), "synth": {"days": days}})


def change_source(sources: Path, ticker: str, n: int) -> None:
    """A new version of one ticker's source: one more trade on its last day (n-th change)."""
    link = sources / f"{ticker}.csv.bz2"
    lines = bz2.decompress(link.read_bytes()).decode().splitlines()
    last = lines[-1].split(",")
    last[-1] = str(int(float(last[-1])) + 1000 * n)
    lines[-1] = ",".join(last)
    link.unlink()
    link.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))


def check_disk(path: Path, need: float, have: float = 0) -> None:
    """Stop before a scale fills the disk: ``need`` bytes, ``have`` of them already there."""
    path.mkdir(parents=True, exist_ok=True)
    if (free := shutil.disk_usage(path).free) + have < need:
        msg = f"this needs ~{need / 1e9:.0f} GB under {path}; {free / 1e9:.1f} GB free "
        raise BenchError(msg + f"(+{have / 1e9:.1f} GB there already): pass another --workdir")


def tests_support():
    """tests/ on the path, to import the tests' own fakes and servers (tests/support/)."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))


@contextmanager
def seaweed(root: Path):
    """(server, bucket) while the tests' own SeaweedFS runs on loopback."""
    tests_support()
    from support.seaweed import BUCKET, SeaweedS3

    server = SeaweedS3(root / "seaweed")
    server.start()
    try:
        server.make_bucket()  # the workflow creates no bucket (it checks it exists)
        yield server, BUCKET
    finally:
        server.stop()
