"""Safe file writes and bounded reads.

Writes: temp file in the same folder, 0600 from creation, fsync, atomic replace. Nothing
sensitive is written through here unencrypted; callers pass ciphertext or non-personal metadata
(key slots hold only wrapped keys).

Reads (issue 22 item 6): every file the app reads whole from outside (answers, tool and pathway
files, the policy, key files, packs' own reader has its cap in ``packs/pdfpack.py``) goes
through ``read_capped`` / ``read_text_capped``: never more than the cap is read, whatever the
file claims to be (``/dev/zero``, a growing file, a pipe), and a file over it is refused with a
message. ``check_nesting`` refuses JSON or TOML nested deeper than a limit before a parser
recurses into it. Attachments (and anything else that reads a user's file) use the same helper.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path

from cse_toolkit.errors import UserError


class DiskFullError(UserError):
    """The disk is full: said as full, never as damage (issue 22 item 4)."""

    def __init__(self, where: str, *, done: str = "could not be saved") -> None:
        super().__init__(
            f"The disk is full, so {where} {done}. Nothing already saved was lost. "
            "Free some space (empty the recycle bin, remove large downloads) and try again."
        )


class InputTooLargeError(UserError):
    """A file (or text) over the cap for what it is; nothing of it was used."""


class InputUnreadableError(UserError):
    """A file that is missing, a folder, not UTF-8, or nested too deep."""


MiB = 1024 * 1024
# The caps: generous for real files (the biggest bundled tool file is 27 KiB, a real policy
# under 10 KiB, an answers file a few KiB), small enough that reading one costs nothing.
POLICY_MAX_BYTES = 1 * MiB
DATA_FILE_MAX_BYTES = 2 * MiB  # tool and pathway files, guidance pages
ANSWERS_MAX_BYTES = 2 * MiB
KEY_FILE_MAX_BYTES = 64 * 1024  # recovery key files, revocation lists' entries are short
JSON_MAX_DEPTH = 32
TOML_MAX_DEPTH = 16


def _size_words(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit // 1024} KiB"


def read_capped(path: Path, limit: int, what: str = "The file") -> bytes:
    """At most ``limit`` bytes of ``path``, or ``InputTooLargeError`` (read stops at limit+1).

    ``what`` names the file for the message ("Answers file x.json"). A missing file, a folder
    or an unreadable file is ``InputUnreadableError``; no traceback reaches the user."""
    too_big = InputTooLargeError(
        f"{what} is larger than {_size_words(limit)}, the most this kind of file may be, so it "
        "was not read. Check that you chose the right file."
    )
    try:
        with open(path, "rb") as handle:
            try:
                size = os.fstat(handle.fileno()).st_size
            except OSError:
                size = 0
            if size > limit:
                raise too_big
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise InputUnreadableError(f"{what} does not exist. Check the name and folder.") from exc
    except IsADirectoryError as exc:
        raise InputUnreadableError(f"{what} is a folder, not a file.") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputUnreadableError(f"{what} cannot be read ({reason}).") from exc
    if len(data) > limit:
        raise too_big
    return data


def decode_text(data: bytes, what: str = "The file") -> str:
    """UTF-8 text (a leading byte-order mark dropped), or a message saying where it is not."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputUnreadableError(
            f"{what} is not UTF-8 text (byte {exc.start} cannot be read). Save it as UTF-8 "
            "and try again."
        ) from exc


def read_text_capped(path: Path, limit: int, what: str = "The file") -> str:
    """``read_capped`` then strict UTF-8."""
    return decode_text(read_capped(path, limit, what), what)


_JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_TOML_SKIPPED = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*'
)
_OPENERS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str, kind: str = "json") -> int:
    """The deepest bracket nesting in JSON or TOML text, strings and comments left out.

    A scan by regular expressions (C speed), so it costs little even at the size caps, and it
    never recurses: it runs before a parser that would."""
    stripped = (_JSON_STRINGS if kind == "json" else _TOML_SKIPPED).sub("", text)
    depth = deepest = 0
    for match in _OPENERS.finditer(stripped):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def check_nesting(text: str, kind: str, what: str, limit: int | None = None) -> None:
    """Refuse JSON (``kind="json"``) or TOML text nested deeper than the limit."""
    most = limit or (JSON_MAX_DEPTH if kind == "json" else TOML_MAX_DEPTH)
    if nesting_depth(text, kind) > most:
        raise InputUnreadableError(
            f"{what} is nested more than {most} levels deep, more than any real file of its "
            "kind, so it was not read."
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
