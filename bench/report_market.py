"""RESULTS.md on the `market` scale (bench/market.py): its targets and its section."""

from report_format import med_known
from snakemake_runs import CAPTURE_EVERY_S


def figures(m: dict) -> dict:
    """The numbers the targets and the README quote."""
    plan = m["plan"]
    per = {n: med_known(v["seconds"]) / int(n) for n, v in plan.items()}
    # per-ticker cost at the largest size over that at the smallest, rep by rep (interleaved)
    sizes = sorted(int(n) for n in plan)
    lo, hi = plan[str(sizes[0])]["seconds"], plan[str(sizes[-1])]["seconds"]
    growth = med_known((b / sizes[-1]) / (a / sizes[0]) for a, b in zip(lo, hi, strict=False))
    cold = m["cold"]
    pairs = cold["pairs"]
    out = {
        "plan_sizes": sizes,
        "plan_s": {n: med_known(v["seconds"]) for n, v in plan.items()},
        "plan_per_ticker_ms": {n: 1000 * x for n, x in per.items()},
        "plan_growth": growth,
        "cold_s": med_known(r["seconds"] for r in cold["cold"]),
        "cold_jobs": sum(cold["cold"][0]["jobs"].values()),
        "cold_peak_mib": med_known(r["peak_mib"] for r in cold["cold"]),
        "noop_2k_s": med_known(p["noop_s"] for p in pairs),
        "change_s": med_known(p["change_s"] for p in pairs),
        "change_ratio": med_known(p["change_s"] / p["noop_s"] for p in pairs),
        "noop_10k_s": med_known(r["seconds"] for r in m["noop"]["noop"]),
        "noop_10k_peak_mib": med_known(r["peak_mib"] for r in m["noop"]["noop"]),
    }
    out["cold_jobs_per_s"] = out["cold_jobs"] / out["cold_s"]
    rp = m["report"]["pairs"]
    out["report_default_s"] = med_known(p["default"] for p in rp)
    out["report_data_s"] = med_known(p["data"] for p in rp)
    out["report_ratio"] = med_known(p["default"] / p["data"] for p in rp)
    c = m["cluster"]
    if "pairs" in c:
        out["cluster_local_s"] = med_known(p["local"]["seconds"] for p in c["pairs"])
        out["cluster_slurm_s"] = med_known(p["slurm"]["seconds"] for p in c["pairs"])
        out["cluster_ratio"] = med_known(
            p["slurm"]["seconds"] / p["local"]["seconds"] for p in c["pairs"]
        )
        out["cluster_jobs"] = max(p["slurm"]["slurm_jobs"] for p in c["pairs"])
    return out


def targets(res: dict) -> list[list[str]]:
    m = res["market"]
    f = figures(m)
    lo, hi = f["plan_sizes"][0], f["plan_sizes"][-1]
    ok = {True: "met", False: "**not met**"}
    rows = [
        ["market", f"planning cost per ticker, {hi:,} ÷ {lo:,} tickers (`snakemake -n`)",
         f"{f['plan_growth']:.2f}x", "<= 1.2x", ok[f["plan_growth"] <= 1.2]],
        ["market", f"`snakemake -n` at {hi:,} tickers", f"{f['plan_s'][str(hi)]:.1f} s",
         "<= 60 s", ok[f["plan_s"][str(hi)] <= 60]],
        ["market", f"no-op rerun at {m['noop']['tickers']:,} tickers", f"{f['noop_10k_s']:.1f} s",
         "<= 45 s", ok[f["noop_10k_s"] <= 45]],
        ["market", f"one ticker's source changed, {m['cold']['tickers']:,} tickers: rerun ÷ no-op",
         f"{f['change_ratio']:.2f}x", "<= 2x", ok[f["change_ratio"] <= 2]],
        ["market", "29 tickers x 365 days, cold: default target ÷ data chain alone",
         f"{f['report_ratio']:.2f}x", "<= 1.25x", ok[f["report_ratio"] <= 1.25]],
    ]  # fmt: skip
    if "cluster_ratio" in f:
        rows += [
            ["market", "29 tickers x 30 days: SLURM jobs submitted through profiles/slurm",
             str(f["cluster_jobs"]), "<= 6", ok[f["cluster_jobs"] <= 6]],
            ["market", "29 tickers x 30 days: profiles/slurm ÷ local wall time",
             f"{f['cluster_ratio']:.2f}x", "<= 3x", ok[f["cluster_ratio"] <= 3]],
        ]  # fmt: skip
    return rows


