"""The `default`, `full` and `big` scales: the convert contenders on JSON lines the workflow
made, the lesson's data preparation against synthesize, a cold run and no-ops, one file over
1 GB within a 512 MB budget."""

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import core
from core import MIB, PY, Run, job_stats, med, pair_ratio, progress, record, run, snakemake_cmd

STAGE = ("lesson_loop", "lesson_executor", "lesson_pool", "sf_proc_seq", "sf_proc_par",
         "sf_inproc", "sf_jobs", "snakemake")  # fmt: skip
SINGLE = ("baseline", "lesson_1", "lesson_1_parsed", "sf_1", "sf_1_t2")
STAGE_VS_EXECUTOR = {"default": 0.5, "full": 0.2}  # the target of snakemake ÷ lesson's pool
NOOP_LIMIT_S = 1.5


@dataclass
class Contender:
    key: str
    label: str
    run: Callable[[Path, Path], Run]  # (fresh output dir, log file) -> Run
    outputs: int = 0  # .h5 files it must leave in its output dir (checked off the clock)


def stem(path: str) -> str:
    return Path(path).name[: -len(".json")]


def per_file(r: Run) -> Run:
    r.extra["per_file_s"] = json.loads(r.stdout)["per_file_s"]
    return r


def inproc(files: list[str], threads: int = 1):
    def go(out: Path, log: Path) -> Run:
        cmd = [PY, str(core.INPROC), "convert", "--threads", str(threads), str(out), *files]
        r = per_file(run(cmd, log))
        r.extra["process_s"] = r.seconds
        r.seconds = sum(r.extra["per_file_s"].values())  # imports excluded
        return r

    return go


def snakemake_convert(data: Path, n: int, cores: int):
    def go(out: Path, log: Path) -> Run:
        shutil.rmtree(data / "results" / "hdf5", ignore_errors=True)
        os.sync()
        # mtime triggers only: a rule edited while the benchmark runs must not rerun synthesize.
        r = run(snakemake_cmd(data, cores, "--until", "convert", "--rerun-triggers", "mtime"), log)
        made = len(list((data / "results" / "hdf5").glob("*.h5")))
        if job_stats(log) != {"convert": n} or made != n:
            raise core.BenchError(f"expected {n} convert jobs and .h5 files, got {made}: see {log}")
        r.extra["elapsed_s"] = core.elapsed(log)
        return r

    return go


def convert_contenders(files: list[str], ref: str, data: Path, cores: int) -> list[Contender]:
    lesson, sf = [PY, str(core.LESSON), "convert"], [PY, "-m", "stockflow.convert"]

    def cmd(argv: Callable[[Path], list[str]]):
        return lambda out, log: run(argv(out), log)

    def procs(at_once: int):
        return lambda out, log: core.run_n_at_a_time(
            [[*sf, f, str(out / f"{stem(f)}.h5")] for f in files], at_once, log)  # fmt: skip

    one = lambda out: [*sf, ref, str(out / f"{stem(ref)}.h5")]  # noqa: E731
    n = len(files)
    return [
        Contender("baseline", "interpreter baseline: `import pyarrow.json, tables`",
                  cmd(lambda out: [PY, "-c", "import pyarrow.json, tables"])),
        Contender("lesson_1", "lesson, one file", cmd(lambda out: [*lesson, str(out), ref]), 1),
        Contender("lesson_1_parsed", "lesson + `pd.to_datetime`, one file",
                  cmd(lambda out: [*lesson, str(out), ref, "--parse-timestamp"]), 1),
        Contender("sf_1", "stockflow CLI, one file", cmd(one), 1),
        Contender("sf_1_t2", "stockflow CLI `--threads 2`, one file",
                  cmd(lambda out: [*one(out), "--threads", "2"]), 1),
        Contender("lesson_loop", "lesson: sequential loop",
                  lambda out, log: per_file(run([*lesson, str(out), *files], log)), n),
        Contender("lesson_executor", "lesson: `ProcessPoolExecutor().map`",
                  cmd(lambda out: [*lesson, str(out), *files, "--map", "executor"]), n),
        Contender("lesson_pool", "lesson: `multiprocessing.Pool().map`",
                  cmd(lambda out: [*lesson, str(out), *files, "--map", "pool"]), n),
        Contender("sf_proc_seq", "stockflow CLI, one process per file, sequential", procs(1), n),
        Contender("sf_proc_par", f"stockflow CLI, one process per file, {cores} at a time",
                  procs(cores), n),
        Contender("sf_inproc", "stockflow `convert_file` in one process (imports excluded)",
                  inproc(files), n),
        Contender("sf_inproc_t2", "stockflow `convert_file(threads=2)` in one process",
                  inproc(files, 2), n),
        Contender("sf_jobs", f"stockflow `convert_pool --jobs {cores} --outdir DIR FILES...`",
                  cmd(lambda out: [PY, "-m", "stockflow.convert_pool", "--jobs", str(cores),
                                   "--outdir", str(out), *files]), n),
        Contender("snakemake", f"`snakemake --cores {cores} --until convert`",
                  snakemake_convert(data, n, cores)),
    ]  # fmt: skip


