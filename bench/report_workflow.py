"""RESULTS.md on the workflow itself (`default`, `many`): cold runs from nothing, no-op reruns."""

from report_format import NAN, med, secs, table, verdict

NOOP_LIMIT = {"default": 1.5, "many": 3.0}


def targets(res: dict) -> list[list[str]]:
    scale = res["scale"]
    if scale not in NOOP_LIMIT:
        return []
    x = med(res["workflow"]["noop_s"])
    goal = NOOP_LIMIT[scale]
    return [[
        scale, f"no-op rerun, {res['tickers']} tickers", f"{secs(x)} s",
        f"<= {goal} s", verdict(x <= goal),
    ]]  # fmt: skip


def section(res: dict) -> list[str]:
    w = res["workflow"]
    cold = w["cold"]
    secs_ = [c["seconds"] for c in cold]
    jobs = sum(cold[0]["jobs"].values())
    per_rule = ", ".join(f"{k} {v}" for k, v in cold[0]["jobs"].items())
    job_s = med(c["job_seconds"] for c in cold)
    noop = w["noop_s"]
    cores = res["cores"]
    rows = [
        [
            f"cold run (`snakemake --cores {cores}` from nothing), {len(cold)} runs",
            secs(med(secs_)), secs(min(secs_)), secs(max(secs_)),
            f"{jobs} ({per_rule})", f"{med(secs_) / jobs:.3f}", secs(job_s),
        ],
        [
            f"no-op rerun, {len(noop)} runs", secs(med(noop)), secs(min(noop)),
            secs(max(noop)), "0", "", "",
        ],
    ]  # fmt: skip
    out = [f"### Workflow: {res['tickers']} tickers", ""]
    out += table(["run", "median s", "min s", "max s", "jobs", "s per job", "Σ job s"], rows)
    return out + [
        f"Σ job s sums the `s` column of every job's Snakemake benchmark file (median over the "
        f"cold runs); with {cores} cores, wall − Σ/{cores} ≈ "
        f"{secs(med(secs_) - job_s / cores)} s is what scheduling, job start-up and "
        "waiting cost beyond the jobs' own time. Snakemake's own *Elapsed time* (first job to "
        f"the end) was {secs(med(c.get('elapsed_s', NAN) for c in cold))} s of the "
        f"{secs(med(secs_))} s.",
        "",
    ]
