"""Snakemake logger plugin ``stockflow`` (``--logger stockflow``; profiles/default sets it).

A run of up to MARKET_JOBS jobs prints exactly what Snakemake prints by default. A larger run (a
market: 10,000 tickers are 30,000 jobs) prints, instead of a block per job, one status line:
jobs done, running and failed, per rule, the rate and an ETA, redrawn in place on a terminal
and every STATUS_EVERY_S seconds otherwise. Errors, warnings, each failed job with its log, and
Snakemake's summary are printed as usual. A failed transfer to or from S3 storage is followed
by one line naming the endpoint, which Snakemake's own message leaves out.
"""

import os
import sys
import time
from dataclasses import dataclass, field

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase
from stockflow.registry import stage_of

MARKET_JOBS = 500
STATUS_EVERY_S = 30.0  # without a terminal: a status line this often
TTY_EVERY_S = 0.5  # on a terminal: the line is redrawn at most this often
RATE_WINDOW_S = 120.0  # the ETA follows the rate of the last two minutes
# In a market run these say nothing a status line does not (per job, thousands of times).
PER_JOB = {
    LogEvent.JOB_INFO,
    LogEvent.JOB_STARTED,
    LogEvent.JOB_FINISHED,
    LogEvent.PROGRESS,
    LogEvent.SHELLCMD,
    LogEvent.GROUP_INFO,
}
CHATTER = ("Select jobs to execute", "Execute ", "Waiting at most")


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts of a run's jobs, from Snakemake's log events."""

    def __init__(self) -> None:
        self.total = 0
        self.per_rule: dict[str, list[int]] = {}  # rule -> [done, total]
        self.rule_of: dict[int, str] = {}  # jobid -> rule, while it runs
        self.done = self.failed = 0
        self.started_at: float | None = None
        self.finished: list[float] = []  # when each job finished (for the rate)

    def run_info(self, stats: dict) -> None:
        self.total = int(stats.get("total", 0))
        # a batch job counts under its stage (download_batch0003 -> download)
        self.per_rule = {}
        for r, n in stats.items():
            if r not in ("total", "all"):
                self.per_rule.setdefault(stage_of(r), [0, 0])[1] += int(n)

    def started(self, jobid: int, rule: str) -> None:
        if self.started_at is None:
            self.started_at = time.monotonic()
        self.rule_of[jobid] = stage_of(rule)

    def finished_job(self, jobid: int) -> None:
        rule = self.rule_of.pop(jobid, None)
        self.done += 1
        self.finished.append(time.monotonic())
        if rule in self.per_rule:
            self.per_rule[rule][0] += 1

    def failed_job(self, jobid: int) -> None:
        self.rule_of.pop(jobid, None)
        self.failed += 1

    def rate(self, now: float) -> float:
        """Jobs finished per second over the last RATE_WINDOW_S (or since the start)."""
        if self.started_at is None:
            return 0.0
        since = max(self.started_at, now - RATE_WINDOW_S)
        recent = sum(1 for t in reversed(self.finished) if t >= since) if self.finished else 0
        return recent / (now - since) if now > since else 0.0

    def line(self, now: float, final: bool = False) -> str:
        total = self.total or 1
        rate = self.rate(now)
        left = max(self.total - self.done - self.failed, 0)
        if final:
            eta = f"{left:,} not run" if left else "finished"
        elif not left:
            eta = "finished"
        else:
            eta = f"ETA {clock(left / rate)}" if rate > 0 else "ETA -"
        # the rules under way: started, not finished
        rules = " ".join(f"{r} {d}/{n}" for r, (d, n) in self.per_rule.items() if 0 < d < n)
        return (
            f"stockflow: {self.done:,}/{self.total:,} jobs done ({100 * self.done / total:.1f}%)"
            f" | {len(self.rule_of):,} running | {self.failed:,} failed | {rate:.1f} jobs/s"
            f" | {eta}" + (f" | {rules}" if rules else "")
        )


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    market_jobs: int = field(
        default=MARKET_JOBS,
        metadata={"help": "above this many jobs, a status line instead of a block per job"},
    )
    status_every: float = field(
        default=STATUS_EVERY_S,
        metadata={"help": "seconds between status lines when not on a terminal"},
    )


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        from snakemake.logging import ColorizingTextHandler

        stream = sys.stdout if self.common_settings.stdout else sys.stderr
        # Snakemake's own console output, for everything printed as usual.
        self.console = ColorizingTextHandler(nocolor=self.common_settings.nocolor, stream=stream)
        self.stream = stream
        self.tty = self.console.is_tty
        self.progress = Progress()
        self.market = False
        self.dryrun = bool(getattr(self.common_settings, "dryrun", False))
        self.last_status = 0.0
        self.status_shown = False
        self.storage_explained = False  # Snakemake's failed transfers do not name the endpoint
        market_jobs = getattr(self.settings, "market_jobs", None)
        status_every = getattr(self.settings, "status_every", None)
        self.market_jobs = MARKET_JOBS if market_jobs is None else int(market_jobs)
        self.status_every = STATUS_EVERY_S if status_every is None else float(status_every)

    def emit(self, record) -> None:
        event = getattr(record, "event", None)
        self._count(record, event)
        if self.market and self._quiet(record, event):
            self._status()
            return
        self._clear()
        self.console.setFormatter(self.formatter)
        self.console.emit(record)
        if record.levelname == "ERROR" and not self.storage_explained:
            self._explain_storage(record)
        if self.market:
            self._status(force=event == LogEvent.JOB_ERROR)

    def _explain_storage(self, record) -> None:
        from stockflow.config import storagecheck

        endpoint = storagecheck.endpoint_from(os.environ, sys.argv)
        line = storagecheck.explain_transfer_failure(str(record.getMessage()), endpoint)
        if line:
            self.storage_explained = True
            print(line, file=self.stream, flush=True)

    def _count(self, record, event) -> None:
        p = self.progress
        if event == LogEvent.RUN_INFO:
            p.run_info(getattr(record, "stats", {}) or {})
            self.market = not self.dryrun and p.total > self.market_jobs
        elif event == LogEvent.JOB_INFO:
            p.started(getattr(record, "jobid", 0), getattr(record, "rule_name", ""))
        elif event == LogEvent.JOB_FINISHED:
            p.finished_job(getattr(record, "job_id", 0))
        elif event == LogEvent.JOB_ERROR:
            p.failed_job(getattr(record, "jobid", 0))

    def _quiet(self, record, event) -> bool:
        if event in PER_JOB:
            return True
        if event is None and record.levelname in ("INFO", "DEBUG"):
            message = record.getMessage()
            return message.startswith(CHATTER) or message.startswith("[")  # job timestamps
        return False

    def _status(self, force: bool = False) -> None:
        now = time.monotonic()
        every = TTY_EVERY_S if self.tty else self.status_every
        if not force and now - self.last_status < every:
            return
        self.last_status = now
        line = self.progress.line(now)
        if self.tty:
            import shutil

            width = shutil.get_terminal_size().columns - 1  # one line, or \r cannot redraw it
            self.stream.write("\r\033[K" + line[:width])
            self.status_shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self.status_shown:
            self.stream.write("\r\033[K")
            self.status_shown = False

    def close(self) -> None:
        if self.market:  # the final count, once (logging may close a handler twice)
            self.market = False
            self._clear()
            self.stream.write(self.progress.line(time.monotonic(), final=True) + "\n")
            self.stream.flush()
        super().close()

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return False  # Snakemake's own filter (--quiet, --verbose, ...)

    @property
    def has_formatter(self) -> bool:
        return False  # Snakemake's own formatter

    @property
    def needs_rulegraph(self) -> bool:
        return False
