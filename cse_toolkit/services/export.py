"""Export: the vault's records out as a signed, encrypted pack.

``build_pack`` holds only what the recipient needs (DESIGN.md, "Referral packs") after the
information-sharing decision is checked; ``export`` signs it with the person's key, renders and
encrypts it in memory, writes it atomically, adds it to the outbox and audits the disclosure
with its reason (the outbox itself: ``services.outbox``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from cse_toolkit.core import sharing as sharing_rule
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.pdfpack import ExportResult, export_pack
from cse_toolkit.packs.schema import MAX_SHORT
from cse_toolkit.policy import Contact, Policy
from cse_toolkit.services.records import (
    child_record,
    intel_record,
    missing_records,
    note_records,
    screening_record,
    step_records,
)
from cse_toolkit.services.records_actions import action_records, incident_records
from cse_toolkit.vault import db

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

PackKind = Literal["referral", "intelligence", "screening"]
KINDS: tuple[PackKind, ...] = ("referral", "intelligence", "screening")
# The information-sharing rule is core's (core/sharing.py); re-exported for the callers here.
GROUNDS = sharing_rule.GROUNDS
SharingChoice = sharing_rule.SharingChoice


ROLE_TITLES = {"worker": "Practitioner", "dsl": "Designated safeguarding lead", "admin": "Admin"}


class ExportNotAllowed(UserError):
    pass


# ---------------------------------------------------------------------------------------------
# What the person decides before an export
# ---------------------------------------------------------------------------------------------


@dataclass
class ReferralDetails:
    """What the referral form asks that is not already in the child's records."""

    urgency: Literal["immediate_danger", "urgent", "non_urgent"] = "non_urgent"
    route: str = ""
    reason: str = ""
    referrer_involvement: str = ""
    basis_of_concern: list[str] = field(default_factory=list)
    past_violence: list[str] = field(default_factory=list)
    actions_taken: list[str] = field(default_factory=list)
    other_agencies: list[str] = field(default_factory=list)
    child_views: str = ""
    looked_after_status: str = ""
    include_notes: Literal["all", "none"] = "all"
    # Issue 18: an incident's other children are named only when the worker chooses to
    # (the information-sharing rule: only what the recipient needs); otherwise counted.
    name_other_children: bool = False


def default_recipient(kind: PackKind, policy: Policy) -> ps.Recipient:
    contact: Contact | None = {
        "referral": policy.contacts.front_door,
        "intelligence": policy.contacts.police_intelligence,
        "screening": policy.contacts.cse_team,
    }[kind]
    fallback = {
        "referral": "Children's Social Care (Family Front Door)",
        "intelligence": "Police (partnership information report)",
        "screening": "CSE team",
    }[kind]
    if contact is None:
        return ps.Recipient(name=fallback, route="secure email (set the contact in the policy)")
    return ps.Recipient(
        name=contact.name[:MAX_SHORT] or fallback,
        route=(contact.notes or (f"secure email to {contact.email}" if contact.email else ""))[
            :500
        ],
        address=contact.address,
        phone=contact.phone[:MAX_SHORT],
        email=contact.email[:MAX_SHORT],
    )


def _envelope(
    vault: Vault,
    kind: ps.PackKind,
    records: list[Any],
    sharing: SharingChoice,
    recipient: ps.Recipient | None,
    policy: Policy,
    chronology: ps.ChronologyExtract | None = None,
) -> ps.PackModel:
    import base64

    head = vault.chain_head()
    user = vault.user
    if recipient is None:
        assert kind != "chronology", "a chronology pack names its recipient"
        recipient = default_recipient(kind, policy)
    return ps.PackModel(
        pack_id=str(uuid.uuid4()),
        kind=kind,
        created_at=vault.now(),
        organisation=policy.organisation[:MAX_SHORT],
        recipient=recipient,
        sender=ps.Sender(
            name=user.label[:MAX_SHORT],
            role=ROLE_TITLES.get(user.role, user.role),
            agency=user.agency[:MAX_SHORT],
            contact=user.contact[:MAX_SHORT],
        ),
        vault=ps.VaultIdentity(
            id=vault.vault_id, public_key=base64.b64encode(vault.user_public_key).decode()
        ),
        audit_chain_head=ps.ChainHead(seq=head.seq, hash=head.hash),
        sharing_decision=ps.SharingDecision(
            consent_sought=sharing.consent_sought,
            consent_given=sharing.consent_given,
            who_consented=sharing.who_consented[:MAX_SHORT],
            parents_aware=sharing.parents_aware,
            parents_not_aware_reason=sharing.parents_not_aware_reason,
            child_aware=sharing.child_aware,
            child_consents=sharing.child_consents,
            ground_without_consent=sharing.ground_without_consent,  # type: ignore[arg-type]
            decided_by=user.label[:MAX_SHORT],
            decided_at=vault.now(),
            reason=sharing.reason,
        ),
        records=records,
        chronology=chronology,
    )


