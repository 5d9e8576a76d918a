"""Charts of a run, as PNG files: benchmark plots, the run's timeline, per-ticker data charts.

    python -m stockflow.plots ticker TICKER QUOTES.csv BARS.h5 CLOSE.png DAY.png
    python -m stockflow.plots benchmarks SUMMARY.tsv --seconds P --throughput P --memory P
        --timeline P --table P.html [--tickers T... --per-ticker RULE BENCH_T...]
        [--job RULE BENCH]... [--run-log-dir .snakemake/log]

``ticker``: the daily close over the synthesized period (with the day's high-low band), and the
bars of one sample day (the one with the widest range) as candlesticks over volume, with the
day's quoted high and low drawn across: every bar stays inside them.

``benchmarks`` reads the summary of ``stockflow.benchsummary``: seconds per job by rule, MB/s
per ticker for convert, peak memory per rule, and the timeline of the latest run (see
:func:`timeline_jobs`), plus the summary as an HTML table for the report.

matplotlib runs headless (Agg) through ``matplotlib.figure.Figure``: no pyplot, no GUI, no
global state; each job imports it once.
"""

import argparse
import csv
import datetime as dt
import html
import os
import statistics
from dataclasses import dataclass

from stockflow import StockflowError, atomic, cli, quotes

RULE_COLORS = {
    "download": "#4C72B0",
    "synthesize": "#DD8452",
    "convert": "#55A868",
    "benchmark_summary": "#8172B3",
    "plot_ticker": "#DA8BC3",
    "inventory": "#8C8C8C",
    "profile_merge": "#CCB974",
}
OTHER_COLOR = "#937860"
SAMPLING_NOTE = (
    "Snakemake samples a job's memory every 0.5 s: a job shorter than about a second\n"
    "shows what its first sample saw (or 0), less than its real peak."
)
UP, DOWN = "#2E8B57", "#C0392B"
DPI = 100
# Jobs of one run follow each other within seconds; a longer idle gap separates two runs.
RUN_GAP_S = 60.0
# Start times are estimated (benchmark file mtime minus its seconds): allow this much slack
# when deciding that one job waited for another.
SLACK_S = 0.25
LANE_SLACK_S = 0.05


def _figure(width_px: int, height_px: int):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="constrained")


def _save(fig, out: str) -> None:
    with atomic.atomic_path(out) as tmp:
        fig.savefig(tmp, format=os.path.splitext(out)[1].lstrip(".") or "png")


def _color(rule: str) -> str:
    return RULE_COLORS.get(rule, OTHER_COLOR)


# --- per ticker -------------------------------------------------------------------------------


def read_bars(path: str) -> dict:
    """The bars of an ``.h5`` written by stockflow.convert: a numpy array per column.

    pandas' fixed layout (the default) is read with PyTables directly, as h5frame writes it
    (saves importing pandas, ~0.3 s a job); the table layout through pandas.
    """
    import numpy as np
    import tables

    from stockflow.h5frame import BLOCKS, COLUMNS, open_frame

    with open_frame(path) as h5:
        fixed = "/data/axis0" in h5 and "/data/table" not in h5
        if fixed:
            cols = {}
            try:
                for prefix, _, _, _ in BLOCKS:
                    names = [n.decode() for n in h5.get_node(f"/data/{prefix}_items").read()]
                    values = h5.get_node(f"/data/{prefix}_values").read()
                    for i, name in enumerate(names):
                        cols[name] = values[:, i]
            except tables.NoSuchNodeError as exc:
                raise StockflowError(f"{path}: not stockflow's fixed layout ({exc})") from None
    if not fixed:
        import pandas as pd

        try:
            frame = pd.read_hdf(path, "data")
        except (KeyError, ValueError, TypeError) as exc:
            raise StockflowError(f"{path}: not a pandas frame under /data ({exc})") from None
        cols = {c: frame[c].to_numpy() for c in frame.columns}
    missing = [c for c in COLUMNS if c not in cols]
    if missing:
        raise StockflowError(f"{path}: not stockflow bars (no column(s) {missing})")
    cols["timestamp"] = np.asarray(cols["timestamp"]).astype("datetime64[ns]")
    return cols


