"""The work alone: a work directory's stage commands in one process pool, no Snakemake.

    python bench/pool.py WORKDIR OUTDIR [--processes 2]

Every ticker of WORKDIR's config goes through download, synthesize and convert, stage by
stage, each call the stage's own ``main(argv)`` with the arguments its per-ticker job gets
(stockflow.config.stageargs on the config, defaults filled in), in a pool of worker processes that
import the libraries once. What a workflow run is compared with: its ratio to this is what
Snakemake and one process per job cost on top of the work. Outputs go under OUTDIR.
"""

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from stockflow import cli, defaults  # noqa: E402
from stockflow.config import (
    stageargs,  # noqa: E402
    tickers,  # noqa: E402
)
from stockflow.registry import HDF5, JSONL, QUOTES  # noqa: E402


def config_of(workdir: Path) -> dict:
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
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)


def _call(job: tuple[str, list[str]]) -> int:
    import importlib

    module, argv = job
    return cli.run(importlib.import_module(f"stockflow.{module}").main, argv)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("workdir", type=Path)
    p.add_argument("outdir", type=Path)
    p.add_argument("--processes", type=int, default=2)
    a = p.parse_args(argv)
    os.chdir(a.workdir)  # relative source paths in the config are the work directory's
    cfg = config_of(Path("."))
    names = tickers.load(cfg["tickers"])
    for template in (QUOTES, JSONL, HDF5):
        (a.outdir / os.path.dirname(template)).mkdir(parents=True, exist_ok=True)
    log = str(a.outdir / "pool.log")
    failed = 0
    with ProcessPoolExecutor(a.processes, initializer=_quiet, initargs=(log,)) as pool:
        for stage in commands(cfg, names, a.outdir):
            failed += sum(pool.map(_call, stage, chunksize=8))
    print(f"{len(names)} tickers, {failed} failed calls (their errors: {log})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