def _plain_errors(build: Callable[..., ps.PackModel]) -> Callable[..., ps.PackModel]:
    """A record the pack format cannot carry is a message naming the field, never a traceback
    quoting its value (a child's name); a damaged page met while reading is "damaged"."""

    @functools.wraps(build)
    def wrapped(*args: Any, **kwargs: Any) -> ps.PackModel:
        try:
            return build(*args, **kwargs)
        except ValidationError as exc:
            fields = sorted(
                {".".join(str(p) for p in e["loc"][-2:]).replace("_", " ") for e in exc.errors()}
            )
            raise UserError(
                "This record cannot be exported: "
                + ", ".join(fields[:5])
                + " is not in a form the pack can carry (too long, or an impossible date). "
                "Correct it in the child's details and export again; nothing was written."
            ) from None  # the validation error quotes the value: never chained into a log
        except db.DatabaseError as exc:
            raise db.translate(exc, "the pack") from exc

    return wrapped


@_plain_errors
def build_pack(
    vault: Vault,
    kind: PackKind,
    *,
    child_id: str | None = None,
    report_id: str | None = None,
    screening_id: str | None = None,
    sharing: SharingChoice | None = None,
    details: ReferralDetails | None = None,
    recipient: ps.Recipient | None = None,
    policy: Policy | None = None,
    attachment_ids: Sequence[str] = (),
) -> ps.PackModel:
    """Gather exactly what the recipient of ``kind`` needs into an unsigned pack.

    ``attachment_ids``: attachments the person chose to send (referral: the child's;
    intelligence: of the children the report is about), embedded in the PDF.
    """
    pack = _build_pack(
        vault,
        kind,
        child_id=child_id,
        report_id=report_id,
        screening_id=screening_id,
        sharing=sharing,
        details=details,
        recipient=recipient,
        policy=policy,
    )
    if not attachment_ids:
        return pack
    from cse_toolkit.services.pack_attachments import entries_for

    pack_child = next((r.id for r in pack.records if r.type == "child"), None)
    pack_report = next((r.id for r in pack.records if r.type == "intel_report"), None)
    entries = entries_for(vault, kind, attachment_ids, child_id=pack_child, report_id=pack_report)
    # Validated again whole, so the pack's own rules about attachments hold.
    return ps.PackModel.model_validate({**dict(pack), "attachments": entries})


def _build_pack(
    vault: Vault,
    kind: PackKind,
    *,
    child_id: str | None = None,
    report_id: str | None = None,
    screening_id: str | None = None,
    sharing: SharingChoice | None = None,
    details: ReferralDetails | None = None,
    recipient: ps.Recipient | None = None,
    policy: Policy | None = None,
) -> ps.PackModel:
    policy = policy or vault.policy  # loaded once at start
    if kind not in policy.export_kinds:
        raise ExportNotAllowed(
            f"Your organisation's policy does not allow exporting {kind} packs from this laptop."
        )
    vault.require("worker", "dsl")
    sharing = sharing or SharingChoice()
    sharing.check(kind)
    records: list[Any] = []
    if kind == "intelligence":
        if report_id is None:
            if child_id is None:
                raise UserError("Say which intelligence report to export.")
            rows = vault.intel.list(child_id)
            if not rows:
                raise UserError("This child has no intelligence report to export.")
            report_id = rows[0][0]
        report = vault.intel.get(report_id)
        records.append(intel_record(report))
        return _envelope(vault, kind, records, sharing, recipient, policy)
    if child_id is None:
        raise UserError("Say which child the pack is for.")
    child = vault.repos.get_child(child_id)
    screenings = [s for s in vault.repos.screenings_for(child.id) if s.status != "in_progress"]
    if kind == "screening":
        chosen = screening_id or (screenings[-1].id if screenings else None)
        if chosen is None:
            raise UserError("This child has no completed screening to export yet.")
        records += [child_record(vault, child.id), screening_record(vault, chosen)]
        return _envelope(vault, kind, records, sharing, recipient, policy)
    details = details or ReferralDetails()
    notes = note_records(vault, child.id) if details.include_notes == "all" else []
    # "Concerns" is why the referral is made now: the last 90 days (at most 30 notes, at least
    # the last 5). Every note is in the chronology extract, so nothing is left out.
    since = vault.now() - timedelta(days=90)
    recent = [n for n in notes if n.data.recorded_at >= since][-30:] or notes[-5:]
    concerns = [
        ps.Concern(
            text=n.data.text,
            source=n.data.source,
            source_detail=n.data.source_detail,
            occurred_on=n.data.occurred_on,
        )
        for n in recent
    ]
    referral = ps.ReferralRecord(
        type="referral",
        id=str(uuid.uuid4()),
        version=1,
        data=ps.ReferralData(
            urgency=details.urgency,
            route=details.route,
            referrer_involvement=details.referrer_involvement,
            reason=details.reason,
            concerns=concerns,
            basis_of_concern=[b[:MAX_SHORT] for b in details.basis_of_concern],
            past_violence=[p[:MAX_SHORT] for p in details.past_violence],
            actions_taken=[ps.Action(action=a) for a in details.actions_taken if a.strip()],
            other_agencies=[
                ps.Agency(name=a[:MAX_SHORT]) for a in details.other_agencies if a.strip()
            ],
            child_views=details.child_views,
        ),
    )
    records += [child_record(vault, child.id), referral]
    records += [screening_record(vault, s.id) for s in screenings[-5:]]
    records += notes
    records += step_records(vault, child.id)
    records += missing_records(vault, child.id)
    records += incident_records(vault, child.id, name_others=details.name_other_children)
    records += action_records(vault, child.id)
    if len(records) > ps.MAX_RECORDS:
        raise UserError(
            f"This pack would hold {len(records)} records, more than the limit of "
            f"{ps.MAX_RECORDS}. Export without the full chronology of notes."
        )
    return _envelope(vault, kind, records, sharing, recipient, policy)


