"""Render bench/RESULTS.md from the raw results bench/run.py saves per scale (stdlib only).

The page: Setup, how it is measured, every target, then one section per scale. Each part of a
scale's raw result ("convert", "prep", ...) has a module of its own that gives its target rows
and its section; this one puts them in order.
"""

import json
import re
from pathlib import Path

import report_big
import report_convert
import report_market
import report_prep
import report_storage
import report_workflow
from report_format import med, secs, table

# The order of the target rows and of the sections within a scale.
PARTS = (
    ("convert", report_convert),
    ("prep", report_prep),
    ("workflow", report_workflow),
    ("big", report_big),
    ("market", report_market),
    ("storage", report_storage),
)


def load(raw_dir: Path, order: list[str], smoke: bool) -> list[dict]:
    suffix = "-smoke" if smoke else ""
    paths = [raw_dir / f"{name}{suffix}.json" for name in order]
    return [json.loads(p.read_text()) for p in paths if p.is_file()]


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
        for key, part in PARTS:
            if key in res:
                rows += part.targets(res)
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
    for key, part in PARTS:
        if key in res:
            out += part.section(res)
    return out


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
