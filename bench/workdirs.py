"""Snakemake working directories for the measurements: their config, their ticker sources (each
a symlink to one of the embedded files), and the outputs cleared between cold runs."""

import bz2
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness import BenchError

FULL_SCALE_FREE_BYTES = 20 * 10**9
OUTPUTS = ("results", "resources", "logs", "benchmarks", ".snakemake")


@dataclass
class Layout:
    """Where one scale's files live under --workdir."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def cold(self) -> Path:
        return self.root / "cold"


def write_config(workdir: Path, tickers: list[str], days: int, source_dir: Path | None) -> None:
    import yaml

    config = {"tickers": tickers, "synth": {"days": days}}
    if source_dir is not None:
        config["source"] = {"path": f"{source_dir}/{{ticker}}.csv.bz2", "format": "quantquote"}
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    # The header as it was when run.py wrote it: existing work directories keep their config.
    text = "# written by bench/run.py\n" + yaml.safe_dump(config, default_flow_style=None)
    path = workdir / "config" / "config.yaml"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def link_sources(directory: Path, names: dict[str, str]) -> Path:
    """{name}.csv.bz2 -> the embedded table_{source}.csv.bz2, for source.path."""
    from stockflow.sources.origins import embedded_dir

    directory.mkdir(parents=True, exist_ok=True)
    for name, src in names.items():
        link = directory / f"{name}.csv.bz2"
        target = embedded_dir() / f"table_{src}.csv.bz2"
        if not link.is_symlink() or os.readlink(link) != str(target):
            link.unlink(missing_ok=True)
            link.symlink_to(target)
    return directory


def sheet_names(n: int) -> dict[str, str]:
    """n ticker names, each reusing one of the embedded sources: {name: source}."""
    from stockflow.sources.origins import embedded_tickers

    sources = embedded_tickers()
    return {f"{sources[i % len(sources)]}{i:05d}": sources[i % len(sources)] for i in range(n)}


def setup_sheet(workdir: Path, n: int, days: int) -> list:
    """A work directory of n tickers listed in a ticker sheet, each a symlink in its own
    sources/ (so a changed source stays local to it)."""
    import yaml

    tickers = sheet_names(n)
    sources = link_sources(workdir / "sources", tickers)
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    sheet = workdir / "config" / "tickers.txt"
    text = "".join(f"{t}\n" for t in tickers)
    if not sheet.exists() or sheet.read_text() != text:
        sheet.write_text(text)
    config = {
        "tickers": "config/tickers.txt",
        "source": {"path": f"{sources}/{{ticker}}.csv.bz2", "format": "quantquote"},
        "synth": {"days": days},
    }
    # The header as it was when market.py wrote it: existing work directories keep their config.
    body = "# written by bench/market.py\n" + yaml.safe_dump(config)
    path = workdir / "config" / "config.yaml"
    if not path.exists() or path.read_text() != body:
        path.write_text(body)
    return list(tickers)


def clean(workdir: Path) -> None:
    """Everything a run wrote, so the next one starts cold (config and sources stay)."""
    for name in OUTPUTS:
        shutil.rmtree(workdir / name, ignore_errors=True)


def cold_embedded(workdir: Path, tickers: list[str], days: int) -> None:
    """A work directory of the embedded tickers with nothing run in it yet."""
    clean(workdir)
    write_config(workdir, tickers, days, None)


def change_source(sources: Path, ticker: str, n: int) -> None:
    """A new version of one ticker's source: one more trade on its last day (n-th change)."""
    link = sources / f"{ticker}.csv.bz2"
    lines = bz2.decompress(link.read_bytes()).decode().splitlines()
    last = lines[-1].split(",")
    last[-1] = str(int(float(last[-1])) + 1000 * n)
    lines[-1] = ",".join(last)
    link.unlink()
    link.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))


def check_disk(path: Path, reuse: Path) -> None:
    """The full scale writes ~6.5 GB of JSON plus one set of outputs at a time."""
    path.mkdir(parents=True, exist_ok=True)
    have = sum(f.stat().st_size for f in reuse.glob("*.json")) if reuse.is_dir() else 0
    free = shutil.disk_usage(path).free
    if free + have < FULL_SCALE_FREE_BYTES:
        raise BenchError(
            f"the full scale needs >= {FULL_SCALE_FREE_BYTES / 1e9:.0f} GB free under {path}; "
            f"there are {free / 1e9:.1f} GB free (+{have / 1e9:.1f} GB of its JSON already "
            "there). Free some space or pass --workdir on a bigger disk."
        )
