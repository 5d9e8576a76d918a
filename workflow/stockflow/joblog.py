"""A job's result as the last line of its log: what it did, in numbers, for the summaries.

Each data stage ends its log (its stderr) with one line ``stockflow: result {json}``: the bytes
of its work (what a download or synthesize wrote, what a convert read) and, for convert, the
facts of the ``.h5`` it wrote and read back. The benchmark summary and the inventory read these
lines instead of opening every data file again: a rerun of one ticker does not reread the
market, and with remote storage nothing large is fetched for a summary.
The line also says when the job ended (``ended``, epoch seconds): with remote storage a file's
mtime is when its local copy was made, or the object's second-rounded upload time, not when
the job that wrote it ended.
"""

import json
import sys
import time

PREFIX = "stockflow: result "


def write(**facts) -> None:
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
