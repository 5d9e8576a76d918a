"""The stockflow benchmark harness: measure one scale into bench/results.json, or render
bench/RESULTS.md from it.

    .venv/bin/python bench/run.py SCALE [--reps 3] [--parts a,b] [--tickers N] ...
    .venv/bin/python bench/run.py render

Every figure is a median of --reps runs of fresh processes (imports included unless a table
says otherwise); contenders run interleaved rep by rep, and a ratio is taken between the two
runs of one rep before the median. Each measured part becomes one record of results.json
(replacing that scale and part's earlier one) with its date, commit, machine and command.
--tickers/--days shrink a scale to check the harness; such runs go to WORKDIR/smoke/.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from core import BENCH, BenchError, command_line, git_revision, machine, now, progress

SCALES = {  # name: (what it measures, roughly how long it takes here, 2 CPUs)
    "default": ("29 tickers x 365 days: the convert contenders against the lesson (one file, "
                "the stage), its data preparation against synthesize, a cold run and no-ops",
                "~5 min"),
    "full": ("29 tickers x every day (~6.5 GB of JSON; needs 20 GB free): the convert "
             "contenders at size", "~30 min"),
    "market": ("one job per ticker per stage at 1,000-10,000 tickers: planning, a cold run, "
               "no-op and one-ticker change, the report's cost, SLURM when it answers; "
               "parts plan,cold,noop,report,cluster", "~20 min, +~50 min to make the 10,000-"
               "ticker done state the first time"),
    "batches": ("batch jobs at market scale against the work alone; parts cold1k,perticker1k,"
                "big10k,change2k,main29,schedulers,storage", "~70 min for every part"),
    "nightly": ("what a new day costs after a cold run, loopback Polygon, 2,000 x 365 at "
                "--freq 5min; parts update,update_nobulk,main29", "~15 min"),
    "storage": ("the main job cold, local and through profiles/s3 on SeaweedFS, in pairs",
                "~3 min"),
    "big": ("one 1.3 GB JSON file converted within a 512 MB budget, checked against an "
            "unbounded conversion", "~1 min once its file exists"),
}  # fmt: skip
SIZES = {"default": (29, 365), "full": (29, 4000), "storage": (29, 365), "big": (1, 4000)}
METHOD = [
    "Every time is wall-clock of a fresh process (interpreter start and imports included), "
    "except rows marked *in-process*. Each figure is the median of the runs; contenders run "
    "interleaved (rep 1: A, B...; rep 2: A, B...), and a ratio is the median of the ratios "
    "between the two runs of one rep (or one file in one rep).",
    "Inputs are made by the workflow itself, warm in the page cache; outputs are counted, "
    "deleted and `os.sync()` runs between runs, off the clock. Peak RSS is `ru_maxrss` from "
    "`os.wait4` (the largest single process of a tree), or Snakemake's own VmHWM where a "
    "column says *Snakemake peak*. The lesson (`bench/lesson.py`) keeps `timestamp` as the "
    "JSON's string, as the lesson does.",
]


def measure(a) -> list:
    import convert_scales
    import jobs
    import market

    root = Path(a.workdir).resolve() / a.scale
    n, days = a.tickers or SIZES.get(a.scale, (0, 0))[0], a.days or SIZES.get(a.scale, (0, 0))[1]
    if a.scale in ("default", "full"):
        return convert_scales.measure(a.scale, root, n, days, a.reps, a.cores)
    if a.scale == "big":
        return convert_scales.measure_big(root, days, a.reps)
    if a.scale == "storage":
        return market.measure_storage(root, a.reps, a.cores, days)
    if a.scale == "market":
        return market.measure(root, a.reps, a.cores, a.parts or market.PARTS, a.tickers)
    out, a.tickers, a.days = [], a.tickers or 0, a.days or 365
    if a.scale == "nightly":
        a.tickers = a.tickers or 2000
    for part in a.parts or (jobs.BATCH_PARTS if a.scale == "batches" else jobs.NIGHTLY_PARTS):
        if a.scale == "batches":
            out += jobs.batches_records(part, jobs.batches(root, part, a.reps, a.tickers))
        else:
            out += jobs.nightly_records(part + a.tag, jobs.nightly(root, part, a))
    return out


def save(path: Path, new: list) -> None:
    """Replace the records of each (scale, part) measured now; keep every other one."""
    old = json.loads(path.read_text()) if path.is_file() else []
    done = {(r["scale"], r["part"]) for r in new}
    path.write_text(json.dumps([r for r in old if (r["scale"], r["part"]) not in done] + new,
                               indent=1, ensure_ascii=False) + "\n")  # fmt: skip


def cell(x, header: str) -> str:
    if x is None or isinstance(x, str):
        return x or ""
    if any(w in header for w in ("÷", "speedup", "ratio")):
        return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"
    return f"{x:,}" if isinstance(x, int) else f"{x:,g}"


def table(columns: list, rows: list) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return out + [
        "| " + " | ".join(cell(x, h) for x, h in zip(r, columns, strict=True)) + " |" for r in rows
    ]


def where(r: dict) -> str:
    m = r.get("machine")
    box = "not recorded"
    if m:
        box = f"{m['nproc']} CPUs ({m['cpu']}, {m['ram_gib']} GiB RAM), Python {m['python']}, "
        box += ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    cmd = f" with `{r['command']}`" if r.get("command") else ""
    reps = f" ({r['reps']} reps)" if r.get("reps") else ""
    when, commit = r["date"] or "(date not recorded)", r.get("commit") or "not recorded"
    return f"Measured {when} at commit `{commit}`{cmd}{reps}; machine: {box}."


def render(records: list, smoke: bool) -> str:
    order = [*SCALES, *dict.fromkeys(r["scale"] for r in records if r["scale"] not in SCALES)]
    verdict = {True: "met", False: "**not met**", None: "—"}
    out = ["# stockflow benchmark results", ""]
    if smoke:
        out += [
            "> **SMOKE RUN** at reduced sizes: checks the harness; says nothing of targets.",
            "",
        ]
    out += ["Rendered by `python bench/run.py render` from [`results.json`](results.json), one "
            "record per measured part; how to run each scale: [README.md](README.md).", "",
            "## How it is measured", "", *(f"- {m}" for m in METHOD), "", "## Targets", "",
            *table(["scale", "what", "measured", "target", "verdict"],
                   [[r["scale"], t[0], t[1], t[2], verdict[t[3]]] for s in order for r in records
                    if r["scale"] == s for t in r["targets"]]), ""]  # fmt: skip
    for scale in order:
        mine = [r for r in records if r["scale"] == scale]
        if not mine:
            continue
        what = SCALES[scale][0] if scale in SCALES else "no longer a scale of the harness"
        out += [f"## {scale}", "", f"{what[0].upper()}{what[1:]}.", ""]
        said = None
        for r in mine:
            out += [f"### {r['title']}", ""]
            if where(r) != said:
                out += [where(r), ""]
                said = where(r)
            out += [*table(r["columns"], r["rows"]), ""] if r["columns"] else []
            out += [line for note in r["notes"] for line in (note, "")]
    return "\n".join(out).rstrip() + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scales:\n" + "\n".join(f"  {k:8} {v[0]} [{v[1]}]" for k, v in SCALES.items()),
    )
    p.add_argument("scale", choices=(*SCALES, "render"))
    p.add_argument("--reps", type=int, default=3, help="runs per figure (>= 3)")
    p.add_argument("--parts", type=lambda s: s.split(","), help="only these parts of the scale")
    p.add_argument("--cores", type=int, default=2, help="Snakemake --cores, and N at a time")
    p.add_argument("--workdir", default=str(BENCH / ".work"), help="work dirs (bench/.work)")
    p.add_argument("--results", help="results file (bench/results.json)")
    p.add_argument("--output", help="what render writes (bench/RESULTS.md)")
    p.add_argument("--tickers", type=int, default=0, help="a smaller size, to check the harness")
    p.add_argument("--days", type=int, default=0, help="a shorter history, likewise")
    p.add_argument("--freq", default="5min", help="nightly: bar length")
    p.add_argument("--nights", type=int, default=3, help="nightly: nights after the cold run")
    p.add_argument("--tag", default="", help="nightly: appended to each part's name")
    a = p.parse_args(argv)
    if a.reps < 3:
        p.error("--reps must be >= 3: every figure is a median of at least 3 runs")
    smoke = bool(a.tickers or a.days)
    if a.scale != "render" and smoke:
        a.workdir = str(Path(a.workdir) / "smoke")
    home = Path(a.workdir) if smoke else BENCH
    results = Path(a.results or home / "results.json")
    if a.scale != "render":
        if smoke and a.scale in SIZES:
            a.tickers = min(a.tickers or 29, SIZES[a.scale][0])
        a.days = a.days or (20 if smoke else 0)
        t0, started = time.perf_counter(), now()
        try:
            recs = measure(a)
        except BenchError as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return 1
        facts = {"date": started, "commit": git_revision(), "machine": machine(),
                 "command": command_line(), "reps": a.reps, "smoke": smoke}  # fmt: skip
        save(results, [{**r, **facts} for r in recs])
        progress(
            f"{a.scale}: {len(recs)} records in {results}, {(time.perf_counter() - t0) / 60:.1f} m"
        )
    out = Path(a.output or results.with_name("RESULTS.md"))
    recs = json.loads(results.read_text())
    out.write_text(render(recs, any(r.get("smoke") for r in recs)))
    progress(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
