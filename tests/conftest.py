"""Fixtures and hooks only; what the tests share otherwise is in support/.

Two tiers. A plain ``pytest`` is the fast tier: every unit and property test, with real files
and real HTTP on 127.0.0.1, but no whole workflow run. ``pytest --full`` adds the tests marked
``workflow``, ``slurm``, ``storage`` or ``root`` (real Snakemake runs, the SLURM cluster, the S3
server, root mounts): README command 2, and CI, run it. A ``-m`` expression picks tests by
marker in either tier (``pytest -m "not slurm and not root"``: everything that needs no root).

``pytest --full -n 3`` (README command 2) runs the full suite in three pytest-xdist workers with
``--dist loadgroup`` (pyproject.toml): a test file stays on one worker, so its module-scoped
runs are made once; the SLURM tests are one group (one cluster, one queue) and the S3 tests
another (one SeaweedFS per worker, on ports no other worker picks: support/seaweed.py). Most of
the suite waits on Snakemake, SLURM's status queries and S3, so three workers share two cores
well (docs/development.md has the times).
"""

import os
import threading
from pathlib import Path

import pytest
from support.faultkit import FaultLedger, fault_table
from support.quoteserver import QuoteServer
from support.workflow import FAST_TIER_ENV

FULL_ONLY = ("workflow", "slurm", "storage", "root")
_LEFT_OUT = pytest.StashKey[int]()


def pytest_addoption(parser):
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="run the full suite: also the tests marked workflow, slurm, storage or root "
        "(real Snakemake runs, SLURM, S3, root mounts); README command 2 and CI run it",
    )


def pytest_collection_modifyitems(config, items):
    """The fast tier: without --full (or a -m expression), leave out the full suite's tests."""
    os.environ.pop(FAST_TIER_ENV, None)
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    if config.getoption("--full") or config.getoption("markexpr"):
        return
    os.environ[FAST_TIER_ENV] = "1"  # support/ refuses to start the workflow: a missing marker
    keep, left = [], []
    for item in items:
        full_only = any(item.get_closest_marker(name) for name in FULL_ONLY)
        (left if full_only else keep).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = keep
    config.stash[_LEFT_OUT] = len(left)


def _group(item) -> str:
    """The pytest-xdist group of a test: its file, or the service it needs."""
    for marker in ("slurm", "storage"):
        if item.get_closest_marker(marker):
            return marker
    return item.nodeid.split("::")[0]


@pytest.fixture
def http_server():
    server = QuoteServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- object storage (tests/storage): one real S3 server, SeaweedFS, for the session ----------------


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    from support.seaweed import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    server.start()
    server.make_bucket()
    yield server
    server.stop()


# --- the fault suite's figures (tests/faults) ----------------------------------------------------
# Each fault test records what it measured, before asserting it; the session prints one row per
# fault class. STOCKFLOW_FAULT_TABLE=path also writes that table as Markdown (the README's table).

FAULT_TABLE_ENV = "STOCKFLOW_FAULT_TABLE"
_FAULTS = pytest.StashKey[list]()


@pytest.fixture
def fault_ledger(request) -> FaultLedger:
    return FaultLedger(request.config.stash.setdefault(_FAULTS, []))


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands its fault rows to the main process (pytest_testnodedown)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["faults"] = [list(row) for row in session.config.stash.get(_FAULTS, [])]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    rows = getattr(node, "workeroutput", {}).get("faults", [])
    node.config.stash.setdefault(_FAULTS, []).extend(tuple(row) for row in rows)


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"fast tier: {left_out} tests of the full suite left out (marked "
            f"{'/'.join(FULL_ONLY)}: real Snakemake runs, SLURM, S3, root mounts); "
            "run everything with: pytest --full",
            yellow=True,
        )
    rows = config.stash.get(_FAULTS, [])
    if not rows:
        return
    table = fault_table(rows)
    terminalreporter.write_sep("=", "fault suite figures")
    terminalreporter.write(table)
    for fault_class, case, outcome, lost, corrupt in rows:
        terminalreporter.write_line(
            f"  {fault_class} / {case}: {outcome} (lost {lost}, corrupt {corrupt})"
        )
    out = os.environ.get(FAULT_TABLE_ENV)
    if out:
        Path(out).write_text(table)
