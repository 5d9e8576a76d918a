"""The `market` scale: what grows with the ticker count, measured at 1,000 to 10,000 tickers.

- planning (`snakemake -n`) at 1k/2k/4k/10k tickers, interleaved rep by rep;
- a cold run at 2,000 tickers x 5 days: wall time, jobs per second, Snakemake's peak RSS; it
  runs inside tmux, whose screen is captured every 20 s (what a person watching sees);
- the no-op at 2,000, and a one-ticker source change, in pairs (change / no-op);
- the no-op at 10,000 tickers (its done state reached at `synth.days: 1`, 1,000 tickers' data
  per run, then the summaries);
- on SLURM (when it answers): 29 tickers x 30 days, local vs `--profile profiles/slurm`, in
  pairs, and how many SLURM jobs the run submitted.

Each ticker is a `source.path` symlink to one of the 29 embedded files, listed in a ticker sheet.
"""

import bz2
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import run as harness

PLAN_SIZES = (1000, 2000, 4000, 10000)
COLD_TICKERS, COLD_DAYS = 2000, 5
NOOP_TICKERS, NOOP_DAYS = 10000, 1
NOOP_CHUNK = 1000  # tickers whose data one run of reach_done makes
CLUSTER_DAYS = 30
COLD_REPS = 1  # ~12 min on 2 cores; it runs in tmux, watched as a person would
CAPTURE_EVERY_S = 20
OUTPUTS = ("results", "resources", "logs", "benchmarks", ".snakemake")


def names(n: int) -> dict[str, str]:
    """n ticker names, each reusing one of the embedded sources: {name: source}."""
    from stockflow.sources import embedded_tickers

    sources = embedded_tickers()
    return {f"{sources[i % len(sources)]}{i:05d}": sources[i % len(sources)] for i in range(n)}


def setup(workdir: Path, n: int, days: int) -> list:
    """A work directory of n tickers, each a symlink in its own sources/ (changes stay local)."""
    import yaml

    tickers = names(n)
    sources = harness.link_sources(workdir / "sources", tickers)
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    sheet = workdir / "config" / "tickers.txt"
    text = "".join(f"{t}\n" for t in tickers)
    if not sheet.exists() or sheet.read_text() != text:
        sheet.write_text(text)
    config = {
        "tickers": "config/tickers.txt",
        "source": {"path": f"{sources}/{{ticker}}.csv.bz2", "format": "quantquote"},
        "synth": {"days": days},
    }
    body = "# written by bench/market.py\n" + yaml.safe_dump(config)
    path = workdir / "config" / "config.yaml"
    if not path.exists() or path.read_text() != body:
        path.write_text(body)
    return list(tickers)


def clean(workdir: Path) -> None:
    for name in OUTPUTS:
        shutil.rmtree(workdir / name, ignore_errors=True)


class PeakRSS:
    """Polls the peak resident memory (VmHWM) of one process while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak_mib = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_mib = max(self.peak_mib, int(line.split()[1]) / 1024)
            except OSError:
                return
            self._stop.wait(0.5)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mib


def snakemake(workdir: Path, cores: int, log: Path, *extra: str, env=None) -> dict:
    """One Snakemake run: wall seconds and Snakemake's own peak RSS (not its jobs')."""
    cmd = harness.snakemake_cmd(workdir, cores, *extra)
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = PeakRSS(proc.pid)
        code = proc.wait()
        seconds = time.perf_counter() - t0
    if code:
        raise harness.BenchError(f"exit {code}: {' '.join(cmd)}\n  see {log}")
    return {"seconds": seconds, "peak_mib": peak.stop(), "jobs": harness.job_stats(log)}


def in_tmux(workdir: Path, cores: int, captures: list) -> dict:
    """The run in a tmux window (its output on the terminal, as a person would watch it); the
    screen captured every CAPTURE_EVERY_S seconds. Job counts from Snakemake's own log file."""
    session = f"stockflow-bench-{os.getpid()}"
    done = workdir / ".bench-rc"
    done.unlink(missing_ok=True)
    cmd = " ".join(harness.snakemake_cmd(workdir, cores))
    script = f"{cmd}; echo $? > {done}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", "bash", "-c", script],
        check=True,
    )
    t0 = time.perf_counter()
    next_capture = t0 + CAPTURE_EVERY_S
    peak = None
    try:
        while not done.exists():
            if peak is None:
                pid = snakemake_pid(workdir)
                peak = PeakRSS(pid) if pid else None
            time.sleep(0.2)
            if time.perf_counter() >= next_capture:
                screen = subprocess.run(
                    ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
                ).stdout
                lines = [line for line in screen.splitlines() if line.strip()]
                captures.append({"at_s": round(time.perf_counter() - t0), "last": lines[-3:]})
                next_capture += CAPTURE_EVERY_S
        seconds = time.perf_counter() - t0
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if done.read_text().strip() != "0":
        raise harness.BenchError(f"the run in tmux failed: see {workdir}/.snakemake/log")
    logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    peak_mib = peak.stop() if peak else None
    return {"seconds": seconds, "peak_mib": peak_mib, "jobs": harness.job_stats(logs[-1])}


