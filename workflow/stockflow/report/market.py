"""Charts of a whole market: distributions across every ticker, and the run's progress.

Readable at 10,000 tickers and 40,000 jobs: they show spreads and totals, never a mark per
ticker. Drawn by the plot_market job from the benchmark summary, the inventory and the jobs of
the latest run (the shards), at the same time as plot_benchmarks draws its charts.
"""

from stockflow import StockflowError
from stockflow.formats import tsv
from stockflow.report.figure import color, figure, save
from stockflow.runlog import schedule
from stockflow.runlog.schedule import Job
from stockflow.shard import RunFiles


def read_inventory(path: str) -> list[dict]:
    try:
        rows = tsv.read_tsv(path)
    except FileNotFoundError:
        raise StockflowError(f"{path}: the inventory is missing") from None
    for row in rows:
        for key in ("rows", "size_mb", "data_mb", "ratio", "json_mb", "json_ratio"):
            row[key] = tsv.number(row.get(key))
    return rows


def _bins(groups: list[list], log: bool):
    """Bins shared by every group of a panel, so their histograms compare."""
    import numpy as np

    values = [v for g in groups for v in g]
    if not values:
        return None
    lo, hi = min(values), max(values)
    if hi <= lo * 1.05:  # (almost) all equal: a band of +-10% around them
        lo, hi = lo * 0.9 if lo > 0 else lo - 1, hi * 1.1 if hi > 0 else hi + 1
    return np.geomspace(lo, hi, 41) if log else np.linspace(lo, hi, 41)


def _panel(ax, groups: dict[str, list], log: bool, title: str, xlabel: str, ylabel: str):
    """Overlaid histograms, one per group (colour by rule), on shared bins."""
    clean = {
        name: [v for v in values if v is not None and (v > 0 or not log)]
        for name, values in groups.items()
    }
    bins = _bins(list(clean.values()), log)
    for name, values in clean.items():
        if values:
            ax.hist(
                values, bins=bins, color=color(name), alpha=0.6, label=name, histtype="stepfilled"
            )
    if log and bins is not None:
        ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(True, alpha=0.3)


def distributions(rows: list[dict], files: list[dict], out: str) -> None:
    """Four panels across all tickers: seconds per job by rule, convert MB/s, peak memory by
    rule, and the size of each ticker's .h5 (from the inventory)."""
    import statistics

    fig = figure(1200, 760)
    (secs, rate), (mem, size) = fig.subplots(2, 2)
    by_rule = tsv.group_by(rows, "rule")
    tickers = len({r["ticker"] for r in rows})

    def label(rule, group):
        known = [r["seconds"] for r in group if r["seconds"] is not None]
        median = f", median {statistics.median(known):.3g} s" if known else ""
        return f"{rule} ({len(group)} jobs{median})"

    seconds = {rule: [r["seconds"] for r in group] for rule, group in by_rule.items()}
    _panel(secs, seconds, True, f"Seconds per job, {tickers} tickers", "seconds (log)", "jobs")
    secs.legend(
        [label(rule, group) for rule, group in by_rule.items() if any(seconds[rule])],
        fontsize="small",
    )
    memory = {rule: [r["max_rss_mb"] for r in group] for rule, group in by_rule.items()}
    _panel(mem, memory, False, "Peak memory per job (sampled every 0.5 s)", "max RSS, MB", "jobs")
    if any(v for values in memory.values() for v in values):
        mem.legend(fontsize="small")
    convert = {"convert": [r["mb_per_s"] for r in by_rule.get("convert", [])]}
    _panel(rate, convert, False, "convert: MB of JSON per second", "MB/s", "jobs")
    total = sum(f["size_mb"] or 0 for f in files)
    _panel(
        size,
        {"inventory": [f["size_mb"] for f in files]},
        True,
        f".h5 size per ticker ({len(files)} files, {total:,.1f} MB in all)",
        "MB on disk (log)",
        "files",
    )
    save(fig, out)


def progress(jobs: list[Job], earlier: int, out: str) -> None:
    """Jobs finished over the latest run, per rule, and the rate at which they finished."""
    import numpy as np

    fig = figure(1200, 620)
    done_ax, rate_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    if not jobs:
        done_ax.set_title("no job times found (no benchmark files)")
        save(fig, out)
        return
    t0 = min(j.start for j in jobs)
    wall = max(j.end for j in jobs) - t0
    for rule, ends in schedule.finished_by_rule(jobs, t0).items():
        counts = np.arange(1, len(ends) + 1)
        done_ax.step([0.0, *ends], [0, *counts], where="post", color=color(rule), label=rule)
    everything = np.sort([j.end - t0 for j in jobs])
    width = max(wall / 120, 1e-3)
    edges = np.arange(0, wall + width, width)
    per_bin, _ = np.histogram(everything, bins=edges)
    rate_ax.bar(edges[:-1], per_bin / width, width=width, align="edge", color="#999999")
    note = f" ({earlier} jobs of earlier runs not shown)" if earlier else ""
    done_ax.set_title(
        f"Progress of the latest run: {len(jobs)} jobs in {wall:.1f} s, "
        f"{len(jobs) / wall if wall else 0:.1f} jobs/s on average{note}"
    )
    done_ax.set_ylabel("jobs finished")
    done_ax.legend(loc="upper left", fontsize="small")
    rate_ax.set_ylabel("jobs finished per s")
    rate_ax.set_xlabel("seconds since the run's first job")
    rate_ax.set_xlim(0, wall * 1.01 or 1)
    for ax in (done_ax, rate_ax):
        ax.grid(True, alpha=0.3)
    save(fig, out)


def plot_market(summary: str, inventory: str, outs: dict[str, str], run: RunFiles) -> str:
    """The market charts; ``outs``: a path per registry.MARKET_PLOTS."""
    from stockflow.report.benchmarks import read_summary

    rows = read_summary(summary)
    files = read_inventory(inventory)
    distributions(rows, files, outs["distributions"])
    jobs, earlier = run.latest_run()
    progress(jobs, earlier, outs["progress"])
    return f"{len({r['ticker'] for r in rows})} tickers, {len(files)} files, {len(jobs)} jobs"