def prep_contenders(ticker: str, quotes: Path, days: int) -> list[Contender]:
    from stockflow.sources.origins import embedded_dir

    def go(argv: Callable[[Path], list[str]], lesson: bool):
        def one(out: Path, log: Path) -> Run:
            r = run(argv(out), log)
            r.extra.update(json.loads(r.stdout) if lesson else {})
            r.extra["json_mib"] = (out / f"{ticker}.json").stat().st_size / MIB
            return r

        return one

    daily = embedded_dir() / f"table_{ticker}.csv.bz2"
    return [
        Contender("lesson_prep", "lesson: generate_day -> CSV per day -> json.dump", go(
            lambda out: [PY, str(core.LESSON), "prepare", str(daily), str(out / f"{ticker}.json"),
                         "--days", str(days), "--tmpdir", str(out / "csv")], True)),
        Contender("synthesize", "`python -m stockflow.synthesize`", go(
            lambda out: [PY, "-m", "stockflow.synthesize", ticker, str(quotes),
                         str(out / f"{ticker}.json"), "--days", str(days)], False)),
    ]  # fmt: skip


def interleave(contenders: list[Contender], reps: int, root: Path, tag: str) -> dict:
    """Every contender once per rep, in order, rep after rep; outputs counted off the clock."""
    runs: dict[str, list[Run]] = {c.key: [] for c in contenders}
    for rep in range(reps):
        for c in contenders:
            out = root / "out" / c.key
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            os.sync()  # earlier writes must not be flushed on this contender's clock
            r = c.run(out, root / "logs" / f"{c.key}.log")
            if len(list(out.glob("*.h5"))) != c.outputs:
                raise core.BenchError(f"{c.key} did not leave {c.outputs} .h5 files in {out}")
            runs[c.key].append(r)
            shutil.rmtree(out, ignore_errors=True)
            progress(f"{tag} rep {rep + 1}/{reps}: {c.key} {r.seconds:.2f} s")
    return runs


def per_file_ratio(a: list[Run], b: list[Run]) -> float:
    """Median over (rep, file) of a's seconds / b's for the same file in the same rep."""
    return med(x.extra["per_file_s"][f] / y.extra["per_file_s"][f]
               for x, y in zip(a, b, strict=True) for f in x.extra["per_file_s"])  # fmt: skip


