"""The exact bytes a person signs for each kind of decision (a contract: changing one breaks
every signature already made).

Kept apart from ``vault.py`` so the repositories that make and check these signatures do not
import the vault itself (no import cycle); ``vault.vault`` re-exports them.
"""

from __future__ import annotations

import hashlib


def trust_message(vault_id: str, public_key: str, signer: str) -> bytes:
    """What a DSL signs when they confirm a sender's key (a trust row is worthless unsigned)."""
    return f"cse-toolkit/trusted-signer/v1|{vault_id}|{public_key}|{signer}".encode()


def level_message(vault_id: str, child_id: str, level: str, tool: str, signer: str) -> bytes:
    """What a person signs when they set a child's confirmed level."""
    return f"cse-toolkit/child-level/v1|{vault_id}|{child_id}|{level}|{tool}|{signer}".encode()


def signoff_message(
    vault_id: str,
    signoff_id: str,
    screening_id: str,
    decision: str,
    level: str | None,
    comment: str,
    chain_seq: int,
    chain_hash: str,
    signer: str,
) -> bytes:
    """What a DSL signs with a sign-off (the comment included, so it cannot be reworded)."""
    comment_hash = hashlib.sha256(comment.encode("utf-8")).hexdigest()
    return (
        f"cse-toolkit/signoff/v1|{vault_id}|{signoff_id}|{screening_id}|{decision}|"
        f"{level or ''}|{comment_hash}|{chain_seq}|{chain_hash}|{signer}"
    ).encode()
