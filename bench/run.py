"""Benchmark stockflow against the lesson it grew from; write bench/RESULTS.md.

    .venv/bin/python bench/run.py [--scale default|full|many|all] [--reps 3] [--workdir bench/.work]

Each scale gets its own Snakemake working directory under --workdir whose JSON lines are made by
the workflow itself (``--until synthesize``). Every figure is the median of --reps runs of a
fresh process (imports included) unless a table says otherwise. Contenders run interleaved, rep by
rep, and a ratio is taken between the two runs of the same rep before the median is taken. See
bench/README.md for what each contender is.
"""

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SNAKEFILE = ROOT / "Snakefile"
LESSON = BENCH / "lesson.py"
INPROC = BENCH / "inproc.py"
PY = sys.executable
SNAKEMAKE = str(Path(PY).with_name("snakemake"))
PACKAGES = ("snakemake", "pandas", "numpy", "pyarrow", "tables")
FULL_SCALE_FREE_BYTES = 20 * 10**9
MIB = 2**20


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Scale:
    name: str
    tickers: int
    days: int
    symlinked: bool = False  # many: reuse the embedded files under new names
    convert: bool = True  # the convert-stage contenders
    workflow: bool = False  # cold run + no-op rerun
    prep: bool = False  # the lesson's data preparation vs stockflow's synthesize
    big: bool = False  # one file over 1 GB converted within a 512 MB budget
    market: bool = False  # bench/market.py: planning, cold runs and reruns at 1k-10k tickers
    storage: bool = False  # bench/storage.py: the main job with every file in S3, vs local
    note: str = ""


SCALES = {
    "default": Scale("default", 29, 365, workflow=True, prep=True),
    "full": Scale(
        "full",
        29,
        4000,
        note="every day each source has (`synth.days: 4000`; ~3,926 days for aapl)",
    ),
    "many": Scale(
        "many",
        500,
        20,
        symlinked=True,
        convert=False,
        workflow=True,
        note="each name reuses one of the 29 embedded sources through a symlink "
        "(`source.path`, `source.format: quantquote`); synth.days 20 keeps the data small: "
        "this scale measures scheduling and no-op cost, not conversion",
    ),
    "market": Scale(
        "market",
        10000,
        5,
        convert=False,
        market=True,
        note="tickers from a ticker sheet, each a `source.path` symlink to one of the 29 embedded "
        "files; see bench/market.py for what each part measures",
    ),
    "storage": Scale(
        "storage",
        29,
        365,
        convert=False,
        storage=True,
        note="the main job cold, local and through `--profile profiles/s3` against SeaweedFS on "
        "127.0.0.1; see bench/storage.py",
    ),
    "big": Scale(
        "big",
        1,
        4000,
        convert=False,
        big=True,
        note="one file over 1 GB (aapl, every day, 10-second bars) converted by "
        "`python -m stockflow.convert --memory-mb 512`, checked against a conversion that "
        "holds the whole file in memory",
    ),
}
BIG_FREQ = "10s"
BIG_BUDGET_MB = 512
BIG_CHECK = """
import sys
import pandas as pd
import pyarrow as pa, pyarrow.json as pj
from stockflow.convert import schema
# Unbounded: the whole file parsed at once, written by pandas.
t = pj.read_json(sys.argv[1], parse_options=pj.ParseOptions(explicit_schema=schema()))
ref = t.to_pandas()
ref["timestamp"] = ref["timestamp"].astype("datetime64[ns]")
ref.to_hdf(sys.argv[3], key="/data")
got = pd.read_hdf(sys.argv[2], "data")
pd.testing.assert_frame_equal(got, pd.read_hdf(sys.argv[3], "data"), check_exact=True)
print(len(got))
"""


# --- running processes -------------------------------------------------------------------------


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


# --- data ---------------------------------------------------------------------------------------


