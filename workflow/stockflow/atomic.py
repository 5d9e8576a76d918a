"""Write outputs under a temporary name in the same directory, then rename.

A reader (or Snakemake) never sees a half-written file: either the old complete file, the new
complete file, or none. On any error the temporary file is removed; a job killed outright
(SIGKILL, node lost) cannot remove it, so the next write of the same target on the same host
removes temporaries whose process is gone. A failed write names its cause when the file system
is full or read-only, which HDF5's own errors do not.
"""

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from stockflow import StockflowError

# os.uname, not socket.gethostname: importing socket (or glob) costs every job ~5 ms.
_HOST = os.uname().nodename.replace("-", "_")
LOW_SPACE_BYTES = 1 << 20  # a write that fails with less than this free ran out of space


def temp_path(target: Path, pid: int | None = None) -> Path:
    # Keep the suffix so libraries that sniff it (HDF5, bz2) behave as for the real name.
    return target.with_name(
        f".{target.stem}.tmp-{_HOST}-{os.getpid() if pid is None else pid}{target.suffix}"
    )


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StockflowError(f"cannot create the directory of {target}: {exc.strerror}") from exc
    remove_stale_temporaries(target)
    tmp = temp_path(target)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        cause = None if isinstance(exc, StockflowError) else _storage_problem(exc, target)
        # Never created (FileNotFoundError) or cannot be (read-only: EROFS even when missing).
        with contextlib.suppress(OSError):
            tmp.unlink()
        if cause:
            raise StockflowError(f"cannot write {target}: {cause}") from exc
        raise


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporaries of ``target`` left by dead processes of this host; return them.

    Another host's temporaries (a shared file system) are left alone: their pid means nothing
    here.
    """
    prefix = f".{target.stem}.tmp-{_HOST}-"
    removed = []
    with os.scandir(target.parent) as entries:
        names = [e.name for e in entries if e.name.startswith(prefix)]
    for name in names:
        pid = name[len(prefix) : len(name) - len(target.suffix)]
        if name.endswith(target.suffix) and pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target.parent / name)
            removed.append(target.parent / name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _storage_problem(exc: BaseException, target: Path) -> str | None:
    """Why a write failed, if the file system is the cause (measured before the cleanup)."""
    if not isinstance(exc, Exception):
        return None
    try:
        st = os.statvfs(target.parent)
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize
    code = exc.errno if isinstance(exc, OSError) else None
    # HDF5 hides errno behind its own errors (or our read-back's EIO): the file system's
    # state tells then.
    told = code in (errno.EROFS, errno.ENOSPC, errno.EDQUOT)
    detail = "" if told else f"; {type(exc).__name__}: {exc}"
    if code == errno.EROFS or (not told and st.f_flag & os.ST_RDONLY):
        return f"the file system is read-only{detail}"
    # Space a file that could not be written needed (a read-back's needed_bytes): free space
    # below it is a full disk, even once a concurrent job's cleanup has freed some.
    low = max(LOW_SPACE_BYTES, getattr(exc, "needed_bytes", 0))
    if code in (errno.ENOSPC, errno.EDQUOT) or (not told and free < low):
        return f"no space left on device ({free} bytes free{detail})"
    return None


def write_bytes(target: str | os.PathLike, data: bytes | memoryview) -> None:
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
