"""The contenders of the convert and prep measurements, and running them interleaved.

A contender is one way of doing the same work (the lesson's, stockflow's CLI, Snakemake...); each
one gets a fresh output directory per run, and what it leaves there is counted off the clock.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import INPROC, LESSON, MIB, PY, BenchError, Run, progress, run, run_n_at_a_time
from snakemake_runs import elapsed, job_stats, snakemake_cmd
from workdirs import Layout


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
    from stockflow.sources.origins import embedded_dir

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
