"""The workflow stays lint-clean and formatted (the same checks .ci/run makes)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.workflow import REPO

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; pip install -e '.[dev]'")
    return found


def check(*cmd: str) -> None:
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def test_snakemake_lint_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_snakefmt():
    check(tool("snakefmt"), "--check", ".")


def test_ruff():
    check(tool("ruff"), "check", "workflow", "tests", "bench")
    check(tool("ruff"), "format", "--check", "workflow", "tests", "bench")
