"""Running the download stage, and whole Snakemake runs, against a fake provider."""

import datetime as dt
import importlib
import os
import subprocess
import sys
import threading
import time

from stockflow import cli, download
from stockflow.runlog import joblog
from stockflow.sources import http

from support.fakekit import KEY, serving
from support.workflow import SNAKEFILE, not_in_fast_tier

START, END = dt.date(2024, 1, 2), dt.date(2024, 3, 28)
FAST = ["--retries", "2", "--backoff", "0", "--connect-timeout", "2", "--read-timeout", "5"]


def fetch(fake, tickers, tmp_path, capsys, monkeypatch, *extra, env=None):
    """Download each ticker from ``fake`` on a loopback server: {ticker: (code, stderr)}."""
    for name, value in (env if env is not None else fake.env).items():
        monkeypatch.setenv(name, value)
    results = {}
    with serving(fake) as server:
        for ticker in tickers:
            args = [ticker, str(tmp_path / f"{ticker}.csv"), "--provider", fake.name]
            args += ["--key-env", *fake.env, "--base-url", server.base]
            args += ["--start", START.isoformat(), "--end", END.isoformat(), *FAST]
            args += ["--rate-dir", str(tmp_path / "ratelimit"), "--max-throttle-wait", "0"]
            args += [str(a) for a in extra]
            code = cli.run(download.main, args)
            results[ticker] = (code, capsys.readouterr().err)
        seen = list(server.seen)
    return results, seen


# as download's defaults, without retries: a test sees each answer
BULK_OPTS = http.Options(
    connect_timeout=2, read_timeout=5, retries=0, backoff=0, max_bytes=50_000_000
)


def bulk_answer(adapter, fake, day: dt.date, keys=(KEY,), **first):
    """One request of ``adapter``'s bulk endpoint for ``day`` to ``fake`` on a loopback server,
    sent as providers.fetch sends a request: (request, response, what the fake saw)."""
    with serving(fake) as server:
        request = adapter.bulk.first(day, list(keys), server.base, **first)
        response = http.get(
            request.url,
            BULK_OPTS,
            f"{adapter.title} {day} ({request.display()})",
            params=request.params,
            headers=request.headers,
            any_status=True,
        )
        seen = list(server.seen)
    return request, response, seen


def fake_of(name: str, **knobs):
    """The loopback fake of provider ``name`` (support/fake_<name>.py)."""
    return importlib.import_module(f"support.fake_{name}").Fake(**knobs)


def config_for(name: str, base: str, tickers: list[str], **source) -> dict:
    """A small run's config through provider ``name`` served at ``base``."""
    return {
        "tickers": tickers,
        "synth": {"days": 5},
        "source": {
            "provider": name,
            "base_url": base,
            "start": START.isoformat(),
            "end": END.isoformat(),
            "retries": 2,
            "backoff": 0,
            "max_throttle_wait": 0,
            "connect_timeout": 2,
            "read_timeout": 5,
            # the free tiers' budgets (Tiingo: 50 an hour) would make the test wait
            "requests_per_minute": 6000,
            **source,
        },
    }


def run(workdir, env: dict, *args: str) -> subprocess.CompletedProcess:
    """A real Snakemake run with ``env`` (a provider's key variables) in its environment."""
    not_in_fast_tier()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir)]
    cmd += ["--cores", "2", *args]
    full_env = {k: v for k, v in os.environ.items() if k not in env}
    full_env.update(env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=full_env)


def files_holding(root, *secrets: str) -> list[str]:
    """Every file under ``root`` (hidden ones and .snakemake/ included) holding a secret."""
    needles = [s.encode() for s in secrets]
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if any(n in data for n in needles):
                hits.append(os.path.relpath(path, root))
    return hits


class Slow:
    """Wraps a fake: each answer takes a while; counts the requests in flight at once."""

    def __init__(self, fake, seconds: float):
        self.fake, self.seconds = fake, seconds
        self.name, self.env = fake.name, fake.env
        self.lock = threading.Lock()
        self.now = self.most = 0

    def respond(self, seen, server):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.seconds)
            return self.fake.respond(seen, server)
        finally:
            with self.lock:
                self.now -= 1


def stage_results(workdir, stage) -> dict:
    """Each ticker's result line (stockflow.runlog.joblog) in the stage's logs, per-ticker or batched."""
    found = {}
    for log in (workdir / "logs" / stage).glob("*.log"):
        if log.name.startswith("batch-"):
            found.update(joblog.read_all(str(log)))
        else:
            found[log.stem] = joblog.read(str(log))
    return found