def convert_records(scale: str, runs: dict, labels: dict, sizes: list, ref: str) -> list:
    s = {k: [r.seconds for r in v] for k, v in runs.items()}
    peak = {k: med(r.peak_mib for r in v) for k, v in runs.items()}
    base, total, ref_mib = peak["baseline"], sum(sizes), Path(ref).stat().st_size / MIB
    rows = [[labels[k], med(s[k]), total / med(s[k]), pair_ratio(s[k], s["lesson_loop"]),
             pair_ratio(s[k], s["lesson_executor"]), peak[k], (peak[k] - base) / max(sizes)]
            for k in STAGE]  # fmt: skip
    sm = runs["snakemake"]
    notes = [
        f"JSON lines: {len(sizes)} files, {total:,.1f} MiB in all, per file {min(sizes):.1f} / "
        f"{med(sizes):.1f} / {max(sizes):.1f} MiB (min / median / max), made by `snakemake "
        "--until synthesize` (not timed).",
        "*stockflow `convert_file` in one process* is the sum of the per-file calls; its whole "
        f"process took {med(r.extra['process_s'] for r in runs['sf_inproc']):.3g} s with "
        "imports. The lesson's pools use their defaults (`os.cpu_count()` workers). Snakemake "
        "ran `--until convert --rerun-triggers mtime` after `results/hdf5` was deleted, its job "
        f"stats checked to hold only the convert jobs; its own *Elapsed time* was "
        f"{med(r.extra['elapsed_s'] for r in sm):.3g} s of {med(s['snakemake']):.3g} s.",
    ]
    loop = runs["lesson_loop"]
    f = {"in": per_file_ratio(loop, runs["sf_inproc"]),
         "in2": per_file_ratio(loop, runs["sf_inproc_t2"]),
         "one": pair_ratio(s["lesson_1"], s["sf_1"]),
         "one2": pair_ratio(s["lesson_1"], s["sf_1_t2"]),
         "stage": pair_ratio(s["snakemake"], s["lesson_executor"]),
         "rss": (peak["sf_1"] - base) / ref_mib}  # fmt: skip
    one = [[labels[k], med(s[k]), None if k == "baseline" else pair_ratio(s["lesson_1"], s[k]),
            peak[k], None if k == "baseline" else peak[k] - base,
            None if k == "baseline" else (peak[k] - base) / ref_mib] for k in SINGLE]  # fmt: skip
    for label, key, ratio in (
        ("lesson loop", "lesson_loop", 1.0),
        ("stockflow `convert_file`", "sf_inproc", f["in"]),
        ("stockflow `convert_file(threads=2)`", "sf_inproc_t2", f["in2"]),
    ):
        each = med(med(r.extra["per_file_s"].values()) for r in runs[key])
        one.append([f"*in-process* per file, {label}", each, ratio, None, None, None])
    aim, limit = ">= 6x (aim 10x)", STAGE_VS_EXECUTOR[scale]
    t = [(what, f"{f[k]:.3g}x", aim, f[k] >= 6) for what, k in (
        ("convert one file in one process, *in-process* (imports excluded): lesson ÷ stockflow",
         "in"), ("the same with 2 parser threads (`threads: 2` on the rule)", "in2"),
        ("convert one file, whole process (imports included): lesson ÷ stockflow", "one"),
        ("the same with `--threads 2`", "one2"))]  # fmt: skip
    t += [("convert stage: `snakemake --cores 2` ÷ lesson `ProcessPoolExecutor`",
           f"{f['stage']:.2f}x", f"<= {limit}x", f["stage"] <= limit),
          ("convert peak RSS above baseline ÷ JSON size (stockflow CLI, one file)",
           f"{f['rss']:.3g}x", "<= 3x", f["rss"] <= 3)]  # fmt: skip
    return [
        record(scale, "convert", f"Convert stage: {len(sizes)} files",
               ["contender", "median s", "MiB/s", "time ÷ lesson loop",
                "time ÷ lesson ProcessPoolExecutor", "peak RSS MiB",
                "above baseline ÷ largest JSON"], rows, notes, t),
        record(scale, "convert", f"One file: `{Path(ref).name}` ({ref_mib:.1f} MiB)",
               ["contender", "median s", "speedup (lesson ÷ this)", "peak RSS MiB",
                "above baseline MiB", "above baseline ÷ JSON size"], one,
               ["The *in-process* rows time each file's call inside one process, after every "
                "import (median over files and reps; the speedup is the median of per-file "
                "ratios within a rep). The lesson's are the per-file times of its loop."]),
    ]  # fmt: skip


def prep_record(runs: dict, labels: dict, ticker: str, days: int) -> dict:
    lesson = [r.seconds for r in runs["lesson_prep"]]
    rows = [[labels[k], med(r.seconds for r in v), pair_ratio(lesson, [r.seconds for r in v]),
             med(r.extra["json_mib"] for r in v)] for k, v in runs.items()]  # fmt: skip
    x = rows[-1][2]
    gen = med(r.extra["generate_csv_s"] for r in runs["lesson_prep"])
    js = med(r.extra["csv_to_json_s"] for r in runs["lesson_prep"])
    note = (
        f"The lesson's time splits into {gen:.3g} s for the walk, resampling and one CSV per "
        f"day, and {js:.3g} s for reading the CSVs back and one `json.dump` per record."
    )
    return record("default", "prep", f"Data preparation: {ticker} x {days} days, whole processes",
                  ["contender", "median s", "speedup (lesson ÷ this)", "JSON MiB"], rows, [note],
                  [(f"synthesize vs the lesson's preparation ({ticker} x {days} days): lesson ÷ "
                    "stockflow", f"{x:.3g}x", ">= 20x", x >= 20)])  # fmt: skip


def workflow_record(work: Path, logs: Path, tickers, days: int, reps: int, cores: int) -> dict:
    """Cold runs from nothing (median of reps), then no-op reruns (median of >= 5)."""
    cold, job_s, wall_in = [], [], []
    for rep in range(reps):
        shutil.rmtree(work, ignore_errors=True)
        core.write_config(work, {"tickers": tickers, "synth": {"days": days}})
        os.sync()
        r = run(snakemake_cmd(work, cores), logs / "cold.log")
        cold.append(r.seconds)
        stats = job_stats(logs / "cold.log")
        job_s.append(sum(core.benchmark_seconds(work).values()))
        wall_in.append(core.elapsed(logs / "cold.log"))
        progress(f"cold run {rep + 1}/{reps}: {r.seconds:.1f} s, {sum(stats.values())} jobs")
    noop = []
    for _ in range(max(5, reps)):
        noop.append(run(snakemake_cmd(work, cores), logs / "noop.log").seconds)
        if "Nothing to be done" not in (logs / "noop.log").read_text(errors="replace"):
            raise core.BenchError(f"the rerun after a complete run did some work: {logs}/noop.log")
    n, jobs = len(tickers), sum(stats.values())
    rows = [[f"cold run (`snakemake --cores {cores}` from nothing), {reps} runs",
             *core.spread(cold),
             jobs, med(cold) / jobs, med(job_s)],
            [f"no-op rerun, {len(noop)} runs", *core.spread(noop), 0, None, None]]  # fmt: skip
    return record("default", "workflow", f"Workflow: {n} tickers",
                  ["run", "median s", "min s", "max s", "jobs", "s per job", "Σ job s"], rows,
                  ["Jobs: " + ", ".join(f"{k} {v}" for k, v in stats.items()) + ". Σ job s sums "
                   "every job's Snakemake benchmark; Snakemake's own *Elapsed time* was "
                   f"{med(wall_in):.3g} s of {med(cold):.3g} s."],
                  [(f"no-op rerun, {n} tickers", f"{med(noop):.3g} s", f"<= {NOOP_LIMIT_S} s",
                    med(noop) <= NOOP_LIMIT_S)])  # fmt: skip


