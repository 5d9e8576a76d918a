"""A run's schedule rebuilt from when each job started and ended: pure logic, no files, no drawing.

Which jobs belong to the latest run, the core slot ("lane") each ran on, the critical path that
set the run's length, and how many jobs ran at once. ``runlog.benchfiles`` gives the times;
``stockflow.report.benchmarks`` draws the result.
"""

import bisect
from dataclasses import dataclass

# Jobs of one run follow each other within seconds; a longer idle gap separates two runs.
RUN_GAP_S = 60.0
# Start times are estimated (benchmark file mtime minus its seconds): allow this much slack
# when deciding that one job waited for another.
SLACK_S = 0.25
LANE_SLACK_S = 0.05


@dataclass
class Job:
    rule: str
    ticker: str | None
    start: float
    end: float
    lane: int = 0
    critical: bool = False

    @property
    def label(self) -> str:
        return self.ticker or self.rule


def latest_run(jobs: list[Job], since: float | None = None) -> tuple[list[Job], int]:
    """The jobs of the latest run, sorted by start; and how many earlier jobs were left out.

    Jobs that ended before ``since`` (the run's start) belong to earlier runs (e.g. before a
    rerun of one ticker); without ``since``, those before the last idle gap of more than
    RUN_GAP_S.
    """
    if not jobs:
        return [], 0
    jobs = sorted(jobs, key=lambda j: (j.start, j.end))
    if since is not None:
        latest = [j for j in jobs if j.end >= since]
        if latest:
            return latest, len(jobs) - len(latest)
    first, busy_until = 0, jobs[0].end
    for i, job in enumerate(jobs[1:], 1):
        if job.start - busy_until > RUN_GAP_S:
            first = i
        busy_until = max(busy_until, job.end)
    return jobs[first:], first


def assign_lanes(jobs: list[Job]) -> int:
    """Put each job on the first lane free at its start (lanes ~ the cores in use)."""
    lanes: list[float] = []
    for job in sorted(jobs, key=lambda j: (j.start, j.end)):
        for i, free_at in enumerate(lanes):
            if free_at <= job.start + LANE_SLACK_S:
                job.lane, lanes[i] = i, job.end
                break
        else:
            job.lane = len(lanes)
            lanes.append(job.end)
    return len(lanes)


def critical_path(jobs: list[Job]) -> list[Job]:
    """The chain that set the run's length, latest first.

    From the job that ended last, step to the job that ended last before it started: the one
    it waited for, a dependency or the job whose core it took.
    """
    if not jobs:
        return []
    by_end = sorted(jobs, key=lambda j: j.end)
    ends = [j.end for j in by_end]
    current = by_end[-1]
    path = [current]
    while True:
        previous = None
        # The job that ended last before this one started; if none did (start times are
        # estimates), the one that ended last just after, within SLACK_S.
        for slack in (0.0, SLACK_S):
            i = bisect.bisect_right(ends, current.start + slack) - 1
            while i >= 0 and (by_end[i] is current or by_end[i].start >= current.start):
                i -= 1
            if i >= 0:
                previous = by_end[i]
                break
        if previous is None:
            break
        current = previous
        path.append(current)
    for job in path:
        job.critical = True
    return path


def covered(jobs: list[Job]) -> float:
    """Seconds during which at least one of ``jobs`` ran (overlaps counted once)."""
    total, until = 0.0, float("-inf")
    for job in sorted(jobs, key=lambda j: j.start):
        if job.end > until:
            total += job.end - max(job.start, until)
            until = job.end
    return total


def concurrency(jobs: list[Job], t0: float) -> tuple[list[float], list[int]]:
    """A step function: jobs running from each event time on."""
    events = sorted([(j.start - t0, 1) for j in jobs] + [(j.end - t0, -1) for j in jobs])
    times, counts, n = [0.0], [0], 0
    for t, delta in events:
        n += delta
        times.append(t)
        counts.append(n)
    return times, counts


def running_by_rule(jobs: list[Job], t0: float, times) -> dict[str, list[int]]:
    """Per rule, how many of its jobs were running at each of ``times`` (seconds after t0)."""
    out = {}
    for rule in dict.fromkeys(j.rule for j in jobs):
        starts = sorted(j.start - t0 for j in jobs if j.rule == rule)
        ends = sorted(j.end - t0 for j in jobs if j.rule == rule)
        out[rule] = [bisect.bisect_right(starts, t) - bisect.bisect_right(ends, t) for t in times]
    return out


def finished_by_rule(jobs: list[Job], t0: float) -> dict[str, list[float]]:
    """Per rule, the sorted times (seconds after t0) at which its jobs ended."""
    out: dict[str, list[float]] = {}
    for job in jobs:
        out.setdefault(job.rule, []).append(job.end - t0)
    return {rule: sorted(ends) for rule, ends in out.items()}
