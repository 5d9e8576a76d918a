"""Hostile config: names that are paths or shell, URLs that are not http(s), keys that try to
move outputs. Each is refused before any job runs, nothing is written outside the working
directory, and no shell command is injected."""

import urllib.parse

import pytest
import yaml
from support.faultkit import data_targets
from support.workflow import jobs_run, snakemake, write_config

pytestmark = pytest.mark.workflow

PWNED = "PWNED"  # the file every injection attempt tries to create (in the sandbox or /tmp)


def tree(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def sandbox(tmp_path):
    """A working directory inside a sandbox whose every other file is watched."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("must not change")
    work = tmp_path / "work"
    work.mkdir()
    return tmp_path, work


def injected(sandbox_root) -> list[str]:
    from pathlib import Path

    hits = [p for p in sandbox_root.rglob(f"*{PWNED}*")]
    hits += list(Path("/tmp").glob(f"{PWNED}*"))
    return [str(p) for p in hits]


TICKERS = [
    "a/b",
    "../outside/x",
    "..",
    "/tmp/abs",
    "a b",
    f"a;touch {PWNED}",
    f"$(touch {PWNED})",
    f"`touch {PWNED}`",
    f"a|touch {PWNED}",
    f"a'&&touch {PWNED}&&'",
    "-rf",
    "a\nb",
    "",
    "x" * 40,
    "ａａｐｌ",  # fullwidth letters: look like aapl, are not ASCII
]
URLS = [
    "file:///etc/{ticker}",
    "ftp://127.0.0.1/{ticker}.csv",
    "gopher://127.0.0.1/{ticker}",
    "data:text/csv,date,open",
    "javascript:alert(1)//{ticker}",
    "//127.0.0.1/{ticker}",
    "http://127.0.0.1/a b/{ticker}",
]
KEYS = [
    {"results": "/tmp/elsewhere"},
    {"outdir": "../outside"},
    {"hdf5": {"path": "/tmp/elsewhere/{ticker}.h5"}},
    {"synth": {"out": "../outside/x.json"}},
    {"source": {"path": "../outside/keep.txt"}},  # a path template must contain {ticker}
]
PROVIDER = [
    ({"provider": "eodhd", "key_env": f"$(touch {PWNED})"}, "key_env"),
    ({"provider": "eodhd", "key_env": "A B"}, "key_env"),
    ({"provider": "alpaca", "key_env": ["ID", "SECRET", f"`touch {PWNED}`"]}, "key_env"),
    ({"provider": "eodhd", "base_url": "file:///etc/passwd"}, "base_url"),
    ({"provider": "eodhd", "base_url": f"http://x/$(touch {PWNED})/ a"}, "base_url"),
    ({"provider": "eodhd", "rate_dir": f"/tmp/{PWNED};rm"}, "rate_dir"),
    ({"provider": "nosuch"}, "provider"),
    ({"provider": "eodhd", "start": "yesterday"}, "start"),
]
CASES = (
    [("ticker", {"tickers": ["aapl", t]}, "tickers") for t in TICKERS]
    + [("provider", {"tickers": ["aapl"], "source": src}, key) for src, key in PROVIDER]
    + [("url", {"tickers": ["aapl"], "source": {"url": u}}, "url") for u in URLS]
    + [("key", {"tickers": ["aapl"], **k}, None) for k in KEYS]
)


@pytest.mark.parametrize(("kind", "config", "key"), CASES, ids=[repr(c[1])[:60] for c in CASES])
def test_hostile_config_is_refused_before_anything_runs(sandbox, kind, config, key, fault_ledger):
    root, work = sandbox
    (work / "config").mkdir()
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    before = tree(root)
    proc = snakemake(work, check=False)
    new = tree(root) - before
    written = sorted(p for p in new if not p.startswith(("work/.snakemake", "work/config")))
    fault_ledger.record(
        "hostile config",
        f"{kind}: {config}",
        "refused by the schema before any job",
        0,
        len(written) + len(injected(root)),
    )
    assert proc.returncode != 0
    assert "validat" in proc.stderr.lower() or "config" in proc.stderr.lower()
    if key:
        assert key in proc.stderr
    assert jobs_run(proc.stderr) == {}
    assert written == [] and injected(root) == []


# In a sheet, a line is a name: a newline makes two names, a blank line none.
SHEET_NAMES = [t for t in TICKERS if t.strip() and "\n" not in t]


@pytest.mark.parametrize("name", SHEET_NAMES, ids=[repr(t)[:40] for t in SHEET_NAMES])
def test_hostile_names_in_a_ticker_sheet_are_refused_naming_the_line(sandbox, name, fault_ledger):
    root, work = sandbox
    (work / "config").mkdir()
    (work / "config" / "tickers.tsv").write_text(f"ticker\taltname\naapl\tx\n{name}\ty\n")
    (work / "config" / "config.yaml").write_text(yaml.safe_dump({"tickers": "config/tickers.tsv"}))
    before = tree(root)
    proc = snakemake(work, check=False)
    written = sorted(p for p in tree(root) - before if not p.startswith("work/.snakemake"))
    fault_ledger.record(
        "hostile config",
        f"ticker sheet naming {name!r}",
        "refused with the sheet's line before any job",
        0,
        len(written) + len(injected(root)),
    )
    assert proc.returncode != 0
    assert "config/tickers.tsv:3: ticker" in proc.stdout + proc.stderr
    assert jobs_run(proc.stderr) == {}
    assert written == [] and injected(root) == []


def test_hostile_tickers_on_the_command_line_are_refused_too(sandbox, fault_ledger):
    root, work = sandbox
    write_config(work)
    before = tree(root)
    proc = snakemake(work, "--config", f'tickers=["aapl", "$(touch {PWNED})"]', check=False)
    written = sorted(p for p in tree(root) - before if not p.startswith("work/.snakemake"))
    fault_ledger.record(
        "hostile config",
        "ticker with shell code via --config",
        "refused by the schema before any job",
        0,
        len(written) + len(injected(root)),
    )
    assert proc.returncode != 0 and "tickers" in proc.stderr
    assert written == [] and injected(root) == []


def test_shell_characters_in_an_http_url_reach_the_server_literally(
    sandbox, http_server, fault_ledger
):
    """A URL is passed to the download job as one quoted argument: its characters are data."""
    root, work = sandbox
    url = (
        http_server.base + f"/q/{{ticker}}.csv?x=$(touch${{IFS}}{PWNED})&y=`touch${{IFS}}{PWNED}`;"
    )
    write_config(work, tickers=["aapl"], source={"url": url, "retries": 0})
    proc = snakemake(work, *data_targets(["aapl"]), check=False)
    log = (work / "logs/download/aapl.log").read_text()
    seen = [urllib.parse.unquote(p) for p in http_server.requests]
    fault_ledger.record(
        "hostile config",
        "http URL with $(...), backticks and ; in its query",
        "sent to the server verbatim (404 here), no command run",
        0,
        len(injected(root)),
    )
    assert proc.returncode != 0 and "HTTP 404" in log
    assert seen == [f"/q/aapl.csv?x=$(touch${{IFS}}{PWNED})&y=`touch${{IFS}}{PWNED}`;"]
    assert injected(root) == []
    assert not (work / "resources/quotes/aapl.csv").exists()
