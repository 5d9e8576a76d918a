"""Hostile config: names that are paths or shell, URLs that are not http(s), keys that try to
move outputs. Each is refused before any job runs, nothing is written outside the working
directory, and no shell command is injected."""

import urllib.parse

import pytest
import yaml
from support.faultkit import data_targets
from support.workflow import jobs_run, snakemake, snakemake_each, write_config

pytestmark = pytest.mark.workflow

PWNED = "PWNED"  # the file every injection attempt tries to create (in the sandbox or /tmp)


def tree(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def make_sandbox(root):
    """A working directory inside a sandbox whose every other file is watched."""
    (root / "outside").mkdir(parents=True)
    (root / "outside" / "keep.txt").write_text("must not change")
    work = root / "work"
    work.mkdir()
    return root, work


@pytest.fixture
def sandbox(tmp_path):
    return make_sandbox(tmp_path)


def refused_runs(tmp_path_factory, name, configs: dict) -> dict:
    """Snakemake once per hostile config, each in a sandbox of its own, several at once (each
    is refused in a second or two, mostly Snakemake starting): {case: (sandbox, files it
    wrote, the run)}. ``configs``: {case: {file under config/: text}}."""
    setups = {}
    for i, (case, files) in enumerate(configs.items()):
        root, work = make_sandbox(tmp_path_factory.mktemp(f"{name}{i}"))
        (work / "config").mkdir()
        for file, text in files.items():
            (work / "config" / file).write_text(text)
        setups[case] = (root, work, tree(root))

    runs = snakemake_each([work for _, work, _ in setups.values()])
    return {
        case: ((root, work), tree(root) - before, proc)
        for (case, (root, work, before)), proc in zip(setups.items(), runs, strict=True)
    }


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


@pytest.fixture(scope="module")
def hostile_config_runs(tmp_path_factory):
    configs = {
        i: {"config.yaml": yaml.safe_dump(c[1], allow_unicode=True)} for i, c in enumerate(CASES)
    }
    return refused_runs(tmp_path_factory, "hostile", configs)


@pytest.mark.parametrize(
    ("case", "kind", "config", "key"),
    [(i, *c) for i, c in enumerate(CASES)],
    ids=[repr(c[1])[:60] for c in CASES],
)
def test_hostile_config_is_refused_before_anything_runs(
    hostile_config_runs, case, kind, config, key, fault_ledger
):
    (root, work), new, proc = hostile_config_runs[case]
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


@pytest.fixture(scope="module")
def hostile_sheet_runs(tmp_path_factory):
    sheet = yaml.safe_dump({"tickers": "config/tickers.tsv"})
    configs = {
        name: {"tickers.tsv": f"ticker\taltname\naapl\tx\n{name}\ty\n", "config.yaml": sheet}
        for name in SHEET_NAMES
    }
    return refused_runs(tmp_path_factory, "sheet", configs)


@pytest.mark.parametrize("name", SHEET_NAMES, ids=[repr(t)[:40] for t in SHEET_NAMES])
def test_hostile_names_in_a_ticker_sheet_are_refused_naming_the_line(
    hostile_sheet_runs, name, fault_ledger
):
    (root, work), new, proc = hostile_sheet_runs[name]
    written = sorted(p for p in new if not p.startswith("work/.snakemake"))
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
