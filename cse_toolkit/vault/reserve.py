"""Space kept back in the vault folder so a full disk is named as full and loses nothing.

Two preallocated files sit beside the database (issue 22 item 4):

* ``reserve.bin`` (``RESERVE_BYTES``, 4 MiB): given back to the file system the moment the
  disk is nearly full (``make_room``: before opening the vault and before each write), so the
  vault still opens, drafts and audit entries still save, and the user is told the disk is full
  instead of meeting "damaged". Made again when space returns (``ensure``).
* ``rescue.bin`` (``RESCUE_BYTES``, 1 MiB): never given back. When even the freed reserve is
  used up and a draft cannot be written to the database, the draft is written *into* this file,
  in place (its blocks are already allocated, so no free space is needed on ordinary file
  systems), encrypted with AES-256-GCM under a key derived from the vault's data key
  (``stash_key``). The next unlock moves it back into the vault's drafts (``take``).

Both files hold zeros or ciphertext only. Their sizes are not secret. IT can change the
reserve's size with ``CSE_TOOLKIT_RESERVE_KIB`` (default 4096; 0 turns both files off, e.g. on a
thin virtual desktop); the test suite sets it small so thousands of test vaults stay cheap. On copy-on-write file
systems (btrfs, APFS) overwriting in place can still need new blocks; there the rescue write
can fail like any other, and the user is told (``DiskFullError``).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import struct
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cse_toolkit.fsutil import DiskFullError, fsync_dir

RESERVE_FILE = "reserve.bin"
RESCUE_FILE = "rescue.bin"
RESERVE_BYTES = 4 * 1024 * 1024  # the default; ``reserve_bytes()`` is the size in force
RESCUE_BYTES = 1024 * 1024
# Below this much free space the reserve is given back before a write or an open: more than
# any one transaction of the app needs (a note is at most 200,000 characters).
LOW_WATER = 2 * 1024 * 1024
_MAGIC = b"CSE-RESCUE-1\n"
_HEAD = struct.Struct(">I")
_CHUNK = 1024 * 1024


def reserve_bytes() -> int:
    """The reserve's size: ``CSE_TOOLKIT_RESERVE_KIB`` (0-65536 KiB) or 4 MiB."""
    raw = os.environ.get("CSE_TOOLKIT_RESERVE_KIB", "")
    if raw.isdigit() and int(raw) <= 65536:
        return int(raw) * 1024
    return RESERVE_BYTES


def rescue_bytes() -> int:
    size = reserve_bytes()
    return 0 if size == 0 else min(RESCUE_BYTES, max(size // 4, 64 * 1024))


def free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def _allocate(path: Path, size: int) -> None:
    """A file of ``size`` zero bytes with its blocks really allocated (not sparse)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(fd, 0, size)
        else:  # Windows, macOS: write the zeros
            left = size
            block = bytes(_CHUNK)
            while left:
                left -= os.write(fd, block[: min(left, _CHUNK)])
        os.fsync(fd)
    except OSError:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)


def ensure(folder: Path) -> bool:
    """Make the reserve and rescue files when they are missing and there is room for them
    with space to spare (never the user's last megabytes); True when both exist."""
    if reserve_bytes() == 0:
        return False
    for name, size in ((RESCUE_FILE, rescue_bytes()), (RESERVE_FILE, reserve_bytes())):
        path = folder / name
        if path.exists():
            continue
        if free_bytes(folder) < size * 2 + LOW_WATER:
            return False
        try:
            _allocate(path, size)
        except OSError:
            return False
    fsync_dir(folder)
    return True


def make_room(folder: Path) -> bool:
    """Give the reserve back when the disk is nearly full; True when it was just released."""
    path = folder / RESERVE_FILE
    if not path.exists() or free_bytes(folder) >= LOW_WATER:
        return False
    return release(folder)


def release(folder: Path) -> bool:
    try:
        (folder / RESERVE_FILE).unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False
    fsync_dir(folder)
    return True


def is_full(folder: Path) -> bool:
    """The disk is (nearly) full and no reserve is left to give back."""
    return not (folder / RESERVE_FILE).exists() and free_bytes(folder) < LOW_WATER


def stash_key(dek: bytes, vault_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=vault_id.encode("ascii"),
        info=b"cse-toolkit rescue file for drafts",
    ).derive(dek)


def _read(folder: Path, key: bytes) -> list[dict[str, Any]]:
    path = folder / RESCUE_FILE
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_MAGIC) + _HEAD.size)
            if not head.startswith(_MAGIC):
                return []
            (length,) = _HEAD.unpack(head[len(_MAGIC) :])
            if length > RESCUE_BYTES * 64:
                return []
            blob = handle.read(length)
    except OSError:
        return []
    try:
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], _MAGIC)
        found = json.loads(plain)
    except (InvalidTag, ValueError):
        return []  # another vault's key or a damaged file: nothing to give back
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def _write(folder: Path, key: bytes, drafts: list[dict[str, Any]]) -> None:
    path = folder / RESCUE_FILE
    body = json.dumps(drafts, ensure_ascii=False).encode("utf-8")
    nonce = os.urandom(12)
    blob = nonce + AESGCM(key).encrypt(nonce, body, _MAGIC)
    record = _MAGIC + _HEAD.pack(len(blob)) + blob
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DiskFullError("the draft") from exc
    if len(record) > size:
        raise DiskFullError("the draft (too long even for the rescue space)")
    try:
        # In place, within the blocks allocated when the file was made: no new space needed.
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            os.write(fd, record)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError("the draft") from exc
        raise


def stash(folder: Path, key: bytes, draft: dict[str, Any]) -> None:
    """Keep one draft (its id, user, kind, target, payload, time) in the rescue file, replacing
    an earlier copy of the same draft. Raises ``DiskFullError`` when it cannot."""
    drafts = [d for d in _read(folder, key) if d.get("id") != draft["id"]]
    _write(folder, key, [*drafts, draft])


def take(folder: Path, key: bytes) -> list[dict[str, Any]]:
    """The drafts kept in the rescue file (empty when none)."""
    return _read(folder, key)


def clear(folder: Path) -> None:
    """Forget the stash once its drafts are back in the vault (the header is zeroed in place)."""
    path = folder / RESCUE_FILE
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return
    try:
        os.write(fd, bytes(len(_MAGIC) + _HEAD.size))
        os.fsync(fd)
    finally:
        os.close(fd)