def ticker_names(scale: Scale, n: int) -> tuple[list[str], dict[str, str]]:
    """Ticker names and, for the symlinked scale, the embedded source each name reuses."""
    from stockflow.sources import embedded_tickers

    sources = embedded_tickers()
    if not scale.symlinked:
        if n > len(sources):
            raise BenchError(f"{scale.name}: only {len(sources)} embedded tickers, asked {n}")
        return sources[:n], {}
    names = {f"{sources[i % len(sources)]}_{i:03d}": sources[i % len(sources)] for i in range(n)}
    return list(names), names


def write_config(workdir: Path, tickers: list[str], days: int, source_dir: Path | None) -> None:
    import yaml

    config = {"tickers": tickers, "synth": {"days": days}}
    if source_dir is not None:
        config["source"] = {"path": f"{source_dir}/{{ticker}}.csv.bz2", "format": "quantquote"}
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    text = "# written by bench/run.py\n" + yaml.safe_dump(config, default_flow_style=None)
    path = workdir / "config" / "config.yaml"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def link_sources(directory: Path, names: dict[str, str]) -> Path:
    """{name}.csv.bz2 -> the embedded table_{source}.csv.bz2, for source.path."""
    from stockflow.sources import embedded_dir

    directory.mkdir(parents=True, exist_ok=True)
    for name, src in names.items():
        link = directory / f"{name}.csv.bz2"
        target = embedded_dir() / f"table_{src}.csv.bz2"
        if not link.is_symlink() or os.readlink(link) != str(target):
            link.unlink(missing_ok=True)
            link.symlink_to(target)
    return directory


def check_disk(path: Path, reuse: Path) -> None:
    """The full scale writes ~6.5 GB of JSON plus one set of outputs at a time."""
    path.mkdir(parents=True, exist_ok=True)
    have = sum(f.stat().st_size for f in reuse.glob("*.json")) if reuse.is_dir() else 0
    free = shutil.disk_usage(path).free
    if free + have < FULL_SCALE_FREE_BYTES:
        raise BenchError(
            f"the full scale needs >= {FULL_SCALE_FREE_BYTES / 1e9:.0f} GB free under {path}; "
            f"there are {free / 1e9:.1f} GB free (+{have / 1e9:.1f} GB of its JSON already "
            "there). Free some space or pass --workdir on a bigger disk."
        )