def section(res: dict) -> list[str]:
    m, cores = res["market"], res["cores"]
    f = figures(m)
    plan = m["plan"]
    out = ["### Planning: `snakemake -n --cores 2`, each size interleaved rep by rep", ""]
    out += ["| tickers | jobs | median s | min s | max s | ms per ticker | Snakemake peak MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, v in plan.items():
        s = v["seconds"]
        out.append(
            f"| {int(n):,} | {v.get('jobs', 0):,} | {med_known(s):.1f} | {min(s):.1f} "
            f"| {max(s):.1f} | {f['plan_per_ticker_ms'][n]:.2f} | {med_known(v['peak_mib']):.0f} |"
        )
    lo, hi = f["plan_sizes"][0], f["plan_sizes"][-1]
    out += [
        "",
        f"Cost per ticker at {hi:,} over that at {lo:,}, rep by rep: {f['plan_growth']:.2f}x "
        "(the fixed start-up, ~1.5 s, is spread over more tickers at the larger size).",
        "",
    ]
    cold = m["cold"]
    secs = [r["seconds"] for r in cold["cold"]]
    jobs = cold["cold"][0]["jobs"]
    out += [
        f"### A cold run: {cold['tickers']:,} tickers x {cold['days']} days, `--cores {cores}`",
        "",
        "| runs | median s | min s | max s | jobs | jobs per s | Snakemake peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(secs)} | {med_known(secs):.0f} | {min(secs):.0f} | {max(secs):.0f} | "
        f"{f['cold_jobs']:,} | {f['cold_jobs_per_s']:.1f} | {f['cold_peak_mib']:.0f} |",
        "",
        "Jobs: " + ", ".join(f"{k} {v:,}" for k, v in jobs.items()) + ". Output to a file; "
        "the peak is the Snakemake process's own (VmHWM), not its jobs'.",
        "",
    ]
    term = {"captures": cold.get("captures"), "seconds": cold["cold"][0]["seconds"]}
    if term["captures"]:
        out += [
            f"What a terminal showed during the cold run (in tmux, {term['seconds']:.0f} s; "
            f"`tmux capture-pane` every {CAPTURE_EVERY_S} s, the last line of each of a few):",
            "",
            "```text",
        ]
        picks = term["captures"]
        step = max(1, len(picks) // 4)
        for c in [*picks[::step][:4], picks[-1]]:
            out.append(f"[{c['at_s']:>4} s] " + (c["last"][-1] if c["last"] else ""))
        out += ["```", ""]
    pairs = cold["pairs"]
    ran = pairs[0]["jobs"]
    out += [
        f"### Reruns at {cold['tickers']:,} tickers: nothing changed, one ticker's source changed",
        "",
        "| pairs | no-op median s | change median s | change ÷ no-op (pairwise median) |",
        "|---:|---:|---:|---:|",
        f"| {len(pairs)} | {f['noop_2k_s']:.2f} | {f['change_s']:.2f} | {f['change_ratio']:.2f}x |",
        "",
        "Each change rewrites one ticker's source file (one more trade on its last day); the "
        "rerun then ran " + ", ".join(f"{k} {v}" for k, v in ran.items()) + ".",
        "",
    ]
    noop = m["noop"]
    runs10 = noop["cold"] or []
    jobs10 = sum(sum(r["jobs"].values()) for r in runs10)
    secs10 = sum(r["seconds"] for r in runs10)
    out += [
        f"### No-op at {noop['tickers']:,} tickers (`synth.days: {noop['days']}`)",
        "",
        f"Median of {len(noop['noop'])}: {f['noop_10k_s']:.1f} s, Snakemake peak "
        f"{f['noop_10k_peak_mib']:.0f} MiB. "
        + (
            f"The done state came from {len(runs10) - 1} runs of {noop.get('chunk', 0):,} "
            f"tickers' data each, then one for the summaries: {jobs10:,} jobs in "
            f"{secs10 / 60:.1f} min ({jobs10 / secs10:.1f} jobs/s; single runs, not a "
            "comparison)."
            if runs10
            else "The done state was already there from an earlier run of this scale."
        ),
        "",
    ]
    rp = m["report"]
    out += [
        f"### The report's cost: {rp['tickers']} tickers x {rp['days']} days, cold, in pairs",
        "",
        "| pairs | default target median s | data chain alone median s | ratio (pairwise) |",
        "|---:|---:|---:|---:|",
        f"| {len(rp['pairs'])} | {f['report_default_s']:.1f} | {f['report_data_s']:.1f} | "
        f"{f['report_ratio']:.2f}x |",
        "",
        "The data chain alone: `snakemake results/hdf5/*.h5 results/benchmarks.tsv`; the "
        "default target adds the per-ticker charts (`report.tickers: 4`), the inventory, the "
        "benchmark charts and the market charts.",
        "",
    ]
    c = m["cluster"]
    if "pairs" in c:
        out += [
            f"### On SLURM: {c['tickers']} tickers x {c['days']} days, local and "
            "`--profile profiles/slurm`, in pairs",
            "",
            "| pairs | local median s | SLURM median s | SLURM ÷ local | SLURM jobs |",
            "|---:|---:|---:|---:|---:|",
            f"| {len(c['pairs'])} | {f['cluster_local_s']:.1f} | {f['cluster_slurm_s']:.1f} | "
            f"{f['cluster_ratio']:.2f}x | {f['cluster_jobs']} |",
            "",
            "The one-node test cluster of tests/cluster/setup_slurm.sh (2 CPUs); the profile as "
            "committed (first status query after 5 s).",
            "",
        ]
    else:
        out += [f"On SLURM: not measured ({c['skipped']}).", ""]
    return out
