"""The benchmark charts: seconds and memory per rule, convert's MB/s, the run's timeline.

All drawn from ``results/benchmarks.tsv`` (``stockflow.benchsummary``) and, for the timeline,
the benchmark file of every job of the latest run (its mtime is when the job ended; see
``runlog.benchfiles``), laid out by ``runlog.schedule``. The summary is also written as an
HTML table for the report.
"""

import statistics

from stockflow import StockflowError, atomic
from stockflow.benchsummary import COLUMNS as SUMMARY_COLUMNS
from stockflow.formats import tsv
from stockflow.report.figure import color, figure, save
from stockflow.runlog import schedule
from stockflow.runlog.schedule import Job
from stockflow.shard import RunFiles

SAMPLING_NOTE = (
    "Snakemake samples a job's memory every 0.5 s: a job shorter than about a second\n"
    "shows what its first sample saw (or 0), less than its real peak."
)
NUMBERS = ("seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s")
# Beyond these, a chart of one mark per job or ticker is unreadable: it shows the spread.
BAR_PER_TICKER = 60
DETAIL_JOBS, DETAIL_LANES = 400, 32
HTML_JOBS = 300
RATE_LABEL = "MB of JSON read per second (whole job: interpreter start, parse, write)"


def read_summary(path: str) -> list[dict]:
    try:
        rows = tsv.read_tsv(path)
    except FileNotFoundError:
        raise StockflowError(f"{path}: benchmark summary is missing") from None
    if not rows or "rule" not in rows[0] or "seconds" not in rows[0]:
        raise StockflowError(f"{path}: not a benchmark summary (no rule/seconds columns)")
    for row in rows:
        for key in NUMBERS:
            row[key] = tsv.number(row.get(key))
    return rows


def _values_by_rule(rows: list[dict], key: str) -> dict[str, list[float]]:
    groups = tsv.group_by([r for r in rows if r[key] is not None], "rule")
    return {rule: [r[key] for r in group] for rule, group in groups.items()}


