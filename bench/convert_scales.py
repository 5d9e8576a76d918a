"""The `default`, `full` and `big` scales (bench/README.md)."""

import os
import shutil
from functools import partial
from pathlib import Path

import core
from core import MIB, PY, med, pair_ratio, progress, record, run, snakemake_cmd

LABELS = {  # every convert contender, in the order they run; {n}: --cores
    "baseline": "interpreter baseline: `import pyarrow.json, tables`",
    "lesson_1": "lesson, one file",
    "lesson_1_parsed": "lesson + `pd.to_datetime`, one file",
    "sf_1": "stockflow CLI, one file",
    "sf_1_t2": "stockflow CLI `--threads 2`, one file",
    "lesson_loop": "lesson: sequential loop",
    "lesson_executor": "lesson: `ProcessPoolExecutor().map`",
    "lesson_pool": "lesson: `multiprocessing.Pool().map`",
    "sf_proc_seq": "stockflow CLI, one process per file, sequential",
    "sf_proc_par": "stockflow CLI, one process per file, {n} at a time",
    "sf_inproc": "stockflow `convert_file` in one process (imports excluded)",
    "sf_inproc_t2": "stockflow `convert_file(threads=2)` in one process",
    "sf_jobs": "stockflow `convert_pool --jobs {n} --outdir DIR FILES...`",
    "snakemake": "`snakemake --cores {n} --until convert`",
}
SINGLE = list(LABELS)[:5]  # the one-file table's, from baseline; then the stage table's:
STAGE = [k for k in list(LABELS)[5:] if k != "sf_inproc_t2"]
STAGE_VS = {"default": 0.5, "full": 0.2}  # the target of snakemake ÷ lesson's ProcessPoolExecutor
STAGE_COLS = (
    "contender | median s | MiB/s | time ÷ lesson loop | time ÷ lesson ProcessPoolExecutor | "
    "peak RSS MiB | above baseline ÷ largest JSON"
)
ONE_COLS = (
    "contender | median s | speedup (lesson ÷ this) | peak RSS MiB | above baseline MiB | "
    "above baseline ÷ JSON size"
)
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


def convert_runners(files: list[str], ref: str, data: Path, cores: int) -> dict:
    """{key: (out, log) -> Run} of every contender; inside a command, {out} is its out dir."""
    lesson, sf = [PY, str(core.LESSON), "convert", "{out}"], [PY, "-m", "stockflow.convert"]
    one, pool = [*sf, ref, f"{{out}}/{stem(ref)}.h5"], [PY, "-m", "stockflow.convert_pool"]

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
        "baseline": cmd(PY, "-c", "import pyarrow.json, tables"),
        "lesson_1": cmd(*lesson, ref),
        "lesson_1_parsed": cmd(*lesson, ref, "--parse-timestamp"),
        "sf_1": cmd(*one),
        "sf_1_t2": cmd(*one, "--threads", "2"),
        "lesson_loop": cmd(*lesson, *files),
        "lesson_executor": cmd(*lesson, *files, "--map", "executor"),
        "lesson_pool": cmd(*lesson, *files, "--map", "pool"),
        "sf_proc_seq": partial(procs, 1),
        "sf_proc_par": partial(procs, cores),
        "sf_inproc": partial(inproc, 1),
        "sf_inproc_t2": partial(inproc, 2),
        "sf_jobs": cmd(*pool, "--jobs", str(cores), "--outdir", "{out}", *files),
        "snakemake": snakemake,
    }


def per_file_ratio(a: list, b: list) -> float:
    """Median over (rep, file) of a's seconds / b's for the same file in the same rep."""
    pf = [(x.extra["per_file_s"], y.extra["per_file_s"]) for x, y in zip(a, b, strict=True)]
    return med(x[f] / y[f] for x, y in pf for f in x)


