"""A stage's last output, kept with an index of its pieces, so a rerun re-makes only what changed.

A nightly update moves a ticker's window by a day at each end, yet its synthesize and convert
jobs rerun whole: Snakemake deletes a job's outputs before it starts (so a job cannot read its
previous output), and copying them aside (``update()``) costs a copy per job. Instead, once an
output is complete, a job hard-links it into ``--keep-dir`` (no copy, no extra disk while the
output exists) and writes an index: what each piece of the file (a day of bars, a month of
rows) was made from, and where it lies. The next run of that job takes every piece whose inputs
are unchanged from the kept file and makes only the others.

Each piece's CRC-32 is in the index, and a piece is reused only if the kept file's bytes (or
arrays) still match it: an output edited in place (the kept file is the same file) has its
damaged pieces made again, and an index that does not describe the file's size is ignored.
(Not its mtime: Snakemake touches every output after its job.) The key holds the stage's
parameters and the digest of the code that makes the pieces, so a changed setting or a new
version re-makes everything too. Keeping is best effort: where a hard link is impossible
(another file system), the job works as before, in full every time.

Where: ``resources.KEPT_DIR/{stage}/`` (the layout of every store is in stockflow.resources).
What a piece is belongs to its stage: a day of JSON (nightly.finished_days.DayPiece) or a month
of HDF5 rows (nightly.finished_months.MonthPiece); here they are lists in a JSON index.
"""

import contextlib
import functools
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

INDEX_SUFFIX = ".index.json"


@dataclass(frozen=True)
class Kept:
    """A stage's last output as it was kept, and what its index says of it."""

    path: Path  # the kept file: a hard link to the last output
    pieces: list  # the stage's piece records, as the index holds them (lists)
    facts: dict  # what else the stage recorded (convert: the arrays' CRC-32s)


@functools.cache  # once per process: a batch job asks for every ticker
def code_digest(*sources: str) -> str:
    """The digest of the modules' source files: pieces made by older code are not reused."""
    h = hashlib.sha256()
    for source in sources:
        h.update(Path(source).read_bytes())
    return h.hexdigest()[:16]


def _paths(keep_dir: str, out: str) -> tuple[Path, Path]:
    name = Path(out).name
    return Path(keep_dir) / name, Path(keep_dir) / (name + INDEX_SUFFIX)


def load(keep_dir: str | None, out: str, key: dict) -> Kept | None:
    """The kept file for ``out`` with its pieces, if it was made under ``key`` (same size)."""
    if not keep_dir:
        return None
    data, index = _paths(keep_dir, out)
    try:
        with open(index, "rb") as fh:
            kept = json.load(fh)
        same = kept["key"] == key and kept["size"] == os.path.getsize(data)
        facts = {k: v for k, v in kept.items() if k not in ("key", "size", "pieces")}
        found = Kept(data, list(kept["pieces"]), facts)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if same else None


def crc(data) -> int:
    return zlib.crc32(data)


def keep(keep_dir: str | None, out: str, key: dict, pieces: list, **facts) -> bool:
    """Keep the just-written ``out`` (a hard link) with its pieces and ``facts`` about it; False
    if it cannot be kept."""
    if not keep_dir:
        return False
    data, index = _paths(keep_dir, out)
    try:
        data.parent.mkdir(parents=True, exist_ok=True)
        # The old index goes first: a run stopped before the new one is written keeps nothing.
        with contextlib.suppress(FileNotFoundError):
            index.unlink()
        # Fixed names, not per process: one job at a time keeps a given output, and what a
        # killed job left is replaced by the next one instead of piling up.
        link = data.with_name(f".{data.name}.linking")
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(out, link)
        os.replace(link, data)
        with contextlib.suppress(FileNotFoundError):
            link.unlink()  # still there if it was already the same file (rename did nothing)
        index_of = {"key": key, "size": os.path.getsize(data), "pieces": pieces, **facts}
        # No fsync: an index lost or torn by a crash reads as no index (everything re-made).
        tmp = index.with_name(f".{index.name}.writing")
        tmp.write_text(json.dumps(index_of))
        os.replace(tmp, index)
    except OSError:
        return False
    return True
