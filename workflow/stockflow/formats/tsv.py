"""Tables the workflow reads and writes: TSV files and the report's HTML tables.

One cell format for all of them (``NA`` for a missing value, a fixed number of decimals for
floats), one reader of numbers from TSV cells, one grouping of rows.
"""

import csv
import html
import io

MISSING = "NA"  # what Snakemake writes for a value it could not measure, and what we write


def cell(value, digits: int = 4) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def number(text) -> float | None:
    """A TSV cell as a float; None for NA, empty or anything else that is not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_tsv(path: str) -> list[dict]:
    """Rows of a TSV with a header line, as dicts of strings (FileNotFoundError if missing)."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def to_tsv(columns, rows: list[dict], digits: int = 4) -> bytes:
    out = io.StringIO()
    out.write("\t".join(columns) + "\n")
    for row in rows:
        out.write("\t".join(cell(row[c], digits) for c in columns) + "\n")
    return out.getvalue().encode()


def group_by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    """Rows by the value of ``key``, groups and rows in the order first seen."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


_STYLE = (
    "body{font-family:sans-serif;font-size:14px;margin:1em}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px}"
    "td{text-align:right;font-variant-numeric:tabular-nums}td:first-child{text-align:left}"
    "th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}"
)


def html_table(title: str, columns: list[str], rows: list[list], note: str = "") -> str:
    """One titled table as an HTML fragment (cells escaped, floats to 3 decimals)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(v, 3))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return (
        f"<h3>{html.escape(title)}</h3><p>{html.escape(note)}</p>"
        f"<table><tr>{head}</tr>\n{body}\n</table>"
    )


def html_page(title: str, *tables: str) -> str:
    """A small self-contained HTML page of tables (the report shows it inline)."""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(tables)
        + "</body></html>\n"
    )
