"""The `default`, `full` and `big` scales (bench/README.md)."""

import os
import shutil
from functools import partial
from pathlib import Path

import core
from core import MIB, PY, med, pair_ratio, progress, record, run, snakemake_cmd

LABELS = {  # every convert contender, in the order they run; {n}: --cores
    "lesson_loop": "lesson: sequential loop",
    "lesson_executor": "lesson: `ProcessPoolExecutor().map`",
    "lesson_pool": "lesson: `multiprocessing.Pool().map`",
    "sf_proc_seq": "stockflow CLI, one process per file, sequential",
    "sf_proc_par": "stockflow CLI, one process per file, {n} at a time",
    "sf_inproc": "stockflow `convert_file` in one process (imports excluded)",
    "sf_jobs": "stockflow `convert_pool --jobs {n} --outdir DIR FILES...`",
    "snakemake": "`snakemake --cores {n} --until convert`",
}
STAGE_VS = {"default": 0.5, "full": 0.2}  # the target of snakemake ÷ lesson's ProcessPoolExecutor
STAGE_COLS = (
    "contender | median s | MiB/s | time ÷ lesson loop | time ÷ lesson ProcessPoolExecutor | "
    "peak RSS MiB | above baseline ÷ largest JSON"
)
ENGINES = ("pyarrow", "polars", "duckdb")  # bench/engines.py
IMPORTS = {"pyarrow": "pyarrow.json", "polars": "polars", "duckdb": "duckdb"}
NOOP_S = 1.5  # the no-op target


def stem(path: str) -> str:
    return Path(path).name[: -len(".json")]


def interleave(runners: dict, c, made: dict, tag: str) -> dict:
    """Every runner ({key: (fresh out dir, log) -> Run}) once per rep, in order."""
    go = {k: lambda out, k=k: runners[k](out, c.root / "logs" / f"{k}.log") for k in runners}
    return core.interleave(go, c.reps, tag, c.root / "out", made)


def make_data(c) -> tuple[Path, list[str]]:
    """The JSON lines of c.tickers embedded tickers x c.days, made by the workflow (not timed)."""
    data, names = c.root / "data", core.embedded()[: c.tickers]
    (c.root / "logs").mkdir(parents=True, exist_ok=True)
    if c.scale == "full":
        have = sum(f.stat().st_size for f in (data / "results/json").glob("*.json"))
        core.check_disk(c.root, 20e9, have)
    progress(f"{c.scale}: JSON lines by the workflow ({len(names)} tickers x {c.days} days)")
    core.write_config(data, {"tickers": names, "synth": {"days": c.days}})
    run(snakemake_cmd(data, c.cores, "--until", "synthesize"), c.root / "logs" / "generate.log")
    return data, [str(data / "results" / "json" / f"{t}.json") for t in names]


def convert_runners(files: list[str], data: Path, cores: int) -> dict:
    """{key: (out, log) -> Run} of every contender; inside a command, {out} is its out dir."""
    lesson, sf = [PY, str(core.LESSON), "convert", "{out}"], [PY, "-m", "stockflow.convert"]
    pool = [PY, "-m", "stockflow.convert_pool"]

    def cmd(*argv):
        return lambda out, log: run([a.format(out=out) for a in argv], log)

    def procs(n: int, out: Path, log: Path) -> core.Run:  # one process per file, n at a time
        return core.run_n_at_a_time([[*sf, f, f"{out}/{stem(f)}.h5"] for f in files], n, log)

    def inproc(threads: int, out: Path, log: Path) -> core.Run:
        argv = ["convert", "--threads", str(threads), str(out), *files]
        r = run([PY, str(core.INPROC), *argv], log)
        r.extra["process_s"] = r.seconds
        r.seconds = sum(r.extra["per_file_s"].values())  # imports excluded
        return r

    def snakemake(out: Path, log: Path) -> core.Run:
        shutil.rmtree(data / "results" / "hdf5", ignore_errors=True)
        os.sync()
        # mtime triggers only: a rule edited while the benchmark runs must not rerun synthesize.
        r = run(snakemake_cmd(data, cores, "--until", "convert", "--rerun-triggers", "mtime"), log)
        made, n = len(list((data / "results" / "hdf5").glob("*.h5"))), len(files)
        if core.job_stats(log) != {"convert": n} or made != n:
            raise core.BenchError(f"expected {n} convert jobs and .h5 files, got {made}: see {log}")
        r.extra["elapsed_s"] = core.elapsed(log)
        return r

    return {
        "lesson_loop": cmd(*lesson, *files),
        "lesson_executor": cmd(*lesson, *files, "--map", "executor"),
        "lesson_pool": cmd(*lesson, *files, "--map", "pool"),
        "sf_proc_seq": partial(procs, 1),
        "sf_proc_par": partial(procs, cores),
        "sf_inproc": partial(inproc, 1),
        "sf_jobs": cmd(*pool, "--jobs", str(cores), "--outdir", "{out}", *files),
        "snakemake": snakemake,
    }