def sample_day(days: list[quotes.Quote]) -> quotes.Quote:
    """The day with the widest range relative to its open: the most telling one to draw."""
    return max(days, key=lambda q: ((q.high - q.low) / q.open if q.open else 0.0, q.date))


def plot_ticker(ticker: str, quotes_csv: str, bars_h5: str, close_out: str, day_out: str) -> str:
    """Write the two charts of one ticker; return a one-line description."""
    import numpy as np

    bars = read_bars(bars_h5)
    stamps = bars["timestamp"]
    if not len(stamps):
        raise StockflowError(f"{bars_h5}: no bars")
    days = stamps.astype("datetime64[D]")
    first, last = days[0].item(), days[-1].item()
    period = [q for q in quotes.read_csv(quotes_csv) if first <= q.date <= last]
    if not period:
        raise StockflowError(f"{quotes_csv}: no quotes between {first} and {last}")
    day = sample_day(period)
    mask = days == np.datetime64(day.date)
    one = {k: v[mask] for k, v in bars.items()}
    if not mask.any():
        raise StockflowError(f"{bars_h5}: no bars on {day.date}")
    _plot_close(ticker, period, day, close_out)
    _plot_day(ticker, day, one, day_out)
    return (
        f"{ticker}: {len(period)} days {first}..{last} -> {close_out}; "
        f"sample day {day.date} ({len(one['close'])} bars) -> {day_out}"
    )


