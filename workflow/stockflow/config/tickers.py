"""The run's tickers: a list in the config or a ticker sheet, validated; the charted sample.

A sheet is a text file with one name per line, or a TSV whose header has a ``ticker`` column
(the sample-sheet idiom of the model Snakemake workflows); blank lines and ``#`` comments are
skipped. Every name must match NAME: it becomes file names, so no paths, spaces or shell
characters. Stdlib only: the Snakefile imports it.
"""

import hashlib
import re
from pathlib import Path

from stockflow import StockflowError

# Also the schema's pattern for list items (tests/test_tickers.py holds them equal). No "/",
# no leading "." (temporaries are dotfiles), no "..": a name can never be a path.
NAME = r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
_NAME = re.compile(NAME)
# The ticker wildcard's constraint: a pattern, not the list of names (Snakemake substitutes the
# constraint at every wildcard application, and a regex of N alternatives made planning grow
# faster than N). No "/" and no leading ".": it never matches a path or a temporary; a name
# that matches but is not configured is refused by the rules' input functions.
WILDCARD = r"[A-Za-z0-9][A-Za-z0-9._-]*"
EXPECTED = "letters, digits, '.', '_' or '-', at most 32 characters, no '..', not starting with '.'"


def check_name(name, where: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise StockflowError(f"{where}: ticker {name!r} is not a valid name ({EXPECTED})")
    return name


def from_list(names: list) -> list[str]:
    return _unique([(check_name(n, f"tickers[{i}]"), f"tickers[{i}]") for i, n in enumerate(names)])


def from_sheet(path: str | Path) -> list[str]:
    """The tickers of a sheet, in file order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StockflowError(f"tickers: ticker sheet {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise StockflowError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    rows = [
        (no, line.rstrip("\r"))
        for no, line in enumerate(text.split("\n"), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows:
        raise StockflowError(f"{path}: the ticker sheet lists no tickers")
    column = None
    header_no, header = rows[0]
    if "\t" in header or header.strip() == "ticker":
        names = [h.strip() for h in header.split("\t")]
        if "ticker" not in names:
            raise StockflowError(
                f"{path}:{header_no}: a TSV ticker sheet needs a 'ticker' column; header has "
                f"{names}"
            )
        column, rows = names.index("ticker"), rows[1:]
    found = []
    for no, line in rows:
        if column is None:
            name = line.strip()
        else:
            cells = line.split("\t")
            name = cells[column].strip() if column < len(cells) else ""
        found.append((check_name(name, f"{path}:{no}"), f"{path}:{no}"))
    if not found:
        raise StockflowError(f"{path}: the ticker sheet lists no tickers")
    return _unique(found)


def _unique(named: list[tuple[str, str]]) -> list[str]:
    seen: dict[str, str] = {}
    for name, where in named:
        if name in seen:
            raise StockflowError(
                f"{where}: ticker {name!r} is listed twice (first at {seen[name]})"
            )
        seen[name] = where
    if not seen:
        raise StockflowError("tickers: no tickers configured")
    return list(seen)


def load(value, workdir: str | Path = ".") -> list[str]:
    """config ``tickers``: a list of names, or the path of a sheet (relative to ``workdir``)."""
    if isinstance(value, list):
        return from_list(value)
    if isinstance(value, str):
        return from_sheet(Path(workdir, value))
    raise StockflowError(f"tickers: expected a list of names or a sheet's path, got {value!r}")


def sample(tickers: list[str], wanted) -> list[str]:
    """The tickers to draw per-ticker charts for, in run order.

    ``wanted``: a list of names (each must be a ticker), or how many: all of them when there
    are that few, else that many chosen by a hash of the name. The choice of a name does not
    depend on the other tickers, so adding a ticker changes the sample by at most one name.
    """
    if isinstance(wanted, list):
        known = set(tickers)
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise StockflowError(f"report.tickers: {unknown} are not among the run's tickers")
        chosen = set(wanted)
        return [t for t in tickers if t in chosen]
    if len(tickers) <= wanted:
        return list(tickers)
    ranked = sorted(tickers, key=lambda t: hashlib.sha256(t.encode()).digest())
    chosen = set(ranked[:wanted])
    return [t for t in tickers if t in chosen]