def convert(c) -> list:
    """The convert stage's contenders interleaved, every file (one file: the engines part)."""
    data, files = make_data(c)
    made = {k: 0 if k == "snakemake" else len(files) for k in LABELS}
    runs = interleave(convert_runners(files, data, c.cores), c, made, c.scale)
    labels = {k: v.format(n=c.cores) for k, v in LABELS.items()}
    sizes = [Path(f).stat().st_size / MIB for f in files]
    s = {k: [r.seconds for r in v] for k, v in runs.items()}
    peak = {k: med(r.peak_mib for r in v) for k, v in runs.items()}
    imports = [PY, "-c", "import pyarrow.json, tables"]  # what a convert process imports
    base, total = run(imports, c.root / "logs" / "imports.log").peak_mib, sum(sizes)
    stage = []
    for k in LABELS:
        x = [med(s[k]), total / med(s[k]), pair_ratio(s[k], s["lesson_loop"])]
        x += [pair_ratio(s[k], s["lesson_executor"]), peak[k], (peak[k] - base) / max(sizes)]
        stage.append([labels[k], *x])
    x, limit = pair_ratio(s["snakemake"], s["lesson_executor"]), STAGE_VS[c.scale]
    what = "convert stage: `snakemake --cores 2` ÷ lesson `ProcessPoolExecutor`"
    targets = [(what, f"{x:.2f}x", f"<= {limit}x", x <= limit)]
    inproc_s = med(r.extra["process_s"] for r in runs["sf_inproc"])
    elapsed_s = med(r.extra["elapsed_s"] for r in runs["snakemake"])
    notes = [
        f"JSON lines: {len(sizes)} files, {total:,.1f} MiB in all, per file {min(sizes):.1f} / "
        f"{med(sizes):.1f} / {max(sizes):.1f} MiB (min / median / max), made by `snakemake "
        "--until synthesize` (not timed). The baseline of the last column is a process that "
        f"imports what convert imports ({base:.0f} MiB).",
        "*stockflow `convert_file` in one process* is the sum of the per-file calls; its whole "
        f"process took {inproc_s:.3g} s with imports. The lesson's pools use their defaults "
        "(`os.cpu_count()` workers). Snakemake ran `--until convert --rerun-triggers mtime` "
        "after `results/hdf5` was deleted, its job stats checked to hold only the convert jobs; "
        f"its own *Elapsed time* was {elapsed_s:.3g} s of {med(s['snakemake']):.3g} s.",
    ]
    whole = f"Convert stage: {len(sizes)} files"
    return [record(c.scale, "convert", whole, STAGE_COLS, stage, notes, targets)]


