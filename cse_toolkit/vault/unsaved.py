"""Drafts that neither the database nor the rescue file could take (issue 22 item 4, the last
fallback), and the sealed form in which they are handed to the fresh lock-screen process.

``Repositories.save_draft`` writes a draft into the vault, or, on a full disk, into the rescue
file (``vault/reserve.py``). When even that fails, the draft is kept here, in this process's
memory (the editor still shows the text), and the listener is told, so the main window can say
so at once (``gui/unsaved_bar.py``). A later save of the same draft, or its deletion,
takes it out again.

At lock the kept drafts are sealed (``seal``): AES-256-GCM under a key derived with HKDF, with
a fresh random salt, from the rescue file's key (itself derived from the vault's data key), so
the fresh lock-screen process (``gui/fresh_lock.py``) holds ciphertext only. ``unseal`` needs
the same vault unlocked again; a wrong key, a damaged or oversized blob raise ``ValueError``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CSE-KEPT-1\n"
SALT_BYTES = 16
NONCE_BYTES = 12
# Far above what an editor holds (a draft is at most MAX_DRAFT characters, 4 bytes each in
# UTF-8 at worst, a few drafts at once), far below what would hurt the lock screen's memory.
MAX_SEALED = 64 * 1024 * 1024

# The plain names of the kinds of record a draft belongs to (said in counts only).
KIND_NAMES = {
    "note": "a note",
    "note_amendment": "a note's correction",
    "child_form": "a child's details",
    "export_form": "an export",
    "incident": "an incident",
    "intel_fact": "an intelligence report",
    "pathway_step": "a pathway step",
    "screening_wizard": "a screening",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, "a draft")


def text_chars(value: Any) -> int:
    """The characters of typed text in a draft's payload (every string in it)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(text_chars(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(text_chars(v) for v in value)
    return 0


def draft_chars(draft: dict[str, Any]) -> int:
    """Characters of text in one kept draft (its payload is the JSON text the vault stores)."""
    try:
        return text_chars(json.loads(str(draft.get("payload", ""))))
    except ValueError:
        return len(str(draft.get("payload", "")))


class Unsaved:
    """This process's drafts that could not be written anywhere (thread-safe: drafts are
    written on the draft lane). ``listener`` is called, from the writing thread, after each
    change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drafts: dict[str, dict[str, Any]] = {}
        self.listener: Callable[[], None] | None = None

    def keep(self, draft: dict[str, Any]) -> None:
        with self._lock:
            self._drafts[str(draft["id"])] = dict(draft)
        self._tell()

    def drop(self, draft_id: str) -> None:
        with self._lock:
            found = self._drafts.pop(draft_id, None)
        if found is not None:
            self._tell()

    def drop_like(self, user_id: str, kind: str, target_id: str | None) -> None:
        """Forget the kept drafts of this user, kind and target (a newer one has saved)."""
        with self._lock:
            gone = [
                k
                for k, d in self._drafts.items()
                if (d.get("user_id"), d.get("kind"), d.get("target_id"))
                == (user_id, kind, target_id)
            ]
            for k in gone:
                del self._drafts[k]
        if gone:
            self._tell()

    def drafts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(d) for d in self._drafts.values()]

    def summary(self) -> dict[str, int]:
        """Characters per kind (non-secret: counts and kinds only)."""
        out: dict[str, int] = {}
        for draft in self.drafts():
            kind = str(draft.get("kind", ""))
            out[kind] = out.get(kind, 0) + draft_chars(draft)
        return out

    def clear(self) -> None:
        with self._lock:
            had = bool(self._drafts)
            self._drafts.clear()
        if had:
            self._tell()

    def _tell(self) -> None:
        listener = self.listener
        if listener is not None:
            listener()


def _key(base: bytes, salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=salt,
        info=b"cse-toolkit unsaved drafts handed to the lock screen",
    ).derive(base)


def seal(base: bytes, drafts: list[dict[str, Any]]) -> bytes:
    """The drafts as one sealed blob (``MAGIC``, salt, nonce, AES-GCM ciphertext)."""
    body = json.dumps(drafts, ensure_ascii=False).encode("utf-8")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    blob = MAGIC + salt + nonce + AESGCM(_key(base, salt)).encrypt(nonce, body, MAGIC + salt)
    if len(blob) > MAX_SEALED:
        raise ValueError("too much unsaved text to hand over")
    return blob


def unseal(base: bytes, blob: bytes) -> list[dict[str, Any]]:
    """The drafts in ``blob``; ``ValueError`` for another vault's key, a damaged or an
    oversized blob."""
    head = len(MAGIC) + SALT_BYTES + NONCE_BYTES
    if len(blob) > MAX_SEALED or len(blob) < head + 16 or not blob.startswith(MAGIC):
        raise ValueError("not a sealed handover")
    salt = blob[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    nonce = blob[len(MAGIC) + SALT_BYTES : head]
    try:
        plain = AESGCM(_key(base, salt)).decrypt(nonce, blob[head:], MAGIC + salt)
        found = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise ValueError("the handover does not open with this vault's key") from exc
    if not isinstance(found, list):
        raise ValueError("not a list of drafts")
    return [d for d in found if isinstance(d, dict) and isinstance(d.get("id"), str)]
