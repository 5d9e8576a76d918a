"""What RESULTS.md's Setup table says about the machine and the software measured."""

import importlib.metadata
import os
import platform
from pathlib import Path

from harness import git_revision, now

PACKAGES = ("snakemake", "pandas", "numpy", "pyarrow", "tables")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": now(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "python": platform.python_version(),
        "packages": versions,
        "git": git_revision(),
        "kernel": platform.release(),
    }