def _plot_close(ticker: str, period: list[quotes.Quote], day: quotes.Quote, out: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    fig = _figure(1000, 420)
    ax = fig.add_subplot()
    dates = [q.date for q in period]
    lows, highs, closes = ([getattr(q, k) for q in period] for k in ("low", "high", "close"))
    if len(period) <= 60:  # few days: each day's range as a bar
        ax.vlines(
            dates, lows, highs, color="#4C72B0", alpha=0.35, linewidth=6, label="day's low-high"
        )
        ax.plot(
            dates, closes, color="#4C72B0", linewidth=1.4, marker="o", markersize=4, label="close"
        )
    else:
        ax.fill_between(
            dates, lows, highs, color="#4C72B0", alpha=0.25, linewidth=0, label="day's low-high"
        )
        ax.plot(dates, closes, color="#4C72B0", linewidth=1.2, label="close")
    ax.axvline(
        day.date, color="#C44E52", linestyle="--", linewidth=1, label=f"sample day {day.date}"
    )
    if len(period) <= 12:
        ax.set_xticks(dates, [d.isoformat() for d in dates])
    else:
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.margins(x=0.02 if len(period) > 12 else 0.08)
    ax.set_title(
        f"{ticker}: daily close, {period[0].date} to {period[-1].date} ({len(period)} days)"
    )
    ax.set_ylabel("price")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    _save(fig, out)


def _plot_day(ticker: str, day: quotes.Quote, bars: dict, out: str) -> None:
    import numpy as np

    width_px, n = 1000, len(bars["close"])
    fig = _figure(width_px, 560)
    price, vol = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    x = np.arange(n)
    o, h, lo, c = (bars[k] for k in ("open", "high", "low", "close"))
    colors = np.where(c >= o, UP, DOWN)
    # Line collections, not bar(): one artist for all bars instead of a patch each (~0.5 s).
    body_pt = max(0.8 * 0.85 * width_px / n * 72 / DPI, 0.6)  # 80% of a bar's slot
    price.vlines(x, lo, h, colors=colors, linewidth=min(0.8, body_pt))
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    doji = (top - bottom) < (day.high - day.low) * 0.002  # keep a flat body visible
    bump = (day.high - day.low) * 0.001
    price.vlines(
        x,
        np.where(doji, bottom - bump, bottom),
        np.where(doji, top + bump, top),
        colors=colors,
        linewidth=body_pt,
    )
    pad = (day.high - day.low) * 0.08 or abs(day.high) * 0.01 or 1.0
    levels = [(day.high, "high", "--"), (day.low, "low", "--")]
    levels += [(day.open, "open", ":"), (day.close, "close", ":")]
    levels.sort()
    gap = (day.high - day.low + 2 * pad) * 0.045  # labels at least a line of text apart
    text_y = [levels[0][0]]
    for level, _, _ in levels[1:]:
        text_y.append(max(level, text_y[-1] + gap))
    for (level, name, style), y in zip(levels, text_y, strict=True):
        price.axhline(level, color="#333333", linestyle=style, linewidth=0.9)
        price.annotate(
            f"quote {name} {level:g}",
            (1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(1.01, y),
            textcoords=("axes fraction", "data"),
            va="center",
            fontsize="small",
        )
    price.set_ylim(day.low - pad, day.high + pad)
    price.set_ylabel("price")
    price.grid(True, alpha=0.3)
    price.set_title(
        f"{ticker} on {day.date}: {n} synthesized bars inside the day's quoted range "
        f"{day.low:g}-{day.high:g}"
    )
    vol.vlines(x, 0, bars["volume"], colors=colors, linewidth=body_pt)
    vol.set_ylim(bottom=0)
    vol.set_ylabel("volume")
    vol.grid(True, alpha=0.3)
    step = max(1, n // 8)
    ticks = x[::step]
    labels = [str(t)[11:16] for t in bars["timestamp"][::step]]  # HH:MM
    vol.set_xticks(ticks, labels)
    vol.set_xlim(-1, n)
    _save(fig, out)


# --- benchmarks -------------------------------------------------------------------------------


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_summary(path: str) -> list[dict]:
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except FileNotFoundError:
        raise StockflowError(f"{path}: benchmark summary is missing") from None
    if not rows or "rule" not in rows[0] or "seconds" not in rows[0]:
        raise StockflowError(f"{path}: not a benchmark summary (no rule/seconds columns)")
    for row in rows:
        for key in ("seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s"):
            row[key] = _number(row.get(key))
    return rows


def _by_rule(rows: list[dict], key: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for row in rows:
        if row[key] is not None:
            out.setdefault(row["rule"], []).append(row[key])
    return out


def _distribution(
    rows: list[dict], key: str, title: str, xlabel: str, out: str, note: str = ""
) -> None:
    """One horizontal box per rule, every job as a dot over it (the spread across tickers)."""
    import numpy as np

    groups = _by_rule(rows, key)
    if not groups:
        raise StockflowError(f"no {key} values in the benchmark summary")
    names = list(groups)
    fig = _figure(1000, 130 + 90 * len(names))
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
            color=_color(name),
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
    _save(fig, out)


def _throughput(rows: list[dict], out: str, rule: str = "convert") -> None:
    jobs = sorted(
        (r for r in rows if r["rule"] == rule and r["mb_per_s"] is not None),
        key=lambda r: r["mb_per_s"],
    )
    if not jobs:
        raise StockflowError(f"no {rule} jobs with MB/s in the benchmark summary")
    fig = _figure(1000, 150 + 22 * len(jobs))
    ax = fig.add_subplot()
    rates = [r["mb_per_s"] for r in jobs]
    ax.barh([r["ticker"] for r in jobs], rates, color=_color(rule))
    median = statistics.median(rates)
    ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median:.1f}")
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
    ax.set_xlabel("MB of JSON read per second (whole job: interpreter start, parse, write)")
    ax.set_title(f"{rule}: MB/s per ticker")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(True, axis="x", alpha=0.3)
    _save(fig, out)


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


def job_end(bench: str) -> float | None:
    """When a job ended: Snakemake writes its benchmark file right after the job's process exits.

    (A log's mtime would be earlier by the interpreter's shutdown, up to 0.5 s for matplotlib.)
    """
    try:
        return os.stat(bench).st_mtime
    except FileNotFoundError:
        return None


def bench_seconds(path: str) -> float | None:
    """Wall seconds of the (first) run in a Snakemake benchmark TSV, None if unknown."""
    try:
        with open(path, newline="") as fh:
            return _number(next(csv.DictReader(fh, delimiter="\t")).get("s"))
    except (FileNotFoundError, StopIteration):
        return None


def run_start(log_dir: str | None) -> float | None:
    """When the current Snakemake run started: the time in its log's name (local time).

    Snakemake names each run's log ``.snakemake/log/2026-11-26T025639.646211.snakemake.log``;
    the newest one is the run this job belongs to. None if there is none.
    """
    if not log_dir or not os.path.isdir(log_dir):
        return None
    starts = []
    for name in os.listdir(log_dir):
        if name.endswith(".snakemake.log"):
            try:
                when = dt.datetime.strptime(name.split(".snakemake")[0], "%Y-%m-%dT%H%M%S.%f")
            except ValueError:
                continue
            starts.append(when.timestamp())
    return max(starts) if starts else None


def timeline_jobs(
    tickers: list[str],
    per_ticker: list[tuple[str, str]],
    single: list[tuple[str, str]],
    since: float | None = None,
) -> tuple[list[Job], int]:
    """The jobs of the latest run, with start and end times; and how many earlier jobs exist.

    ``per_ticker``: (rule, benchmark template with ``{ticker}``); ``single``: (rule, benchmark)
    of jobs without a ticker. A job's end is its benchmark file's mtime, its start that minus
    the benchmarked wall seconds (Snakemake times the whole shell command). Jobs without a
    benchmark are skipped. Jobs that ended before ``since`` (the run's start) belong to
    earlier runs (e.g. before a rerun of one ticker) and are left out; without ``since``, those
    before the last idle gap of more than RUN_GAP_S.
    """
    found = [
        (rule, t, bench.replace("{ticker}", t)) for rule, bench in per_ticker for t in tickers
    ] + [(rule, None, bench) for rule, bench in single]
    jobs = []
    for rule, ticker, bench in found:
        seconds, end = bench_seconds(bench), job_end(bench)
        if seconds is not None and end is not None:
            jobs.append(Job(rule, ticker, end - seconds, end))
    if not jobs:
        return [], 0
    jobs.sort(key=lambda j: (j.start, j.end))
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
    import bisect

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
            i = bisect.bisect_right(ends, current.start + slack)
            previous = next(
                (j for j in reversed(by_end[:i]) if j is not current and j.start < current.start),
                None,
            )
            if previous is not None:
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


def _timeline(jobs: list[Job], earlier: int, out: str) -> None:
    from matplotlib.patches import Patch

    if not jobs:
        fig = _figure(1000, 200)
        fig.text(0.5, 0.5, "no job times found (no benchmark files)", ha="center")
        _save(fig, out)
        return
    t0 = min(j.start for j in jobs)
    wall = max(j.end for j in jobs) - t0
    n_lanes = assign_lanes(jobs)
    path = critical_path(jobs)
    fig = _figure(1200, 260 + 34 * n_lanes)
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
            facecolors=_color(rule),
            edgecolors="black" if critical else "white",
            linewidth=1.6 if critical else 0.5,
            zorder=2 if critical else 1,
        )
    bars_ax.set_yticks(range(n_lanes), [f"slot {i + 1}" for i in range(n_lanes)])
    bars_ax.set_ylim(n_lanes - 0.4, -0.6)
    rules = list(dict.fromkeys(j.rule for j in jobs))
    handles = [Patch(color=_color(r), label=r) for r in rules]
    on_path = covered(path)
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
    times, counts = concurrency(jobs, t0)
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
    _save(fig, out)


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "NA"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def html_table(title: str, columns: list[str], rows: list[list], note: str = "") -> str:
    """A small self-contained HTML page with one table (the report shows it inline)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;font-size:14px;margin:1em}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px}"
        "td{text-align:right;font-variant-numeric:tabular-nums}td:first-child{text-align:left}"
        "th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}"
        f"</style></head><body><h3>{html.escape(title)}</h3>"
        f"<p>{html.escape(note)}</p><table><tr>{head}</tr>\n{body}\n</table></body></html>\n"
    )


def summary_html(rows: list[dict]) -> str:
    per_rule = []
    for rule, group in _group(rows).items():
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
    columns = ["rule", "ticker", "seconds", "cpu_seconds", "max_rss_mb", "input_mb", "mb_per_s"]
    jobs = [[r[c] for c in columns] for r in rows]
    part1 = html_table(
        "Per rule",
        ["rule", "jobs", "median s", "total s", "median MB/s", "peak RSS MB"],
        per_rule,
        "From results/benchmarks.tsv (Snakemake's benchmark of every job).",
    )
    part2 = html_table("Every job", columns, jobs)
    # one page: the second table's body after the first's
    return part1.replace("</body></html>\n", "") + part2.split("<body>", 1)[1]


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["rule"], []).append(row)
    return out


def plot_benchmarks(
    summary: str,
    seconds_out: str,
    throughput_out: str,
    memory_out: str,
    timeline_out: str,
    table_out: str,
    tickers: list[str],
    per_ticker: list[tuple[str, str]],
    single: list[tuple[str, str]],
    run_log_dir: str | None = None,
) -> str:
    rows = read_summary(summary)
    _distribution(
        rows,
        "seconds",
        "Seconds per job by rule (each dot a ticker)",
        "seconds (wall, whole job)",
        seconds_out,
    )
    _throughput(rows, throughput_out)
    _distribution(
        rows,
        "max_rss_mb",
        "Peak memory per job by rule (each dot a ticker)",
        "max RSS, MB",
        memory_out,
        note=SAMPLING_NOTE if any((r["seconds"] or 0) < 1 for r in rows) else "",
    )
    jobs, earlier = timeline_jobs(tickers, per_ticker, single, run_start(run_log_dir))
    _timeline(jobs, earlier, timeline_out)
    atomic.write_bytes(table_out, summary_html(rows).encode())
    return f"{len(rows)} benchmarks, timeline of {len(jobs)} jobs ({earlier} earlier not shown)"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.plots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("ticker", help="daily close and one sample day of one ticker")
    t.add_argument("ticker")
    t.add_argument("quotes", help="normalized daily quotes CSV")
    t.add_argument("bars", help="the ticker's .h5")
    t.add_argument("close_out", help="PNG: daily close over the synthesized period")
    t.add_argument("day_out", help="PNG: one sample day as candlesticks with volume")
    b = sub.add_parser("benchmarks", help="plots and a table of the benchmark summary")
    b.add_argument("summary", help="results/benchmarks.tsv")
    for name in ("seconds", "throughput", "memory", "timeline", "table"):
        b.add_argument(f"--{name}", required=True, metavar="OUT")
    b.add_argument("--tickers", nargs="+", default=[], help="tickers of the per-ticker jobs")
    b.add_argument(
        "--per-ticker",
        nargs=2,
        action="append",
        default=[],
        metavar=("RULE", "BENCH_TEMPLATE"),
        help="a rule with one job per ticker, for the timeline (the template holds {ticker})",
    )
    b.add_argument(
        "--job",
        nargs=2,
        action="append",
        default=[],
        metavar=("RULE", "BENCH"),
        help="a single job for the timeline (e.g. the summary itself)",
    )
    b.add_argument(
        "--run-log-dir",
        help="Snakemake's log directory (.snakemake/log): the timeline starts with this run",
    )
    a = p.parse_args(argv)
    if a.command == "ticker":
        cli.info(plot_ticker(a.ticker, a.quotes, a.bars, a.close_out, a.day_out))
    else:
        cli.info(
            plot_benchmarks(
                a.summary,
                a.seconds,
                a.throughput,
                a.memory,
                a.timeline,
                a.table,
                a.tickers,
                [tuple(j) for j in a.per_ticker],
                [tuple(j) for j in a.job],
                a.run_log_dir,
            )
        )


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
