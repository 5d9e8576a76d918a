"""Write HDF5 that ``pandas.read_hdf(path, "data")`` reads as a DataFrame, without pandas;
read it back the same way.

Two of pandas' layouts, written by PyTables directly (saves the ~0.25 s import of pandas in every
convert job):

- ``table`` (the default, :class:`TableWriter`): pandas' appendable ``frame_table`` with
  ``timestamp`` as a data column and no PyTables index. Dask reads it partitioned,
  ``read_hdf(where="timestamp >= ...")`` answers time ranges, and ``HDFStore.append`` adds rows.
  The index is left out: it cost ~10x the write, and a whole-column search of a ticker's file
  is already fast (docs/workflow.md#hdf5-layout).
- ``fixed`` (:class:`FrameWriter`): pandas' fixed frame, contiguous arrays; read whole only.

Both take the bars as three blocks (BLOCKS: timestamps in ns, the four prices, the volume), one
``append`` per block of the file, so any size streams through in bounded memory.

HDF5 buffers metadata and chunks until the file is closed, and PyTables ignores a failed close:
on a full disk it leaves a file with no /data and raises nothing (measured: every write that ran
out of room during the close). So a written file is read back and checked against a checksum of
what was appended before it may be renamed into place.

:func:`read_blocks` and :func:`read_bars` read either layout back with PyTables (no pandas).
"""

import contextlib
import errno
from collections.abc import Iterator

import numpy as np
import tables

from stockflow import StockflowError
from stockflow.bars import COLUMNS, HDF5_KEY, HDF5_NODE, PRICES

# (node prefix, columns, numpy dtype, pandas value_type or None), in pandas' block order
BLOCKS = (
    ("block0", COLUMNS[:1], np.int64, "datetime64[ns]"),
    ("block1", PRICES, np.float64, None),
    ("block2", COLUMNS[-1:], np.int64, None),
)
CHUNK_ROWS = 1 << 16  # large chunks read back almost as fast as contiguous arrays
BAR_BYTES = 56  # a bar's values and its index, as either layout stores them


class FrameWriter:
    """Write bars under ``key`` of a new HDF5 file in pandas' fixed frame format.

    ``growable=False``: exactly one ``append`` (contiguous arrays). ``growable=True``: any
    number of appends (chunked, extendable arrays).
    """

    def __init__(self, path, complevel=0, complib=None, growable=False):
        self._filters = tables.Filters(complevel, complib) if complevel else None
        self._growable = growable
        self._nodes: list | None = None
        self.rows = 0
        self._path = str(path)
        self._sums: list[int] = []  # per node in NODES order: checksum of what was appended
        self._h5 = tables.open_file(self._path, mode="w")
        self._group = self._h5.create_group("/", HDF5_KEY)
        a = self._group._v_attrs
        a.pandas_type = "frame"
        a.encoding = "UTF-8"
        a.errors = "strict"
        a.ndim = 2
        a.nblocks = len(BLOCKS)
        a.axis0_variety = a.axis1_variety = "regular"
        self._labels("axis0", COLUMNS)
        for prefix, cols, _, _ in BLOCKS:
            setattr(a, f"{prefix}_items_variety", "regular")
            self._labels(f"{prefix}_items", cols)

    def _labels(self, name: str, labels: tuple[str, ...]) -> None:
        node = self._h5.create_array(self._group, name, np.array([s.encode() for s in labels]))
        node.attrs.kind = "string"
        node.attrs.name = None
        node.attrs.nan_rep = ""
        node.attrs.transposed = True

    def _create(self, name: str, values: np.ndarray):
        if self._growable:
            node = self._h5.create_earray(
                self._group,
                name,
                tables.Atom.from_dtype(values.dtype),
                (0, *values.shape[1:]),
                filters=self._filters,
                chunkshape=(CHUNK_ROWS, *values.shape[1:]),
            )
            node.append(values)
        elif self._filters:
            node = self._h5.create_carray(self._group, name, obj=values, filters=self._filters)
        else:
            node = self._h5.create_array(self._group, name, obj=values)
        node.attrs.transposed = True
        return node

    def append(self, blocks: list[np.ndarray]) -> None:
        """``blocks``: one (n, len(columns)) array per entry of BLOCKS, in that order."""
        n = len(blocks[0])
        index = np.arange(self.rows, self.rows + n, dtype=np.int64)
        if self._nodes is None:
            self._nodes = [
                self._create(f"{p}_values", v) for (p, *_), v in zip(BLOCKS, blocks, strict=True)
            ]
            for node, (*_, value_type) in zip(self._nodes, BLOCKS, strict=True):
                if value_type:
                    node.attrs.value_type = value_type
            axis = self._create("axis1", index)
            axis.attrs.kind = "integer"
            axis.attrs.name = None
            self._nodes.append(axis)
            self._sums = [0] * len(self._nodes)
        elif not self._growable:
            raise ValueError("a FrameWriter with growable=False takes exactly one append")
        else:
            for node, values in zip(self._nodes, [*blocks, index], strict=True):
                node.append(values)
        self._sums = [
            (s + checksum(v)) % 2**64 for s, v in zip(self._sums, [*blocks, index], strict=True)
        ]
        self.rows += n

    def close(self, verify: bool = True) -> None:
        self._h5.close()
        if verify and self._nodes is not None:
            verify_written(self._path, self.rows, dict(zip(NODES, self._sums, strict=True)))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close(verify=exc_type is None)