def snakemake_pid(workdir: Path) -> int | None:
    """The Snakemake process running in ``workdir`` (not the shell that started it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and not argv[0].endswith(b"bash") and str(workdir).encode() in argv:
            if any(a.endswith(b"snakemake") for a in argv):
                return int(entry.name)
    return None


def change_source(sources: Path, ticker: str, n: int) -> None:
    """A new version of one ticker's source: one more trade on its last day (n-th change)."""
    link = sources / f"{ticker}.csv.bz2"
    lines = bz2.decompress(link.read_bytes()).decode().splitlines()
    last = lines[-1].split(",")
    last[-1] = str(int(float(last[-1])) + 1000 * n)
    lines[-1] = ",".join(last)
    link.unlink()
    link.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))


def plan(root: Path, reps: int, cores: int, logs: Path) -> dict:
    out = {str(n): {"seconds": [], "peak_mib": []} for n in PLAN_SIZES}
    for n in PLAN_SIZES:
        setup(root / f"plan{n}", n, COLD_DAYS)
    for rep in range(reps):
        for n in PLAN_SIZES:
            r = snakemake(root / f"plan{n}", cores, logs / f"plan{n}.log", "-n")
            out[str(n)]["seconds"].append(r["seconds"])
            out[str(n)]["peak_mib"].append(r["peak_mib"])
            out[str(n)]["jobs"] = sum(r["jobs"].values())
            harness.progress(f"market: plan {n} tickers ({rep + 1}/{reps}): {r['seconds']:.1f} s")
    return out


def cold_and_changes(root: Path, reps: int, cores: int, logs: Path) -> dict:
    work = root / f"cold{COLD_TICKERS}"
    tickers = setup(work, COLD_TICKERS, COLD_DAYS)
    sources = work / "sources"
    cold, captures = [], []
    runs = min(reps, COLD_REPS)
    for rep in range(runs):
        clean(work)
        os.sync()
        if shutil.which("tmux"):  # on a terminal, as a person would watch it
            r = in_tmux(work, cores, captures if rep == 0 else [])
        else:
            r = snakemake(work, cores, logs / f"cold{COLD_TICKERS}.log")
        cold.append(r)
        harness.progress(f"market: cold {COLD_TICKERS} ({rep + 1}/{runs}): {r['seconds']:.0f} s")
    pairs = []
    for i in range(max(reps, 5)):
        noop = snakemake(work, cores, logs / "noop-cold.log")
        if sum(noop["jobs"].values()):
            raise harness.BenchError(f"the no-op at {COLD_TICKERS} tickers ran jobs: {noop}")
        change_source(sources, tickers[i], i + 1)
        changed = snakemake(work, cores, logs / "change.log")
        pairs.append({"noop_s": noop["seconds"], "change_s": changed["seconds"],
                      "jobs": changed["jobs"], "ticker": tickers[i]})  # fmt: skip
        harness.progress(
            f"market: one-ticker change {i + 1}: {changed['seconds']:.1f} s "
            f"(no-op {noop['seconds']:.1f} s)"
        )
    return {"tickers": COLD_TICKERS, "days": COLD_DAYS, "cold": cold, "pairs": pairs,
            "captures": captures}  # fmt: skip


