"""RESULTS.md on the convert stage (`default`, `full`): its targets, the table of every contender
on every file, and the one-file table (whole processes and *in-process* calls)."""

from pathlib import Path

from report_format import NAN, med, pair_ratio, per_file_ratio, secs, table, times, verdict

STAGE = (
    "lesson_loop",
    "lesson_executor",
    "lesson_pool",
    "sf_proc_seq",
    "sf_proc_par",
    "sf_inproc",
    "sf_jobs",
    "snakemake",
)
SINGLE = ("baseline", "lesson_1", "lesson_1_parsed", "sf_1", "sf_1_t2")
SNAKEMAKE_VS_EXECUTOR = {"default": 0.5, "full": 0.2}


def figures(res: dict) -> dict:
    """The figures both the targets and the sections quote."""
    c = res["convert"]
    s = {k: v["seconds"] for k, v in c.items() if v["seconds"]}
    base = med(c["baseline"]["peak_mib"])
    return {
        "inproc_speedup": per_file_ratio(
            [e["per_file_s"] for e in c["lesson_loop"]["extra"]],
            [e["per_file_s"] for e in c["sf_inproc"]["extra"]],
        ),
        "inproc_speedup_t2": per_file_ratio(
            [e["per_file_s"] for e in c["lesson_loop"]["extra"]],
            [e["per_file_s"] for e in c["sf_inproc_t2"]["extra"]],
        )
        if "sf_inproc_t2" in c
        else NAN,
        "one_file_speedup": pair_ratio(s["lesson_1"], s["sf_1"]),
        "one_file_speedup_t2": pair_ratio(s["lesson_1"], s["sf_1_t2"]) if "sf_1_t2" in s else NAN,
        "snakemake_vs_executor": pair_ratio(s["snakemake"], s["lesson_executor"]),
        "baseline_mib": base,
        "sf_1_rss_ratio": (med(c["sf_1"]["peak_mib"]) - base) / res["ref"]["mib"],
    }


def targets(res: dict) -> list[list[str]]:
    scale = res["scale"]
    f = figures(res)
    rows = []
    rows.append([
        scale, "convert one file in one process, *in-process* (imports excluded): "
        "lesson ÷ stockflow", times(f["inproc_speedup"]), ">= 6x (aim 10x)",
        verdict(f["inproc_speedup"] >= 6),
    ])  # fmt: skip
    if f["inproc_speedup_t2"] == f["inproc_speedup_t2"]:
        rows.append([
            scale, "the same with 2 parser threads (`threads: 2` on the rule)",
            times(f["inproc_speedup_t2"]), ">= 6x (aim 10x)",
            verdict(f["inproc_speedup_t2"] >= 6),
        ])  # fmt: skip
    rows.append([
        scale, "convert one file, whole process (imports included): lesson ÷ stockflow",
        times(f["one_file_speedup"]), ">= 6x (aim 10x)",
        verdict(f["one_file_speedup"] >= 6),
    ])  # fmt: skip
    if f["one_file_speedup_t2"] == f["one_file_speedup_t2"]:
        rows.append([
            scale, "the same with `--threads 2`",
            times(f["one_file_speedup_t2"]), ">= 6x (aim 10x)",
            verdict(f["one_file_speedup_t2"] >= 6),
        ])  # fmt: skip
    if scale in SNAKEMAKE_VS_EXECUTOR:
        goal = SNAKEMAKE_VS_EXECUTOR[scale]
        x = f["snakemake_vs_executor"]
        rows.append([
            scale, "convert stage: `snakemake --cores 2` ÷ lesson `ProcessPoolExecutor`",
            times(x), f"<= {goal}x", verdict(x <= goal),
        ])  # fmt: skip
    rows.append([
        scale, "convert peak RSS above baseline ÷ JSON size (stockflow CLI, one file)",
        times(f["sf_1_rss_ratio"]), "<= 3x", verdict(f["sf_1_rss_ratio"] <= 3),
    ])  # fmt: skip
    return rows


