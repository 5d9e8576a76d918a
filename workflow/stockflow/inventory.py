"""What the run produced: rows, size on disk and compression ratio of every ``.h5``.

    python -m stockflow.inventory OUT.tsv OUT.html SHARD.tsv...

Read from each convert job's result line, gathered in the shards (``stockflow.shard``): the
converter describes the ``.h5`` it wrote after reading it back, and the JSON it read, so the
inventory opens no data file (a rerun of one ticker does not reread the market).
``data_mb`` is what the arrays hold uncompressed (PyTables' ``size_in_memory`` of every leaf),
``ratio`` that over the bytes they take on disk (1.0 without compression; higher is smaller);
``json_ratio`` is how many times smaller the ``.h5`` is than its JSON lines.
"""

import argparse
import statistics

from stockflow import atomic, cli, shard
from stockflow.formats import tsv

COLUMNS = ("ticker", "rows", "size_mb", "data_mb", "ratio", "json_mb", "json_ratio", "layout")
# Above this many files the HTML table shows the spread and the largest files, not every row
# (the TSV keeps every row).
HTML_ROWS = 100


def row(job: dict) -> dict:
    """An inventory row from a convert job's row of a shard."""
    size_mb = job["file_bytes"] / 1e6
    json_mb = job["work_bytes"] / 1e6
    return {
        "ticker": job["ticker"],
        "rows": int(job["rows"]),
        "size_mb": size_mb,
        "data_mb": job["data_bytes"] / 1e6,
        "ratio": job["data_bytes"] / job["disk_bytes"] if job["disk_bytes"] else None,
        "json_mb": json_mb,
        "json_ratio": json_mb / size_mb if size_mb else None,
        "layout": job["layout"],
    }


def inventory(jobs: list[dict]) -> list[dict]:
    return [row(job) for job in jobs if job["rule"] == "convert"]


def to_tsv(table: list[dict]) -> bytes:
    return tsv.to_tsv(COLUMNS, table)


def total(table: list[dict]) -> dict:
    out = {
        "ticker": f"all {len(table)}",
        "rows": sum(r["rows"] for r in table),
        "size_mb": sum(r["size_mb"] for r in table),
        "data_mb": sum(r["data_mb"] for r in table),
        "json_mb": sum(r["json_mb"] for r in table),
        "layout": "",
        "ratio": None,
    }
    disk = sum(r["data_mb"] / r["ratio"] for r in table if r["ratio"])
    if disk:
        out["ratio"] = out["data_mb"] / disk
    out["json_ratio"] = out["json_mb"] / out["size_mb"] if out["size_mb"] else None
    return out


HEADS = [
    "ticker",
    "rows",
    "size on disk MB",
    "data MB (uncompressed)",
    "compression ratio",
    "JSON MB",
    "JSON / .h5",
    "layout",
]


def spread(table: list[dict]) -> list[list]:
    """Per numeric column: min, median, max across the files."""
    out = []
    for name in ("min", "median", "max"):
        pick = {"min": min, "median": statistics.median, "max": max}[name]
        cells = [name]
        for col in COLUMNS[1:-1]:
            values = [r[col] for r in table if r[col] is not None]
            cells.append(pick(values) if values else None)
        out.append([*cells, ""])
    return out


def to_html(table: list[dict]) -> bytes:
    note = (
        "Every results/hdf5/*.h5: compression ratio = uncompressed array bytes / bytes on disk "
        "(1.0 = stored raw); JSON / .h5 = how many times smaller the .h5 is than its JSON lines."
    )
    title = "HDF5 inventory"
    every = [[r[c] for c in COLUMNS] for r in table]
    whole = [[total(table)[c] for c in COLUMNS]]
    if len(table) <= HTML_ROWS:
        page = tsv.html_page(title, tsv.html_table(title, HEADS, every + whole, note))
        return page.encode()
    largest = sorted(table, key=lambda r: r["size_mb"], reverse=True)[:20]
    return tsv.html_page(
        title,
        tsv.html_table(title, HEADS, whole + spread(table), note),
        tsv.html_table(
            f"The 20 largest of {len(table)} files (every file: results/inventory.tsv)",
            HEADS,
            [[r[c] for c in COLUMNS] for r in largest],
        ),
    ).encode()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.inventory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("tsv", help="inventory as TSV")
    p.add_argument("html", help="inventory as an HTML table (for the report)")
    p.add_argument("shards", nargs="+", metavar="SHARD.tsv", help="results/shards/*.tsv")
    a = p.parse_args(argv)
    table = inventory(shard.read(a.shards))
    atomic.write_bytes(a.tsv, to_tsv(table))
    atomic.write_bytes(a.html, to_html(table))
    whole = total(table)
    cli.info(
        f"{len(table)} files, {whole['rows']} rows, {whole['size_mb']:.1f} MB -> {a.tsv}, {a.html}"
    )


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