def convert(c) -> list:
    """The convert contenders interleaved: the stage (every file) and one file (aapl)."""
    data, files = make_data(c)
    ref = next((f for f in files if stem(f) == "aapl"), files[0])
    outputs = {k: 1 if k in SINGLE else len(files) for k in LABELS}
    outputs |= {"baseline": 0, "snakemake": 0}
    runs = interleave(convert_runners(files, ref, data, c.cores), c, outputs, c.scale)
    labels = {k: v.format(n=c.cores) for k, v in LABELS.items()}
    sizes = [Path(f).stat().st_size / MIB for f in files]
    s = {k: [r.seconds for r in v] for k, v in runs.items()}
    peak = {k: med(r.peak_mib for r in v) for k, v in runs.items()}
    base, total, ref_mib = peak["baseline"], sum(sizes), Path(ref).stat().st_size / MIB
    stage = []
    for k in STAGE:
        x = [med(s[k]), total / med(s[k]), pair_ratio(s[k], s["lesson_loop"])]
        x += [pair_ratio(s[k], s["lesson_executor"]), peak[k], (peak[k] - base) / max(sizes)]
        stage.append([labels[k], *x])
    one = [[labels["baseline"], med(s["baseline"]), None, base, None, None]]
    for k in SINGLE[1:]:
        x, above = pair_ratio(s["lesson_1"], s[k]), peak[k] - base
        one.append([labels[k], med(s[k]), x, peak[k], above, above / ref_mib])
    for label, k in (
        ("lesson loop", "lesson_loop"),
        ("stockflow `convert_file`", "sf_inproc"),
        ("stockflow `convert_file(threads=2)`", "sf_inproc_t2"),
    ):
        each = med(med(r.extra["per_file_s"].values()) for r in runs[k])
        x = per_file_ratio(runs["lesson_loop"], runs[k])
        one.append([f"*in-process* per file, {label}", each, x, None, None, None])
    six = {  # what: its row of the one-file table
        "convert one file in one process, *in-process* (imports excluded): lesson ÷ stockflow": -2,
        "the same with 2 parser threads (`threads: 2` on the rule)": -1,
        "convert one file, whole process (imports included): lesson ÷ stockflow": 3,
        "the same with `--threads 2`": 4,
    }
    targets = [(k, f"{one[i][2]:.3g}x", ">= 6x (aim 10x)", one[i][2] >= 6) for k, i in six.items()]
    x, limit, rss = pair_ratio(s["snakemake"], s["lesson_executor"]), STAGE_VS[c.scale], one[3][5]
    what = "convert stage: `snakemake --cores 2` ÷ lesson `ProcessPoolExecutor`"
    targets.append((what, f"{x:.2f}x", f"<= {limit}x", x <= limit))
    what = "convert peak RSS above baseline ÷ JSON size (stockflow CLI, one file)"
    targets.append((what, f"{rss:.3g}x", "<= 3x", rss <= 3))
    inproc_s = med(r.extra["process_s"] for r in runs["sf_inproc"])
    elapsed_s = med(r.extra["elapsed_s"] for r in runs["snakemake"])
    notes = [
        f"JSON lines: {len(sizes)} files, {total:,.1f} MiB in all, per file {min(sizes):.1f} / "
        f"{med(sizes):.1f} / {max(sizes):.1f} MiB (min / median / max), made by `snakemake "
        "--until synthesize` (not timed).",
        "*stockflow `convert_file` in one process* is the sum of the per-file calls; its whole "
        f"process took {inproc_s:.3g} s with imports. The lesson's pools use their defaults "
        "(`os.cpu_count()` workers). Snakemake ran `--until convert --rerun-triggers mtime` "
        "after `results/hdf5` was deleted, its job stats checked to hold only the convert jobs; "
        f"its own *Elapsed time* was {elapsed_s:.3g} s of {med(s['snakemake']):.3g} s.",
    ]
    one_note = (
        "The *in-process* rows time each file's call inside one process, after every import "
        "(median over files and reps; the speedup is the median of per-file ratios within a "
        "rep). The lesson's are the per-file times of its loop."
    )
    title = f"One file: `{Path(ref).name}` ({ref_mib:.1f} MiB)"
    whole = f"Convert stage: {len(sizes)} files"
    stage_record = record(c.scale, "convert", whole, STAGE_COLS, stage, notes, targets)
    return [stage_record, record(c.scale, "convert", title, ONE_COLS, one, [one_note])]


def prep(c) -> list:
    """The lesson's data preparation against synthesize, one ticker (aapl), whole processes."""
    from stockflow.sources.origins import embedded_dir

    data, files = make_data(c)
    ticker = next((stem(f) for f in files if stem(f) == "aapl"), stem(files[0]))
    quotes = data / "resources" / "quotes" / f"{ticker}.csv"
    daily = embedded_dir() / f"table_{ticker}.csv.bz2"
    json_ = f"{{out}}/{ticker}.json"
    argv = {"lesson_prep": [PY, str(core.LESSON), "prepare", str(daily), json_]}
    argv["lesson_prep"] += ["--tmpdir", "{out}/csv"]
    argv["synthesize"] = [PY, "-m", "stockflow.synthesize", ticker, str(quotes), json_]

    def go(key: str, out: Path, log: Path) -> core.Run:
        r = run([*(a.format(out=out) for a in argv[key]), "--days", str(c.days)], log)
        r.extra["json_mib"] = (out / f"{ticker}.json").stat().st_size / MIB
        return r

    runs = interleave({k: partial(go, k) for k in argv}, c, {}, "prep")
    lesson = [r.seconds for r in runs["lesson_prep"]]
    labels = {
        "lesson_prep": "lesson: generate_day -> CSV per day -> json.dump",
        "synthesize": "`python -m stockflow.synthesize`",
    }
    rows = []
    for k, v in runs.items():
        x = pair_ratio(lesson, [r.seconds for r in v])
        rows.append([labels[k], med(r.seconds for r in v), x, med(r.extra["json_mib"] for r in v)])
    gen = med(r.extra["generate_csv_s"] for r in runs["lesson_prep"])
    js = med(r.extra["csv_to_json_s"] for r in runs["lesson_prep"])
    note = (
        f"The lesson's time splits into {gen:.3g} s for the walk, resampling and one CSV per "
        f"day, and {js:.3g} s for reading the CSVs back and one `json.dump` per record."
    )
    what = f"synthesize vs the lesson's preparation ({ticker} x {c.days} days): lesson ÷ stockflow"
    title = f"Data preparation: {ticker} x {c.days} days, whole processes"
    cols = "contender | median s | speedup (lesson ÷ this) | JSON MiB"
    limit = (what, f"{x:.3g}x", ">= 20x", x >= 20)
    return [record("default", "prep", title, cols, rows, [note], [limit])]


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
import pandas as pd, pyarrow.json as pj
from stockflow.convert import schema
t = pj.read_json(sys.argv[1], parse_options=pj.ParseOptions(explicit_schema=schema()))
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
        "by Arrow and written by pandas (`assert_frame_equal`)."
    )
    limit = (what, f"{peak:.0f} MiB; equal", f"<= {budget_mb} MB", peak <= budget_mb)
    title = "One file larger than the memory budget"
    return [record("big", "big", title, cols, [row], [note], [limit])]


SCALES = {
    "default": {"convert": convert, "prep": prep, "workflow": workflow},
    "full": {"convert": convert},
    "big": {"big": big},
}
