"""What the run produced: rows, size on disk and compression ratio of every ``.h5``.

    python -m stockflow.inventory OUT.tsv OUT.html H5... [--json-template T]

``data_mb`` is what the arrays hold uncompressed (PyTables' ``size_in_memory`` of every leaf),
``ratio`` that over the bytes they take on disk (1.0 without compression; higher is smaller).
With ``--json-template results/json/{ticker}.json`` the JSON lines each file came from are
measured too (``json_mb``, ``json_ratio``: how much smaller the ``.h5`` is).
"""

import argparse
import os

from stockflow import StockflowError, atomic, cli, tabular
from stockflow.bars import HDF5_NODE

COLUMNS = ("ticker", "rows", "size_mb", "data_mb", "ratio", "json_mb", "json_ratio", "layout")


def describe_h5(path: str) -> dict:
    """Rows, bytes on disk, uncompressed bytes and layout of one stockflow ``.h5``."""
    from stockflow.h5frame import open_frame

    with open_frame(path) as h5:
        group = h5.get_node(HDF5_NODE)
        if "table" in group:  # pandas' table layout
            rows, layout = group.table.nrows, "table"
        elif "axis1" in group:  # pandas' fixed layout
            rows, layout = group.axis1.shape[0], "fixed"
        else:
            raise StockflowError(f"{path}: {HDF5_NODE} is neither pandas' fixed nor table layout")
        in_memory = on_disk = 0
        filters = None
        for leaf in h5.walk_nodes(HDF5_NODE, classname="Leaf"):
            in_memory += leaf.size_in_memory
            on_disk += leaf.size_on_disk
            if leaf.filters.complevel:
                filters = f"{leaf.filters.complib}:{leaf.filters.complevel}"
    return {
        "rows": rows,
        "size_mb": os.path.getsize(path) / 1e6,
        "data_mb": in_memory / 1e6,
        "ratio": in_memory / on_disk if on_disk else None,
        "layout": layout + (f" {filters}" if filters else ""),
    }


def inventory(paths: list[str], json_template: str | None = None) -> list[dict]:
    table = []
    for path in paths:
        ticker = os.path.splitext(os.path.basename(path))[0]
        row = {"ticker": ticker, **describe_h5(path), "json_mb": None, "json_ratio": None}
        if json_template:
            src = json_template.replace("{ticker}", ticker)
            if os.path.exists(src):
                row["json_mb"] = os.path.getsize(src) / 1e6
                row["json_ratio"] = row["json_mb"] / row["size_mb"] if row["size_mb"] else None
        table.append(row)
    return table


def to_tsv(table: list[dict]) -> bytes:
    return tabular.to_tsv(COLUMNS, table)


def to_html(table: list[dict]) -> bytes:
    total = {
        "ticker": f"all {len(table)}",
        "rows": sum(r["rows"] for r in table),
        "size_mb": sum(r["size_mb"] for r in table),
        "data_mb": sum(r["data_mb"] for r in table),
        "layout": "",
    }
    total["ratio"] = None
    disk = sum(r["data_mb"] / r["ratio"] for r in table if r["ratio"])
    if disk:
        total["ratio"] = total["data_mb"] / disk
    jsons = [r["json_mb"] for r in table if r["json_mb"] is not None]
    total["json_mb"] = sum(jsons) if len(jsons) == len(table) and jsons else None
    total["json_ratio"] = total["json_mb"] / total["size_mb"] if total["json_mb"] else None
    rows = [[r[c] for c in COLUMNS] for r in [*table, total]]
    heads = [
        "ticker",
        "rows",
        "size on disk MB",
        "data MB (uncompressed)",
        "compression ratio",
        "JSON MB",
        "JSON / .h5",
        "layout",
    ]
    note = (
        "Every results/hdf5/*.h5: compression ratio = uncompressed array bytes / bytes on disk "
        "(1.0 = stored raw); JSON / .h5 = how many times smaller the .h5 is than its JSON lines."
    )
    title = "HDF5 inventory"
    return tabular.html_page(title, tabular.html_table(title, heads, rows, note)).encode()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.inventory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("tsv", help="inventory as TSV")
    p.add_argument("html", help="inventory as an HTML table (for the report)")
    p.add_argument("files", nargs="+", help=".h5 files")
    p.add_argument("--json-template", help="the JSON lines of each ticker, with {ticker}")
    a = p.parse_args(argv)
    table = inventory(a.files, a.json_template)
    atomic.write_bytes(a.tsv, to_tsv(table))
    atomic.write_bytes(a.html, to_html(table))
    rows = sum(r["rows"] for r in table)
    size = sum(r["size_mb"] for r in table)
    cli.info(f"{len(table)} files, {rows} rows, {size:.1f} MB -> {a.tsv}, {a.html}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
