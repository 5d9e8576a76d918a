"""The workflow's rules and files, in one place (stdlib only: the Snakefile imports it).

Each rule's benchmark and log path, its colour in the charts, whether the benchmark summary
counts it: the ``.smk`` files take their ``benchmark:`` and ``log:`` from here, and the summary,
the inventory, the timeline and the charts read the same entries. ``tests/test_registry.py``
holds this table equal to the rules Snakemake actually has, so adding a rule is the rule plus
one line here.
"""

import os
import re
from dataclasses import dataclass

from stockflow import StockflowError, defaults, resources

# Per-ticker files
QUOTES = resources.QUOTES
JSONL = "results/json/{ticker}.json"
HDF5 = "results/hdf5/{ticker}.h5"
# cProfile output of a profiled job, and one rule's jobs added up (config "cprofile")
CPROFILE = "results/cprofile/{rule}/{ticker}.prof"
CPROFILE_MERGED = "results/cprofile/{stage}.prof"
# The jobs of a batch of tickers (config batch_size), their times and results, in one file
SHARD = "results/shards/{shard}.tsv"
# What the whole run produced
BENCH_SUMMARY = "results/benchmarks.tsv"
INVENTORY = "results/inventory.tsv"
PLOTS = "results/plots"
PLOT_CLOSE = PLOTS + "/close/{ticker}.png"
PLOT_DAY = PLOTS + "/day/{ticker}.png"
BENCH_TABLE = PLOTS + "/benchmarks.html"
BENCH_PLOTS = {
    name: f"{PLOTS}/benchmarks/{name}.png"
    for name in ("seconds", "throughput", "memory", "timeline")
}
# What plot_benchmarks and plot_market draw, by the name of each output
BENCH_OUTPUTS = {**BENCH_PLOTS, "table": BENCH_TABLE}
MARKET_PLOTS = {name: f"{PLOTS}/market/{name}.png" for name in ("distributions", "progress")}
INVENTORY_TABLE = PLOTS + "/inventory.html"
CPROFILE_PLOT = PLOTS + "/cprofile/{stage}.png"  # where a profiled rule's time goes
RUN_LOG_DIR = ".snakemake/log"  # Snakemake's log of each run, named by its start time
OTHER_COLOR = "#937860"  # a rule the table does not know (never one of ours: a test checks)


@dataclass(frozen=True)
class Rule:
    name: str
    color: str
    wildcard: str | None = None  # "ticker" | "shard" | "stage": a job per value; None: one
    charted: bool = False  # per ticker, but only for the tickers with charts (report.tickers)
    summarized: bool = False  # in the benchmark summary; its log's result line has its bytes
    cprofiled: bool = False  # writes a cProfile file when config "cprofile" is on
    drawn: bool = True  # on the timeline (all but the job that draws it)
    # Runs only when switched on (cprofile): never an input of another rule, so that switching
    # it changes no other job's inputs.
    optional: bool = False

    def _path(self, top: str, ext: str) -> str:
        tail = f"/{{{self.wildcard}}}" if self.wildcard else ""
        return f"{top}/{self.name}{tail}.{ext}"

    @property
    def benchmark(self) -> str:
        return self._path("benchmarks", "tsv")

    @property
    def log(self) -> str:
        return self._path("logs", "log")

    def _of(self, path: str, value: str | None) -> str:
        return path.replace("{" + self.wildcard + "}", value) if self.wildcard else path

    def benchmark_of(self, value: str | None = None) -> str:
        """The benchmark file of one job (``value``: its wildcard's value)."""
        return self._of(self.benchmark, value)

    def log_of(self, value: str | None = None) -> str:
        return self._of(self.log, value)


RULES = {
    rule.name: rule
    for rule in (
        # the data chain, per ticker
        Rule("download", "#4C72B0", "ticker", summarized=True, cprofiled=True),
        Rule("synthesize", "#DD8452", "ticker", summarized=True, cprofiled=True),
        Rule("convert", "#55A868", "ticker", summarized=True, cprofiled=True),
        # the report
        Rule("plot_ticker", "#DA8BC3", "ticker", charted=True),
        Rule("shard", "#64B5CD", "shard"),
        Rule("benchmark_summary", "#8172B3"),
        Rule("inventory", "#8C8C8C"),
        # the last two, side by side: neither is on the other's timeline
        Rule("plot_benchmarks", OTHER_COLOR, drawn=False),
        Rule("plot_market", "#2F4F4F", drawn=False),
        # cProfile: per profiled rule, its jobs' profiles added up, and where its time goes
        Rule("cprofile_merge", "#CCB974", "stage", optional=True),
        Rule("plot_cprofile", "#B8860B", "stage", optional=True),
    )
}
SUMMARIZED = [r for r in RULES.values() if r.summarized]
CPROFILED = [r.name for r in RULES.values() if r.cprofiled]
# Jobs the timeline draws from their own benchmark files, which are plot_benchmarks' inputs
# (that also makes it the run's last job): all but the data chain, whose jobs come in through
# the shards. Not the optional rules: switching cProfile must not change any inputs (the
# timeline draws their jobs when it finds them).
TIMELINE_SINGLES = [r for r in RULES.values() if r.drawn and not r.optional and not r.summarized]


