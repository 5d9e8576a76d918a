"""The run's schedule rebuilt from job times (stockflow.runlog.schedule): pure logic, no files."""

from stockflow.runlog import schedule


def job(rule, start, end, ticker=None):
    return schedule.Job(rule, ticker, float(start), float(end))


def test_lanes_are_the_cores_in_use():
    jobs = [job("a", 0, 2), job("b", 0, 1), job("c", 1, 3), job("d", 2, 3)]
    assert schedule.assign_lanes(jobs) == 2
    assert [j.lane for j in jobs] == [1, 0, 0, 1]  # b (ends first) opens slot 0


def test_critical_path_walks_back_through_the_job_each_one_waited_for():
    chain = [job("download", 0, 1), job("synthesize", 1, 3), job("convert", 3, 4)]
    other = [job("download", 0, 0.5), job("synthesize", 0.5, 1.5)]
    path = schedule.critical_path(chain + other)
    assert path == chain[::-1]
    assert all(j.critical for j in chain) and not any(j.critical for j in other)
    assert schedule.covered(chain + other) == 4.0


def test_critical_path_prefers_what_ended_before_over_what_overlaps():
    convert = job("convert", 0, 1.0)
    overlapping = job("synthesize", 0.95, 1.1)  # ends within the slack, after the start
    chart = job("plot_ticker", 1.02, 3)
    assert schedule.critical_path([convert, overlapping, chart]) == [chart, convert]
    # with nothing that ended before, a job ending within the slack still counts
    assert schedule.critical_path([overlapping, chart]) == [chart, overlapping]


def test_concurrency_counts_jobs_running():
    times, counts = schedule.concurrency([job("a", 10, 12), job("b", 11, 13)], t0=10)
    assert list(zip(times, counts, strict=True)) == [(0, 0), (0, 1), (1, 2), (2, 1), (3, 0)]


def test_latest_run_is_after_the_last_long_idle_gap_or_since_the_run_start():
    early = job("download", 0, 1, "aapl")
    later = [job("download", 100, 101, "ibm"), job("convert", 101, 103, "aapl")]
    jobs, earlier = schedule.latest_run([later[1], early, later[0]])
    assert (jobs, earlier) == (later, 1)  # sorted by start; the gap exceeds RUN_GAP_S
    assert schedule.latest_run(later + [early], since=101.5) == ([later[1]], 2)
    # a start after every job: fall back to the gap
    assert schedule.latest_run(later + [early], since=500) == (later, 1)
    assert schedule.latest_run([]) == ([], 0)
