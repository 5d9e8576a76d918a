"""Shared fixtures: real Snakemake runs in temp dirs, a real HTTP server on 127.0.0.1."""

import http.server
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"


def write_config(workdir: Path, **overrides) -> Path:
    """config/config.yaml in ``workdir``: a small run (few days) unless overridden."""
    cfg = {"tickers": ["aapl", "ibm"], "synth": {"days": 5}}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path = workdir / "config" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg))
    return path


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(SNAKEFILE),
        "-d",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


_JOB = re.compile(r"^(?:local)?rule (\w+):$")
_WILDCARDS = re.compile(r"^\s+wildcards: ticker=(\S+)$")


def jobs_run(output: str) -> Counter:
    """(rule, ticker) of every job Snakemake started, read from its log output."""
    ran: Counter = Counter()
    rule = None
    for line in output.splitlines():
        m = _JOB.match(line)
        if m:
            if rule:
                ran[(rule, None)] += 1
            rule = m.group(1)
            continue
        if rule and not line.startswith(" "):
            ran[(rule, None)] += 1
            rule = None
        elif rule:
            w = _WILDCARDS.match(line)
            if w:
                ran[(rule, w.group(1))] += 1
                rule = None
    if rule:
        ran[(rule, None)] += 1
    return ran


def rules_run(output: str) -> Counter:
    return Counter(rule for rule, _ in jobs_run(output).elements())


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (stdlib name)
        server = self.server
        server.requests.append(self.path)
        route = server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        if callable(route):
            route(self)
            return
        status, headers, body = route
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuoteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict = {}
        self.requests: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def serve(self, path: str, body: bytes, status: int = 200, headers: dict | None = None):
        self.routes[path] = (status, headers or {"Content-Type": "text/csv"}, body)


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
    from seaweed import SeaweedS3

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


class FaultLedger:
    def __init__(self, rows: list):
        self._rows = rows

    def record(self, fault_class: str, case: str, outcome: str, data_lost: int, corrupt: int):
        """One injected fault: what happened, outputs lost, corrupt outputs taken as done."""
        self._rows.append((fault_class, case, outcome, data_lost, corrupt))


@pytest.fixture
def fault_ledger(request) -> FaultLedger:
    return FaultLedger(request.config.stash.setdefault(_FAULTS, []))


def fault_table(rows: list) -> str:
    classes: dict[str, list] = {}
    for row in rows:
        classes.setdefault(row[0], []).append(row)
    lines = [
        "| fault class | cases tried | outcome | data lost | corrupt outputs accepted |",
        "|---|---:|---|---:|---:|",
    ]
    for name, group in classes.items():
        outcomes = "; ".join(dict.fromkeys(r[2] for r in group))
        lost = sum(r[3] for r in group)
        corrupt = sum(r[4] for r in group)
        lines.append(f"| {name} | {len(group)} | {outcomes} | {lost} | {corrupt} |")
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter, config):
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