def reach_done(work: Path, tickers: list, cores: int, logs: Path) -> list:
    """The completed state at NOOP_TICKERS: the data of NOOP_CHUNK tickers at a time (their .h5
    as targets), then one run for the shards, summaries and charts. Every file is made by its
    real job. One cold run would hold all 10,000 downloads ready at once, and Snakemake looks at
    every ready job each time it starts one: ~6 jobs/s here instead of ~12 (bench/README.md)."""
    chunks = []
    for i in range(0, len(tickers), NOOP_CHUNK):
        part = [f"results/hdf5/{t}.h5" for t in tickers[i : i + NOOP_CHUNK]]
        r = snakemake(work, cores, logs / "noop10k-chunk.log", *part)
        chunks.append(r)
        harness.progress(
            f"market: {NOOP_TICKERS} tickers, data of {i + len(part)} done "
            f"({sum(r['jobs'].values()) / r['seconds']:.1f} jobs/s)"
        )
    chunks.append(snakemake(work, cores, logs / "noop10k-final.log"))
    return chunks


def noop_at_scale(root: Path, reps: int, cores: int, logs: Path) -> dict:
    work = root / f"noop{NOOP_TICKERS}"
    tickers = setup(work, NOOP_TICKERS, NOOP_DAYS)
    check = snakemake(work, cores, logs / "noop10k-check.log", "-n")
    cold = None
    if sum(check["jobs"].values()):
        harness.progress(f"market: {NOOP_TICKERS} tickers to a done state, {NOOP_CHUNK} at a time")
        cold = reach_done(work, tickers, cores, logs)
    noop = []
    for rep in range(max(reps, 3)):
        r = snakemake(work, cores, logs / "noop10k.log")
        if sum(r["jobs"].values()):
            raise harness.BenchError(f"the no-op at {NOOP_TICKERS} tickers ran jobs: {r}")
        noop.append(r)
        harness.progress(f"market: no-op {NOOP_TICKERS} ({rep + 1}): {r['seconds']:.1f} s")
    return {"tickers": NOOP_TICKERS, "days": NOOP_DAYS, "chunk": NOOP_CHUNK, "cold": cold,
            "noop": noop}  # fmt: skip


def report_cost(root: Path, reps: int, cores: int, logs: Path) -> dict:
    """The 29 embedded tickers x 365 days, cold: the default target (data, summaries and every
    chart) and the data chain alone (the .h5 files and results/benchmarks.tsv), in pairs."""
    from stockflow.sources import embedded_tickers

    tickers = embedded_tickers()
    data_targets = [f"results/hdf5/{t}.h5" for t in tickers] + ["results/benchmarks.tsv"]
    pairs = []
    for _ in range(reps):
        runs = {}
        for kind, targets in (("default", []), ("data", data_targets)):
            work = root / f"report-{kind}"
            clean(work)
            harness.write_config(work, tickers, 365, None)
            runs[kind] = snakemake(work, cores, logs / f"report-{kind}.log", *targets)["seconds"]
        pairs.append(runs)
        harness.progress(
            f"market: 29 tickers cold, default target {runs['default']:.1f} s, data chain "
            f"{runs['data']:.1f} s"
        )
    return {"tickers": len(tickers), "days": 365, "pairs": pairs}


def slurm_up() -> bool:
    if not shutil.which("sbatch"):
        return False
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True)
    return "UP" in ping.stdout


def cluster(root: Path, reps: int, cores: int, logs: Path) -> dict:
    """29 tickers x 30 days: a local run and a run through profiles/slurm, in pairs."""
    if not slurm_up():
        return {"skipped": "SLURM is not answering (run tests/cluster/setup_slurm.sh as root)"}
    import re

    from stockflow.sources import embedded_tickers

    tickers = embedded_tickers()
    pairs = []
    for _ in range(reps):
        runs = {}
        for kind in ("local", "slurm"):
            work = root / f"cluster-{kind}"
            clean(work)
            harness.write_config(work, tickers, CLUSTER_DAYS, None)
            extra = ("--profile", str(harness.ROOT / "profiles/slurm")) if kind == "slurm" else ()
            log = logs / f"cluster-{kind}.log"
            r = snakemake(work, cores, log, *extra)
            ids = re.findall(r"SLURM jobid (\d+)", log.read_text(errors="replace"))
            runs[kind] = {"seconds": r["seconds"], "slurm_jobs": len(ids)}
        pairs.append(runs)
        harness.progress(
            f"market: 29 tickers local {runs['local']['seconds']:.1f} s, slurm "
            f"{runs['slurm']['seconds']:.1f} s ({runs['slurm']['slurm_jobs']} SLURM jobs)"
        )
    return {"tickers": len(tickers), "days": CLUSTER_DAYS, "pairs": pairs}


PARTS = ("plan", "cold", "noop", "report", "cluster")