@dataclass
class Exported:
    result: ExportResult
    export_id: str
    pack: ps.PackModel


def export(vault: Vault, pack: ps.PackModel, out: Path, password: str | None = None) -> Exported:
    """Sign, encrypt, write atomically; add to the outbox and audit the disclosure."""
    return record_export(vault, pack, write_pack_file(vault, pack, out, password))


def write_pack_file(
    vault: Vault, pack: ps.PackModel, out: Path, password: str | None = None
) -> ExportResult:
    """The slow half of ``export``: sign, render, encrypt and write the file. No vault write.

    The GUI runs this on a pool thread (it takes seconds) and then ``record_export`` on the GUI
    thread; the vault may be used from either (the threading rule, ``vault/db.py``).
    """
    out = out.expanduser().resolve()
    if out.suffix.lower() != ".pdf":
        raise UserError("Name the pack file with .pdf at the end so any PDF reader opens it.")
    if out.exists():
        raise UserError(f"{out.name} already exists. Choose another name; nothing was written.")
    if vault.folder.resolve() in out.parents:
        raise UserError("Save the pack outside the vault folder.")
    from cse_toolkit.services.pack_attachments import files_for

    return export_pack(pack, out, vault.signing_key(), password, files_for(vault, pack))


def _no_orphan_file(record: Callable[..., Exported]) -> Callable[..., Exported]:
    """A pack whose outbox entry and audited disclosure could not be saved (a full disk, a
    damaged page) is removed again: no pack file exists that the vault does not record."""

    @functools.wraps(record)
    def wrapped(
        vault: Vault, pack: ps.PackModel, result: ExportResult, reason: str | None = None
    ) -> Exported:
        try:
            return record(vault, pack, result, reason)
        except BaseException:
            with contextlib.suppress(OSError):
                result.path.unlink()
            raise

    return wrapped


@_no_orphan_file
def record_export(
    vault: Vault, pack: ps.PackModel, result: ExportResult, reason: str | None = None
) -> Exported:
    """The quick half of ``export``: the outbox entry and the audited disclosure (``reason``:
    the audit reason, else the sharing decision's)."""
    out = result.path
    child_id = next((r.id for r in pack.records if r.type == "child"), None)
    report_id = next((r.id for r in pack.records if r.type == "intel_report"), None)
    export_id = str(uuid.uuid4())
    now = vault.now_iso()
    sharing = pack.sharing_decision.model_dump(mode="json")
    choice = SharingChoice(
        consent_sought=pack.sharing_decision.consent_sought,
        consent_given=pack.sharing_decision.consent_given,
        ground_without_consent=pack.sharing_decision.ground_without_consent,
    )
    with vault.write("the outbox entry"):
        vault.exchange.add_export(
            {
                "id": export_id,
                "origin": vault.vault_id,
                "created_at": now,
                "created_by": vault.user.id,
                "updated_at": now,
                "pack_id": pack.pack_id,
                "kind": pack.kind,
                "child_id": child_id,
                "report_id": report_id,
                "recipient": pack.recipient.name,
                "file_name": out.name,
                "sharing": json.dumps(sharing),
            }
        )
        if pack.attachments:
            reason = (
                f"{reason or choice.audit_reason(pack.kind)} attachments={len(pack.attachments)}"
            )
        vault.audit(
            "export." + pack.kind, "export", export_id, 1, reason or choice.audit_reason(pack.kind)
        )
    return Exported(result, export_id, pack)
