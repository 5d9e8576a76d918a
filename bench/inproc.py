"""stockflow's own code in one process, no Snakemake (a child of the harness; bench/README.md).

python bench/inproc.py convert --threads N OUTDIR FILE.json...   # seconds per file
python bench/inproc.py pool WORKDIR OUTDIR                        # the work alone, 2 processes
"""

import importlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from stockflow import cli, defaults  # noqa: E402
from stockflow.config import stageargs, tickers  # noqa: E402
from stockflow.registry import HDF5, JSONL, QUOTES  # noqa: E402


def convert(outdir: str, files: list[str], threads: int) -> int:
    import pandas  # noqa: F401  (every import before the clock starts)
    import pyarrow.json  # noqa: F401
    import stockflow.convert
    import tables  # noqa: F401

    os.makedirs(outdir, exist_ok=True)
    seconds = {}
    for src in files:
        out = os.path.join(outdir, os.path.basename(src)[: -len(".json")] + ".h5")
        t0 = time.perf_counter()
        stockflow.convert.convert_file(src, out, threads=threads)
        seconds[src] = time.perf_counter() - t0
    json.dump({"per_file_s": seconds}, sys.stdout)
    return 0


def config_of(workdir: Path) -> dict:
    """The work directory's config with the workflow's defaults filled in."""
    given = yaml.safe_load((workdir / "config" / "config.yaml").read_text()) or {}
    cfg = {}
    for key, value in defaults.CONFIG.items():
        mine = given.get(key)
        cfg[key] = {**value, **(mine or {})} if isinstance(value, dict) else given.get(key, value)
    cfg["tickers"] = given["tickers"]
    return cfg


def commands(cfg: dict, names: list[str], out: Path) -> list[list[tuple[str, list[str]]]]:
    """Per stage, (module, argv) of every ticker, paths under ``out``."""

    def at(template: str, t: str) -> str:
        return str(out / template.format(ticker=t))

    dl, syn, conv = stageargs.download(cfg), stageargs.synthesize(cfg), stageargs.convert(cfg)
    c = cfg["convert"]
    extra = ["--threads", str(c["threads"]), "--memory-mb", str(c["memory_mb"])]
    return [
        [("download", [t, at(QUOTES, t), *dl]) for t in names],
        [("synthesize", [t, at(QUOTES, t), at(JSONL, t), *syn]) for t in names],
        [("convert", [at(JSONL, t), at(HDF5, t), *conv, *extra]) for t in names],
    ]


def _quiet(log: str) -> None:
    os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), 2)


def _call(job: tuple[str, list[str]]) -> int:  # (module, argv)
    return cli.run(importlib.import_module(f"stockflow.{job[0]}").main, job[1])


def pool(workdir: str, outdir: str) -> int:
    """Every ticker of WORKDIR's config, stage by stage, each call the stage's ``main`` with its
    job's arguments (stockflow.config.stageargs), in one pool of 2 processes."""
    out = Path(outdir).resolve()
    os.chdir(workdir)  # relative source paths in the config are the work directory's
    cfg = config_of(Path("."))
    names = tickers.load(cfg["tickers"])
    for template in (QUOTES, JSONL, HDF5):
        (out / os.path.dirname(template)).mkdir(parents=True, exist_ok=True)
    log, failed = str(out / "pool.log"), 0
    with ProcessPoolExecutor(2, initializer=_quiet, initargs=(log,)) as workers:
        for stage in commands(cfg, names, out):
            failed += sum(workers.map(_call, stage, chunksize=8))
    print(f"{len(names)} tickers, {failed} failed calls (their errors: {log})", file=sys.stderr)
    return 1 if failed else 0


def main(cmd: str, *argv: str) -> int:  # the usage above
    return pool(*argv) if cmd == "pool" else convert(argv[2], list(argv[3:]), int(argv[1]))


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
