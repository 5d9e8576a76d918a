import re
import shlex
import sys
from pathlib import Path

from snakemake.utils import validate

# The stage CLIs live in the package beside the rules (workflow/stockflow).
sys.path.insert(0, str(Path(workflow.current_basedir).parent))

from stockflow import StockflowError, jobenv, params as sf_params

shell.prefix(jobenv.shell_prefix())


validate(config, schema="../schemas/config.schema.yaml")


def _check_config(cfg):
    """Cross-key checks the JSON schema cannot express; fail before any job runs."""
    synth = cfg["synth"]
    try:
        sf_params.bars_per_day(
            synth["freq"], synth["session_start"], synth["session_end"]
        )
    except StockflowError as exc:
        raise ValueError(f"config: {exc}") from None
    if cfg["source"]["url"] and cfg["source"]["path"]:
        raise ValueError("config: set at most one of source.url and source.path")


_check_config(config)

TICKERS = list(config["tickers"])

QUOTES = "resources/quotes/{ticker}.csv"
JSONL = "results/json/{ticker}.json"
HDF5 = "results/hdf5/{ticker}.h5"
BENCH_SUMMARY = "results/benchmarks.tsv"
BENCH = "benchmarks/{rule}/{{ticker}}.tsv"
LOG = "logs/{rule}/{{ticker}}.log"
# Per rule, the file whose size measures a job's work, for MB/s in the summary: what download
# and synthesize wrote, what convert read.
WORK_FILES = {"download": QUOTES, "synthesize": JSONL, "convert": JSONL}
# Profiling (config "profile"; "--config profile=true" arrives as a string): every data job
# writes PROFILE, and the profiles of each of them are added up into PROFILE_MERGED.
PROFILING = config["profile"] in (True, "true")
PROFILED = ["download", "synthesize", "convert"]
PROFILE = "results/profiles/{rule}/{{ticker}}.prof"
PROFILE_MERGED = "results/profiles/{stage}.prof"
PROFILE_TARGETS = expand(PROFILE_MERGED, stage=PROFILED) if PROFILING else []
# Report (workflow/rules/report.smk): charts under results/plots/, also marked for
# "snakemake --report report.html".
PLOT_CLOSE = "results/plots/close/{ticker}.png"
PLOT_DAY = "results/plots/day/{ticker}.png"
BENCH_PLOTS = {
    name: f"results/plots/benchmarks/{name}.png"
    for name in ("seconds", "throughput", "memory", "timeline")
}
BENCH_TABLE = "results/plots/benchmarks.html"
INVENTORY = "results/inventory.tsv"
INVENTORY_TABLE = "results/plots/inventory.html"
REPORT_TARGETS = [
    *expand([PLOT_CLOSE, PLOT_DAY], ticker=TICKERS),
    *BENCH_PLOTS.values(),
    BENCH_TABLE,
    INVENTORY_TABLE,
]


wildcard_constraints:
    # Only configured tickers: a wildcard can never match a path or a stray file.
    ticker="|".join(re.escape(t) for t in TICKERS),
    stage="|".join(PROFILED),


def source_args(wildcards):
    """CLI flags for the download stage (a params value: a source change reruns downloads)."""
    src = config["source"]
    args = []
    if src["url"]:
        args += ["--url", src["url"], "--format", src["format"]]
    elif src["path"]:
        args += ["--path", src["path"], "--format", src["format"]]
    for key in ("connect_timeout", "read_timeout", "retries", "backoff", "max_bytes"):
        args += [f"--{key.replace('_', '-')}", str(src[key])]
    return shlex.join(args)


def synth_args(wildcards):
    s = config["synth"]
    return shlex.join(
        [
            f"--days={s['days']}",
            f"--freq={s['freq']}",
            f"--session-start={s['session_start']}",
            f"--session-end={s['session_end']}",
            f"--seed={s['seed']}",
        ]
    )


def hdf5_args(wildcards):
    h = config["hdf5"]
    return shlex.join(
        [
            f"--format={h['format']}",
            f"--complevel={h['complevel']}",
            f"--complib={h['complib']}",
        ]
    )


def _bars_per_day():
    s = config["synth"]
    return sf_params.bars_per_day(s["freq"], s["session_start"], s["session_end"])


def synth_mem_mb(wildcards):
    # Measured peak: ~45 MB at 480 bars/day. Days go 32 at a time (CHUNK_DAYS in
    # stockflow/synthesize.py), so memory grows with bars per day, never with days.
    return 100 + (_bars_per_day() * 32 * 400) // 2**20


def synth_runtime(wildcards):
    return f"{2 + config['synth']['days'] * _bars_per_day() // 2_000_000}m"


def convert_mem_mb(wildcards):
    # The converter streams its input in blocks sized to stay within this budget.
    return config["convert"]["memory_mb"]


def convert_runtime(wildcards, input):
    return f"{2 + int(input.size_mb // 50)}m"


def benchsummary_args(wildcards):
    # A function, not a string: Snakemake would try to fill "{ticker}" in a params string.
    args = ["--tickers", *TICKERS]
    for rule, work in WORK_FILES.items():
        args += ["--rule", rule, BENCH.format(rule=rule), work]
    return shlex.join(args)


def profile_output(name):
    """The named output "profile" of a data job: its cProfile file, or no file at all.

    The job's command always hands {output.profile} to the stage (empty when profiling is
    off), so switching profiling changes neither the command nor the params: switching it on
    reruns the jobs only because their profiles are missing, switching it off reruns nothing.
    """
    return PROFILE.format(rule=name) if PROFILING else []


def profile_inputs(wildcards):
    return expand(PROFILE.format(rule=wildcards.stage), ticker=TICKERS)


def timeline_args(wildcards):
    """The jobs the timeline draws, by their benchmarks (seconds; the file's mtime is the end).

    Every job of the run but plot_benchmarks itself, which has them all as inputs.
    """
    args = ["--tickers", *TICKERS]
    for name in ("download", "synthesize", "convert", "plot_ticker"):
        args += ["--per-ticker", name, BENCH.format(rule=name)]
    args += ["--job", "benchmark_summary", "benchmarks/benchmark_summary.tsv"]
    args += ["--job", "inventory", "benchmarks/inventory.tsv"]
    # Snakemake's log of this run, whose name holds when it started (jobs before: earlier runs)
    args += ["--run-log-dir", ".snakemake/log"]
    # Whether profiling is on or not (the params must not change when it is switched): merges
    # that finished before this job are drawn, others are not (no input, see report.smk).
    for stage in PROFILED:
        args += ["--job", "profile_merge", f"benchmarks/profile_merge/{stage}.tsv"]
    return shlex.join(args)


def inventory_args(wildcards):
    return shlex.join(["--json-template", JSONL])


def plot_mem_mb(wildcards):
    # pandas + matplotlib (~170 MB measured) plus the ticker's bars, read whole (56 bytes a
    # bar, a few copies).
    return 300 + (config["synth"]["days"] * _bars_per_day() * 200) // 2**20
