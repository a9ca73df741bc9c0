"""(issue 22) "My passphrase may be known": re-key the database, not only the slot.

An ordinary passphrase change re-wraps the data key: anyone holding an old ``keyslots.json`` (a
backup, a copy) and the old passphrase still has the key that opens the live database. A re-key
makes a new data key and re-encrypts the database with it, so nothing from before opens the
live vault: no old key-slot file, no backup's slot, no old passphrase.

* the person re-keying gets a slot for the new key under their new passphrase;
* everyone else gets the new key sealed to their handover key (``KeySlots.seal_handover``) and
  takes it at their next unlock with their own passphrase; a slot without one (its owner has not
  unlocked since issue 22) is closed and named (recovery key or a DSL then);
* a new recovery key (shown once); the organisation slot is sealed again to the same key.

Crash-safe, step by step (``tests/reliability/test_rekey_kills.py`` kills at each):

1. an audit entry ``passphrase.rekey`` in the database, checkpointed;
2. the key-slot file gets the new slots beside the current ones (``rekey_next``);
3. the database is exported, re-encrypted, into ``vault.db.rekey`` (SQLCipher's
   ``sqlcipher_export``), fsync'd;
4. one rename puts it in place of ``vault.db``;
5. the key-slot file becomes the new slots (the old data key is gone from it).

Opening after a crash between 2 and 5 (``settle``): whichever data key opens ``vault.db`` wins
and the key-slot file is made to match; a half-written ``vault.db.rekey`` is removed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import fsync_dir
from cse_toolkit.vault import db
from cse_toolkit.vault.errors import NotAVaultError
from cse_toolkit.vault.keyslots import KdfParams, KeySlots, calibrate, new_recovery_key
from cse_toolkit.vault.rekey_state import NEW_FILE

Progress = Callable[[float, str], None]


@dataclass
class RekeyResult:
    user: str
    recovery_key: str
    handed_over: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


def rekey(
    folder: Path,
    user: str | None,
    old: str,
    new: str,
    kdf: KdfParams | None = None,
    *,
    policy: Any = None,
    progress: Progress | None = None,
) -> RekeyResult:
    """Re-encrypt the vault under a new data key; ``new`` becomes this person's passphrase."""
    from cse_toolkit.vault.vault import Vault, _pick_user, _require_folder

    say = progress or (lambda fraction, words: None)
    say(0.0, "checking your passphrase")
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    vault = Vault.open(folder, name, old, policy=policy)
    try:
        keys = slots.unwrap_user_keys(name, old)
        with vault.write("the re-key"):
            vault.audit("passphrase.rekey", "user", vault.user.id, None, "data key replaced")
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = [
            str(r[0])
            for r in vault.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        ]
    finally:
        vault.close()
    slots = KeySlots.load(folder)
    say(0.1, "preparing the new keys")
    dek = secrets.token_bytes(32)
    params = kdf or calibrate()[0]
    nxt = slots.copy()
    result = RekeyResult(name, new_recovery_key())
    nxt.set_user(name, new, dek, params, signing=keys.signing, root=keys.root)
    for other in nxt.user_names:
        if other == name:
            continue
        if nxt.seal_handover(other, dek):
            result.handed_over.append(other)
        else:
            result.closed.append(other)
    nxt.set_recovery(result.recovery_key, dek)
    recipient = nxt.organisation_recipient()
    if recipient:
        nxt.set_organisation(recipient, dek)
    nxt.set_generation(slots.generation + 1)  # saved as one more than the file beside it
    slots.set_next(nxt)
    slots.save()  # step 2
    _export(folder, keys.dek, dek, len(tables), say)  # step 3
    os.replace(folder / NEW_FILE, folder / db.DB_FILE)  # step 4
    fsync_dir(folder)
    say(0.95, "saving the new key slots")
    nxt.save()  # step 5
    say(1.0, "done")
    return result


def _export(folder: Path, old_dek: bytes, new_dek: bytes, tables: int, say: Progress) -> None:
    target = folder / NEW_FILE
    target.unlink(missing_ok=True)
    conn = db.connect(folder / db.DB_FILE, old_dek)
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        # The export runs one statement per table; the handler fires as it goes.
        say(min(0.9, 0.15 + 0.75 * steps[0] / max(1, steps[0] + tables)), "re-encrypting")
        return 0

    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.set_progress_handler(tick, 20_000)
        conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{new_dek.hex()}'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('rekeyed')")
        conn.execute(f"PRAGMA rekeyed.user_version = {int(version)}")
        conn.execute("DETACH DATABASE rekeyed")
        conn.set_progress_handler(None, 0)
    except db.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise db.translate(exc, "the re-encrypted copy") from exc
    finally:
        conn.close()
    with target.open("rb+") as f:
        os.fsync(f.fileno())
    if not _new_opens(target, new_dek):
        target.unlink(missing_ok=True)
        raise UserError("The re-encrypted copy could not be checked; nothing was changed.")


def _new_opens(target: Path, dek: bytes) -> bool:
    try:
        conn = db.connect(target, dek, readonly=True)
    except NotAVaultError:
        return False
    try:
        return bool(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        conn.close()
