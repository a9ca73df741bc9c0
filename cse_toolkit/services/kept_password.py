"""Export offline, phone later (issue 14 item 5): the pack password kept in the outbox entry.

A worker who exports in a car park reads the password out when they phone, from the outbox.
The password is kept in the outbox entry (``exports.kept_password``) until the pack is marked
sent, then erased in the same transaction (``vault.exchange.move_export``). Inside the
encrypted vault it is sealed once more, with AES-256-GCM under a key derived (HKDF-SHA256) from
the exporting person's own Ed25519 signing key, which only their passphrase unwraps: another
user of the same vault, or someone holding only the data key, cannot read it. It is shown only
after the person types their passphrase again (one key derivation, checked against their key
slot), and every showing is audited (``outbox.password``, no secret in the entry).
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cse_toolkit.errors import UserError

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

_INFO = b"cse-toolkit kept pack password v1"


class NoKeptPassword(UserError):
    pass


def _key(vault: Vault) -> bytes:
    secret = vault.signing_key().private_bytes_raw()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)


def _aad(vault: Vault, export_id: str) -> bytes:
    return f"{vault.vault_id}:{vault.user.id}:{export_id}".encode()


def seal(vault: Vault, export_id: str, password: str) -> str:
    """The password sealed for the signed-in person and this outbox entry (base64)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(vault)).encrypt(nonce, password.encode(), _aad(vault, export_id))
    return base64.b64encode(nonce + sealed).decode()


def _unseal(vault: Vault, export_id: str, sealed: str) -> str:
    try:
        raw = base64.b64decode(sealed, validate=True)
        return AESGCM(_key(vault)).decrypt(raw[:12], raw[12:], _aad(vault, export_id)).decode()
    except (ValueError, InvalidTag) as exc:
        raise NoKeptPassword(
            "The kept password cannot be read on this account: only the person who exported "
            "the pack can show it."
        ) from exc


def has_kept_password(vault: Vault, export_id: str) -> bool:
    return bool(vault.exchange.kept_password(export_id))


def check_passphrase(vault: Vault, passphrase: str) -> None:
    """One key derivation (slow, ~1 s: run it off the GUI thread). Raises on a wrong one."""
    vault.slots.unwrap_user_keys(vault.user.name, passphrase)


def reveal(vault: Vault, export_id: str, passphrase: str) -> str:
    """The kept password of the person's own pack, after their passphrase; audited."""
    vault.require("worker", "dsl")
    row = vault.exchange.export_state(export_id)
    if row is None:
        raise NoKeptPassword("That export is no longer in the outbox.")
    state, _version, created_by = row
    if created_by != vault.user.id:
        raise NoKeptPassword("Only the person who exported a pack can show its password.")
    sealed = vault.exchange.kept_password(export_id)
    if state != "exported" or not sealed:
        raise NoKeptPassword(
            "No password is kept for this pack: it is erased when the pack is marked sent."
        )
    check_passphrase(vault, passphrase)
    password = _unseal(vault, export_id, sealed)
    with vault.write("the audit entry"):
        vault.audit("outbox.password", "export", export_id, None, "shown")
    return password
