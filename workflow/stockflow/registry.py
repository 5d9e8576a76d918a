"""The workflow's rules and files, in one place (stdlib only: the Snakefile imports it).

Each rule's benchmark and log path, its colour in the charts, whether the benchmark summary
counts it and what measures its work: the ``.smk`` files take their ``benchmark:`` and ``log:``
from here, and the summary, the timeline and the charts read the same entries.
``tests/test_registry.py`` holds this table equal to the rules Snakemake actually has, so adding
a rule is the rule plus one line here.
"""

from dataclasses import dataclass

# Per-ticker files
QUOTES = "resources/quotes/{ticker}.csv"
JSONL = "results/json/{ticker}.json"
HDF5 = "results/hdf5/{ticker}.h5"
# cProfile output of a profiled job, and one rule's jobs added up (config "cprofile")
CPROFILE = "results/cprofile/{rule}/{ticker}.prof"
CPROFILE_MERGED = "results/cprofile/{stage}.prof"
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
INVENTORY_TABLE = PLOTS + "/inventory.html"
RUN_LOG_DIR = ".snakemake/log"  # Snakemake's log of each run, named by its start time
OTHER_COLOR = "#937860"  # a rule the table does not know (never one of ours: a test checks)


@dataclass(frozen=True)
class Rule:
    name: str
    color: str
    wildcard: str | None = None  # "ticker": one job per ticker; None: one job per run
    work: str | None = None  # summarized rules: the file whose size measures a job's work
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

    def benchmark_of(self, value: str | None = None) -> str:
        """The benchmark file of one job (``value``: its wildcard's value)."""
        path = self.benchmark
        return path.replace("{" + self.wildcard + "}", value) if self.wildcard else path


RULES = {
    rule.name: rule
    for rule in (
        # the data chain, per ticker: what a download and synthesize wrote, what convert read
        Rule("download", "#4C72B0", "ticker", work=QUOTES, cprofiled=True),
        Rule("synthesize", "#DD8452", "ticker", work=JSONL, cprofiled=True),
        Rule("convert", "#55A868", "ticker", work=JSONL, cprofiled=True),
        # the report
        Rule("plot_ticker", "#DA8BC3", "ticker"),
        Rule("benchmark_summary", "#8172B3"),
        Rule("inventory", "#8C8C8C"),
        Rule("plot_benchmarks", OTHER_COLOR, drawn=False),
        # cProfile: one job per profiled rule
        Rule("cprofile_merge", "#CCB974", "stage", optional=True),
    )
}
SUMMARIZED = [r for r in RULES.values() if r.work]
CPROFILED = [r.name for r in RULES.values() if r.cprofiled]
# The benchmark files the timeline reads are plot_benchmarks' inputs, which also makes it the
# run's last job, so that its timeline has every other job. Not the optional rules: switching
# cProfile must not change its inputs (the timeline draws their jobs when it finds them).
TIMELINE_INPUTS = [r for r in RULES.values() if r.drawn and not r.optional]


def benchmark_files(rules: list[Rule], tickers: list[str]) -> list[str]:
    """The benchmark file of every job of ``rules`` (per-ticker rules: one per ticker)."""
    paths = []
    for rule in rules:
        if rule.wildcard not in ("ticker", None):
            raise ValueError(f"{rule.name}: jobs per {rule.wildcard}, not per ticker or run")
        values = tickers if rule.wildcard else [None]
        paths += [rule.benchmark_of(v) for v in values]
    return paths


def work_files(tickers: list[str]) -> list[str]:
    """The files whose sizes the benchmark summary reads, once each."""
    works = dict.fromkeys(r.work for r in SUMMARIZED)
    return [w.replace("{ticker}", t) for w in works for t in tickers]


def bench(name: str) -> str:
    return RULES[name].benchmark


def log(name: str) -> str:
    return RULES[name].log


def color(name: str) -> str:
    rule = RULES.get(name)
    return rule.color if rule else OTHER_COLOR
