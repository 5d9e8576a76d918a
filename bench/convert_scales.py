"""The `default`, `full` and `many` scales: the convert contenders on JSON lines the workflow made,
the lesson's data preparation against synthesize, and cold runs and no-op reruns of the workflow.
"""

import os
import shutil
from pathlib import Path

from contenders import convert_contenders, interleave, prep_contenders, stem
from harness import MIB, BenchError, progress, run
from scales import Scale
from snakemake_runs import elapsed, job_stats, snakemake_cmd, sum_benchmark_seconds
from workdirs import Layout, check_disk, link_sources, write_config


def ticker_names(scale: Scale, n: int) -> tuple[list[str], dict[str, str]]:
    """Ticker names and, for the symlinked scale, the embedded source each name reuses."""
    from stockflow.sources.origins import embedded_tickers

    sources = embedded_tickers()
    if not scale.symlinked:
        if n > len(sources):
            raise BenchError(f"{scale.name}: only {len(sources)} embedded tickers, asked {n}")
        return sources[:n], {}
    names = {f"{sources[i % len(sources)]}_{i:03d}": sources[i % len(sources)] for i in range(n)}
    return list(names), names


def setup_workdir(workdir: Path, scale: Scale, tickers: list[str], names, days: int, lay: Layout):
    source_dir = link_sources(lay.sources, names) if scale.symlinked else None
    write_config(workdir, tickers, days, source_dir)


def generate_data(scale: Scale, tickers, names, days, lay: Layout, cores: int) -> dict:
    """JSON lines for every ticker, made by the workflow itself (no HDF5)."""
    if scale.name == "full":
        check_disk(lay.root, lay.data / "results" / "json")
    setup_workdir(lay.data, scale, tickers, names, days, lay)
    lay.logs.mkdir(parents=True, exist_ok=True)
    log = lay.logs / "generate.log"
    r = run(snakemake_cmd(lay.data, cores, "--until", "synthesize"), log)
    files = [lay.data / "results" / "json" / f"{t}.json" for t in tickers]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise BenchError(f"the workflow did not write {missing[:3]}...; see {log}")
    sizes = [f.stat().st_size / MIB for f in files]
    return {"generate_s": r.seconds, "files": [str(f) for f in files], "sizes_mib": sizes}


def workflow_runs(scale: Scale, tickers, names, days, lay: Layout, reps: int, cores: int) -> dict:
    """Cold runs from nothing (median of reps), then no-op reruns (median of >= 5)."""
    cold = []
    for rep in range(reps):
        shutil.rmtree(lay.cold, ignore_errors=True)
        setup_workdir(lay.cold, scale, tickers, names, days, lay)
        os.sync()
        log = lay.logs / "cold.log"
        r = run(snakemake_cmd(lay.cold, cores), log)
        stats = job_stats(log)
        job_s = sum_benchmark_seconds(lay.cold)
        cold.append(
            {"seconds": r.seconds, "jobs": stats, "job_seconds": job_s, "elapsed_s": elapsed(log)}
        )
        progress(f"{scale.name} cold run {rep + 1}/{reps}: {r.seconds:.1f} s, {sum(stats.values())}"
                 f" jobs")  # fmt: skip
    noop = []
    for rep in range(max(5, reps)):
        log = lay.logs / "noop.log"
        r = run(snakemake_cmd(lay.cold, cores), log)
        if "Nothing to be done" not in log.read_text(errors="replace"):
            raise BenchError(f"the rerun after a complete run did some work: {log}")
        noop.append(r.seconds)
        progress(f"{scale.name} no-op rerun {rep + 1}: {r.seconds:.2f} s")
    return {"cold": cold, "noop_s": noop}


def measure(scale: Scale, lay: Layout, n: int, days: int, reps: int, cores: int) -> dict:
    """What ``scale`` asks for of data, convert, prep and workflow, as raw-result keys."""
    result = {}
    tickers, names = ticker_names(scale, n)
    if scale.convert or scale.prep:
        progress(f"{scale.name}: generating JSON lines ({n} tickers x {days} days)")
        data = generate_data(scale, tickers, names, days, lay, cores)
        result["data"] = data
        files = data["files"]
        ref = next((f for f in files if stem(f) == "aapl"), files[0])
        result["ref"] = {"file": ref, "mib": data["sizes_mib"][files.index(ref)]}
    if scale.convert:
        contenders = convert_contenders(files, ref, lay.data, cores)
        result["parallel_convert"] = all(c.available for c in contenders)
        result["convert"] = interleave(contenders, reps, lay, scale.name)
    if scale.prep:
        ticker = "aapl" if "aapl" in tickers else tickers[0]
        quotes = lay.data / "resources" / "quotes" / f"{ticker}.csv"
        result["prep"] = {
            "ticker": ticker,
            "days": days,
            "runs": interleave(prep_contenders(ticker, quotes, days), reps, lay, "prep"),
        }
    if scale.workflow:
        result["workflow"] = workflow_runs(scale, tickers, names, days, lay, reps, cores)
    return result
