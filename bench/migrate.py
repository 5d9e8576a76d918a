"""One-off: the figures of the old result files (RESULTS.md as run.py rendered it, batches.json,
nightly.json) into bench/results.json, each with its date/commit/machine as recorded there
(None where a file recorded none). Run once, then deleted."""

import json
import re
import sys
from pathlib import Path

import jobs
from core import BENCH

PARTS = {  # (scale, words in a section title or target) -> part
    "market": [("plan", "`snakemake -n`"), ("plan", "Planning"), ("noop", "No-op at"),
               ("noop", "no-op rerun at"), ("cold", "cold run"), ("cold", "Reruns"),
               ("cold", "one ticker"), ("report", "report"), ("report", "default target"),
               ("cluster", "SLURM"), ("cluster", "slurm")],
    "default": [("prep", "reparation"), ("prep", "synthesize"), ("workflow", "orkflow"),
                ("workflow", "no-op"), ("convert", "")],
}  # fmt: skip
PARTS["full"] = PARTS["default"]


def part_of(scale: str, text: str) -> str:
    return next((p for p, w in PARTS.get(scale, []) if w in text), {"many": "workflow"}.get(
        scale, scale))  # fmt: skip


def num(c: str):
    c = c.strip()
    t = c[:-1] if re.fullmatch(r"[\d.,]+x", c) else c
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+|-?\d+", t):
        return int(t.replace(",", ""))
    if re.fullmatch(r"-?[\d,]*\.\d+", t):
        return float(t.replace(",", ""))
    return c or None


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


def from_results_md(text: str) -> list:
    setup = dict(cells(ln)[:2] for ln in text.split("## Setup")[1].split("##")[0].splitlines()
                 if ln.startswith("| ") and not ln.startswith("|  |"))  # fmt: skip
    m = re.match(r"(\d+) CPUs \(nproc\), (.*), ([\d.]+) GiB RAM", setup["machine"])
    box = {"nproc": int(m[1]), "cpu": m[2], "ram_gib": float(m[3]), "kernel": setup["kernel"],
           "python": setup["Python"],
           "packages": dict(p.split(" ", 1) for p in setup["packages"].split(", "))}  # fmt: skip
    targets = [cells(ln) for ln in text.split("## Targets")[1].split("\n## ")[0].splitlines()
               if ln.startswith("| ") and not ln.startswith("| scale")]  # fmt: skip
    records = []
    for sec in re.split(r"^## Scale ", text, flags=re.M)[1:]:
        scale = re.match(r"`([^`]+)`", sec)[1]
        head, *subs = re.split(r"^### ", sec, flags=re.M)
        paras = [p.strip() for p in head.split("\n\n")[1:] if p.strip()]
        meas = next(p for p in paras if p.startswith("Measured "))
        mm = re.match(r"Measured (\S+) at git `([^`]+)` with `([^`]+)` \((\d+) reps", meas)
        paras = [
            re.sub(r";? see bench/\w+\.py( for what each part measures)?", "", p) for p in paras
        ]
        lead = [p for p in paras if p != meas and not p.startswith("_Kept")]
        for i, sub in enumerate(subs):
            title, body = sub.split("\n", 1)
            rows = [ln for ln in body.splitlines() if ln.startswith("|")]
            notes = [p.strip() for p in re.sub(r"^\|.*\n?", "", body, flags=re.M).split("\n\n")]
            rec = {"scale": scale, "part": part_of(scale, title), "title": title.strip(),
                   "columns": cells(rows[0]) if rows else [], "rows": [[num(c) for c in cells(r)]
                                                       for r in rows[2:]],
                   "notes": (lead if i == 0 else []) + [n for n in notes if n],
                   "targets": [], "date": mm[1], "commit": mm[2], "machine": box,
                   "command": mm[3], "reps": int(mm[4])}  # fmt: skip
            records.append(rec)
    verdicts = {"met": True, "**met**": True, "**not met**": False, "—": None}
    for scale, what, measured, target, verdict in targets:
        part = part_of(scale, what)
        rec = next(r for r in records if r["scale"] == scale and r["part"] == part)
        rec["targets"].append([what, measured, target, verdicts[verdict]])
    return records


def from_json(scale: str, raw: dict, make) -> list:
    out = []
    for key, value in raw.items():
        for rec in make(key, value):
            out.append({**rec, "date": value.get("measured"), "commit": None, "machine": None,
                        "command": None, "reps": None})  # fmt: skip
    return out


if __name__ == "__main__":
    recs = from_results_md((BENCH / "RESULTS.md").read_text())
    recs += from_json("batches", json.loads((BENCH / "batches.json").read_text()),
                      jobs.batches_records)  # fmt: skip
    recs += from_json("nightly", json.loads((BENCH / "nightly.json").read_text()),
                      jobs.nightly_records)  # fmt: skip
    out = Path(sys.argv[1] if len(sys.argv) > 1 else BENCH / "results.json")
    out.write_text(json.dumps(recs, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(recs)} records -> {out}")