def engines(c) -> list:
    """One file (aapl) by each engine's minimal conversion, by stockflow and by the lesson:
    whole processes interleaved, then in one process (bench/engines.py)."""
    data, files = make_data(c)
    ref = next((f for f in files if stem(f) == "aapl"), files[0])
    py, reps = [PY, str(core.ENGINES)], max(c.reps, 9)
    argv = {f"min {e}": [*py, e, ref, "{out}/x.h5"] for e in ENGINES}
    argv["stockflow"] = [PY, "-m", "stockflow.convert", ref, "{out}/x.h5"]
    argv["lesson"] = [PY, str(core.LESSON), "convert", "{out}", ref]
    argv |= {f"import {e}": [PY, "-c", f"import {IMPORTS[e]}, tables"] for e in ENGINES}

    def go(key: str, out: Path) -> core.Run:
        return run([a.format(out=out) for a in argv[key]], c.root / "logs" / "engines.log")

    made = {k: 0 if k.startswith("import") else 1 for k in argv}
    runs = core.interleave({k: partial(go, k) for k in argv}, reps, "engines", c.root / "out", made)
    s = {k: [r.seconds for r in v] for k, v in runs.items()}
    fastest = min(ENGINES, key=lambda e: med(s[f"min {e}"]))
    rows = []
    for k, v in runs.items():
        x, lesson = pair_ratio(s[k], s[f"min {fastest}"]), pair_ratio(s["lesson"], s[k])
        rows.append([k, *core.spread(s[k]), x, lesson, med(r.peak_mib for r in v)])
    out = c.root / "out" / "inproc"
    out.mkdir(parents=True, exist_ok=True)
    log = c.root / "logs" / "engines_inproc.log"
    one = run([*py, "inproc", str(reps), ref, str(out)], log).extra
    inproc = [
        [k, med(one[f"parse {k}"]) * 1e3, med(v) * 1e3] for k, v in one.items() if k in ENGINES
    ]
    inproc += [[k, None, med(one[k]) * 1e3] for k in ("stockflow", "lesson")]
    for row in inproc:
        row.append(pair_ratio(one["lesson"], one[row[0]]))
    whole, ten = pair_ratio(s["stockflow"], s[f"min {fastest}"]), inproc[-2][-1]
    mib = Path(ref).stat().st_size / MIB
    targets = [
        (f"one file, whole process: stockflow ÷ the fastest engine's minimal ({fastest})",
         f"{whole:.2f}x", "<= 1.1x", whole <= 1.1),
        ("one file in one process, one thread: lesson ÷ stockflow", f"{ten:.3g}x", ">= 10x",
         ten >= 10),
    ]  # fmt: skip
    note = (
        f"`{Path(ref).name}`, {mib:.1f} MiB, {reps} reps. *min ENGINE*: `bench/engines.py "
        "ENGINE`, the engine's JSON reader on one thread, timestamp parsed, six PyTables "
        "arrays, nothing checked; *import ENGINE*: `python -c 'import ENGINE, tables'`; "
        "stockflow: `python -m stockflow.convert` (the default `table` layout, every check, "
        "read back, fsync); lesson: `bench/lesson.py convert` (`json.loads` per line, "
        "`DataFrame`, `to_hdf`). In one process every import and a first call come first; "
        "*parse* is the reader alone, *conversion* the file to `.h5`."
    )
    cols = "contender | median s | min s | max s | ÷ fastest minimal | lesson ÷ this | peak RSS MiB"
    in_cols = "contender | parse ms | conversion ms | lesson ÷ this (conversion)"
    title = f"One file: JSON parsers, whole processes ({Path(ref).name})"
    return [
        record(c.scale, "engines", title, cols, rows, [note], targets),
        record(c.scale, "engines", "One file in one process", in_cols, inproc),
    ]


def workflow(c) -> list:
    """Cold runs from nothing (median of reps), then no-op reruns (median of >= 5)."""
    work, logs, names = c.root / "cold", c.root / "logs", core.embedded()[: c.tickers]
    cold, job_s, wall_in = [], [], []
    for rep in range(c.reps):
        shutil.rmtree(work, ignore_errors=True)
        core.write_config(work, {"tickers": names, "synth": {"days": c.days}})
        os.sync()
        cold.append(run(snakemake_cmd(work, c.cores), logs / "cold.log").seconds)
        stats = core.job_stats(logs / "cold.log")
        job_s.append(sum(core.benchmark_seconds(work).values()))
        wall_in.append(core.elapsed(logs / "cold.log"))
        progress(f"cold run {rep + 1}/{c.reps}: {cold[-1]:.1f} s, {sum(stats.values())} jobs")
    noop = [core.noop(work, logs / "noop.log", c.cores)["seconds"] for _ in range(max(5, c.reps))]
    n, jobs, x = len(names), sum(stats.values()), med(noop)
    first = f"cold run (`snakemake --cores {c.cores}` from nothing), {c.reps} runs"
    rows = [[first, *core.spread(cold), jobs, med(cold) / jobs, med(job_s)]]
    rows.append([f"no-op rerun, {len(noop)} runs", *core.spread(noop), 0, None, None])
    note = (
        "Jobs: " + ", ".join(f"{k} {v}" for k, v in stats.items()) + ". Σ job s sums every "
        "job's Snakemake benchmark; Snakemake's own *Elapsed time* was "
        f"{med(wall_in):.3g} s of {med(cold):.3g} s."
    )
    cols = "run | median s | min s | max s | jobs | s per job | Σ job s"
    limit = (f"no-op rerun, {n} tickers", f"{x:.3g} s", f"<= {NOOP_S} s", x <= NOOP_S)
    return [record("default", "workflow", f"Workflow: {n} tickers", cols, rows, [note], [limit])]