def section(res: dict) -> list[str]:
    c = res["convert"]
    total = sum(res["data"]["sizes_mib"])
    biggest = max(res["data"]["sizes_mib"])
    base = med(c["baseline"]["peak_mib"])
    loop, exe = c["lesson_loop"]["seconds"], c["lesson_executor"]["seconds"]
    rows = []
    for key in STAGE:
        e = c[key]
        if not e["available"]:
            rows.append([e["label"], "not available"] + ["—"] * 5)
            continue
        s = med(e["seconds"])
        peak = med(e["peak_mib"])
        rows.append([
            e["label"], secs(s), f"{total / s:.0f}", times(pair_ratio(e["seconds"], loop)),
            times(pair_ratio(e["seconds"], exe)), f"{peak:.0f}",
            times((peak - base) / biggest),
        ])  # fmt: skip
    out = [f"### Convert stage: {len(res['data']['files'])} files", ""]
    out += table(
        [
            "contender",
            "median s",
            "MiB/s",
            "time ÷ lesson loop",
            "time ÷ lesson ProcessPoolExecutor",
            "peak RSS MiB",
            "above baseline ÷ largest JSON",
        ],
        rows,
    )
    inproc = c["sf_inproc"]
    wall = med(e["process_s"] for e in inproc["extra"])
    out += [
        f"*stockflow `convert_file` in one process* is the sum of the per-file calls; its whole "
        f"process took {secs(wall)} s with imports. The lesson's pools use their defaults "
        f"(`os.cpu_count()` workers). "
        + (
            "`python -m stockflow.convert_pool --jobs` was available."
            if res.get("parallel_convert")
            else "`python -m stockflow.convert_pool` was not available in this checkout."
        )
        + " Snakemake ran `--until convert --rerun-triggers mtime` after `results/hdf5` was "
        "deleted; its job stats were checked to hold only the convert jobs. Of its "
        f"{secs(med(c['snakemake']['seconds']))} s, its own *Elapsed time* (first job to the "
        f"end) was {secs(med(e.get('elapsed_s', NAN) for e in c['snakemake']['extra']))} s; "
        "the rest is start-up (imports, parsing the workflow, validating the config, building "
        "the DAG) and shutdown.",
        "",
    ]
    return out + single_file_section(res, base)


def single_file_section(res: dict, base: float) -> list[str]:
    c = res["convert"]
    ref_mib = res["ref"]["mib"]
    lesson = c["lesson_1"]["seconds"]
    rows = []
    for key in (k for k in SINGLE if k in c):
        e = c[key]
        s, peak = med(e["seconds"]), med(e["peak_mib"])
        speed = "" if key == "baseline" else times(pair_ratio(lesson, e["seconds"]))
        above = "" if key == "baseline" else f"{peak - base:.0f}"
        ratio = "" if key == "baseline" else times((peak - base) / ref_mib)
        rows.append([e["label"], secs(s), speed, f"{peak:.0f}", above, ratio])
    lf = [e["per_file_s"] for e in c["lesson_loop"]["extra"]]
    sf = [e["per_file_s"] for e in c["sf_inproc"]["extra"]]
    lmed = med(med(r.values()) for r in lf)
    smed = med(med(r.values()) for r in sf)
    rows.append(["*in-process* per file, lesson loop", secs(lmed), "1.00x", "", "", ""])
    rows.append([
        "*in-process* per file, stockflow `convert_file`", secs(smed),
        times(per_file_ratio(lf, sf)), "", "", "",
    ])  # fmt: skip
    if "sf_inproc_t2" in c:
        sf2 = [e["per_file_s"] for e in c["sf_inproc_t2"]["extra"]]
        rows.append([
            "*in-process* per file, stockflow `convert_file(threads=2)`",
            secs(med(med(r.values()) for r in sf2)), times(per_file_ratio(lf, sf2)), "", "", "",
        ])  # fmt: skip
    name = Path(res["ref"]["file"]).name
    out = [f"### One file: `{name}` ({ref_mib:.1f} MiB)", ""]
    out += table(
        [
            "contender",
            "median s",
            "speedup (lesson ÷ this)",
            "peak RSS MiB",
            "above baseline MiB",
            "above baseline ÷ JSON size",
        ],
        rows,
    )
    return out + [
        "The *in-process* rows time each file's call inside one process, after every import "
        "(median over files and reps; the speedup is the median of per-file ratios within a "
        "rep). The lesson's are the per-file times of its sequential loop.",
        "",
    ]