def measure(layout, reps: int, cores: int, smoke: int = 0, parts=PARTS, earlier=None) -> dict:
    """``smoke``: a ticker count to check the harness with (sizes smoke and 2x smoke);
    ``parts``: which to measure, the others kept from ``earlier`` (a previous result)."""
    global PLAN_SIZES, COLD_TICKERS, NOOP_TICKERS, NOOP_CHUNK
    if smoke:
        PLAN_SIZES, COLD_TICKERS, NOOP_TICKERS = (smoke, 2 * smoke), smoke, 2 * smoke
        NOOP_CHUNK = smoke
    root, logs = layout.root, layout.logs
    logs.mkdir(parents=True, exist_ok=True)
    steps = {
        "plan": plan,
        "cold": cold_and_changes,
        "noop": noop_at_scale,
        "report": report_cost,
        "cluster": cluster,
    }
    out = dict(earlier or {})
    for part in parts:
        out[part] = steps[part](root, reps, cores, logs)
    return out


def complete(m: dict) -> bool:
    """Every part measured (now or in an earlier run): RESULTS.md can be written."""
    return all(p in m for p in PARTS)


# --- RESULTS.md --------------------------------------------------------------------------------


def _med(xs) -> float:
    import statistics

    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def figures(m: dict) -> dict:
    """The numbers the targets and the README quote."""
    plan = m["plan"]
    per = {n: _med(v["seconds"]) / int(n) for n, v in plan.items()}
    # per-ticker cost at the largest size over that at the smallest, rep by rep (interleaved)
    sizes = sorted(int(n) for n in plan)
    lo, hi = plan[str(sizes[0])]["seconds"], plan[str(sizes[-1])]["seconds"]
    growth = _med((b / sizes[-1]) / (a / sizes[0]) for a, b in zip(lo, hi, strict=False))
    cold = m["cold"]
    pairs = cold["pairs"]
    out = {
        "plan_sizes": sizes,
        "plan_s": {n: _med(v["seconds"]) for n, v in plan.items()},
        "plan_per_ticker_ms": {n: 1000 * x for n, x in per.items()},
        "plan_growth": growth,
        "cold_s": _med(r["seconds"] for r in cold["cold"]),
        "cold_jobs": sum(cold["cold"][0]["jobs"].values()),
        "cold_peak_mib": _med(r["peak_mib"] for r in cold["cold"]),
        "noop_2k_s": _med(p["noop_s"] for p in pairs),
        "change_s": _med(p["change_s"] for p in pairs),
        "change_ratio": _med(p["change_s"] / p["noop_s"] for p in pairs),
        "noop_10k_s": _med(r["seconds"] for r in m["noop"]["noop"]),
        "noop_10k_peak_mib": _med(r["peak_mib"] for r in m["noop"]["noop"]),
    }
    out["cold_jobs_per_s"] = out["cold_jobs"] / out["cold_s"]
    rp = m["report"]["pairs"]
    out["report_default_s"] = _med(p["default"] for p in rp)
    out["report_data_s"] = _med(p["data"] for p in rp)
    out["report_ratio"] = _med(p["default"] / p["data"] for p in rp)
    c = m["cluster"]
    if "pairs" in c:
        out["cluster_local_s"] = _med(p["local"]["seconds"] for p in c["pairs"])
        out["cluster_slurm_s"] = _med(p["slurm"]["seconds"] for p in c["pairs"])
        out["cluster_ratio"] = _med(
            p["slurm"]["seconds"] / p["local"]["seconds"] for p in c["pairs"]
        )
        out["cluster_jobs"] = max(p["slurm"]["slurm_jobs"] for p in c["pairs"])
    return out


def targets(m: dict) -> list[list[str]]:
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


def section(m: dict, cores: int) -> list[str]:
    f = figures(m)
    plan = m["plan"]
    out = ["### Planning: `snakemake -n --cores 2`, each size interleaved rep by rep", ""]
    out += ["| tickers | jobs | median s | min s | max s | ms per ticker | Snakemake peak MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, v in plan.items():
        s = v["seconds"]
        out.append(
            f"| {int(n):,} | {v.get('jobs', 0):,} | {_med(s):.1f} | {min(s):.1f} | {max(s):.1f} "
            f"| {f['plan_per_ticker_ms'][n]:.2f} | {_med(v['peak_mib']):.0f} |"
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
        f"| {len(secs)} | {_med(secs):.0f} | {min(secs):.0f} | {max(secs):.0f} | "
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
