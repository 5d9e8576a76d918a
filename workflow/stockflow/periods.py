"""A stage's last output, kept with an index of its pieces, so a rerun re-makes only what changed.

A nightly update moves a ticker's window by a day at each end, yet its synthesize and convert
jobs rerun whole: Snakemake deletes a job's outputs before it starts (so a job cannot read its
previous output), and copying them aside (``update()``) costs a copy per job. Instead, once an
output is complete, a job hard-links it into ``--keep-dir`` (no copy, no extra disk while the
output exists) and writes an index: what each piece of the file (a day of bars, a month of
rows) was made from, and where it lies. The next run of that job takes every piece whose inputs
are unchanged from the kept file and makes only the others.

A kept file is used only while it is the very file its index describes (inode, size, mtime): an
output edited in place, or an index left by an interrupted run, is ignored, and everything is
re-made. The key holds the stage's parameters and the digest of the code that makes the pieces,
so a changed setting or a new version re-makes everything too. Keeping is best effort: where a
hard link is impossible (another file system), the job works as before, in full every time.
"""

import contextlib
import hashlib
import json
import os
from pathlib import Path

from stockflow import atomic

INDEX_SUFFIX = ".index.json"


def code_digest(*sources: str) -> str:
    """The digest of the modules' source files: pieces made by older code are not reused."""
    h = hashlib.sha256()
    for source in sources:
        h.update(Path(source).read_bytes())
    return h.hexdigest()[:16]


def _paths(keep_dir: str, out: str) -> tuple[Path, Path]:
    name = Path(out).name
    return Path(keep_dir) / name, Path(keep_dir) / (name + INDEX_SUFFIX)


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def load(keep_dir: str | None, out: str, key: dict) -> tuple[Path, list] | None:
    """The kept file for ``out`` and its pieces, if it was made under ``key`` and is unchanged."""
    if not keep_dir:
        return None
    data, index = _paths(keep_dir, out)
    try:
        with open(index, "rb") as fh:
            kept = json.load(fh)
        same = kept["key"] == key and kept["file"] == _identity(os.stat(data))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (data, kept["pieces"]) if same else None


def keep(keep_dir: str | None, out: str, key: dict, pieces: list) -> bool:
    """Keep the just-written ``out`` (a hard link) with its pieces; False if it cannot be kept."""
    if not keep_dir:
        return False
    data, index = _paths(keep_dir, out)
    try:
        data.parent.mkdir(parents=True, exist_ok=True)
        # The old index goes first: a run stopped before the new one is written keeps nothing.
        with contextlib.suppress(FileNotFoundError):
            index.unlink()
        link = atomic.temp_path(data)
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(out, link)
        os.replace(link, data)
        body = json.dumps({"key": key, "file": _identity(os.stat(data)), "pieces": pieces})
        # No fsync: an index lost or torn by a crash reads as no index (everything re-made).
        tmp = atomic.temp_path(index)
        tmp.write_text(body)
        os.replace(tmp, index)
    except OSError:
        return False
    return True


def copy_range(src, dst, start: int, count: int) -> None:
    """Append ``count`` bytes of ``src`` from ``start`` to ``dst`` (open files), in the kernel."""
    dst.flush()
    src_fd, dst_fd = src.fileno(), dst.fileno()
    while count:
        try:
            done = os.copy_file_range(src_fd, dst_fd, count, start)
        except OSError:  # not supported here: through user space
            done = os.write(dst_fd, os.pread(src_fd, min(count, 1 << 24), start))
        if done <= 0:
            raise OSError(f"{src.name}: ends before byte {start + count}")
        start, count = start + done, count - done
