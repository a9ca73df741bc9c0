"""Import: a verified pack merged into this vault, never lowering protection (DESIGN.md, (2)).

Records are merged by id and version: a record the receiver does not have is added; the same
record again changes nothing; a newer version of a record the receiver has not touched since it
was imported replaces it; anything else is a conflict kept for a person to decide
(``services.conflicts``), never an overwrite. A pack older than one already imported from the
same sender for the same records is refused as a replay. The pack is verified before any of it
is parsed (``services.trust``) and merged in one transaction: all of it or none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue
from cse_toolkit.core.clock import utc_iso
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.services import record_kinds as kinds
from cse_toolkit.services.record_kinds import Arrival, content_hash, data_hash, local_record
from cse_toolkit.services.records_actions import link_incidents
from cse_toolkit.services.trust import UnknownSigner, is_trusted, trust, verify

if TYPE_CHECKING:
    from cse_toolkit.vault.exchange_repo import Tracked
    from cse_toolkit.vault.vault import Vault


class ReplayedPack(UserError):
    pass


@dataclass
class Conflict:
    record_type: str
    record_id: str
    child_id: str | None
    local_version: int
    incoming_version: int
    why: str
    incoming: dict[str, Any]


@dataclass
class ImportReport:
    pack_id: str
    kind: str
    signer_fingerprint: str
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    already_imported: bool = False
    new_signer: bool = False
    # (ref of the child this pack added, ref of a child already here who may be the same
    # child: same name, alias or date of birth). Nothing is merged; a person compares them.
    possible_duplicates: list[tuple[str, str]] = field(default_factory=list)
    # (2) Children already here with the new child's name and date of birth (their refs): the
    # pack made a separate record, which never changes theirs; a person checks which is which.
    same_person: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Pack {self.pack_id} ({self.kind}) signed by {self.signer_fingerprint}"]
        if self.already_imported:
            out.append("This pack was imported before: nothing changed.")
        for label, counts in (("Added", self.added), ("Updated", self.updated)):
            if counts:
                out.append(f"{label}: " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())))
        if self.unchanged:
            out.append(f"Unchanged: {self.unchanged} record(s) already here")
        if self.same_person:
            out.append(
                "A child with the same name and date of birth is already here ("
                + ", ".join(self.same_person)
                + "): this pack made a separate record and did "
                "not change theirs. Check whether it is the same child before relying on "
                "either record's level."
            )
        for new_ref, old_ref in self.possible_duplicates:
            if old_ref in self.same_person:
                continue  # said just above
            out.append(
                f"The child {new_ref} may be the same child as {old_ref} (same name or "
                "date of birth): compare the two records before acting; nothing was "
                "merged."
            )
        if self.conflicts:
            out.append(f"Conflicts for a person to decide: {len(self.conflicts)}")
            for c in self.conflicts:
                out.append(f"  {c.record_type} {c.record_id[:8]}: {c.why}")
        return out


def track_import(vault: Vault, record: Any, pack_id: str, signer: str) -> None:
    """Remember which version of ``record`` arrived and which local version it became, so the
    next import can tell "unchanged here since" (update) from "changed here" (conflict)."""
    local_now = local_record(vault, record.type, record.id)
    vault.exchange.track(
        record.id,
        record.type,
        record.version,
        local_now.version if local_now else record.version,
        content_hash(record),
        pack_id,
        signer,
        data_hash(local_now or record),
    )


def _unchanged_here(local: Any, tracked: Tracked) -> bool:
    """Is the record here as it was after its last import (content, else version)?"""
    if tracked.local_data_hash:
        return data_hash(local) == tracked.local_data_hash
    return bool(local.version == tracked.local_version)


def import_pack(
    vault: Vault,
    path: Path,
    password: str,
    expected_signer: str | None = None,
    *,
    confirmed: str | None = None,
) -> ImportReport:
    """Verify and merge a pack. Imports never lower protection (DESIGN.md, (2)):

    * the first pack signed by a key this vault has not confirmed is refused (``UnknownSigner``)
      unless the DSL expects this signer (``expected_signer``: key or fingerprint) or has just
      confirmed it (``confirmed``: how, e.g. "typed" or "compared"); the decision is kept;
    * a pack about a child that exists here with another origin is held whole as conflicts;
    * an incoming screening is stored as the sender's screening and never changes the level of
      a child that has one here: a different level is a conflict for a DSL to decide;
    * a record signed off or changed here since it was imported is never replaced.
    """
    vault.require("dsl")
    verified = verify(path, password, expected_signer)
    pack = verified.pack
    if pack.kind == "chronology":
        raise UserError(
            "This is a chronology pack: a document to read (open it with the password in any "
            "PDF reader), not records to import. Nothing was imported."
        )
    report = ImportReport(pack.pack_id, pack.kind, verified.signer_fingerprint)
    if pack.vault.id == vault.vault_id:
        raise UserError("This pack was exported from this vault; there is nothing to import.")
    store = vault.exchange
    if store.pack_imported(pack.pack_id):
        report.already_imported = True
        report.unchanged = len(pack.records)
        return report
    trusted = is_trusted(vault, verified.signer_public_key)
    if not trusted and not expected_signer and not confirmed:
        raise UnknownSigner(verified.signer_fingerprint, pack.sender.name)
    report.new_signer = not trusted
    _refuse_replay(vault, pack, verified.signer_public_key)
    now = vault.now_iso()
    arrival = Arrival.of_pack(pack)
    pack_child = arrival.child_id
    here = store.child_origin_level(pack_child) if pack_child else None
    # A child already here from another vault, or first sent by another key (a pack can name
    # any vault id, but not sign with that sender's key), is held whole for a DSL to decide.
    first = store.tracked(pack_child) if here is not None and pack_child else None
    foreign = here is not None and (
        here[0] != pack.vault.id
        or (first is not None and first.signer != verified.signer_public_key)
    )
    to_track: list[Any] = []

    def conflict(record: Any, local_version: int, why: str) -> None:
        report.conflicts.append(
            Conflict(
                record.type,
                record.id,
                pack_child,
                local_version,
                record.version,
                why,
                record.model_dump(mode="json"),
            )
        )

    with vault.write("the imported pack"):
        if not trusted:
            trust(vault, verified, "expect-signer" if expected_signer else confirmed or "")
        for record in pack.records:
            if record.type == "referral":
                continue  # kept in the import summary below; not a vault record
            local = local_record(vault, record.type, record.id)
            if foreign:
                # Someone else's pack naming a child that came from elsewhere: nothing merges
                # into the record here without a DSL deciding.
                conflict(
                    record,
                    local.version if local else 0,
                    "this child is already here from another source (another vault or "
                    "another sender's key); nothing in this pack was merged into it",
                )
                continue
            if _merge_record(vault, record, local, arrival, here, pack, report, conflict):
                to_track.append(record)
        from cse_toolkit.services.pack_attachments import bring_across

        attached = bring_across(vault, verified, merged=not foreign)
        if attached:
            report.added["attachment"] = attached
        # Tracked after every record is in: a screening may have set a new child's level,
        # and the child's local version must be the one after that (else the next pack
        # raises a false "changed here since it was imported").
        for record in to_track:
            track_import(vault, record, pack.pack_id, verified.signer_public_key)
        if not foreign:
            link_incidents(vault, pack, arrival)
        from cse_toolkit.core.ids import ref_for

        for record in pack.records:
            if record.type == "child" and report.added.get("child"):
                report.possible_duplicates += [
                    (ref_for(record.id), ref) for ref in possible_duplicates(vault, record.id)
                ]
        referral = next((r for r in pack.records if r.type == "referral"), None)
        summary = {
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "sender": pack.sender.name,
            "organisation": pack.organisation,
            "created_at": utc_iso(pack.created_at),
            "referral": referral.data.model_dump(mode="json") if referral else None,
            "sharing_decision": pack.sharing_decision.model_dump(mode="json"),
        }
        import_id = str(uuid.uuid4())
        from cse_toolkit.vault.imports_audit import conflicts_digest

        conflicts_json = json.dumps([c_.__dict__ for c_ in report.conflicts])
        store.add_import(
            {
                "id": import_id,
                "pack_id": pack.pack_id,
                "kind": pack.kind,
                "signer": verified.signer_public_key,
                "signer_audit_seq": pack.audit_chain_head.seq,
                "imported_at": now,
                "imported_by": vault.user.id,
                "summary": json.dumps(summary),
                "conflicts": conflicts_json,
            }
        )
        # (2) The conflicts' hash goes into the DSL's signed entry: an incoming version edited
        # in the database, or a conflict removed, is then refused and reported.
        vault.audit(
            "import.pack",
            "import",
            import_id,
            1,
            f"kind={pack.kind} records={len(pack.records)} "
            f"conflicts={len(report.conflicts)} "
            f"decide={conflicts_digest(json.loads(conflicts_json))} "
            f"signer={verified.signer_fingerprint}",
        )
    vault.intel.invalidate()
    return report


def _refuse_replay(vault: Vault, pack: ps.PackModel, signer: str) -> None:
    """Replay: an older pack from the same sender carrying older versions than already
    imported is refused whole."""
    for record in pack.records:
        before = vault.exchange.tracked(record.id)
        if before and before.signer == signer and record.version < before.version:
            raise ReplayedPack(
                f"This pack carries an older version of a record already imported from the same "
                f"vault (version {record.version}, already have {before.version}). It may be a "
                "replay of an old pack; nothing was imported. Ask the sender for their latest "
                "pack."
            )


def _merge_record(
    vault: Vault,
    record: Any,
    local: Any,
    arrival: Arrival,
    here: Any,
    pack: ps.PackModel,
    report: ImportReport,
    conflict: Callable[[Any, int, str], None],
) -> bool:
    """One incoming record merged under the policy: added, unchanged, replaced by a newer
    version, or held as a conflict (False: nothing to track)."""
    store = vault.exchange
    incoming_hash = content_hash(record)
    tracked = store.tracked(record.id)
    if local is None:
        kinds.add(vault, record, arrival)
        report.added[record.type] = report.added.get(record.type, 0) + 1
        if record.type == "child":
            report.same_person = store.same_name_and_dob(record.id)
        if record.type == "screening":
            _sender_level(vault, record, here, pack, report)
    elif content_hash(local) == incoming_hash or (
        tracked and tracked.content_hash == incoming_hash
    ):
        report.unchanged += 1
    elif data_hash(local) == data_hash(record):
        report.unchanged += 1  # only the versions moved (e.g. a level set on a child)
    elif record.type == "screening" and store.decided_here(record.id):
        conflict(
            record,
            local.version,
            "signed off here by a DSL: the pack's version would replace the sign-off",
        )
        return False
    elif (tracked and _unchanged_here(local, tracked) and record.version > tracked.version) or (
        record.type == "pathway_step"
        and record.data.fields
        and not local.data.fields
        and vault.repos.is_legacy_import(record.id)
    ):
        # Newer, or the same step again in full where an older pack gave only words.
        kinds.replace(vault, record, arrival)
        report.updated[record.type] = report.updated.get(record.type, 0) + 1
        if record.type == "screening":
            _sender_level(vault, record, here, pack, report)
    else:
        why = (
            "changed here since it was imported"
            if tracked and not _unchanged_here(local, tracked)
            else "differs from the version here"
        )
        conflict(record, local.version, why)
        return False
    return True


def possible_duplicates(vault: Vault, child_id: str) -> list[str]:
    """Refs of other children here who may be the same child (name, alias or date of birth)."""
    child = vault.repos.get_child(child_id)
    return sorted(
        c.ref
        for c in vault.repos.possible_duplicates(child.name, child.alias, child.dob)
        if c.id != child.id
    )


def _sender_level(
    vault: Vault, record: Any, here: Any, pack: ps.PackModel, report: ImportReport
) -> None:
    """An incoming confirmed screening is the sender's view. A child new with this pack takes
    its level (nothing here to lower); a child with a level here keeps it, and a different
    incoming level is a conflict a DSL decides."""
    d = record.data
    child_id = next((r.id for r in pack.records if r.type == "child"), None)
    if not d.confirmed_level or child_id is None:
        return
    if here is None or here[1] is None:
        vault.repos.set_confirmed_level(child_id, d.confirmed_level, d.tool_id)
        return
    if here[1] == d.confirmed_level:
        return
    direction = (
        "lower" if _rank(d.tool_id, d.confirmed_level) < _rank(here[2], here[1]) else "different"
    )
    report.conflicts.append(
        Conflict(
            "level",
            child_id,
            child_id,
            0,
            record.version,
            f"the sender's screening says {catalogue.level_label(d.confirmed_level)}, "
            f"{direction} than the level here ({catalogue.level_label(here[1])}); the level here "
            "stays until a DSL decides",
            {
                "type": "level",
                "id": child_id,
                "version": record.version,
                "data": {
                    "level": d.confirmed_level,
                    "tool_id": d.tool_id,
                    "screening_id": record.id,
                    "confirmed_by": d.confirmed_by,
                    "sender": pack.sender.name,
                    "origin": pack.vault.id,
                },
            },
        )
    )


def _rank(tool_id: str | None, level: str | None) -> int:
    try:
        ids = list(catalogue.load_tool(tool_id or "").level_ids)
    except UserError:
        return -1
    return ids.index(level) if level in ids else -1
