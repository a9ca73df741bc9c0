"""The lock ends the process that held the data key and the records (issue 22 item 5).

After the one lock path has run (``MainWindow.lock``: drafts saved, dialogs closed, the vault
closed, views cleared), the desktop app replaces its own process image with a fresh start of
itself (``os.execv``): the memory that held the data key, the signing keys and every record
read is gone with the old image, and the lock screen is drawn by a new interpreter that has
never seen them. The way back to the same place is handed over in a non-secret form only: the
page key, the child's record id and the tab's index (``CSE_TOOLKIT_RESUME``, checked on
arrival), never record text.

Only the real app does this (``gui/app.py``'s ``AppWindow``); tests build ``MainWindow`` and
keep their process. Closing the app is not a restart. Linux and macOS: ``execv`` keeps the
process id and replaces its memory. Windows: Python's ``execv`` starts the new process and ends
this one (written against the Python documentation; not yet run on Windows).

Text that nothing on disk could take (a full disk, ``vault/unsaved.py``) is handed over too,
sealed (ciphertext only) and in memory only: on Linux in a memfd (``hand_over``) that the new
image inherits, its number and the non-secret counts in ``CSE_TOOLKIT_KEPT``; the new process
takes it once (``take_handover``: the fd is checked to be that memfd, read and closed, the
variable removed). Where no memfd exists but POSIX shared memory does (macOS, where ``execv``
keeps the process), a shared-memory object with a random name, opened by the new process and
unlinked at once. Where neither exists (Windows) only the counts go over, and the lock screen
says the text was lost (``Handover.lost``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

RESUME_ENV = "CSE_TOOLKIT_RESUME"
KEPT_ENV = "CSE_TOOLKIT_KEPT"
MEMFD_NAME = "cse-toolkit-kept"
MAX_KEPT = 64 * 1024 * 1024  # vault/unsaved.MAX_SEALED
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_PAGE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def resume_location() -> dict[str, Any] | None:
    """Where the locked process was (taken out of the environment), or None. Anything that is
    not a page key, a record id and a small tab index is ignored."""
    raw = os.environ.pop(RESUME_ENV, "")
    if not raw or len(raw) > 400:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    where: dict[str, Any] = {}
    page, child, tab = found.get("page"), found.get("child_id"), found.get("tab")
    if isinstance(page, str) and _PAGE.match(page):
        where["page"] = page
    if isinstance(child, str) and _ID.match(child):
        where["child_id"] = child
        if isinstance(tab, int) and not isinstance(tab, bool) and 0 <= tab < 50:
            where["tab"] = tab
    return where or None


def resume_text(location: dict[str, Any] | None) -> str:
    """The environment value for ``location``: ids only (the same checks as on arrival)."""
    os.environ[RESUME_ENV] = json.dumps(location or {})
    kept = resume_location() or {}
    return json.dumps(kept)


def command() -> list[str]:
    """How this app is started: the frozen executable, or this interpreter with ``-m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "cse_toolkit"]


@dataclass
class Handover:
    """Unsaved text handed from the locked process to the fresh one: the sealed drafts
    (``blob``, ciphertext; None when they could not be handed over) and, per kind of record,
    how many characters (counts only, never text)."""

    blob: bytes | None
    chars: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.chars.values())

    @property
    def lost(self) -> bool:
        return self.blob is None and self.total > 0


def _counts(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {
        k: v
        for k, v in list(raw.items())[:20]
        if isinstance(k, str)
        and _PAGE.match(k)
        and isinstance(v, int)
        and not isinstance(v, bool)
        and 0 <= v < 1 << 40
    }


def hand_over(kept: Handover | None) -> int | None:
    """Put ``kept`` where the next image finds it: the blob in an inheritable memfd (Linux),
    the counts in the environment. Returns the fd, or None when only counts went over."""
    os.environ.pop(KEPT_ENV, None)
    if kept is None or (kept.total <= 0 and kept.blob is None):
        return None
    value: dict[str, Any] = {"chars": kept.chars}
    fd: int | None = None
    shm = ""
    if kept.blob is not None and len(kept.blob) <= MAX_KEPT:
        try:
            if hasattr(os, "memfd_create"):
                fd = _memfd(kept.blob)
                value.update(fd=fd, size=len(kept.blob))
            elif _posixshmem() is not None:
                shm = _shm_put(kept.blob)
                value.update(shm=shm, size=len(kept.blob))
        except (OSError, ValueError) as exc:
            log.error("lock: the unsaved text could not be handed over (%s)", type(exc).__name__)
            fd, shm = None, ""
    if fd is None and not shm:
        log.error("lock: %d characters of unsaved text could not be kept", kept.total)
    os.environ[KEPT_ENV] = json.dumps(value)
    return fd


def _posixshmem() -> Any:
    try:
        import _posixshmem
    except ImportError:  # Windows
        return None
    return _posixshmem


_SHM_NAME = re.compile(r"^/cse-kept-[0-9a-f]{16}$")


def _shm_put(blob: bytes) -> str:
    """The blob in a new POSIX shared-memory object (mode 0600); returns its name."""
    import mmap
    import secrets

    shm = _posixshmem()
    name = f"/cse-kept-{secrets.token_hex(8)}"  # within macOS's 31 characters
    fd = shm.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, len(blob))
        with mmap.mmap(fd, len(blob)) as view:
            view[:] = blob
    except (OSError, ValueError):
        shm.shm_unlink(name)
        raise
    finally:
        os.close(fd)
    return name


