"""A job's result as the last line of its log: what it did, in numbers, for the summaries.

Each data stage ends its log (its stderr) with one line ``stockflow: result {json}``: the bytes
of its work (what a download or synthesize wrote, what a convert read) and, for convert, the
facts of the ``.h5`` it wrote and read back. The benchmark summary and the inventory read these
lines instead of opening every data file again: a rerun of one ticker does not reread the
market, and with remote storage nothing large is fetched for a summary.
In a batch job (``stockflow.batch``) a log holds one result line per ticker: ``begin(ticker)``
before each ticker adds its name, its own wall and CPU seconds and its peak memory to its line,
which is where the summaries take each ticker's times from (the batch's benchmark is per batch).
The line also says when the job ended (``ended``, epoch seconds): with remote storage a file's
mtime is when its local copy was made, or the object's second-rounded upload time, not when
the job that wrote it ended.
"""

import json
import sys
import time

PREFIX = "stockflow: result "
_current: dict = {}  # the batch's ticker under way: its name and where its clocks started


def _reset_peak_rss() -> bool:
    """Start a new peak-memory count for this process (Linux: clear_refs 5 resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 3)
    except OSError:
        pass
    return None


def begin(ticker: str) -> None:
    """A batch job starts its next ticker: that ticker's result line will carry its own times."""
    _current.clear()
    _current.update(
        ticker=ticker,
        t0=time.perf_counter(),
        cpu0=time.process_time(),
        peak=_reset_peak_rss(),
    )


def write(**facts) -> None:
    if _current:
        facts["ticker"] = _current["ticker"]
        facts["seconds"] = round(time.perf_counter() - _current["t0"], 6)
        facts["cpu_seconds"] = round(time.process_time() - _current["cpu0"], 6)
        facts["max_rss_mb"] = _peak_rss_mb() if _current["peak"] else None
    facts["ended"] = round(time.time(), 3)
    print(PREFIX + json.dumps(facts, sort_keys=True), file=sys.stderr)


def read(path: str) -> dict:
    """The result of the job whose log is ``path``; ValueError if it has none."""
    with open(path, "rb") as fh:
        try:
            fh.seek(-4096, 2)  # the result is the last line: read the tail only
        except OSError:
            fh.seek(0)
        tail = fh.read().decode("utf-8", "replace")
    for line in reversed(tail.splitlines()):
        if line.startswith(PREFIX):
            return json.loads(line[len(PREFIX) :])
    raise ValueError(f"{path}: no '{PREFIX.strip()}' line: the job did not finish")


def read_all(path: str) -> dict[str, dict]:
    """A batch job's results by ticker (every result line of its log, the last one per ticker)."""
    results = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith(PREFIX):
                result = json.loads(line[len(PREFIX) :])
                if "ticker" in result:
                    results[result["ticker"]] = result
    return results
