import re
import shlex
import sys
from pathlib import Path

from snakemake.utils import validate

# The stage CLIs live in the package beside the rules (workflow/stockflow).
sys.path.insert(0, str(Path(workflow.current_basedir).parent))

from stockflow import StockflowError, jobenv, params as sf_params, registry
from stockflow.registry import (
    BENCH_PLOTS,
    BENCH_SUMMARY,
    BENCH_TABLE,
    CPROFILE,
    CPROFILE_MERGED,
    CPROFILED,
    HDF5,
    INVENTORY,
    INVENTORY_TABLE,
    JSONL,
    PLOT_CLOSE,
    PLOT_DAY,
    QUOTES,
    RULES,
)

shell.prefix(jobenv.shell_prefix())

# Renamed keys: refused with the new name before the schema's generic "unknown key".
RENAMED = {"profile": "cprofile"}
for old, new in RENAMED.items():
    if old in config:
        raise ValueError(
            f"config: {old!r} was renamed {new!r} (cProfile of every data job, see "
            f"config/README.md); write {new}: {config[old]!r} instead"
        )

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
# cProfile (config "cprofile"; "--config cprofile=true" arrives as a string): every data job
# writes its profile, and each rule's profiles are added up by cprofile_merge.
CPROFILING = config["cprofile"] in (True, "true")
CPROFILE_TARGETS = expand(CPROFILE_MERGED, stage=CPROFILED) if CPROFILING else []
REPORT_TARGETS = [
    *expand([PLOT_CLOSE, PLOT_DAY], ticker=TICKERS),
    *BENCH_PLOTS.values(),
    BENCH_TABLE,
    INVENTORY_TABLE,
]


wildcard_constraints:
    # Only configured tickers: a wildcard can never match a path or a stray file.
    ticker="|".join(re.escape(t) for t in TICKERS),
    stage="|".join(CPROFILED),


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


def tickers_args(wildcards):
    # A function, not a string: Snakemake would try to fill braces in a params string.
    return shlex.join(["--tickers", *TICKERS])


def summarized_benchmarks(wildcards):
    """What benchmark_summary reads: each summarized rule's benchmark and work file."""
    return {
        "benchmarks": registry.benchmark_files(registry.SUMMARIZED, TICKERS),
        "work": registry.work_files(TICKERS),
    }


def timeline_benchmarks(wildcards):
    """The benchmark files the timeline reads (see registry.TIMELINE_INPUTS)."""
    return registry.benchmark_files(registry.TIMELINE_INPUTS, TICKERS)


def cprofile_output(name):
    """The named output "cprofile" of a data job: its cProfile file, or no file at all.

    The job's command always hands {output.cprofile} to the stage (empty when profiling is
    off), so switching profiling changes neither the command nor the params: switching it on
    reruns the jobs only because their profiles are missing, switching it off reruns nothing.
    """
    return CPROFILE.format(rule=name, ticker="{ticker}") if CPROFILING else []


def cprofile_inputs(wildcards):
    return expand(
        CPROFILE.format(rule=wildcards.stage, ticker="{ticker}"), ticker=TICKERS
    )


def inventory_args(wildcards):
    return shlex.join(["--json-template", JSONL])


def plot_mem_mb(wildcards):
    # pandas + matplotlib (~170 MB measured) plus the ticker's bars, read whole (56 bytes a
    # bar, a few copies).
    return 300 + (config["synth"]["days"] * _bars_per_day() * 200) // 2**20
