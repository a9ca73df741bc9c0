"""The record kinds a pack carries, in one table: for each, the vault table it lives in, its
version here in pack form, the row an incoming record becomes, and what a newer version of it
replaces. The merge policy (``services.merge``) and the conflict decisions
(``services.conflicts``) go through this table instead of branching on the record type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cse_toolkit.core.clock import utc_iso
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.schema import canonical_json
from cse_toolkit.services.records import (
    child_record,
    intel_from_pack,
    intel_record,
    missing_records,
    note_record,
    screening_record,
    step_records,
)
from cse_toolkit.services.records_actions import (
    action_here,
    action_row,
    incident_here,
    store_incident,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


@dataclass(frozen=True)
class Arrival:
    """Where an incoming record comes from: the sender's vault (``import:<pack id>`` for a
    conflict decided later, when no envelope is kept), the sender's name, the pack's child,
    when the pack was made, and its format ("1", "2", or "" for a conflict decided later)."""

    origin: str
    sender: str
    child_id: str | None
    created_at: datetime
    pack_format: str

    @classmethod
    def of_pack(cls, pack: ps.PackModel) -> Arrival:
        return cls(
            origin=pack.vault.id,
            sender=pack.sender.name,
            child_id=next((r.id for r in pack.records if r.type == "child"), None),
            created_at=pack.created_at,
            pack_format=str(pack.schema_version),
        )

    @property
    def by(self) -> str:
        """``created_by`` of the records it brings."""
        return f"import:{self.sender}"[:200]


Row = dict[str, Any]


def _child_row(vault: Vault, record: Any, at: Arrival) -> Row:
    d = record.data
    extra = {
        k: v
        for k, v in d.model_dump(mode="json").items()
        if k
        in (
            "religion",
            "first_language",
            "interpreter_needed",
            "nhs_number",
            "current_address",
            "current_address_reason",
            "phones",
            "gp",
            "description",
            "looked_after_status",
            "disability_health_needs",
        )
        and v not in ("", None, [])
    }
    extra["household_members"] = [
        m.model_dump(mode="json")
        for m in d.household
        if not (m.parental_responsibility and m.relationship == "holds parental responsibility")
    ]
    pr = ", ".join(m.name for m in d.household if m.parental_responsibility)
    from cse_toolkit.core.ids import ref_for

    now = vault.now_iso()
    row: Row = {
        "id": record.id,
        "version": record.version,
        "origin": at.origin,
        "created_at": now,
        "created_by": at.by,
        "updated_at": now,
        "ref": ref_for(record.id),
        "owner_id": vault.user.id,
        "name": " ".join(p for p in (d.given_names, d.family_name) if p),
        "alias": d.other_names[0] if d.other_names else "",
        "dob": d.date_of_birth.isoformat() if d.date_of_birth else None,
        "gender": d.gender,
        "ethnicity": d.ethnicity,
        "school": d.school,
        "address": d.home_address,
        "parental_responsibility": pr,
        "learning_disability": int(bool(d.learning_disability)),
        "details": json.dumps(extra),
    }
    if d.date_of_birth is None and d.age is not None:
        row["approx_age"] = d.age
        row["approx_age_on"] = at.created_at.date().isoformat()
    return row


def _record_meta(vault: Vault, record: Any, at: Arrival) -> Row:
    now = vault.now_iso()
    return {
        "id": record.id,
        "version": record.version,
        "origin": at.origin,
        "created_at": now,
        "created_by": at.by,
        "updated_at": now,
    }


def _note_row(vault: Vault, record: Any, at: Arrival) -> Row:
    d = record.data
    return {
        **_record_meta(vault, record, at),
        "child_id": at.child_id,
        "author_id": f"import:{d.author}"[:200],
        "event_at": utc_iso(d.recorded_at),
        "category": "imported",
        "source": "reported" if d.source != "first_hand" else "first_hand",
        "reported_by": d.source_detail,
        "body": d.text,
    }


def _screening_row(vault: Vault, record: Any, at: Arrival) -> Row:
    d = record.data
    inp = {
        "tool": d.tool_id,
        "tool_version": d.tool_version,
        "child": {
            "age": d.child_age if d.child_age is not None else 0,
            "learning_disability": bool(d.learning_disability),
            "additional_needs": bool(d.additional_needs),
        },
        "immediate_danger": d.immediate_danger,
        "answers": [
            a.model_dump(mode="json", exclude={"label"})
            for s in d.sections
            for a in s.answers
            if a.value != "unknown"
        ],
    }
    outcome = {
        "tool": d.tool_id,
        "tool_version": d.tool_version,
        "suggested_level": d.suggested_level,
        "reasons": [r.model_dump(mode="json") for r in d.reasons],
        "floors_applied": [{"text": f} for f in d.floors_applied],
        "to_verify": [{"label": t} for t in d.to_verify],
        "gaps": [{"label": g} for g in d.gaps],
        "next_steps": {"text": "\n".join(d.next_steps)},
        "imported": True,
    }
    # (2) The child's level is never set here: ``merge`` decides (the sender's level).
    return {
        **_record_meta(vault, record, at),
        "child_id": at.child_id,
        "tool_id": d.tool_id,
        "tool_version": d.tool_version,
        "screened_at": f"{d.screened_on.isoformat()}T00:00:00Z",
        "input": json.dumps(inp),
        "outcome": json.dumps(outcome),
        "suggested_level": d.suggested_level,
        "confirmed_level": d.confirmed_level,
        "confirmed_by": d.confirmed_by or None,
        "confirmed_at": utc_iso(d.confirmed_at) if d.confirmed_at else None,
        "confirm_reason": d.confirmation_reason,
        "status": "confirmed" if d.confirmed_level else "in_progress",
    }


def _step_row(vault: Vault, record: Any, at: Arrival) -> Row | None:
    d = record.data
    if d.status == "pending":
        return None
    if d.fields or d.entered_at is not None or at.pack_format == "2":
        # Format 2: the fields as the sender's engine recorded them; this vault's engine
        # checks them when the case is read, exactly as it checks its own.
        data: dict[str, Any] = {f.id: f.value for f in d.fields}
        reason = d.reason or (d.summary if d.status == "not_applicable" else "")
    else:
        # Format 1 carried only words: kept as such, shown read-only (vault.repos).
        data = {"summary": d.summary, "reference": d.reference}
        reason = d.summary if d.status == "not_applicable" else ""
    return {
        **_record_meta(vault, record, at),
        "created_at": utc_iso(d.entered_at or d.recorded_at),
        "child_id": at.child_id,
        "pathway_id": d.pathway_id,
        "step_id": d.step_id,
        "status": d.status,
        "event_at": utc_iso(d.recorded_at),
        "data": json.dumps(data, ensure_ascii=False),
        "reason": reason,
    }


def _missing_row(vault: Vault, record: Any, at: Arrival) -> Row:
    d = record.data
    return {
        **_record_meta(vault, record, at),
        "child_id": at.child_id,
        "from_at": utc_iso(d.started_at),
        "to_at": utc_iso(d.ended_at) if d.ended_at else None,
        "where_found": d.found_where,
        "return_interview": d.return_interview,
        "notes": d.summary,
        "reported_at": utc_iso(d.reported_at) if d.reported_at else None,
        "police_ref": d.police_reference,
        "returned_by": d.returned_by,
    }


def _action_row(vault: Vault, record: Any, at: Arrival) -> Row:
    return action_row(vault, record, at, _record_meta(vault, record, at))


def _store_incident(vault: Vault, record: Any, at: Arrival, new: bool) -> None:
    store_incident(vault, record, at, _record_meta(vault, record, at), new)


def _step_here(vault: Vault, step_id: str) -> ps.PathwayStepRecord | None:
    child_id = vault.exchange.child_of("pathway_steps", step_id)
    return next((r for r in step_records(vault, child_id or "") if r.id == step_id), None)


def _missing_here(vault: Vault, episode_id: str) -> ps.MissingEpisodeRecord | None:
    child_id = vault.exchange.child_of("missing_episodes", episode_id)
    return next((r for r in missing_records(vault, child_id or "") if r.id == episode_id), None)


def _store_intel(vault: Vault, record: Any, at: Arrival, new: bool) -> None:
    vault.intel.write_imported(intel_from_pack(record), at.origin, new=new)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record a pack carries.

    ``row`` is the vault row an incoming record becomes (None: nothing to keep, e.g. a step
    still pending); ``updates`` the columns a newer version of it replaces (with its version),
    or None when a newer version replaces the whole row; ``store`` writes it instead of a row
    when the record is more than one row (an intelligence report and its index).
    """

    table: str
    here: Callable[[Vault, str], Any]
    row: Callable[[Vault, Any, Arrival], Row | None] | None = None
    updates: tuple[str, ...] | None = None
    store: Callable[[Vault, Any, Arrival, bool], None] | None = None


