import os
import sys
from pathlib import Path

from snakemake.utils import validate

# The stage CLIs live in the package beside the rules (workflow/stockflow).
sys.path.insert(0, str(Path(workflow.current_basedir).parent))

import stockflow.shard
from stockflow import StockflowError, registry, secrets
from stockflow.nightly import daily_history
from stockflow.config import jobenv
from stockflow.config import stageargs
from stockflow.config import storagecheck
from stockflow.config import tickers as sf_tickers
from stockflow.registry import (
    BENCH_OUTPUTS,
    BENCH_SUMMARY,
    CPROFILE,
    CPROFILE_MERGED,
    CPROFILE_PLOT,
    CPROFILED,
    HDF5,
    INVENTORY,
    INVENTORY_TABLE,
    JSONL,
    MARKET_PLOTS,
    PLOT_CLOSE,
    PLOT_DAY,
    QUOTES,
    SHARD,
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

# YAML reads an unquoted 2024-01-31 as a date: the schema wants the text.
for _key in ("start", "end"):
    _when = config.get("source", {}).get(_key)
    if hasattr(_when, "isoformat"):
        config["source"][_key] = _when.isoformat()

validate(config, schema="../schemas/config.schema.yaml")


def _check_config(cfg):
    """Cross-key checks the JSON schema cannot express; fail before any job runs."""
    try:
        stageargs.bars_per_day(cfg)
        names = sf_tickers.load(cfg["tickers"])
        charted = sf_tickers.sample(names, cfg["report"]["tickers"])
    except StockflowError as exc:
        raise ValueError(f"config: {exc}") from None
    src = cfg["source"]
    if src["url"] and src["path"]:
        raise ValueError("config: set at most one of source.url and source.path")
    kind = stageargs.provider(cfg)
    needs = {"generic": "url", "file": "path"}
    if kind in needs and not src[needs[kind]]:
        raise ValueError(f"config: source.provider {kind} needs source.{needs[kind]}")
    if kind not in ("generic", "file") and (src["url"] or src["path"]):
        raise ValueError(
            f"config: source.provider {kind} takes no source.url or source.path "
            "(a provider's host is source.base_url)"
        )
    if kind == "alpaca" and len(stageargs.key_env(cfg)) != 2:
        raise ValueError(
            "config: source.key_env for alpaca names two variables, the key id and the secret"
        )
    # Every key must be there before any job runs (checked again, and read, by each job).
    try:
        secrets.check(list(stageargs.key_env(cfg)), f"{kind} API key")
    except StockflowError as exc:
        raise ValueError(f"config: {exc}") from None
    return names, charted


TICKERS, CHARTED = _check_config(config)
# With S3 storage: the bucket and the credentials, once, before any job (not in cluster jobs).
if not workflow.remote_exec:
    try:
        storagecheck.check_workflow(workflow)
    except StockflowError as exc:
        raise ValueError(str(exc)) from None
KNOWN = frozenset(TICKERS)
SHARDS = registry.shards(TICKERS, config["batch_size"])
# Market scale: the data stages as one job per batch (rules/batches.smk) instead of per ticker.
BATCHED = registry.batched(len(TICKERS), config["batch_jobs"])
# cProfile (config "cprofile"; "--config cprofile=true" arrives as a string): every data job
# writes its profile, and each rule's profiles are added up by cprofile_merge.
CPROFILING = config["cprofile"] in (True, "true")
CPROFILE_TARGETS = expand(CPROFILE_PLOT, stage=CPROFILED) if CPROFILING else []
REPORT_TARGETS = [
    *expand([PLOT_CLOSE, PLOT_DAY], ticker=CHARTED),
    *BENCH_OUTPUTS.values(),
    *MARKET_PLOTS.values(),
    INVENTORY_TABLE,
]

# A batch of tickers (their chains and their shard) is one group, "chain", and one cluster job.
# The cluster profiles name the group for the main process (--groups); the rules name it only
# inside a cluster job, where Snakemake starts again without --groups and must run the batch
# as one group (the SLURM plugin runs each group of a job through its own srun and Snakemake).
# Local runs form no groups: Snakemake's readiness check of a group costs time growing with the
# square of its size (dag.py _ready), 3x the planning time at 1,000 tickers in batches of 100.
BATCH_GROUP = "chain" if workflow.remote_exec else None
# Each batch job has a rule name of its own (download_batch0003) that no profile can list, so
# it names its group itself, always. Locally that is 3 jobs a group, which costs nothing.
BATCH_RULE_GROUP = "chain"
# Once per run, not per job (see stockflow/config/stageargs.py): params and resources of the stages.
DOWNLOAD_ARGS = stageargs.download(config)
SYNTH_ARGS = stageargs.synthesize(config)
CONVERT_ARGS = stageargs.convert(config)
DOWNLOAD_RUNTIME = stageargs.download_runtime(config)
# A provider's download that failed after an earlier success leaves no output, which Snakemake
# does not make again while what follows it is in place: the time of its last failure
# (stockflow/nightly/daily_history.py) is part of its parameters, so the next run tries it again.
FAILED_DOWNLOADS = daily_history.last_failures(stageargs.HISTORY_DIR)
# At most source.parallel downloads at once, also when no --resources is given; a
# --resources downloads=N given on the command line wins.
if "downloads" not in workflow.global_resources:
    workflow.register_resource("downloads", config["source"]["parallel"])
SYNTH_MEM_MB = stageargs.synthesize_mem_mb(config)
SYNTH_RUNTIME = stageargs.synthesize_runtime(config)
CONVERT_RUNTIME = stageargs.convert_runtime(config)
PLOT_MEM_MB = stageargs.plot_mem_mb(config)


wildcard_constraints:
    # A name, never a path or a temporary (stockflow/config/tickers.py); configured_ticker() refuses
    # names that are not configured.
    ticker=sf_tickers.WILDCARD,
    stage="|".join(CPROFILED),
    shard=r"\d{4}",


def source_version(wildcards):
    """What a download's source is now: the size and mtime of its source.path file, else "".

    A parameter, not an input: a changed file still reruns its ticker (the params trigger), but
    Snakemake stats every ready job's inputs each time it starts a job, and with 10,000 downloads
    ready that was half of a cold run (bench/RESULTS.md). Refuses a ticker that is not
    configured (e.g. a stray target): the wildcard is a pattern, the configured names are the list.
    A missing file is the job's to report (naming the ticker and the file), so --keep-going
    finishes the other tickers.
    """
    ticker = wildcards.ticker
    if ticker not in KNOWN:
        raise ValueError(
            f"{ticker!r} is not one of the configured tickers (config 'tickers')"
        )
    return ticker_source_version(ticker)


def ticker_source_version(ticker):
    template = config["source"]["path"]
    failed = FAILED_DOWNLOADS.get(ticker, "")
    if not template:
        return failed
    try:
        st = os.stat(template.replace("{ticker}", ticker))
    except OSError:
        return f"missing{failed}"
    return f"{st.st_size}:{st.st_mtime_ns}{failed}"


def batch_cprofiles(stage, tickers):
    """A batch job's cProfile files (one per ticker), or none when profiling is off."""
    if not CPROFILING:
        return []
    return [CPROFILE.format(rule=stage, ticker=t) for t in tickers]


def shard_inputs(wildcards):
    """What a shard reads: its tickers' data jobs' benchmarks and the logs holding their results."""
    tickers = SHARDS[wildcards.shard]
    if BATCHED:
        stages = [r.name for r in registry.SUMMARIZED]
        benchmarks = [registry.batch_benchmark(s, wildcards.shard) for s in stages]
        logs = [registry.batch_log(s, wildcards.shard) for s in stages]
    else:
        benchmarks = registry.benchmark_files(registry.SUMMARIZED, tickers, CHARTED)
        logs = registry.log_files(registry.SUMMARIZED, tickers, CHARTED)
    # The first input tells the job where the files are (stockflow/shard.py).
    assert benchmarks[0] == stockflow.shard.anchor(tickers, wildcards.shard, BATCHED)
    return {"anchor": benchmarks[0], "benchmarks": benchmarks[1:], "logs": logs}


def shard_tickers(wildcards):
    # A tuple: Snakemake hands it to the shell one quoted word per item (no wildcard filling).
    return tuple(SHARDS[wildcards.shard])


def shard_files(wildcards):
    return expand(SHARD, shard=list(SHARDS))


def timeline_singles(wildcards):
    """The benchmark files of the jobs that are not per ticker (registry.TIMELINE_SINGLES)."""
    return registry.benchmark_files(
        registry.TIMELINE_SINGLES, TICKERS, CHARTED, config["batch_size"]
    )


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


onstart:
    # The executor is known only now, not while the Snakefile is read (secrets.py says why).
    if not workflow.remote_exec:
        secrets.check_verbose_executor(
            workflow.output_settings.verbose,
            getattr(workflow.executor_plugin, "name", None),
            [*stageargs.key_env(config), *storagecheck.SECRET_ENV],
        )


onerror:
    # Snakemake may report a failed S3 transfer without the endpoint: name it, if it is down.
    if not workflow.remote_exec:
        try:
            storagecheck.check_workflow(workflow)
        except StockflowError as exc:
            print(f"stockflow: after the failure, {exc}", file=sys.stderr)