BIG_CHECK = """
import sys
import pandas as pd, pyarrow as pa, pyarrow.json as pj
kinds = [("timestamp", pa.timestamp("s"))] + [(k, pa.float64()) for k in ("open", "high", "low",
    "close")] + [("volume", pa.int64())]
t = pj.read_json(sys.argv[1], parse_options=pj.ParseOptions(explicit_schema=pa.schema(kinds)))
ref = t.to_pandas()  # unbounded: the whole file parsed at once, written by pandas
ref["timestamp"] = ref["timestamp"].astype("datetime64[ns]")
ref.to_hdf(sys.argv[3], key="/data")
got = pd.read_hdf(sys.argv[2], "data")
pd.testing.assert_frame_equal(got, pd.read_hdf(sys.argv[3], "data"), check_exact=True)
print(len(got))
"""


def big(c, budget_mb: int = 512) -> list:
    """A >= 1 GB JSON file (aapl, every day, 10-second bars) through the streaming converter
    within a 512 MB budget, checked against a conversion that holds the whole file."""
    logs, src = c.root / "logs", c.root / "data" / "aapl.json"
    logs.mkdir(parents=True, exist_ok=True)
    if not src.is_file():
        core.check_disk(c.root, 20e9)
        quotes = src.with_suffix(".csv")
        run([PY, "-m", "stockflow.download", "aapl", str(quotes)], logs / "download.log")
        progress("big: synthesizing 10s bars for every day of aapl")
        argv = ["aapl", str(quotes), str(src), f"--days={c.days}", "--freq=10s"]
        run([PY, "-m", "stockflow.synthesize", *argv], logs / "synthesize.log")
    out, ref = c.root / "out" / "bounded.h5", c.root / "out" / "unbounded.h5"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [PY, "-m", "stockflow.convert", str(src), str(out), f"--memory-mb={budget_mb}"]
    runs = [run(cmd, logs / "convert.log") for _ in range(c.reps)]
    check = run([PY, "-c", BIG_CHECK, str(src), str(out), str(ref)], logs / "check.log")
    mib, s = src.stat().st_size / MIB, med(r.seconds for r in runs)
    each, peak = ", ".join(f"{r.peak_mib:.0f}" for r in runs), max(r.peak_mib for r in runs)
    row = [mib, int(check.stdout), budget_mb, s, mib / s, each, check.peak_mib]
    row.append(out.stat().st_size / MIB)
    for f in (out, ref):
        f.unlink()
    what = (
        f"a {mib / 1024:.2f} GiB JSON file within a {budget_mb} MB budget: highest peak RSS of "
        "the runs; read_hdf equal to an unbounded conversion"
    )
    cols = (
        "JSON MiB | rows | budget MB | median s | MiB/s | peak RSS MiB (each run) | "
        "unbounded conversion's peak MiB | .h5 MiB"
    )
    note = (
        "`pd.read_hdf` of the streamed file equals, value for value, the same file parsed whole "
        "by Arrow (another parser) and written by pandas (`assert_frame_equal`)."
    )
    limit = (what, f"{peak:.0f} MiB; equal", f"<= {budget_mb} MB", peak <= budget_mb)
    title = "One file larger than the memory budget"
    return [record("big", "big", title, cols, [row], [note], [limit])]


SCALES = {
    "default": {"convert": convert, "engines": engines, "workflow": workflow},
    "full": {"convert": convert},
    "big": {"big": big},
}