def _distribution(
    rows: list[dict], key: str, title: str, xlabel: str, out: str, note: str = ""
) -> None:
    """One horizontal box per rule, every job as a dot over it (the spread across tickers)."""
    import numpy as np

    groups = _values_by_rule(rows, key)
    if not groups:
        raise StockflowError(f"no {key} values in the benchmark summary")
    names = list(groups)
    fig = figure(1000, 130 + 90 * len(names))
    ax = fig.add_subplot()
    ax.boxplot(
        [groups[n] for n in names],
        orientation="horizontal",
        tick_labels=[f"{n}\n({len(groups[n])} jobs)" for n in names],
        widths=0.5,
        showfliers=False,
        medianprops={"color": "black"},
    )
    rng = np.random.default_rng(0)  # fixed jitter: the same chart for the same numbers
    for i, name in enumerate(names, 1):
        values = groups[name]
        ax.scatter(
            values,
            i + rng.uniform(-0.15, 0.15, len(values)),
            s=14,
            color=color(name),
            alpha=0.8,
            zorder=3,
        )
        ax.annotate(
            f"median {statistics.median(values):.3g}",
            (max(values), i),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.invert_yaxis()
    top = max(max(v) for v in groups.values())
    ax.set_xlim(0, top * 1.2 or 1)  # room for the median labels right of the largest dot
    ax.set_xlabel(xlabel + (f"\n{note}" if note else ""))
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    save(fig, out)


def _throughput(rows: list[dict], out: str, rule: str = "convert") -> None:
    jobs = sorted(
        (r for r in rows if r["rule"] == rule and r["mb_per_s"] is not None),
        key=lambda r: r["mb_per_s"],
    )
    if not jobs:
        raise StockflowError(f"no {rule} jobs with MB/s in the benchmark summary")
    if len(jobs) > BAR_PER_TICKER:
        _throughput_histogram(jobs, out, rule)
        return
    fig = figure(1000, 150 + 22 * len(jobs))
    ax = fig.add_subplot()
    rates = [r["mb_per_s"] for r in jobs]
    ax.barh([r["ticker"] for r in jobs], rates, color=color(rule))
    _median_line(ax, rates)
    for i, r in enumerate(jobs):
        ax.annotate(
            f"{r['mb_per_s']:.1f} ({r['input_mb']:.1f} MB in {r['seconds']:.2f} s)",
            (r["mb_per_s"], i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
        )
    ax.margins(x=0.35, y=0.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(RATE_LABEL)
    ax.set_title(f"{rule}: MB/s per ticker")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(True, axis="x", alpha=0.3)
    save(fig, out)


def _throughput_histogram(jobs: list[dict], out: str, rule: str) -> None:
    """Many tickers: how the MB/s of the rule's jobs spread, not a bar each."""
    rates = [r["mb_per_s"] for r in jobs]
    fig = figure(1000, 420)
    ax = fig.add_subplot()
    ax.hist(rates, bins=min(80, max(10, len(rates) // 25)), color=color(rule))
    _median_line(ax, rates)
    slow = jobs[: min(5, len(jobs))]
    ax.set_xlabel(
        f"{RATE_LABEL}\nslowest: " + ", ".join(f"{r['ticker']} {r['mb_per_s']:.1f}" for r in slow)
    )
    # closes like _throughput only in shape: a histogram's own title, legend corner and grid axis
    ax.set_ylabel("jobs")
    ax.set_title(f"{rule}: MB/s across {len(jobs)} tickers")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(True, axis="y", alpha=0.3)
    save(fig, out)


def _median_line(ax, rates: list[float]) -> None:
    median = statistics.median(rates)
    ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median:.1f}")


def _timeline(jobs: list[Job], earlier: int, out: str) -> None:
    from matplotlib.patches import Patch

    if not jobs:
        fig = figure(1000, 200)
        fig.text(0.5, 0.5, "no job times found (no benchmark files)", ha="center")
        save(fig, out)
        return
    t0 = min(j.start for j in jobs)
    wall = max(j.end for j in jobs) - t0
    n_lanes = schedule.assign_lanes(jobs)
    path = schedule.critical_path(jobs)
    if len(jobs) > DETAIL_JOBS or n_lanes > DETAIL_LANES:
        _timeline_by_rule(jobs, path, earlier, t0, wall, out)
        return
    fig = figure(1200, 260 + 34 * n_lanes)
    bars_ax, busy_ax = fig.subplots(2, 1, sharex=True, height_ratios=[max(n_lanes, 2), 2])
    groups: dict[tuple, list] = {}  # one collection per lane, rule and outline: fast at 1000s
    for job in jobs:
        width = max(job.end - job.start, wall / 2000)
        groups.setdefault((job.lane, job.rule, job.critical), []).append((job.start - t0, width))
        if width / wall * 1000 > 7 * len(job.label) + 6:  # the label fits in the bar
            bars_ax.text(
                job.start - t0 + width / 2,
                job.lane,
                job.label,
                ha="center",
                va="center",
                fontsize="x-small",
                color="white",
                clip_on=True,
            )
    for (lane, rule, critical), spans in groups.items():
        bars_ax.broken_barh(
            spans,
            (lane - 0.4, 0.8),
            facecolors=color(rule),
            edgecolors="black" if critical else "white",
            linewidth=1.6 if critical else 0.5,
            zorder=2 if critical else 1,
        )
    bars_ax.set_yticks(range(n_lanes), [f"slot {i + 1}" for i in range(n_lanes)])
    bars_ax.set_ylim(n_lanes - 0.4, -0.6)
    rules = list(dict.fromkeys(j.rule for j in jobs))
    handles = [Patch(color=color(r), label=r) for r in rules]
    on_path = schedule.covered(path)
    span = max(j.end for j in path) - min(j.start for j in path)
    handles.append(
        Patch(facecolor="white", edgecolor="black", linewidth=1.6, label="critical path")
    )
    bars_ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    note = f"; {earlier} jobs of earlier runs not shown" if earlier else ""
    bars_ax.set_title(
        f"Timeline of the latest run: {len(jobs)} jobs in {wall:.1f} s wall{note}\n"
        f"critical path: {len(path)} jobs, {on_path:.1f} s running, "
        f"{max(span - on_path, 0):.1f} s of gaps between them (scheduling)"
    )
    bars_ax.grid(True, axis="x", alpha=0.3)
    times, counts = schedule.concurrency(jobs, t0)
    busy_ax.fill_between(times, counts, step="post", color="#999999", alpha=0.4, linewidth=0)
    busy_ax.step(times, counts, where="post", color="black", linewidth=1)
    busy = sum(j.end - j.start for j in jobs)
    busy_ax.set_ylabel("jobs running")
    busy_ax.set_ylim(0, max(counts) + 0.5)
    busy_ax.yaxis.get_major_locator().set_params(integer=True)
    busy_ax.set_xlabel(
        f"seconds since the run's first job (average {busy / wall if wall else 0:.2f} jobs busy)"
    )
    busy_ax.set_xlim(0, wall * 1.01 or 1)
    busy_ax.grid(True, alpha=0.3)
    save(fig, out)


def _timeline_by_rule(jobs: list[Job], path: list[Job], earlier: int, t0, wall, out) -> None:
    """Many jobs: how many of each rule ran at once over the run, stacked (one band per rule)."""
    import numpy as np

    times = np.linspace(0, wall, 600)
    running = schedule.running_by_rule(jobs, t0, times)
    fig = figure(1200, 520)
    ax = fig.add_subplot()
    ax.stackplot(
        times,
        *running.values(),
        labels=[f"{rule} ({sum(1 for j in jobs if j.rule == rule)} jobs)" for rule in running],
        colors=[color(r) for r in running],
        step="post",
        alpha=0.9,
    )
    on_path = schedule.covered(path)
    note = f"; {earlier} jobs of earlier runs not shown" if earlier else ""
    busy = sum(j.end - j.start for j in jobs)
    ax.set_title(
        f"Timeline of the latest run: {len(jobs)} jobs in {wall:.1f} s wall{note}\n"
        f"critical path: {len(path)} jobs, {on_path:.1f} s running; "
        f"average {busy / wall if wall else 0:.2f} jobs busy"
    )
    ax.set_xlabel("seconds since the run's first job")
    ax.set_ylabel("jobs running")
    ax.set_xlim(0, wall * 1.01 or 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.grid(True, alpha=0.3)
    save(fig, out)


def summary_html(rows: list[dict]) -> str:
    per_rule = []
    for rule, group in tsv.group_by(rows, "rule").items():
        secs = [r["seconds"] for r in group if r["seconds"] is not None]
        rates = [r["mb_per_s"] for r in group if r["mb_per_s"] is not None]
        rss = [r["max_rss_mb"] for r in group if r["max_rss_mb"] is not None]
        per_rule.append(
            [
                rule,
                len(group),
                statistics.median(secs) if secs else None,
                sum(secs) if secs else None,
                statistics.median(rates) if rates else None,
                max(rss) if rss else None,
            ]
        )
    if len(rows) <= HTML_JOBS:
        title, shown = "Every job", rows
    else:  # a table of 30,000 rows helps nobody: the slowest jobs of each rule
        title = f"The 10 slowest jobs of each rule, of {len(rows)} (all: results/benchmarks.tsv)"
        shown = [
            r
            for group in tsv.group_by(rows, "rule").values()
            for r in sorted(group, key=lambda r: r["seconds"] or 0, reverse=True)[:10]
        ]
    return tsv.html_page(
        "Per rule",
        tsv.html_table(
            "Per rule",
            ["rule", "jobs", "median s", "total s", "median MB/s", "peak RSS MB"],
            per_rule,
            "From results/benchmarks.tsv (Snakemake's benchmark of every job).",
        ),
        tsv.html_table(
            title, list(SUMMARY_COLUMNS), [[r[c] for c in SUMMARY_COLUMNS] for r in shown]
        ),
    )


def plot_benchmarks(summary: str, outs: dict[str, str], run: RunFiles) -> str:
    """The benchmark charts and table; ``outs``: a path per registry.BENCH_OUTPUTS."""
    rows = read_summary(summary)
    _distribution(
        rows,
        "seconds",
        "Seconds per job by rule (each dot a ticker)",
        "seconds (wall, whole job)",
        outs["seconds"],
    )
    _throughput(rows, outs["throughput"])
    _distribution(
        rows,
        "max_rss_mb",
        "Peak memory per job by rule (each dot a ticker)",
        "max RSS, MB",
        outs["memory"],
        note=SAMPLING_NOTE if any((r["seconds"] or 0) < 1 for r in rows) else "",
    )
    jobs, earlier = run.latest_run()
    _timeline(jobs, earlier, outs["timeline"])
    atomic.write_bytes(outs["table"], summary_html(rows).encode())
    return f"{len(rows)} benchmarks, timeline of {len(jobs)} jobs ({earlier} earlier not shown)"