NODES = tuple(f"{p}_values" for p, *_ in BLOCKS) + ("axis1",)


def checksum(values: np.ndarray) -> int:
    """The wrapping sum of an array's 64-bit words: a lost or zeroed chunk changes it."""
    return int(np.ascontiguousarray(values).view(np.uint64).sum(dtype=np.uint64))


@contextlib.contextmanager
def reading_back(path: str, rows: int = 0) -> Iterator[None]:
    """Checks of a just-written file: any failure becomes OSError(EIO) naming the file.

    The error carries the bytes the bars need (``needed_bytes``): where the file system has
    less free, stockflow.atomic names a full disk, even after another job's cleanup freed some.
    """
    try:
        yield
    except Exception as exc:
        err = OSError(
            errno.EIO,
            f"the HDF5 file is incomplete after writing, although HDF5 reported no error ({exc})",
            str(path),
        )
        err.needed_bytes = rows * BAR_BYTES
        raise err from exc


def verify_written(path: str, rows: int, sums: dict[str, int]) -> None:
    """Read back every node of a just-written frame; OSError(EIO) if anything is missing."""
    with reading_back(path, rows), tables.open_file(path, mode="r") as h5:
        for name, expected in sums.items():
            node = h5.get_node(HDF5_NODE, name)
            if node.shape[0] != rows:
                raise ValueError(f"{HDF5_NODE}/{name} has {node.shape[0]} rows, wrote {rows}")
            got = 0
            for start in range(0, rows, CHUNK_ROWS):
                got = (got + checksum(node[start : start + CHUNK_ROWS])) % 2**64
            if got != expected:
                raise ValueError(f"{HDF5_NODE}/{name} reads back different from what was written")


# pandas' table layout: the frame's non-index columns by block, data columns last. pandas sorts
# the items of a block by name (Index.difference) when it appends, so the prices lie as close,
# high, low, open: written so, ``HDFStore.append`` of a plain frame matches them.
TABLE_PRICES = tuple(sorted(PRICES))
_TO_TABLE = [PRICES.index(c) for c in TABLE_PRICES]
_FROM_TABLE = [TABLE_PRICES.index(c) for c in PRICES]
TABLE_DTYPE = np.dtype(
    [
        ("index", "<i8"),
        ("values_block_0", "<f8", (len(PRICES),)),
        ("values_block_1", "<i8", (1,)),
        ("timestamp", "<i8"),
    ]
)


# A table's chunks hold about 64 KiB of rows, PyTables' own size for these rows.
TABLE_CHUNK_ROWS = (64 << 10) // TABLE_DTYPE.itemsize