RECORD_KINDS: dict[str, RecordKind] = {
    "child": RecordKind(
        "children",
        child_record,
        _child_row,
        updates=(
            "name",
            "alias",
            "dob",
            "gender",
            "ethnicity",
            "school",
            "address",
            "learning_disability",
        ),
    ),
    # A note's own words and facts; who wrote it and when it came stay as they arrived.
    "note": RecordKind(
        "notes", note_record, _note_row, updates=("body", "event_at", "source", "reported_by")
    ),
    "screening": RecordKind("screenings", screening_record, _screening_row),
    "pathway_step": RecordKind("pathway_steps", _step_here, _step_row),
    "missing_episode": RecordKind("missing_episodes", _missing_here, _missing_row),
    # Issue 18: incidents before actions in a pack (an action may be about an incident).
    "incident": RecordKind("incidents", incident_here, store=_store_incident),
    "action": RecordKind(
        "actions",
        action_here,
        _action_row,
        updates=("title", "due_at", "status", "done_at", "done_by", "done_note"),
    ),
    "intel_report": RecordKind(
        "intel_reports",
        lambda vault, rid: intel_record(vault.intel.get(rid)),
        store=_store_intel,
    ),
}


def local_record(vault: Vault, record_type: str, record_id: str) -> Any | None:
    """The receiver's current version of a record in pack form, or None if absent (or of a
    type the vault does not keep, such as a referral)."""
    kind = RECORD_KINDS.get(record_type)
    if kind is None or not vault.exchange.exists(kind.table, record_id):
        return None
    return kind.here(vault, record_id)


