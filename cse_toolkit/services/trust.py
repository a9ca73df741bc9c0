"""Whose packs this vault accepts: checking a pack (signature before any parsing), the
fingerprint a DSL reads over the phone, and the signed decision to trust a sender's key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cse_toolkit.errors import UserError
from cse_toolkit.packs.pdfpack import VerifiedPack, open_pack
from cse_toolkit.packs.schema import MAX_SHORT
from cse_toolkit.vault.exchange_repo import TrustRow

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class UnknownSigner(UserError):
    """(2) The first pack signed by a key this vault has not confirmed: nothing is imported
    until a DSL has checked the fingerprint with the sender."""

    def __init__(self, fingerprint: str, sender: str) -> None:
        from cse_toolkit.core.safetext import safe_text

        self.fingerprint = fingerprint
        super().__init__(
            f"This pack is signed by a key this vault has not seen before: {fingerprint} "
            f"(the pack says it is from {safe_text(sender)[:200]}). Nothing was imported. Ask "
            "the sender, by phone, to read out the fingerprint shown in their app; if it "
            f"matches, import again with --expect-signer '{fingerprint}'."
        )


def _normal_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def _is_fingerprint(text: str) -> bool:
    return len(_normal_fingerprint(text)) == 16 and len(text.strip()) <= 24


def fingerprint_matches(typed: str, fingerprint: str) -> bool:
    """Does what the DSL typed (spaces, case and dashes aside) match the fingerprint?"""
    return bool(typed.strip()) and _normal_fingerprint(typed) == _normal_fingerprint(fingerprint)


def verify(path: Path, password: str, expected_signer: str | None = None) -> VerifiedPack:
    """Check a pack without importing; returns the ``VerifiedPack``.

    ``expected_signer`` is the sender's key (base64) or its fingerprint as read over the phone.
    """
    from cse_toolkit.packs.errors import PackUntrustedSigner

    if expected_signer and _is_fingerprint(expected_signer):
        verified = open_pack(path, password)
        if not fingerprint_matches(expected_signer, verified.signer_fingerprint):
            raise PackUntrustedSigner(
                f"The pack is correctly signed, but by key {verified.signer_fingerprint}, not "
                f"the expected {expected_signer.strip()}. Nothing was imported. Check with the "
                "sender before using it."
            )
        return verified
    return open_pack(path, password, expected_public_key=expected_signer)


def is_trusted(vault: Vault, signer_public_key: str) -> bool:
    """Has a DSL of this vault confirmed this signing key (or imported from it before)?

    The decision counts only when it carries the signature of the DSL (or, for senders from
    before per-person keys, the admin who signed the registry) who made it: a row added around
    the app does not skip the fingerprint check.
    """
    from cse_toolkit.vault.vault import trust_message

    row = vault.exchange.trust_row(signer_public_key)
    if row is None:
        return False
    state = vault.registry
    if not state.signed:
        return True  # a vault from before per-person keys: nothing to check yet
    signer, sig = row.signed_by, row.sig
    entry = state.current.get(signer)
    if not sig or entry is None or entry.role not in ("dsl", "admin"):
        return False
    message = trust_message(vault.vault_id, signer_public_key, signer)
    return state.signed_by(signer, sig, message)


@dataclass(frozen=True)
class TrustedSigner:
    public_key: str
    fingerprint: str
    sender: str
    decided_by: str
    decided_at: str
    how: str


def trusted_signers(vault: Vault) -> list[TrustedSigner]:
    from cse_toolkit.packs.signing import fingerprint

    return [
        TrustedSigner(
            r.public_key,
            r.fingerprint or fingerprint(r.public_key),
            r.sender,
            r.decided_by,
            r.decided_at,
            r.how,
        )
        for r in vault.exchange.trusted()
    ]


def trust(vault: Vault, verified: VerifiedPack, how: str) -> None:
    """Inside a write: keep the DSL's decision about this signer, audited."""
    from cse_toolkit.vault.vault import trust_message

    sig = vault.sign(trust_message(vault.vault_id, verified.signer_public_key, vault.user.name))
    vault.exchange.set_trusted(
        TrustRow(
            verified.signer_public_key,
            verified.signer_fingerprint,
            verified.pack.sender.name[:MAX_SHORT],
            vault.user.name,
            vault.now_iso(),
            how,
            vault.user.name,
            sig,
        )
    )
    vault.audit(
        "import.trust", "signer", verified.signer_fingerprint.replace(" ", ""), None, f"how={how}"
    )
