"""(issue 22) Settling a key-slot file left by an interrupted re-key (``vault/rekey.py``).

Kept apart from the re-key itself so that opening a vault (``vault.Vault.open``) needs only
this, not the module that opens vaults to re-key them.
"""

from __future__ import annotations

from pathlib import Path

from cse_toolkit.vault import db
from cse_toolkit.vault.errors import NotAVaultError, WrongPassphraseError
from cse_toolkit.vault.keyslots import KeySlots, UserKeys

NEW_FILE = db.DB_FILE + ".rekey"


def _opens(folder: Path, dek: bytes) -> bool:
    try:
        conn = db.connect(folder / db.DB_FILE, dek, readonly=True)
    except NotAVaultError:
        return False
    conn.close()
    return True


def settle(folder: Path, slots: KeySlots, name: str, passphrase: str) -> tuple[KeySlots, UserKeys]:
    """A key-slot file left by an interrupted re-key: keep whichever slots open ``vault.db``."""
    (folder / NEW_FILE).unlink(missing_ok=True)
    nxt = slots.next_slots()
    assert nxt is not None
    try:
        keys = slots.unwrap_user_keys(name, passphrase)
        if _opens(folder, keys.dek):
            slots.drop_next()  # the database was not re-keyed: nothing changed
            slots.save()
            return slots, keys
    except WrongPassphraseError:
        pass
    keys = nxt.unwrap_user_keys(name, passphrase)
    if not _opens(folder, keys.dek):
        raise NotAVaultError(str(folder), "neither key of an interrupted re-key opens it")
    nxt.save()  # the database was re-keyed: the new slots only
    return nxt, keys
