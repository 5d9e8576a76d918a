"""The stockflow benchmark harness: measure one scale into bench/results.json, or render
bench/RESULTS.md from it.

    .venv/bin/python bench/run.py SCALE [--reps 3] [--parts a,b] [--tickers N] ...
    .venv/bin/python bench/run.py render

One record per measured part, saved as soon as it is done (bench/README.md). --tickers/--days
shrink a scale to check the harness; such runs go to WORKDIR/smoke/.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import convert_scales
import jobs
import market
from core import BENCH, BenchError, command_line, git_revision, machine, now, progress

SCALES = {  # name: what it measures
    "default": "29 tickers x 365 days: the convert contenders against the lesson (one file, the "
    "stage), its data preparation against synthesize, a cold run and no-ops",
    "full": "29 tickers x every day (~6.5 GB of JSON; needs 20 GB free): the convert contenders "
    "at size",
    "market": "one job per ticker per stage at 1,000-10,000 tickers: planning, a cold run, no-op "
    "and one-ticker change, the report's cost, SLURM when it answers, reading the .h5 of 1,000 "
    "tickers; parts plan,cold,noop,report,cluster,readers",
    "batches": "batch jobs at market scale against the work alone; parts cold1k,perticker1k,"
    "big10k,change2k,storage",
    "nightly": "what a new day costs after a cold run, loopback Polygon, 2,000 x 365 at --freq "
    "5min; parts update,update_nobulk,main29",
    "storage": "the main job cold, local and through profiles/s3 on SeaweedFS, in pairs",
    "big": "one 1.3 GB JSON file converted within a 512 MB budget, checked against an unbounded "
    "conversion",
}
TAKES = {  # roughly how long each scale takes here (2 CPUs)
    "default": "~5 min",
    "full": "~30 min",
    "market": "~20 min, +~50 min to make the 10,000-ticker done state the first time",
    "batches": "under ~70 min for every part",
    "nightly": "~15 min",
    "storage": "~3 min",
    "big": "~1 min once its file exists",
}
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


# {scale: {part: measure(options) -> its records}}, parts in the order a scale runs them
PARTS = {**convert_scales.SCALES, **market.SCALES, **jobs.SCALES}


def save(path: Path, new: list) -> None:
    """Replace the records of each (scale, part) measured now; keep every other one."""
    done = {(r["scale"], r["part"]) for r in new}
    old = [r for r in load(path) if (r["scale"], r["part"]) not in done]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old + new, indent=1, ensure_ascii=False) + "\n")


def load(path: Path) -> list:
    return json.loads(path.read_text()) if path.is_file() else []


def cell(x, header: str) -> str:
    if x is None or isinstance(x, str):
        return x or ""
    if any(w in header for w in ("÷", "speedup", "ratio")):
        return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"
    return f"{x:,}" if isinstance(x, int) else f"{x:,g}"


def table(columns: list, rows: list) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        out.append("| " + " | ".join(cell(x, h) for x, h in zip(row, columns, strict=True)) + " |")
    return out


def where(r: dict) -> str:
    box = "not recorded"
    if m := r.get("machine"):
        box = f"{m['nproc']} CPUs ({m['cpu']}, {m['ram_gib']} GiB RAM), Python {m['python']}, "
        box += ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    cmd = f" with `{r['command']}`" if r.get("command") else ""
    reps = f" ({r['reps']} reps)" if r.get("reps") else ""
    when, commit = r["date"] or "(date not recorded)", r.get("commit") or "not recorded"
    return f"Measured {when} at commit `{commit}`{cmd}{reps}; machine: {box}."


def render(records: list) -> str:
    order = [*SCALES, *dict.fromkeys(r["scale"] for r in records if r["scale"] not in SCALES)]
    records = [r for s in order for r in records if r["scale"] == s]
    verdict = {True: "met", False: "**not met**", None: "—"}
    targets = [[r["scale"], *t[:3], verdict[t[3]]] for r in records for t in r["targets"]]
    smoke = "> **SMOKE RUN** at reduced sizes: checks the harness; says nothing of targets."
    out = ["# stockflow benchmark results", ""]
    if any(r.get("smoke") for r in records):
        out += [smoke, ""]
    out += [
        "Rendered by `python bench/run.py render` from [`results.json`](results.json), one "
        "record per measured part; how to run each scale: [README.md](README.md).",
        "",
        "## How it is measured",
        "",
        *(f"- {m}" for m in METHOD),
        "",
        "## Targets",
        "",
        *table(["scale", "what", "measured", "target", "verdict"], targets),
        "",
    ]
    said = scale = None
    for r in records:
        if r["scale"] != scale:
            scale, said = r["scale"], None
            what = SCALES.get(scale, "no longer a scale of the harness")
            out += [f"## {scale}", "", f"{what[0].upper()}{what[1:]}.", ""]
        out += [f"### {r['title']}", ""]
        if where(r) != said:
            said = where(r)
            out += [said, ""]
        out += [*table(r["columns"], r["rows"]), ""] if r["columns"] else []
        out += [line for note in r["notes"] for line in (note, "")]
    return "\n".join(out).rstrip() + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scales:\n" + "\n".join(f"  {k:8} {v} [{TAKES[k]}]" for k, v in SCALES.items()),
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
    results = Path(a.results or (Path(a.workdir) if smoke else BENCH) / "results.json")
    out = Path(a.output or results.with_name("RESULTS.md"))
    if a.scale == "render":
        out.write_text(render(load(results)))
        progress(f"wrote {out}")
        return 0
    steps = PARTS[a.scale]
    if unknown := set(a.parts or ()) - set(steps):
        p.error(f"{a.scale} has no part {', '.join(unknown)}; its parts: {', '.join(steps)}")
    n, days = SIZES.get(a.scale, (0, 0))
    a.tickers = min(a.tickers or 29, n) if smoke and n else a.tickers or n
    a.days = a.days or (20 if smoke else days)
    a.root = Path(a.workdir).resolve() / a.scale
    facts = {"date": now(), "commit": git_revision(), "machine": machine()}
    facts |= {"command": command_line(), "reps": a.reps, "smoke": smoke}
    t0 = time.perf_counter()
    for part in a.parts or steps:
        try:
            recs = steps[part](a)
        except BenchError as exc:
            print(f"bench: error: {part}: {exc}", file=sys.stderr)
            return 1
        save(results, [{**r, **facts} for r in recs])
        out.write_text(render(load(results)))
        minutes = (time.perf_counter() - t0) / 60
        progress(f"{a.scale} {part}: {len(recs)} records in {results} and {out}, {minutes:.1f} m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