def _shm_take(name: str, size: int) -> bytes | None:
    """Read the object once and unlink it; None when it is not there or not that size."""
    import mmap

    shm = _posixshmem()
    if shm is None or not _SHM_NAME.match(name):
        return None
    try:
        fd = shm.shm_open(name, os.O_RDONLY, 0)
    except OSError:
        return None
    try:
        shm.shm_unlink(name)  # taken once, whatever follows
        if os.fstat(fd).st_size < size:
            return None
        with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as view:
            return bytes(view[:size])
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def drop_handover() -> None:
    """The handover set for an image that never started (``execv`` refused): its shared-memory
    object is unlinked (a memfd goes with its fd)."""
    raw = os.environ.pop(KEPT_ENV, "")
    try:
        found = json.loads(raw) if raw else {}
    except ValueError:
        return
    name = found.get("shm") if isinstance(found, dict) else None
    shm = _posixshmem()
    if isinstance(name, str) and _SHM_NAME.match(name) and shm is not None:
        try:
            shm.shm_unlink(name)
        except OSError:
            pass


def _memfd(blob: bytes) -> int:
    import fcntl

    flags = getattr(os, "MFD_ALLOW_SEALING", 0)
    fd = os.memfd_create(MEMFD_NAME, flags)  # no MFD_CLOEXEC: the new image inherits it
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
        seals = sum(getattr(fcntl, n, 0) for n in ("F_SEAL_SHRINK", "F_SEAL_GROW", "F_SEAL_WRITE"))
        if flags and seals and hasattr(fcntl, "F_ADD_SEALS"):
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals | getattr(fcntl, "F_SEAL_SEAL", 0))
        os.set_inheritable(fd, True)
    except OSError:
        os.close(fd)
        raise
    return fd


def _is_our_memfd(fd: int, size: int) -> bool:
    try:
        info = os.fstat(fd)
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_size == size
        and target.startswith(f"/memfd:{MEMFD_NAME}")
    )


def take_handover() -> Handover | None:
    """What the locked process handed over (taken once: the variable is removed and the fd
    closed), or None. A number that is not our memfd of the stated size is not touched."""
    raw = os.environ.pop(KEPT_ENV, "")
    if not raw or len(raw) > 2000:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    chars = _counts(found.get("chars"))
    fd, size, shm = found.get("fd"), found.get("size"), found.get("shm")
    blob: bytes | None = None
    if isinstance(shm, str) and isinstance(size, int) and 0 < size <= MAX_KEPT:
        blob = _shm_take(shm, size)
    elif (
        isinstance(fd, int)
        and isinstance(size, int)
        and not isinstance(fd, bool)
        and 2 < fd < 65536
        and 0 < size <= MAX_KEPT
        and _is_our_memfd(fd, size)
    ):
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            parts: list[bytes] = []
            left = size
            while left:
                part = os.read(fd, min(left, 1 << 20))
                if not part:
                    break
                parts.append(part)
                left -= len(part)
            blob = b"".join(parts) if not left else None
        except OSError:
            blob = None
        finally:
            os.close(fd)
    if blob is None and not chars:
        return None
    return Handover(blob, chars)


def restart_locked(
    location: dict[str, Any] | None, execv: Any = None, kept: Handover | None = None
) -> None:
    """Replace this process with a fresh start of the app that opens on the lock screen.

    Returns only if the system refused (logged): the app then stays locked in this process,
    its vault closed, as before issue 22."""
    os.environ[RESUME_ENV] = resume_text(location)
    fd = hand_over(kept)
    os.environ["CSE_TOOLKIT_LOCKED_START"] = "1"
    log.info("lock: starting a fresh process for the lock screen")
    logging.shutdown()  # the log file's last lines reach the disk before the image goes
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    args = command()
    try:
        (execv or os.execv)(args[0], args)
    except OSError as exc:
        if fd is not None:
            os.close(fd)
        drop_handover()
        from cse_toolkit.logs import setup_logging

        setup_logging()
        log.error("lock: a fresh process could not be started (%s)", type(exc).__name__)
