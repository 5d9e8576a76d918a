"""The layout of ``resources/``: every store that outlives a job, what it holds and why.

Snakemake owns ``results/``: it deletes a job's outputs before the job runs and remakes a
missing one. What a night must find again from the last run therefore lives beside it, in
stores that no rule names as an output, each written atomically by the job that needs it. This
module is the one place that names them (stdlib only: the Snakefile imports it); the walk
through a night in docs/ARCHITECTURE.md follows the same stores.
"""

from dataclasses import dataclass

# The one store that is also a rule's output: download's normalized quotes.
QUOTES = "resources/quotes/{ticker}.csv"
# A provider's days, kept between runs so a night asks only for the missing ones.
HISTORY_DIR = "resources/history"
# Whole-market days (a provider's bulk endpoint), asked once for every download of a run.
BULK_DIR = "resources/bulk"
# Synthesize's and convert's last outputs (hard links) with an index of their pieces. The name
# predates the module (nightly.finished): existing working directories keep their keeps.
KEPT_DIR = "resources/periods"
# The requests-per-minute budget the run's download jobs share (config source.rate_dir).
RATE_DIR = ".stockflow/ratelimit"
# Beside a ticker's history: an empty file whose mtime records the ticker's last failed
# download; the Snakefile adds that time to the download's parameters (see STORES).
FAILED_SUFFIX = ".last-failure"


@dataclass(frozen=True)
class Store:
    path: str
    holds: str
    written_by: str
    why: str


STORES = (
    Store(
        QUOTES,
        "each ticker's normalized daily quotes (date,open,high,low,close,volume)",
        "download (a rule output)",
        "the input of synthesize; Snakemake reruns a ticker's chain when it changes",
    ),
    Store(
        HISTORY_DIR + "/{provider}/{ticker}.csv",
        "every day a provider answered for the ticker, trimmed to today's window",
        "download, with a provider (nightly.daily_history)",
        "a night asks only for the days after the last one held",
    ),
    Store(
        HISTORY_DIR + "/{ticker}" + FAILED_SUFFIX,
        "nothing: its mtime is when the ticker's download last failed",
        "download, when it fails (nightly.daily_history.mark_failure)",
        "Snakemake does not remake an intermediate that exists, so a failed night would never "
        "be asked again; the time, in the download's parameters, makes the next run retry it",
    ),
    Store(
        BULK_DIR + "/{provider}/{day}.json",
        "one whole market's bars of one day, and when they were asked",
        "the first download of a run that needs the day, under a lock (nightly.marketdays)",
        "a night's missing day costs one request for the whole market, not one per ticker",
    ),
    Store(
        KEPT_DIR + "/{synthesize,convert}/{file}",
        "a hard link to the stage's last output and {file}.index.json: what each day (JSON) "
        "or month (HDF5) was made from, where it lies, its CRC-32",
        "synthesize and convert, once their output is complete (nightly.finished)",
        "Snakemake deletes outputs before a job runs; a hard link taken after the output is "
        "complete survives that, so a night re-makes only its new days and months",
    ),
    Store(
        RATE_DIR + "/{provider}",
        "the times of the last requests to a provider (a locked file)",
        "every download job that asks a provider (sources.ratebudget)",
        "parallel download jobs are separate processes that share one free-tier budget",
    ),
)