def add(vault: Vault, record: Any, at: Arrival) -> None:
    """Inside a write: an incoming record the receiver does not have (a referral is not a
    vault record: it stays in the import's summary)."""
    kind = RECORD_KINDS.get(record.type)
    if kind is None:
        return
    if kind.store is not None:
        kind.store(vault, record, at, True)
        return
    assert kind.row is not None
    row = kind.row(vault, record, at)
    if row is not None:
        vault.exchange.insert(kind.table, row)


def replace(vault: Vault, record: Any, at: Arrival) -> None:
    """Inside a write: a newer version of a record the receiver has not changed since its last
    import (or a conflict a DSL decided for the incoming version), audited."""
    kind = RECORD_KINDS[record.type]
    if kind.store is not None:
        kind.store(vault, record, at, False)
    elif kind.updates is not None:
        assert kind.row is not None
        row = kind.row(vault, record, at) or {}
        vault.exchange.update(
            kind.table,
            record.id,
            {
                **{c: row[c] for c in kind.updates},
                "version": record.version,
                "updated_at": vault.now_iso(),
            },
        )
    else:
        # Screenings, steps and episodes untouched here since import are replaced whole.
        vault.exchange.delete(kind.table, record.id)
        add(vault, record, at)
    vault.audit("import.update", record.type, record.id, record.version)


def content_hash(record: Any) -> str:
    return hashlib.sha256(canonical_json(record.model_dump(mode="json"))).hexdigest()


def data_hash(record: Any) -> str:
    """The record's content without its version: a child's version also moves when its level
    is set, which is not part of the child's data in a pack."""
    return hashlib.sha256(canonical_json(record.data.model_dump(mode="json"))).hexdigest()
