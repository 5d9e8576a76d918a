"""Render bench/RESULTS.md from the raw results bench/run.py saves per scale (stdlib only)."""

import json
import re
import statistics
from pathlib import Path

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
NOOP_LIMIT = {"default": 1.5, "many": 3.0}
NAN = float("nan")


def load(raw_dir: Path, order: list[str], smoke: bool) -> list[dict]:
    suffix = "-smoke" if smoke else ""
    paths = [raw_dir / f"{name}{suffix}.json" for name in order]
    return [json.loads(p.read_text()) for p in paths if p.is_file()]


# --- numbers ----------------------------------------------------------------------------------


def med(xs) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else NAN


def pair_ratio(a: list[float], b: list[float]) -> float:
    """Median over reps of a[i] / b[i]: both runs of a pair come from the same rep."""
    return med(x / y for x, y in zip(a, b, strict=True) if y > 0)


def per_file_ratio(a: list[dict], b: list[dict]) -> float:
    """Median over (rep, file) of a's seconds / b's seconds for the same file in the same rep."""
    return med(ra[f] / rb[f] for ra, rb in zip(a, b, strict=True) for f in ra if rb.get(f))


def secs(x: float) -> str:
    if x != x:
        return "n/a"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def times(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


# --- derived figures, shared by the targets and the sections ------------------------------------


def convert_figures(res: dict) -> dict:
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


def prep_speedup(res: dict) -> float:
    r = res["prep"]["runs"]
    return pair_ratio(r["lesson_prep"]["seconds"], r["synthesize"]["seconds"])


# --- sections ---------------------------------------------------------------------------------


def setup_section(m: dict, results: list[dict]) -> list[str]:
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    rows = [
        ["written", m["date"]],
        ["machine", f"{m['nproc']} CPUs (nproc), {m['cpu']}, {m['ram_gib']:.1f} GiB RAM"],
        ["kernel", m["kernel"]],
        ["Python", m["python"]],
        ["packages", pk],
        ["stockflow", f"git `{m['git']}`"],
    ]
    rows += [[f"command ({r['scale']})", f"`{r['command']}`"] for r in results]
    return ["## Setup", ""] + table(["", ""], rows)


def method_section() -> list[str]:
    return [
        "## How it is measured",
        "",
        "- Every time is wall-clock of a fresh process started with `subprocess` (interpreter "
        "start and imports included), except the rows marked *in-process*.",
        "- Each figure is the median of `--reps` runs. Contenders run interleaved (rep 1: A, B, "
        "C...; rep 2: A, B, C...); a ratio is taken between the two runs of the same rep (or the "
        "same file in the same rep), and the median of those ratios is shown.",
        "- All contenders read the same JSON lines, written by the workflow itself "
        "(`snakemake --until synthesize`) and warm in the page cache. Outputs are deleted and "
        "`os.sync()` is called between runs, off the clock.",
        "- The lesson (`bench/lesson.py`) keeps `timestamp` as the string the JSON holds, as the "
        "lesson does; pandas 3 makes it a `str` column that fixed-format HDF5 pickles. The row "
        "*lesson + `pd.to_datetime`* parses it, which is what stockflow writes (datetime64).",
        "- Peak RSS: `ru_maxrss` from `os.wait4` on the child, i.e. the largest single process "
        "of its tree (not the sum of a pool's workers). *Above baseline* subtracts the peak of "
        "`python -c 'import pyarrow.json, tables'`.",
        "",
    ]


def targets_section(results: list[dict]) -> list[str]:
    rows = []
    for res in results:
        scale = res["scale"]
        if "convert" in res:
            f = convert_figures(res)
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
        if "prep" in res:
            x = prep_speedup(res)
            rows.append([
                scale, f"synthesize vs the lesson's preparation ({res['prep']['ticker']} x "
                f"{res['prep']['days']} days): lesson ÷ stockflow", times(x), ">= 20x",
                verdict(x >= 20),
            ])  # fmt: skip
        if "workflow" in res and scale in NOOP_LIMIT:
            x = med(res["workflow"]["noop_s"])
            goal = NOOP_LIMIT[scale]
            rows.append([
                scale, f"no-op rerun, {res['tickers']} tickers", f"{secs(x)} s",
                f"<= {goal} s", verdict(x <= goal),
            ])  # fmt: skip
        if "big" in res:
            b = res["big"]
            peak = max(b["peak_mib"])
            rows.append([
                scale, f"a {b['json_mib'] / 1024:.2f} GiB JSON file within a {b['budget_mb']} MB "
                "budget: highest peak RSS of the runs; read_hdf equal to an unbounded conversion",
                f"{peak:.0f} MiB; equal", f"<= {b['budget_mb']} MB",
                verdict(peak <= b["budget_mb"]),
            ])  # fmt: skip
        if "market" in res:
            import market

            rows += market.targets(res["market"])
        if "storage" in res:
            import storage

            rows += storage.targets(res["storage"])
    return ["## Targets", ""] + table(["scale", "what", "measured", "target", "verdict"], rows)


def data_line(res: dict) -> list[str]:
    d = res.get("data")
    if not d:
        return []
    sz = d["sizes_mib"]
    return [
        f"JSON lines: {len(sz)} files, {sum(sz):,.1f} MiB in all, per file "
        f"{min(sz):.1f} / {med(sz):.1f} / {max(sz):.1f} MiB (min / median / max), written by "
        f"`snakemake --until synthesize` in {secs(d['generate_s'])} s (not part of any table).",
        "",
    ]


def convert_section(res: dict) -> list[str]:
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


def prep_section(res: dict) -> list[str]:
    p = res["prep"]
    r = p["runs"]
    lesson = r["lesson_prep"]
    gen = med(e["generate_csv_s"] for e in lesson["extra"])
    js = med(e["csv_to_json_s"] for e in lesson["extra"])
    rows = []
    for key in ("lesson_prep", "synthesize"):
        e = r[key]
        rows.append([
            e["label"], secs(med(e["seconds"])),
            times(pair_ratio(lesson["seconds"], e["seconds"])),
            f"{med(x['json_mib'] for x in e['extra']):.1f}",
        ])  # fmt: skip
    out = [f"### Data preparation: {p['ticker']} x {p['days']} days, whole processes", ""]
    out += table(["contender", "median s", "speedup (lesson ÷ this)", "JSON MiB"], rows)
    return out + [
        f"The lesson's time splits into {secs(gen)} s for the walk, resampling and one CSV per "
        f"day, and {secs(js)} s for reading the CSVs back and one `json.dump` per record. Its "
        "days have 481 bars (09:00 to 17:00 inclusive, as `generate_day` builds them) and an "
        "evenly split volume; stockflow's have 480 bars with U-shaped volumes that sum to the "
        "day's. Both read the same quotes (the lesson its QuantQuote `.csv.bz2`, stockflow the "
        "normalized CSV the download stage made from it).",
        "",
    ]


def workflow_section(res: dict) -> list[str]:
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


def scale_section(res: dict) -> list[str]:
    title = f"## Scale `{res['scale']}`: {res['tickers']} tickers x {res['days']} days"
    out = [title, ""]
    if res.get("note"):
        out += [f"{res['note'][0].upper()}{res['note'][1:]}.", ""]
    if res.get("smoke"):
        out += ["Sizes overridden by `--tickers`/`--days` (a smoke run).", ""]
    out += [
        f"Measured {res['date']} at git `{res.get('git', '?')}` with `{res['command']}` "
        f"({res['reps']} reps, {res['elapsed_s'] / 60:.1f} min in all).",
        "",
    ]
    out += data_line(res)
    if "convert" in res:
        out += convert_section(res)
    if "prep" in res:
        out += prep_section(res)
    if "workflow" in res:
        out += workflow_section(res)
    if "big" in res:
        out += big_section(res["big"])
    if "market" in res:
        import market

        out += market.section(res["market"], res["cores"])
    if "storage" in res:
        import storage

        out += storage.section(res["storage"])
    return out


def big_section(b: dict) -> list[str]:
    rate = b["json_mib"] / med(b["seconds"])
    return [
        "### One file larger than the memory budget",
        "",
        *table(
            [
                "JSON",
                "rows",
                "budget",
                "median s",
                "MiB/s",
                "peak RSS (each run)",
                "unbounded conversion's peak",
                ".h5",
            ],
            [
                [
                    f"{b['json_mib']:.0f} MiB",
                    f"{b['rows']:,}",
                    f"{b['budget_mb']} MB",
                    secs(med(b["seconds"])),
                    f"{rate:.0f}",
                    ", ".join(f"{p:.0f}" for p in b["peak_mib"]) + " MiB",
                    f"{b['unbounded_peak_mib']:.0f} MiB",
                    f"{b['h5_mib']:.0f} MiB",
                ]
            ],
        ),  # fmt: skip
        "",
        "`pd.read_hdf` of the streamed file equals, value for value, the same file parsed whole "
        "by Arrow and written by pandas (`assert_frame_equal(check_exact=True)`).",
        "",
    ]


def render(machine: dict, results: list[dict], smoke: bool) -> str:
    out = ["# stockflow benchmark results", ""]
    if smoke:
        out += [
            "> **SMOKE RUN** at reduced sizes (`--tickers`/`--days`): checks that the harness "
            "works; the figures say nothing about the targets. Run `.venv/bin/python bench/run.py "
            "--scale all` for real ones.",
            "",
        ]
    out += ["Written by `bench/run.py`; see `bench/README.md` for the contenders.", ""]
    out += setup_section(machine, results) + method_section() + targets_section(results)
    for res in results:
        out += scale_section(res)
    return "\n".join(out).rstrip() + "\n"


def keep_earlier(old: str, new: str, measured: list[str]) -> str:
    """``new`` plus what ``old`` (the RESULTS.md it replaces) says about the scales not measured
    this time (their raw results are gone): their command row, their target rows and their
    section, each section marked as kept."""
    names = re.findall(r"^## Scale `([^`]+)`", old or "", flags=re.M)
    kept = [n for n in names if n not in measured and f"## Scale `{n}`" not in new]
    if not kept:
        return new
    old_lines, lines = old.splitlines(), new.splitlines()

    def after_last(match, rows: list[str]) -> None:
        end = next((i for i, ln in enumerate(lines) if ln.startswith("## Scale")), len(lines))
        hits = [i for i, ln in enumerate(lines[:end]) if match(ln)]
        if hits and rows:
            lines[hits[-1] + 1 : hits[-1] + 1] = rows

    for name in kept:
        after_last(
            lambda ln: ln.startswith("| command ("),
            [ln for ln in old_lines if ln.startswith(f"| command ({name})")],
        )
        after_last(
            lambda ln: re.match(r"^\| [\w-]+ \| ", ln) is not None,
            [ln for ln in old_lines if ln.startswith(f"| {name} | ")],
        )
    note = "_Kept from the previous RESULTS.md: not measured in this run._"
    for name in kept:
        m = re.search(rf"^## Scale `{re.escape(name)}`.*?(?=^## |\Z)", old, flags=re.M | re.S)
        if m:
            head, *body = m.group(0).rstrip().splitlines()
            lines += ["", head, *([] if note in body else ["", note]), *body]
    return "\n".join(lines).rstrip() + "\n"