def measure(scale: str, root: Path, tickers: int, days: int, reps: int, cores: int) -> list:
    """`default` (convert, prep, workflow) or `full` (convert at every day of history)."""
    data, logs = root / "data", root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    names = core.embedded()[:tickers]
    if scale == "full":
        have = sum(f.stat().st_size for f in (data / "results/json").glob("*.json"))
        core.check_disk(root, 20e9, have)
    progress(f"{scale}: JSON lines by the workflow ({len(names)} tickers x {days} days)")
    core.write_config(data, {"tickers": names, "synth": {"days": days}})
    run(snakemake_cmd(data, cores, "--until", "synthesize"), logs / "generate.log")
    files = [str(data / "results" / "json" / f"{t}.json") for t in names]
    ref = next((f for f in files if stem(f) == "aapl"), files[0])
    contenders = convert_contenders(files, ref, data, cores)
    runs = interleave(contenders, reps, root, scale)
    sizes = [Path(f).stat().st_size / MIB for f in files]
    out = convert_records(scale, runs, {c.key: c.label for c in contenders}, sizes, ref)
    if scale == "default":
        ticker = stem(ref)
        quotes = data / "resources" / "quotes" / f"{ticker}.csv"
        prep = prep_contenders(ticker, quotes, days)
        runs = interleave(prep, reps, root, "prep")
        out.append(prep_record(runs, {c.key: c.label for c in prep}, ticker, days))
        out.append(workflow_record(root / "cold", logs, names, days, reps, cores))
    return out


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


def measure_big(root: Path, days: int, reps: int, budget_mb: int = 512) -> list:
    """A >= 1 GB JSON file (aapl, every day, 10-second bars) through the streaming converter
    within a 512 MB budget, checked against a conversion that holds the whole file."""
    logs, src = root / "logs", root / "data" / "aapl.json"
    logs.mkdir(parents=True, exist_ok=True)
    if not src.is_file():
        core.check_disk(root, 20e9)
        quotes = src.with_suffix(".csv")
        run([PY, "-m", "stockflow.download", "aapl", str(quotes)], logs / "download.log")
        progress("big: synthesizing 10s bars for every day of aapl")
        run([PY, "-m", "stockflow.synthesize", "aapl", str(quotes), str(src), f"--days={days}",
             "--freq=10s"], logs / "synthesize.log")  # fmt: skip
    out, ref = root / "out" / "bounded.h5", root / "out" / "unbounded.h5"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [PY, "-m", "stockflow.convert", str(src), str(out), f"--memory-mb={budget_mb}"]
    runs = [run(cmd, logs / "convert.log") for _ in range(reps)]
    check = run([PY, "-c", BIG_CHECK, str(src), str(out), str(ref)], logs / "check.log")
    mib, peak = src.stat().st_size / MIB, max(r.peak_mib for r in runs)
    row = [mib, int(check.stdout), budget_mb, med(r.seconds for r in runs),
           mib / med(r.seconds for r in runs), ", ".join(f"{r.peak_mib:.0f}" for r in runs),
           check.peak_mib, out.stat().st_size / MIB]  # fmt: skip
    for f in (out, ref):
        f.unlink()
    return [record("big", "big", "One file larger than the memory budget",
                   ["JSON MiB", "rows", "budget MB", "median s", "MiB/s", "peak RSS MiB (each run)",
                    "unbounded conversion's peak MiB", ".h5 MiB"], [row],
                   ["`pd.read_hdf` of the streamed file equals, value for value, the same file "
                    "parsed whole by Arrow and written by pandas (`assert_frame_equal`)."],
                   [(f"a {mib / 1024:.2f} GiB JSON file within a {budget_mb} MB budget: highest "
                     "peak RSS of the runs; read_hdf equal to an unbounded conversion",
                     f"{peak:.0f} MiB; equal", f"<= {budget_mb} MB",
                     peak <= budget_mb)])]  # fmt: skip
