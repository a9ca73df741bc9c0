"""Safe file writes: temp file in the same folder, 0600 from creation, fsync, atomic replace.

Nothing sensitive is written through here unencrypted; callers pass ciphertext or non-personal
metadata (key slots hold only wrapped keys).
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from cse_toolkit.errors import UserError


class DiskFullError(UserError):
    def __init__(self, where: str) -> None:
        super().__init__(
            f"The disk is full, so {where} could not be saved. Nothing already saved was lost. "
            "Free some space (empty the recycle bin, remove large downloads) and try again."
        )


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, what: str = "the file") -> None:
    """Write ``data`` to ``path`` so a crash leaves either the old or the new file, never half."""
    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(folder)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(what) from exc
        raise


def repair_modes(folder: Path) -> list[str]:
    """Make a vault folder private to this user again; returns what was repaired (names only).

    POSIX: 0700 for the folder, 0600 for its files. Windows: an explicit access list, this user
    and SYSTEM, not inherited (``cse_toolkit.platform``).
    """
    from cse_toolkit import platform

    return platform.current().secure_folder(folder)


def remove_stale_temp_files(folder: Path, older_than_seconds: float = 120.0) -> int:
    """Remove ``.name.xxxx.tmp`` files left by a process killed mid-save.

    They hold only what ``atomic_write`` was given (wrapped keys, the signed chain head), never
    plaintext; only files older than a couple of minutes are removed so that a save in progress
    in another process is never disturbed.
    """
    import time

    removed = 0
    now = time.time()
    for entry in folder.glob(".*.tmp"):
        try:
            if entry.is_file() and now - entry.stat().st_mtime > older_than_seconds:
                entry.unlink()
                removed += 1
        except OSError:
            continue
    return removed