def table_chunk_rows(rows: int) -> int:
    """Rows per chunk for a table of exactly ``rows``: the last chunk as full as the others.

    HDF5 stores every chunk whole, so a last chunk with one row costs a whole chunk on disk:
    at 30 days a file (14,400 bars) that was 5% of the file.
    """
    return -(-rows // -(-rows // TABLE_CHUNK_ROWS)) if rows > 0 else TABLE_CHUNK_ROWS


class TableWriter:
    """Write bars under ``key`` of a new HDF5 file in pandas' table layout (``frame_table``),
    ``timestamp`` a data column, no PyTables index; any number of appends.

    ``exact_rows``: the rows the file will hold (one append), to size its chunks to them.
    """

    def __init__(self, path, complevel=0, complib=None, expected_rows=0, exact_rows=0):
        filters = tables.Filters(complevel, complib) if complevel else None
        self.rows = 0
        self._path = str(path)
        self._sum = 0  # of the rows' bytes as written: one pass, no column copies
        self._h5 = tables.open_file(self._path, mode="w")
        group = self._h5.create_group("/", HDF5_KEY)
        a = group._v_attrs
        a.pandas_type = "frame_table"
        a.table_type = "appendable_frame"
        a.encoding = "UTF-8"
        a.errors = "strict"
        a.levels = 1
        a.index_cols = [(0, "index")]
        a.values_cols = ["values_block_0", "values_block_1", "timestamp"]
        a.non_index_axes = [(1, list(COLUMNS))]
        a.data_columns = ["timestamp"]
        a.nan_rep = None
        a.data_col_nan_rep = True
        a.mi_level_nan_rep = False
        a.info = {1: {"names": [None], "type": "Index"}, **dict.fromkeys(TABLE_DTYPE.names, {})}
        chunk = table_chunk_rows(exact_rows) if exact_rows else None
        self._table = self._h5.create_table(
            group,
            "table",
            TABLE_DTYPE,
            filters=filters,
            expectedrows=max(expected_rows, exact_rows, 1),
            chunkshape=(chunk,) if chunk else None,
        )
        t = self._table._v_attrs
        t.index_kind = "integer"
        for name, kind, dtype in (
            ("values_block_0", list(TABLE_PRICES), "float64"),
            ("values_block_1", [COLUMNS[-1]], "int64"),
            ("timestamp", [COLUMNS[0]], "datetime64[ns]"),
        ):
            setattr(t, f"{name}_kind", kind)
            setattr(t, f"{name}_dtype", dtype)
            setattr(t, f"{name}_meta", None)

    def append(self, blocks: list[np.ndarray]) -> None:
        """``blocks``: one (n, len(columns)) array per entry of BLOCKS, in that order."""
        n = len(blocks[0])
        rows = np.empty(n, TABLE_DTYPE)
        rows["index"] = np.arange(self.rows, self.rows + n, dtype=np.int64)
        rows["values_block_0"] = blocks[1][:, _TO_TABLE]
        rows["values_block_1"] = blocks[2]
        rows["timestamp"] = blocks[0][:, 0]
        self._table.append(rows)
        self._sum = (self._sum + checksum(rows)) % 2**64
        self.rows += n

    def close(self, verify: bool = True) -> None:
        self._h5.close()
        if verify and self.rows:
            verify_table(self._path, self.rows, self._sum)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close(verify=exc_type is None)


def verify_table(path: str, rows: int, expected: int) -> None:
    """Read back every row of a just-written table; OSError(EIO) if anything is missing."""
    with reading_back(path, rows), tables.open_file(path, mode="r") as h5:
        table = h5.get_node(HDF5_NODE, "table")
        if table.nrows != rows:
            raise ValueError(f"{HDF5_NODE}/table has {table.nrows} rows, wrote {rows}")
        got = 0
        for start in range(0, rows, CHUNK_ROWS):
            got = (got + checksum(table.read(start, min(start + CHUNK_ROWS, rows)))) % 2**64
        if got != expected:
            raise ValueError(f"{HDF5_NODE}/table reads back different from what was written")


def writer(fmt: str, path, complevel=0, complib=None, rows=0, growable=True):
    """The writer of a layout (``table`` or ``fixed``) for a new file at ``path``.

    ``growable=False``: one append of exactly ``rows`` (fixed: contiguous arrays; table: chunks
    sized to it).
    """
    if fmt == "table":
        exact = 0 if growable else rows
        return TableWriter(path, complevel, complib, expected_rows=rows, exact_rows=exact)
    if fmt == "fixed":
        return FrameWriter(path, complevel, complib, growable=growable)
    raise StockflowError(f"unknown HDF5 format {fmt!r}; expected table or fixed")


def read_blocks(path) -> list[np.ndarray] | None:
    """A stockflow file's bars as the arrays of BLOCKS (either layout, columns found by their
    names); None if it does not read as one."""
    try:
        with tables.open_file(str(path), mode="r") as h5:
            return _blocks_of(h5)
    except (OSError, tables.HDF5ExtError):
        return None


def _blocks_of(h5) -> list[np.ndarray] | None:
    try:
        group = h5.get_node(HDF5_NODE)
        if "table" in group:
            return _table_blocks(group.table)
        blocks = []
        for prefix, names, _, _ in BLOCKS:
            items = [n.decode() for n in h5.get_node(group, f"{prefix}_items").read()]
            values = h5.get_node(group, f"{prefix}_values").read()
            blocks.append(np.ascontiguousarray(values[:, [items.index(c) for c in names]]))
        return blocks
    except (tables.HDF5ExtError, tables.NoSuchNodeError, AttributeError, ValueError):
        return None


def _table_blocks(table) -> list[np.ndarray]:
    rows = table.read()
    attrs = table.attrs
    prices = list(attrs.values_block_0_kind)
    if list(attrs.values_block_1_kind) != [COLUMNS[-1]] or sorted(prices) != sorted(PRICES):
        raise ValueError("not stockflow's columns")
    return [
        np.ascontiguousarray(rows["timestamp"][:, None]),
        np.ascontiguousarray(rows["values_block_0"][:, [prices.index(c) for c in PRICES]]),
        np.ascontiguousarray(rows["values_block_1"]),
    ]


def open_frame(path: str) -> tables.File:
    """Open a stockflow ``.h5`` for reading; a clear error if it is missing or not ours."""
    try:
        h5 = tables.open_file(path, mode="r")
    except FileNotFoundError:
        raise StockflowError(f"{path}: no such file") from None
    except (OSError, tables.HDF5ExtError) as exc:
        raise StockflowError(f"{path}: not an HDF5 file ({exc})") from None
    if HDF5_NODE not in h5:
        h5.close()
        raise StockflowError(f"{path}: no {HDF5_NODE} node; not written by stockflow.convert")
    return h5


def read_bars(path: str) -> dict[str, np.ndarray]:
    """The bars of an ``.h5`` written by stockflow.convert: a numpy array per column.

    Either layout, read with PyTables directly as the writers write it (saves importing
    pandas, ~0.3 s a job).
    """
    with open_frame(path) as h5:  # a clear error for a missing file or one that is not ours
        blocks = _blocks_of(h5)
    if blocks is None:
        raise StockflowError(f"{path}: not stockflow's table or fixed layout under {HDF5_NODE}")
    cols = {}
    for (_, names, _, _), values in zip(BLOCKS, blocks, strict=True):
        for i, name in enumerate(names):
            cols[name] = values[:, i]
    cols["timestamp"] = cols["timestamp"].view("datetime64[ns]")
    return cols


def describe(path: str) -> dict:
    """Rows, layout, file bytes, and what the arrays hold uncompressed and take on disk."""
    import os

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
        "rows": int(rows),
        "file_bytes": os.path.getsize(path),
        "data_bytes": int(in_memory),
        "disk_bytes": int(on_disk),
        "layout": layout + (f" {filters}" if filters else ""),
    }
