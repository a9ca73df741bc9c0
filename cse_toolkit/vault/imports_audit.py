"""The integrity of imports: the hash of an import's conflicts that the importing DSL signs
into their ``import.pack`` audit entry, that entry looked up and checked, and the checks
``audit verify`` runs over every import (``Vault.audit_report``).

Kept apart from ``vault.py`` so ``vault.exchange`` and the services can use them without
importing the vault itself; ``vault.vault`` re-exports them.
"""

from __future__ import annotations

from typing import Any

from cse_toolkit.vault import audit, registry

CONFLICT_DECISION_KEYS = ("resolution", "decided_by", "decided_at")


def conflicts_digest(conflicts: Any) -> str:
    """(2) The hash of an import's conflicts as the pack brought them (decisions left out),
    named in the importing DSL's signed ``import.pack`` entry: a conflict whose incoming version
    was edited, or one removed, no longer matches."""
    import hashlib
    import json

    items = [
        {k: v for k, v in c.items() if k not in CONFLICT_DECISION_KEYS}
        if isinstance(c, dict)
        else c
        for c in conflicts
    ]
    return hashlib.sha256(
        json.dumps(items, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def recorded_conflicts_digest(reason: str) -> str | None:
    """The ``decide=`` hash in an ``import.pack`` entry's reason (None before it was kept)."""
    import re

    found = re.search(r"\bdecide=([0-9a-f]{64})\b", reason)
    return found.group(1) if found else None


def import_entry(
    conn: Any, vault_id: str, state: registry.RegistryState, import_id: str
) -> tuple[int, str, str] | None:
    """The ``import.pack`` entry of ``import_id`` as (seq, actor, reason), if it is there,
    unchanged and signed by its actor's registered key (else None)."""
    row = conn.execute(
        "SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
        " prev_hash, hash, sig, content FROM audit WHERE action = 'import.pack'"
        " AND record_id = ?",
        (import_id,),
    ).fetchone()
    if row is None:
        return None
    seq, at, actor, action, record_type, record_id, version, reason, prev = row[:9]
    # (issue 22) the entry's hash also covers the content hashes of the records it bound
    digest = audit.row_hash(
        seq, at, actor, action, record_type, record_id, version, reason, prev, str(row[11] or "")
    )
    if digest != row[9]:
        return None
    legacy = not row[10] and int(row[0]) <= state.legacy_until  # from before personal keys
    if (
        state.signed
        and not legacy
        and not state.signed_by(row[2], row[10], audit.signed_message(vault_id, row[9]))
    ):
        return None
    return int(row[0]), str(row[2]), str(row[7])


def import_problems(conn: Any, vault_id: str, state: registry.RegistryState) -> list[str]:
    """(2) Every import a DSL recorded is still there with the conflicts the pack brought, and
    every conflict marked decided was decided by the person named, in the audit trail."""
    import json

    found: list[str] = []
    decisions: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for seq, actor, action, record_id in conn.execute(
        "SELECT seq, actor, action, record_id FROM audit"
        " WHERE action IN ('import.resolve.local', 'import.resolve.incoming')"
    ).fetchall():
        decisions.setdefault((str(action), str(record_id)), []).append((int(seq), str(actor)))
    for seq, actor, import_id, reason in conn.execute(
        "SELECT seq, actor, record_id, reason FROM audit WHERE action = 'import.pack' ORDER BY seq"
    ).fetchall():
        row = conn.execute(
            "SELECT conflicts, resolved FROM imports WHERE id = ?", (import_id,)
        ).fetchone()
        label = f"import {str(import_id)[:8]} (entry {seq}, by {actor})"
        if row is None:
            found.append(
                f"{label} is in the audit trail but its record is gone: removed around the app"
            )
            continue
        try:
            conflicts = json.loads(row[0] or "[]")
        except ValueError:
            found.append(f"{label}: its conflicts are not readable")
            continue
        recorded = recorded_conflicts_digest(str(reason))
        if recorded is not None and recorded != conflicts_digest(conflicts):
            found.append(
                f"{label}: its conflicts were changed around the app since the pack "
                "was imported (an incoming version edited or a conflict removed)"
            )
        for c in conflicts:
            if not isinstance(c, dict) or not c.get("resolution"):
                continue
            key = (f"import.resolve.{c['resolution']}", str(c.get("record_id", "")))
            if not any(s > seq and who == c.get("decided_by") for s, who in decisions.get(key, [])):
                found.append(
                    f"{label}: a conflict is marked decided ({c['resolution']}) by "
                    f"{c.get('decided_by', 'nobody')}, but no such decision is in the "
                    "audit trail (marked around the app)"
                )
        done = all(isinstance(c, dict) and c.get("resolution") for c in conflicts)
        if bool(row[1]) and not done:
            found.append(
                f"{label}: marked decided while a conflict still waits (marked around the app)"
            )
    return found
