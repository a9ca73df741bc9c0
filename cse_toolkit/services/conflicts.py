"""Import conflicts a DSL decides: what an import held back (``services.merge``), shown beside
the version here, and the decision to keep the version here or take the pack's.

A decision is refused when the conflicts were changed around the app since the importing DSL
signed them (their hash is in that DSL's ``import.pack`` entry). Either way a decision is
recorded with the import and audited; the import leaves the review queue once every conflict
in it is decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.services import record_kinds as kinds
from cse_toolkit.services.merge import track_import
from cse_toolkit.services.record_kinds import Arrival, local_record

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


@dataclass(frozen=True)
class PendingConflict:
    import_id: str
    pack_id: str
    imported_at: str
    record_type: str
    record_id: str
    child_id: str | None
    why: str
    incoming: dict[str, Any]
    sender: str = ""  # the pack's own words: untrusted, shown as plain text
    signer_fingerprint: str = ""


def local_version(vault: Vault, record_type: str, record_id: str) -> dict[str, Any] | None:
    """The receiver's current version of a record in pack form (JSON), or None if absent.

    For showing a conflict: the local version beside the incoming one.
    """
    if record_type == "level":
        row = vault.exchange.child_level(record_id)
        if row is None:
            return None
        return {
            "type": "level",
            "id": record_id,
            "version": 0,
            "data": {"level": row[0], "tool_id": row[1], "set_by": row[2]},
        }
    local = local_record(vault, record_type, record_id)
    return None if local is None else dict(local.model_dump(mode="json"))


def _conflicts_as_imported(vault: Vault, import_id: str, conflicts: Any) -> bool:
    """Are ``conflicts`` the ones the importing DSL's signed entry names? (Imports from before
    the hash was kept, with no ``decide=`` in their entry, are taken as they are.)"""
    from cse_toolkit.vault.imports_audit import conflicts_digest, recorded_conflicts_digest

    entry = vault.exchange.signed_import_entry(import_id)
    if entry is None:
        return False
    recorded = recorded_conflicts_digest(entry[2])
    return recorded is None or recorded == conflicts_digest(conflicts)


def _record_decision(
    vault: Vault, import_id: str, conflicts: list[Any], target: dict[str, Any], keep: str
) -> None:
    """Mark one conflict of an import decided (by whom, when) and the import resolved once
    every conflict is; the caller audits the decision in the same transaction."""
    target["resolution"] = keep
    target["decided_by"] = vault.user.name
    target["decided_at"] = vault.now_iso()
    done = all(c.get("resolution") for c in conflicts if isinstance(c, dict))
    vault.exchange.set_import_conflicts(import_id, json.dumps(conflicts), done)


def pending_conflicts(vault: Vault) -> list[PendingConflict]:
    """Conflicts from imported packs that no one has decided yet, oldest import first."""
    from cse_toolkit.packs.signing import fingerprint

    vault.require("dsl")
    out: list[PendingConflict] = []
    for imp in vault.exchange.unresolved_imports():
        try:
            sender = str(json.loads(imp.summary or "{}").get("sender", ""))
            signer_fpr = fingerprint(imp.signer)
        except (ValueError, UserError):
            sender, signer_fpr = "", ""
        listed = json.loads(imp.conflicts or "[]")
        altered = (
            ""
            if _conflicts_as_imported(vault, imp.id, listed)
            else (
                "CHANGED AROUND THE APP since the pack was imported: not what the sender sent; "
                "it cannot be decided. "
            )
        )
        for c in listed:
            if isinstance(c, dict) and not c.get("resolution"):
                out.append(
                    PendingConflict(
                        imp.id,
                        imp.pack_id,
                        imp.imported_at,
                        c["record_type"],
                        c["record_id"],
                        c.get("child_id"),
                        altered + str(c.get("why", "")),
                        c.get("incoming", {}),
                        sender,
                        signer_fpr,
                    )
                )
    return out


def _resolve_level(
    vault: Vault, import_id: str, conflicts: list[Any], target: dict[str, Any], keep: str
) -> None:
    """A DSL decides between the level here and the sender's: taking the sender's sets it
    (signed by this DSL); keeping ours changes nothing. Either way it is recorded."""
    data = target.get("incoming", {}).get("data", {})
    child_id = str(target.get("record_id", ""))
    with vault.write("the decision on the level"):
        if keep == "incoming":
            level, tool = str(data.get("level", "")), str(data.get("tool_id", ""))
            if not level:
                raise UserError("The pack's level is not readable; keep the level here.")
            vault.repos.set_confirmed_level(child_id, level, tool)
        _record_decision(vault, import_id, conflicts, target, keep)
        vault.audit(
            f"import.resolve.{keep}", "child", child_id, None, f"level={data.get('level', '')}"
        )


def resolve_conflict(vault: Vault, import_id: str, record_id: str, keep: str) -> None:
    """Decide one conflict: keep the version here ("local") or take the pack's ("incoming").

    Taking the incoming version replaces the record with it (its version becomes the pack's);
    either way the decision is recorded with the import and audited, and the import leaves the
    review queue once every conflict in it is decided.
    """
    from pydantic import TypeAdapter

    vault.require("dsl")
    if keep not in ("local", "incoming"):
        raise UserError("Choose to keep the version here or take the incoming one.")
    imp = vault.exchange.get_import(import_id)
    if imp is None:
        raise UserError("That import is no longer in this vault.")
    conflicts = json.loads(imp.conflicts or "[]")
    if not _conflicts_as_imported(vault, import_id, conflicts):
        raise UserError(
            "The conflicts of this import were changed around the app since the pack was "
            "imported, so what it shows may not be what the sender sent; nothing was decided. "
            "Run 'cse-toolkit audit verify', tell your IT team, and import the pack again."
        )
    target = next(
        (c for c in conflicts if c.get("record_id") == record_id and not c.get("resolution")), None
    )
    if target is None:
        raise UserError("That conflict has already been decided.")
    summary = json.loads(imp.summary or "{}")
    if target.get("record_type") == "level":
        _resolve_level(vault, import_id, conflicts, target, keep)
        return
    record: Any = TypeAdapter(ps.Record).validate_python(target["incoming"])
    with vault.write("the decision on the conflict"):
        if keep == "incoming":
            # No envelope is kept with a conflict: the record comes from the import itself.
            arrival = Arrival(
                origin=f"import:{imp.pack_id}",
                sender=str(summary.get("sender", "imported pack")),
                child_id=target.get("child_id") or None,
                created_at=parse_utc(summary["created_at"])
                if summary.get("created_at")
                else vault.now(),
                pack_format="",
            )
            if local_record(vault, record.type, record.id) is None:
                kinds.add(vault, record, arrival)
            else:
                kinds.replace(vault, record, arrival)
            track_import(vault, record, imp.pack_id, imp.signer)
        _record_decision(vault, import_id, conflicts, target, keep)
        vault.audit(f"import.resolve.{keep}", record.type, record.id, record.version)
    vault.intel.invalidate()
