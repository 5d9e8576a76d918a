"""How Snakemake jobs find the stage CLIs (imported by the Snakefile, stdlib only)."""

import os
import shlex
import sys
from pathlib import Path

PKG_ROOT = str(Path(__file__).resolve().parents[2])  # workflow/, the dir holding stockflow/


def shell_prefix() -> str:
    """Prepare the environment for jobs and return the prefix for every shell command.

    Jobs run plain ``python``: the interpreter that runs Snakemake (e.g. the project's venv) is
    put first on PATH, and a conda or apptainer deployment puts its own first inside the job.
    PYTHONPATH is exported inside the command itself because Snakemake strips it from the
    environment of conda jobs, whose envs hold only the dependencies.
    """
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    root = shlex.quote(PKG_ROOT).replace("{", "{{").replace("}", "}}")  # shell() formats it
    return f"set -euo pipefail; export PYTHONPATH={root}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; "