@dataclass
class Layout:
    """Where one scale's files live under --workdir."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def cold(self) -> Path:
        return self.root / "cold"


def setup_workdir(workdir: Path, scale: Scale, tickers: list[str], names, days: int, lay: Layout):
    source_dir = link_sources(lay.sources, names) if scale.symlinked else None
    write_config(workdir, tickers, days, source_dir)


def generate_data(scale: Scale, tickers, names, days, lay: Layout, cores: int) -> dict:
    """JSON lines for every ticker, made by the workflow itself (no HDF5)."""
    if scale.name == "full":
        check_disk(lay.root, lay.data / "results" / "json")
    setup_workdir(lay.data, scale, tickers, names, days, lay)
    lay.logs.mkdir(parents=True, exist_ok=True)
    log = lay.logs / "generate.log"
    r = run(snakemake_cmd(lay.data, cores, "--until", "synthesize"), log)
    files = [lay.data / "results" / "json" / f"{t}.json" for t in tickers]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise BenchError(f"the workflow did not write {missing[:3]}...; see {log}")
    sizes = [f.stat().st_size / MIB for f in files]
    return {"generate_s": r.seconds, "files": [str(f) for f in files], "sizes_mib": sizes}


# --- contenders -------------------------------------------------------------------------------


@dataclass
class Contender:
    key: str
    label: str
    run: Callable[[Path, Path], Run]  # (fresh output dir, log file) -> Run
    outputs: int = 0  # .h5 files it must leave in its output dir (checked off the clock)
    available: bool = True


def stem(path: str) -> str:
    return Path(path).name[: -len(".json")]


def parallel_convert_available() -> bool:
    """Does `python -m stockflow.convert_pool` take --jobs N --outdir DIR FILES...?"""
    r = subprocess.run(
        [PY, "-m", "stockflow.convert_pool", "--help"], capture_output=True, text=True
    )
    return r.returncode == 0 and "--jobs" in r.stdout and "--outdir" in r.stdout


def with_per_file(r: Run) -> Run:
    r.extra["per_file_s"] = json.loads(r.stdout)["per_file_s"]
    return r


def inproc_run(files: list[str], threads: int = 1) -> Callable[[Path, Path], Run]:
    def go(out: Path, log: Path) -> Run:
        r = with_per_file(run([PY, str(INPROC), "--threads", str(threads), str(out), *files], log))
        r.extra["process_s"] = r.seconds
        r.seconds = sum(r.extra["per_file_s"].values())  # import excluded
        return r

    return go


def snakemake_convert_run(data: Path, n_files: int, cores: int) -> Callable[[Path, Path], Run]:
    def go(out: Path, log: Path) -> Run:
        shutil.rmtree(data / "results" / "hdf5", ignore_errors=True)
        os.sync()
        # mtime triggers only: a rule edited while the benchmark runs must not rerun synthesize.
        cmd = snakemake_cmd(data, cores, "--until", "convert", "--rerun-triggers", "mtime")
        r = run(cmd, log)
        stats = job_stats(log)
        made = len(list((data / "results" / "hdf5").glob("*.h5")))
        if stats != {"convert": n_files} or made != n_files:
            raise BenchError(
                f"expected {n_files} convert jobs and .h5 files; Snakemake ran {stats} and "
                f"left {made} .h5 files: see {log}"
            )
        r.extra["elapsed_s"] = elapsed(log)
        return r

    return go


def convert_contenders(files: list[str], ref: str, data: Path, cores: int) -> list[Contender]:
    lesson = [PY, str(LESSON), "convert"]
    sf = [PY, "-m", "stockflow.convert"]
    pool = [PY, "-m", "stockflow.convert_pool"]

    def cmd(argv: Callable[[Path], list[str]]) -> Callable[[Path, Path], Run]:
        return lambda out, log: run(argv(out), log)

    def per_file(at_once: int) -> Callable[[Path, Path], Run]:
        return lambda out, log: run_n_at_a_time(
            [[*sf, f, str(out / f"{stem(f)}.h5")] for f in files], at_once, log
        )

    n = len(files)
    return [
        Contender("baseline", "interpreter baseline: `import pyarrow.json, tables`",
                  cmd(lambda out: [PY, "-c", "import pyarrow.json, tables"])),
        Contender("lesson_1", "lesson, one file", cmd(lambda out: [*lesson, str(out), ref]), 1),
        Contender("lesson_1_parsed", "lesson + `pd.to_datetime`, one file",
                  cmd(lambda out: [*lesson, str(out), ref, "--parse-timestamp"]), 1),
        Contender("sf_1", "stockflow CLI, one file",
                  cmd(lambda out: [*sf, ref, str(out / f"{stem(ref)}.h5")]), 1),
        Contender("sf_1_t2", "stockflow CLI `--threads 2`, one file",
                  cmd(lambda out: [*sf, ref, str(out / f"{stem(ref)}.h5"), "--threads", "2"]), 1),
        Contender("lesson_loop", "lesson: sequential loop",
                  lambda out, log: with_per_file(run([*lesson, str(out), *files], log)), n),
        Contender("lesson_executor", "lesson: `ProcessPoolExecutor().map`",
                  cmd(lambda out: [*lesson, str(out), *files, "--map", "executor"]), n),
        Contender("lesson_pool", "lesson: `multiprocessing.Pool().map`",
                  cmd(lambda out: [*lesson, str(out), *files, "--map", "pool"]), n),
        Contender("sf_proc_seq", "stockflow CLI, one process per file, sequential", per_file(1), n),
        Contender("sf_proc_par", f"stockflow CLI, one process per file, {cores} at a time",
                  per_file(cores), n),
        Contender("sf_inproc", "stockflow `convert_file` in one process (imports excluded)",
                  inproc_run(files), n),
        Contender("sf_inproc_t2",
                  "stockflow `convert_file(threads=2)` in one process (imports excluded)",
                  inproc_run(files, 2), n),
        Contender("sf_jobs", f"stockflow `convert_pool --jobs {cores} --outdir DIR FILES...`",
                  cmd(lambda out: [*pool, "--jobs", str(cores), "--outdir", str(out), *files]),
                  n, parallel_convert_available()),
        Contender("snakemake", f"`snakemake --cores {cores} --until convert`",
                  snakemake_convert_run(data, len(files), cores)),
    ]  # fmt: skip


def prep_contenders(ticker: str, quotes: Path, days: int) -> list[Contender]:
    from stockflow.sources import embedded_dir

    daily = embedded_dir() / f"table_{ticker}.csv.bz2"

    def lesson(out: Path, log: Path) -> Run:
        cmd = [PY, str(LESSON), "prepare", str(daily), str(out / f"{ticker}.json"),
               "--days", str(days), "--tmpdir", str(out / "csv")]  # fmt: skip
        r = run(cmd, log)
        r.extra.update(json.loads(r.stdout))
        r.extra["json_mib"] = (out / f"{ticker}.json").stat().st_size / MIB
        return r

    def synth(out: Path, log: Path) -> Run:
        cmd = [PY, "-m", "stockflow.synthesize", ticker, str(quotes), str(out / f"{ticker}.json"),
               "--days", str(days)]  # fmt: skip
        r = run(cmd, log)
        r.extra["json_mib"] = (out / f"{ticker}.json").stat().st_size / MIB
        return r

    return [
        Contender("lesson_prep", "lesson: generate_day -> CSV per day -> json.dump", lesson),
        Contender("synthesize", "`python -m stockflow.synthesize`", synth),
    ]


def interleave(contenders: list[Contender], reps: int, lay: Layout, tag: str) -> dict:
    """Run every available contender once per rep, in order, rep after rep."""
    live = [c for c in contenders if c.available]
    runs: dict[str, list[Run]] = {c.key: [] for c in live}
    lay.logs.mkdir(parents=True, exist_ok=True)
    for rep in range(reps):
        for c in live:
            out = lay.out / c.key
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            os.sync()  # earlier writes must not be flushed on this contender's clock
            r = c.run(out, lay.logs / f"{c.key}.log")
            made = len(list(out.glob("*.h5")))
            if made != c.outputs:
                raise BenchError(f"{c.key} left {made} .h5 files in {out}, not {c.outputs}")
            runs[c.key].append(r)
            shutil.rmtree(out, ignore_errors=True)
            progress(f"{tag} rep {rep + 1}/{reps}: {c.key} {r.seconds:.2f} s")
    return {
        c.key: {
            "label": c.label,
            "available": c.available,
            "seconds": [r.seconds for r in runs.get(c.key, [])],
            "peak_mib": [r.peak_mib for r in runs.get(c.key, [])],
            "extra": [r.extra for r in runs.get(c.key, [])],
        }
        for c in contenders
    }


def workflow_runs(scale: Scale, tickers, names, days, lay: Layout, reps: int, cores: int) -> dict:
    """Cold runs from nothing (median of reps), then no-op reruns (median of >= 5)."""
    cold = []
    for rep in range(reps):
        shutil.rmtree(lay.cold, ignore_errors=True)
        setup_workdir(lay.cold, scale, tickers, names, days, lay)
        os.sync()
        log = lay.logs / "cold.log"
        r = run(snakemake_cmd(lay.cold, cores), log)
        stats = job_stats(log)
        job_s = sum_benchmark_seconds(lay.cold)
        cold.append(
            {"seconds": r.seconds, "jobs": stats, "job_seconds": job_s, "elapsed_s": elapsed(log)}
        )
        progress(f"{scale.name} cold run {rep + 1}/{reps}: {r.seconds:.1f} s, {sum(stats.values())}"
                 f" jobs")  # fmt: skip
    noop = []
    for rep in range(max(5, reps)):
        log = lay.logs / "noop.log"
        r = run(snakemake_cmd(lay.cold, cores), log)
        if "Nothing to be done" not in log.read_text(errors="replace"):
            raise BenchError(f"the rerun after a complete run did some work: {log}")
        noop.append(r.seconds)
        progress(f"{scale.name} no-op rerun {rep + 1}: {r.seconds:.2f} s")
    return {"cold": cold, "noop_s": noop}


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


def measure_scale(scale: Scale, args) -> dict:
    n = args.tickers or scale.tickers
    days = args.days or scale.days
    lay = Layout(Path(args.workdir).resolve() / (scale.name + ("-smoke" if smoke(args) else "")))
    lay.logs.mkdir(parents=True, exist_ok=True)
    result = {
        "scale": scale.name, "tickers": n, "days": days, "note": scale.note,
        "smoke": smoke(args), "date": now(), "command": command_line(), "reps": args.reps,
        "cores": args.cores, "parallel_convert": None, "git": git_revision(),
    }  # fmt: skip
    if scale.storage:
        import storage

        result["storage"] = storage.measure(lay.root, lay.logs, args.reps, args.cores, days)
        return result
    if scale.market:
        import market

        raw = Path(args.workdir).resolve() / "raw" / f"market{'-smoke' if smoke(args) else ''}.json"
        earlier = json.loads(raw.read_text())["market"] if raw.is_file() else None
        parts = args.market_parts.split(",") if args.market_parts else market.PARTS
        result["market"] = market.measure(
            lay, args.reps, args.cores, smoke=args.tickers, parts=parts, earlier=earlier
        )
        return result
    tickers, names = ticker_names(scale, n)
    if scale.convert or scale.prep:
        progress(f"{scale.name}: generating JSON lines ({n} tickers x {days} days)")
        data = generate_data(scale, tickers, names, days, lay, args.cores)
        result["data"] = data
        files = data["files"]
        ref = next((f for f in files if stem(f) == "aapl"), files[0])
        result["ref"] = {"file": ref, "mib": data["sizes_mib"][files.index(ref)]}
    if scale.convert:
        contenders = convert_contenders(files, ref, lay.data, args.cores)
        result["parallel_convert"] = all(c.available for c in contenders)
        result["convert"] = interleave(contenders, args.reps, lay, scale.name)
    if scale.prep:
        ticker = "aapl" if "aapl" in tickers else tickers[0]
        quotes = lay.data / "resources" / "quotes" / f"{ticker}.csv"
        result["prep"] = {
            "ticker": ticker,
            "days": days,
            "runs": interleave(prep_contenders(ticker, quotes, days), args.reps, lay, "prep"),
        }
    if scale.workflow:
        result["workflow"] = workflow_runs(scale, tickers, names, days, lay, args.reps, args.cores)
    if scale.big:
        result["big"] = measure_big(lay, days, args.reps)
    return result


def measure_big(lay: Layout, days: int, reps: int) -> dict:
    """A >= 1 GB JSON file through the streaming converter with a 512 MB budget."""
    src = lay.data / "aapl.json"
    if not src.is_file():
        check_disk(lay.root, lay.data)
        lay.data.mkdir(parents=True, exist_ok=True)
        quotes = lay.data / "aapl.csv"
        run([PY, "-m", "stockflow.download", "aapl", str(quotes)], lay.logs / "big-download.log")
        progress(f"big: synthesizing {BIG_FREQ} bars for every day of aapl")
        synth = [PY, "-m", "stockflow.synthesize", "aapl", str(quotes), str(src),
                 f"--days={days}", f"--freq={BIG_FREQ}"]  # fmt: skip
        run(synth, lay.logs / "big-synthesize.log")
    out = lay.out / "bounded.h5"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [PY, "-m", "stockflow.convert", str(src), str(out), f"--memory-mb={BIG_BUDGET_MB}"]
    runs = []
    for i in range(reps):
        progress(f"big: bounded conversion {i + 1}/{reps}")
        runs.append(run(cmd, lay.logs / "big-convert.log"))
    progress("big: checking against an unbounded conversion")
    ref = lay.out / "unbounded.h5"
    check = run([PY, "-c", BIG_CHECK, str(src), str(out), str(ref)], lay.logs / "big-check.log")
    result = {
        "json_mib": src.stat().st_size / MIB,
        "budget_mb": BIG_BUDGET_MB,
        "rows": int(check.stdout.strip()),
        "seconds": [r.seconds for r in runs],
        "peak_mib": [r.peak_mib for r in runs],
        "unbounded_peak_mib": check.peak_mib,
        "h5_mib": out.stat().st_size / MIB,
    }
    for f in (out, ref):
        f.unlink()
    return result


# --- environment ------------------------------------------------------------------------------


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line() -> str:
    exe = os.path.relpath(PY) if not os.path.relpath(PY).startswith("..") else PY
    script = os.path.relpath(sys.argv[0]) if sys.argv else "bench/run.py"
    return shlex.join([exe, script, *sys.argv[1:]])


def smoke(args) -> bool:
    return bool(args.tickers or args.days)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def git_revision() -> str:
    r = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return r.stdout.strip() or "unknown"


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": now(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "python": platform.python_version(),
        "packages": versions,
        "git": git_revision(),
        "kernel": platform.release(),
    }


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- main -------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scale", choices=(*SCALES, "all"), default="default")
    p.add_argument("--reps", type=int, default=3, help="runs per figure (>= 3)")
    p.add_argument("--workdir", default=str(BENCH / ".work"))
    p.add_argument("--cores", type=int, default=2, help="Snakemake --cores, and N at a time")
    p.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    p.add_argument(
        "--market-parts",
        help="with --scale market: only these parts (plan,cold,noop,report,cluster), "
        "the others kept from the last run",
    )
    # Smoke runs: override every scale's size (e.g. --tickers 3 --days 20).
    p.add_argument("--tickers", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--days", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reps < 3:
        p.error("--reps must be >= 3: every figure is a median of at least 3 runs")
    return args


def market_complete(result: dict) -> bool:
    import market

    return market.complete(result["market"])


def main(argv=None) -> int:
    import report

    args = parse_args(argv)
    scales = list(SCALES) if args.scale == "all" else [args.scale]
    raw_dir = Path(args.workdir).resolve() / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name in scales:
        t0 = time.perf_counter()
        try:
            result = measure_scale(SCALES[name], args)
        except BenchError as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return 1
        result["elapsed_s"] = time.perf_counter() - t0
        suffix = "-smoke" if smoke(args) else ""
        (raw_dir / f"{name}{suffix}.json").write_text(json.dumps(result, indent=1))
        progress(f"{name}: done in {result['elapsed_s'] / 60:.1f} min")
        # After every scale, so a long run that fails later keeps what it measured.
        results = report.load(raw_dir, list(SCALES), smoke(args))
        if "market" in result and not market_complete(result):
            progress("market: not every part measured yet; RESULTS.md left as it was")
            continue
        out = Path(args.output)
        text = report.render(machine(), results, smoke(args))
        earlier = out.read_text() if out.is_file() and not smoke(args) else ""
        out.write_text(report.keep_earlier(earlier, text, [r["scale"] for r in results]))
        progress(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
