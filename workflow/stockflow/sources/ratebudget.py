"""A requests-per-minute budget shared by the download jobs of a run (one per provider).

Jobs are separate processes, so the budget lives in a file: ``DIR/<provider>`` holds the times
of the requests of the last minute, and an exclusive ``flock`` on it makes taking a slot
atomic. A job that finds the minute's budget spent waits until its oldest request is a minute
old. Jobs that share the directory share the budget: the jobs of one machine, or of a cluster
whose nodes see one shared file system (without one, each node keeps its own budget).
"""

import fcntl
import os
import time
from pathlib import Path

WINDOW_S = 60.0


def acquire(directory: str, provider: str, per_minute: float, clock=time.time, sleep=time.sleep):
    """Take one request's slot of the budget, waiting as long as needed; return the wait."""
    if per_minute <= 0:
        return 0.0
    # per_minute slots a minute; below 1 a minute, one slot per 60/per_minute seconds
    slots = max(int(per_minute), 1)
    window = WINDOW_S * slots / per_minute
    path = Path(directory, provider)
    path.parent.mkdir(parents=True, exist_ok=True)
    waited = 0.0
    while True:
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            now = clock()
            recent = []
            for line in fh.read().split():
                try:
                    t = float(line)
                except ValueError:
                    continue
                if now - t < window:
                    recent.append(t)
            if len(recent) < slots:
                recent.append(now)
                fh.seek(0)
                fh.truncate()
                fh.write("".join(f"{t:.3f}\n" for t in recent))
                fh.flush()
                os.fsync(fh.fileno())
                return waited
            wait = min(recent) + window - now
        wait = max(wait, 0.01)
        sleep(wait)
        waited += wait
