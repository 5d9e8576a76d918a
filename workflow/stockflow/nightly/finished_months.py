"""Convert a file of bars by month, re-parsing only the months whose text changed.

The JSON is cut where a month begins (a line start; any cut at a line start parses to the same
rows), and each month's text is identified by its SHA-256. Months whose text the last run
already parsed are taken, as arrays, from the ``.h5`` it kept (nightly.finished); the others
are parsed by Arrow, several adjacent ones at a time. The rows are written as one block, as the
streaming conversion writes a file of one block: the same file, ``read_hdf``-equal.

Used for files that fit one parsing block, in either layout (stockflow.convert decides);
bigger files stream through in bounded memory as before, made whole every time.
"""

import hashlib
import itertools
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from stockflow import StockflowError, atomic
from stockflow.nightly import finished

_PREFIX = b'{"timestamp": "'
_MONTH = len(_PREFIX) + len("YYYY-MM")
MAX_MONTHS = 1200  # a span of more months is cut no further (each month is one text search)


class MonthPiece(NamedTuple):
    """A month of the file as its index records it: the rows of a text, in file order."""

    digest: str  # SHA-256 (first 32 hex digits) of the month's JSON text
    rows: int


def month_cuts(data: bytes) -> list[int]:
    """Offsets where the file's pieces start: 0, then the first line of each later month.

    Found by text search, for bars in time order; other text gives fewer or odd pieces, never
    wrong rows, since every cut is at a line start.
    """
    cuts = [0]
    tail = data.rfind(b"\n" + _PREFIX) + 1
    first, last = _month(data, 0), _month(data, tail) if tail else None
    if first is None or last is None or not first < last <= first + MAX_MONTHS:
        return cuts
    for n in range(first + 1, last + 1):
        at = data.find(b"\n" + _PREFIX + b"%04d-%02d" % (n // 12, n % 12 + 1), cuts[-1])
        if at >= 0:
            cuts.append(at + 1)
    return cuts


def _month(data: bytes, line: int) -> int | None:
    """The month (year * 12 + month - 1) of the bar starting at ``line``, or None."""
    text = data[line : line + _MONTH]
    if not text.startswith(_PREFIX) or not (text[-7:-3] + text[-2:]).isdigit():
        return None
    return int(text[-7:-3]) * 12 + int(text[-2:]) - 1


def convert(src: str, out: str, keep_dir: str, key: dict, writer_opts: dict, parse) -> tuple:
    """Write ``out`` from ``src``; return (rows, months parsed).

    ``key``: what else the parsed rows depend on; ``parse(buffer)``: the validated block arrays
    of a buffer of whole lines (stockflow.convert).
    """
    from stockflow.formats import hdf5

    data = Path(src).read_bytes()
    cuts = [*month_cuts(data), len(data)]
    view = memoryview(data)
    digests = [hashlib.sha256(view[a:b]).hexdigest()[:32] for a, b in itertools.pairwise(cuts)]
    found = finished.load(keep_dir, out, key)
    months = [MonthPiece._make(p) for p in found.pieces] if found else []
    kept: dict[str, tuple[int, int]] = {}  # digest -> the month's rows in the kept arrays
    old = None
    if any(d in {m.digest for m in months} for d in digests):
        old = hdf5.read_blocks(found.path)
        if old is not None and [finished.crc(b) for b in old] == found.facts.get("crc"):
            row = 0
            for m in months:
                kept.setdefault(m.digest, (row, row + m.rows))
                row += m.rows
    parts: list[list[np.ndarray]] = []
    pieces: list[MonthPiece] | None = []
    parsed, i = 0, 0
    while i < len(digests):
        if digests[i] in kept:
            r0, r1 = kept[digests[i]]
            parts.append([block[r0:r1] for block in old])
            pieces.append(MonthPiece(digests[i], r1 - r0))
            i += 1
            continue
        j = i  # adjacent changed months: one parse
        while j < len(digests) and digests[j] not in kept:
            j += 1
        blocks = parse(view[cuts[i] : cuts[j]])
        lines = [data.count(b"\n", cuts[k], cuts[k + 1]) for k in range(i, j)]
        if data[cuts[j] - 1 : cuts[j]] != b"\n":
            lines[-1] += 1  # the last line without its newline
        if sum(lines) != len(blocks[0]):  # blank lines: correct rows, but no pieces to keep
            pieces = None
        elif pieces is not None:
            pieces += [MonthPiece(digests[k], n) for k, n in zip(range(i, j), lines, strict=True)]
        parts.append(blocks)
        parsed += j - i
        i = j
    blocks = [np.concatenate([p[b] for p in parts]) for b in range(3)]
    rows = len(blocks[0])
    if rows == 0:
        raise StockflowError(f"{src}: no bars in the file")
    with (
        atomic.atomic_path(out) as tmp,
        hdf5.writer(path=tmp, rows=rows, growable=False, **writer_opts) as w,
    ):
        w.append(blocks)
    if pieces is not None:
        finished.keep(keep_dir, out, key, pieces, crc=[finished.crc(b) for b in blocks])
    return rows, parsed


def fits(src: str, block: int) -> bool:
    try:
        return 0 < os.path.getsize(src) <= block
    except OSError:
        return False