def shards(tickers: list[str], size: int) -> dict[str, list[str]]:
    """The tickers in batches of ``size``, by shard id ("0000", "0001", ...).

    Jobs that read every ticker's files read one file per shard instead: a Snakemake job with
    N inputs from N jobs costs Snakemake time growing with N squared before it starts
    (measured: 5 s per summary job at 2,000 tickers, 6,000 inputs).
    """
    return {f"{k:04d}": tickers[i : i + size] for k, i in enumerate(range(0, len(tickers), size))}


def jobs_of(
    rule: Rule, tickers: list[str], charted: list[str], batch: int = defaults.BATCH_SIZE
) -> list[str | None]:
    """The wildcard values of a rule's jobs over ``tickers`` (None: its one job)."""
    if rule.wildcard is None:
        return [None]
    if rule.wildcard == "shard":
        return list(shards(tickers, batch))
    if rule.wildcard != "ticker":
        raise ValueError(f"{rule.name}: jobs per {rule.wildcard}, not per ticker, shard or run")
    return [t for t in tickers if t in set(charted)] if rule.charted else tickers


def benchmark_files(
    rules: list[Rule], tickers: list[str], charted: list[str], batch: int = defaults.BATCH_SIZE
) -> list[str]:
    """The benchmark file of every job of ``rules``."""
    return [r.benchmark_of(v) for r in rules for v in jobs_of(r, tickers, charted, batch)]


def log_files(rules: list[Rule], tickers: list[str], charted: list[str]) -> list[str]:
    return [r.log_of(v) for r in rules for v in jobs_of(r, tickers, charted)]


# Batch jobs (market scale): each data stage runs one job per batch of tickers instead of one
# per ticker (stockflow.batch). A batch is a shard: the same tickers, the same id.
BATCH_ABOVE = defaults.BATCH_ABOVE
_BATCH_RULE = re.compile(r"^(?P<stage>[a-z]+)_batch(?P<shard>\d{4})$")


def batched(n_tickers: int, setting: object = defaults.BATCH_JOBS) -> bool:
    """Whether the data stages run one job per batch: config ``batch_jobs`` (auto | true |
    false; the command line's ``--config batch_jobs=true`` arrives as text), auto meaning above
    BATCH_ABOVE tickers."""
    text = str(setting).lower()
    if text == "auto":
        return n_tickers > BATCH_ABOVE
    if text in ("true", "false"):
        return text == "true"
    raise StockflowError(f"batch_jobs is auto, true or false, not {setting!r}")


def batch_rule(stage: str, shard: str) -> str:
    """The name of one batch's job of a data stage (a rule per batch: see rules/batches.smk)."""
    return f"{stage}_batch{shard}"


def stage_of(rule_name: str) -> str:
    """The stage a rule belongs to: a batch rule's stage, else the rule's own name."""
    m = _BATCH_RULE.match(rule_name)
    return m["stage"] if m and m["stage"] in RULES else rule_name


def batch_benchmark(stage: str, shard: str) -> str:
    return f"benchmarks/{stage}/batch-{shard}.tsv"


def batch_log(stage: str, shard: str) -> str:
    return f"logs/{stage}/batch-{shard}.log"


def bench(name: str) -> str:
    return RULES[name].benchmark


def log(name: str) -> str:
    return RULES[name].log


def color(name: str) -> str:
    rule = RULES.get(name)
    return rule.color if rule else OTHER_COLOR


def at(root: str, relative: str) -> str:
    """A workflow-relative path under ``root``: "." for the working directory, or the prefix
    under which a remote storage's local copies lie."""
    return relative if root in ("", ".") else os.path.join(root, relative)


def root_of(path: str, relative: str) -> str:
    """The root under which ``path``, known as ``relative`` in the workflow, lies."""
    norm = path.replace(os.sep, "/")
    if not norm.endswith(relative):
        raise StockflowError(f"{path}: expected a path ending in {relative}")
    return norm[: -len(relative)].rstrip("/") or "."


def job_of_benchmark(path: str) -> tuple[Rule, str | None, str]:
    """The rule and wildcard value of a benchmark file, and the root it lies under."""
    norm = path.replace(os.sep, "/")
    for rule in RULES.values():
        pattern = re.escape(rule.benchmark).replace(
            re.escape("{" + (rule.wildcard or "") + "}"), "([^/]+)"
        )
        m = re.search(f"(?:^|/)({pattern})$", norm)
        if m:
            value = m.group(2) if rule.wildcard else None
            return rule, value, root_of(norm, m.group(1))
    raise StockflowError(f"{path}: not the benchmark file of a rule of the workflow")
