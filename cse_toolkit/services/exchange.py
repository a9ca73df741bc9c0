"""Export and import of packs: the vault's records in, signed encrypted packs out, and back.

Export builds a ``packs.schema.PackModel`` holding only what the recipient needs (DESIGN.md,
"Referral packs"), signs it with the vault's key, renders and encrypts it in memory, writes it
atomically, adds it to the outbox and audits the disclosure with its reason.

Import verifies the pack (signature before any parsing, caps, schema) and merges its records by
id and version: a record the receiver does not have is added; the same record again changes
nothing; a newer version of a record the receiver has not touched since it was imported replaces
it; anything else is a conflict kept for a person to decide, never an overwrite. A pack older
than one already imported from the same vault for the same records is refused as a replay.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from cse_toolkit.core import catalogue
from cse_toolkit.core import intelligence as intel
from cse_toolkit.core import sharing as sharing_rule
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.pdfpack import ExportResult, export_pack, open_pack
from cse_toolkit.packs.schema import canonical_json
from cse_toolkit.policy import Contact, Policy, load_policy

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


class ReplayedPack(UserError):
    pass


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
        name=contact.name[:500] or fallback,
        route=(contact.notes or (f"secure email to {contact.email}" if contact.email else ""))[
            :500
        ],
        address=contact.address,
        phone=contact.phone[:500],
        email=contact.email[:500],
    )


# ---------------------------------------------------------------------------------------------
# Vault records -> pack records
# ---------------------------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) <= 1:
        return "", name
    return parts[-1], " ".join(parts[:-1])


def child_record(vault: Vault, child_id: str) -> ps.ChildRecord:
    child = vault.repos.get_child(child_id)
    family, given = _split_name(child.name)
    extra = dict(child.details or {})
    household = []
    for member in extra.pop("household_members", []) or []:
        try:
            household.append(ps.HouseholdMember.model_validate(member))
        except ValueError:
            continue
    if child.household and not household:
        household.append(ps.HouseholdMember(name="As recorded", notes=child.household))
    if child.parental_responsibility:
        household.append(
            ps.HouseholdMember(
                name=child.parental_responsibility[:500],
                relationship="holds parental responsibility",
                parental_responsibility=True,
            )
        )
    today = vault.now().date()
    known = set(ps.ChildData.model_fields)
    data = ps.ChildData(
        family_name=family,
        given_names=given,
        other_names=[child.alias] if child.alias else [],
        date_of_birth=child.dob,
        age=child.age_on(today),
        gender=child.gender,
        ethnicity=child.ethnicity,
        learning_disability=child.learning_disability,
        disability_health_needs="Additional needs recorded" if child.additional_needs else "",
        home_address=child.address,
        school=child.school,
        household=household,
        **{k: v for k, v in extra.items() if k in known and k != "household"},
    )
    return ps.ChildRecord(type="child", id=child.id, version=child.version, data=data)


def note_records(vault: Vault, child_id: str) -> list[ps.NoteRecord]:
    users = {u.id: u.label for u in vault.users()}
    amended = vault.repos.amendments_for_child(child_id)
    return [_note_record(note, users, amended.get(note.id, ()))
            for note in vault.repos.notes_for(child_id)]


def amendment_text(amendments: Any, users: dict[str, str]) -> str:
    """Addenda and corrections as they follow the note's own words in a pack (UTC times)."""
    parts = []
    for a in amendments:
        who = users.get(a.author_id, a.author_id.removeprefix("import:"))
        when = a.created_at.replace("T", " ").removesuffix("Z") + " UTC"
        if a.kind == "correction":
            parts.append(f"[Correction by {who}, {when}; reason: {a.reason}] {a.body}")
        else:
            parts.append(f"[Addendum by {who}, {when}] {a.body}")
    return "\n\n".join(parts)


def _note_record(note: Any, users: dict[str, str], amendments: Any = ()) -> ps.NoteRecord:
    text = f"At {note.place}: {note.body}" if note.place else note.body
    if amendments:
        # The original words first, unchanged; then each addition or correction, marked.
        text += "\n\n" + amendment_text(amendments, users)
    return ps.NoteRecord(
        type="note",
        id=note.id,
        version=note.version,
        data=ps.NoteData(
            recorded_at=note.event_at,
            occurred_on=note.event_at.date(),
            author=users.get(note.author_id, note.author_id.removeprefix("import:"))[:500],
            source=note.source,
            # Who reported it, if someone did; the place is where it happened, not a source.
            source_detail=note.reported_by[:500],
            text=_fit(text),
        ),
    )


def _fit(text: str) -> str:
    """Text within a pack field's limit, saying so when it had to be shortened."""
    if len(text) <= ps.MAX_TEXT:
        return text
    note = f" […shortened for the pack: {len(text):,} characters in the sender's record]"
    return text[: ps.MAX_TEXT - len(note)] + note


def screening_record(vault: Vault, screening_id: str) -> ps.ScreeningRecord:
    from cse_toolkit.core import screening as sc
    from cse_toolkit.core import tools

    rec = vault.repos.get_screening(screening_id)
    outcome = rec.outcome or {}
    inp = rec.input
    tool: tools.Tool | None = None
    try:
        tool = catalogue.load_tool(rec.tool_id, rec.tool_version)
        labels = {ind.id: ind.label for s in tool.sections for ind in s.indicators}
        sections_def = [(s.id, s.title, [i.id for i in s.indicators]) for s in tool.sections]
        tool_title = tool.name
    except UserError:
        labels, sections_def, tool_title = {}, [], rec.tool_id
    # R9: worked out with the version the screening was made with (never re-scored), so a 1.0
    # screening carries the line too.
    provenance = str(outcome.get("provenance") or "")
    if not provenance and tool is not None and inp:
        try:
            provenance = sc.evaluate(tool, sc.ScreeningInput.from_dict(inp)).provenance or ""
        except UserError:
            provenance = ""
    answers = {a["indicator"]: a for a in inp.get("answers", [])}
    sections = []
    for sid, title, ids in sections_def:
        rows = []
        for ind in ids:
            a = answers.get(ind, {"indicator": ind, "value": "unknown"})
            rows.append(
                ps.IndicatorAnswer(
                    indicator=ind,
                    label=labels.get(ind, ind),
                    value=a.get("value", "unknown"),
                    basis=a.get("basis"),
                    when=a.get("when"),
                    note=a.get("note", "") or "",
                )
            )
        sections.append(ps.ScreeningSection(id=sid, title=title[:500], answers=rows))
    child_ctx = inp.get("child", {})
    next_steps = outcome.get("next_steps") or {}
    steps_text = []
    if isinstance(next_steps, dict):
        text = next_steps.get("text")
        if isinstance(text, list):  # the engine gives a list of steps; one line each
            steps_text += [str(t) for t in text if t]
        elif text:
            steps_text.append(str(text))
        for contact in next_steps.get("contacts", []) or []:
            if isinstance(contact, dict):
                steps_text.append(
                    "Contact: " + ", ".join(str(v) for v in contact.values() if v)
                )
    users = {u.name: u.label for u in vault.users()}
    return ps.ScreeningRecord(
        type="screening",
        id=rec.id,
        version=rec.version,
        data=ps.ScreeningData(
            tool_id=rec.tool_id,
            tool_version=rec.tool_version,
            tool_title=tool_title[:500],
            screened_on=rec.screened_at.date(),
            screened_by=users.get(rec.confirmed_by or "", rec.confirmed_by or "")[:500],
            child_age=child_ctx.get("age"),
            learning_disability=child_ctx.get("learning_disability"),
            additional_needs=child_ctx.get("additional_needs"),
            immediate_danger=bool(inp.get("immediate_danger", False)),
            sections=sections,
            suggested_level=rec.suggested_level or outcome.get("suggested_level") or "unknown",
            reasons=[
                ps.Reason(
                    rule=str(r.get("rule", ""))[:500],
                    indicators=[str(i) for i in r.get("indicators", [])],
                    text=str(r.get("text", "")),
                )
                for r in outcome.get("reasons", [])
            ],
            floors_applied=[
                str(f.get("text", f.get("rule", "")))[:500] for f in outcome.get("floors_applied", [])
            ],
            to_verify=[_answer_label(x, labels) for x in outcome.get("to_verify", [])],
            gaps=[_answer_label(x, labels) for x in outcome.get("gaps", [])],
            next_steps=steps_text,
            confirmed_level=rec.confirmed_level,
            confirmed_by=users.get(rec.confirmed_by or "", rec.confirmed_by or "")[:500],
            confirmed_at=parse_utc(rec.confirmed_at) if rec.confirmed_at else None,
            confirmation_reason=rec.confirm_reason,
            provenance=provenance,
            awaiting_signoff=sc.awaiting_signoff(
                tool, rec.suggested_level, rec.confirmed_level, rec.status
            ),
        ),
    )


def _answer_label(item: Any, labels: dict[str, str]) -> str:
    if isinstance(item, dict):
        ind = str(item.get("indicator", ""))
        return labels.get(ind, str(item.get("label", ind)))[:500]
    return str(item)[:500]


def step_records(vault: Vault, child_id: str) -> list[ps.PathwayStepRecord]:
    from cse_toolkit.core import pathway as pw
    from cse_toolkit.core.catalogue import installed_labels

    levels, tool_names = installed_labels()
    words = {**levels, **tool_names}
    pathways: dict[str, pw.Pathway | None] = {}
    users = {u.id: u.label for u in vault.users()}
    out = []
    # In the order they were written down: the order the receiver's engine replays them.
    steps = sorted(vault.repos.steps_for(child_id), key=lambda st: st.created_at or st.event_at)
    for st in steps:
        if st.pathway_id not in pathways:
            try:
                pathways[st.pathway_id] = catalogue.load_pathway(st.pathway_id)
            except UserError:
                pathways[st.pathway_id] = None
        pathway = pathways[st.pathway_id]
        titles = {s.id: s.title for s in pathway.steps} if pathway else {}
        summary = st.reason or (
            pw.describe_step_data(pathway, st.step_id, st.data, words, utc=True)
            if pathway
            else "; ".join(f"{k}: {v}" for k, v in st.data.items() if v not in ("", None))
        )
        out.append(
            ps.PathwayStepRecord(
                type="pathway_step",
                id=st.id,
                version=st.version,
                data=ps.PathwayStepData(
                    pathway_id=st.pathway_id,
                    pathway_version=pathway.version[:500] if pathway else "",
                    step_id=st.step_id,
                    title=titles.get(st.step_id, st.step_id)[:500],
                    status=st.status,
                    recorded_at=st.event_at,
                    entered_at=st.created_at,
                    recorded_by=users.get(st.created_by, st.created_by)[:500],
                    summary=summary[: ps.MAX_TEXT],
                    reference=str(st.data.get("reference", st.data.get("police_reference", "")))[
                        :500
                    ],
                    fields=_step_fields(st.data),
                    reason=_fit(st.reason),
                ),
            )
        )
    return out


def _legacy_step(data: dict[str, Any]) -> bool:
    """A step imported from a format 1 pack: stored as its summary, no fields."""
    return "summary" in data and set(data) <= {"summary", "reference"}


def _step_fields(data: dict[str, Any]) -> list[ps.StepField]:
    """A step's recorded fields, as the engine stored them (text, ISO dates, yes/no).

    A field too long for a pack field is not cut: a shortened value would be imported as if
    it were what was recorded. It is left out, so the receiver sees the step read-only with
    that field named as missing, and the summary (which says it was shortened) beside it.
    """
    out: list[ps.StepField] = []
    if _legacy_step(data):
        return out  # not fields: the words of an older pack (kept in the summary)
    for key, value in data.items():
        if value is None or value == "" or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]*", key):
            continue
        if isinstance(value, bool):
            out.append(ps.StepField(id=key, value=value))
        elif isinstance(value, str | int) and len(str(value)) <= ps.MAX_TEXT:
            out.append(ps.StepField(id=key, value=str(value)))
    return out[:100]


def missing_records(vault: Vault, child_id: str) -> list[ps.MissingEpisodeRecord]:
    return [
        ps.MissingEpisodeRecord(
            type="missing_episode",
            id=m.id,
            version=m.version,
            data=ps.MissingEpisodeData(
                started_at=m.from_at,
                ended_at=m.to_at,
                found_where=m.where_found,
                return_interview=m.return_interview,
                summary=m.notes,
            ),
        )
        for m in vault.repos.missing_for(child_id)
    ]


_SOURCE_TO_PACK = {
    "child_disclosed": "child_disclosed",
    "worker_saw": "worker_observed",
    "third_party": "third_party",
    "anonymous": "other",
}
_SOURCE_FROM_PACK = {v: k for k, v in _SOURCE_TO_PACK.items()}


def intel_record(report: intel.IntelReport) -> ps.IntelReportRecord:
    subjects, vehicles, phones, online, locations = [], [], [], [], []
    for e in report.entities:
        if isinstance(e, intel.Person):
            subjects.append(
                ps.Subject(
                    surname=e.surname.upper(),
                    forenames=e.forenames,
                    date_of_birth=e.dob,
                    age_range=e.age_range or "",
                    aliases=e.aliases,
                    address=e.address,
                    description=e.description,
                    role=e.role,
                )
            )
        elif isinstance(e, intel.Vehicle):
            vehicles.append(ps.Vehicle(vrm=e.vrm, make=e.make, model=e.model, colour=e.colour))
        elif isinstance(e, intel.Phone):
            phones.append(ps.Phone(number=e.number))
        elif isinstance(e, intel.OnlineIdentity):
            handle = e.handle_or_url
            is_url = "/" in handle or "." in handle
            online.append(
                ps.OnlineIdentity(
                    platform=e.platform,
                    handle="" if is_url else handle,
                    url=handle if is_url else "",
                )
            )
        elif isinstance(e, intel.Location):
            address = ", ".join(p for p in (e.address, e.postcode) if p)
            locations.append(
                ps.Location(name=e.name, address=address, notes=e.place_type.replace("_", " "))
            )
    h = report.handling
    how = report.source_detail
    if report.source_type == "anonymous":
        how = ("Anonymous. " + how).strip()
    if report.learned_at:
        how = (how + f" Learned {report.learned_at[:16].replace('T', ' ')}").strip()
        if report.learned_place:
            how += f" at {report.learned_place}"
    agencies = [ps.Agency(name=a.strip()[:500]) for a in report.other_agencies.split(",") if a.strip()]
    return ps.IntelReportRecord(
        type="intel_report",
        id=report.id,
        version=report.version,
        data=ps.IntelReportData(
            subjects=subjects,
            vehicles=vehicles,
            phones=phones,
            online_identities=online,
            locations=locations,
            information=list(report.facts),
            no_more_information=report.closing_confirmed,
            source=_SOURCE_TO_PACK.get(report.source_type, "other"),  # type: ignore[arg-type]
            how_known=how,
            already_reported=report.already_reported,
            crime_reference=report.crime_reference,
            other_agencies=agencies,
            suggested_handling=ps.Handling(
                source_evaluation=h.source_evaluation,  # type: ignore[arg-type]
                intelligence_assessment=h.intelligence_assessment,  # type: ignore[arg-type]
                handling_code=h.handling_code,  # type: ignore[arg-type]
                conditions=h.conditions,
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Building and exporting packs
# ---------------------------------------------------------------------------------------------


def _envelope(
    vault: Vault,
    kind: PackKind,
    records: list[Any],
    sharing: SharingChoice,
    recipient: ps.Recipient | None,
    policy: Policy,
) -> ps.PackModel:
    import base64

    head = vault.chain_head()
    user = vault.user
    return ps.PackModel(
        pack_id=str(uuid.uuid4()),
        kind=kind,
        created_at=vault.now(),
        organisation=policy.organisation[:500],
        recipient=recipient or default_recipient(kind, policy),
        sender=ps.Sender(
            name=user.label[:500], role=ROLE_TITLES.get(user.role, user.role),
            agency=user.agency[:500],
            contact=user.contact[:500],
        ),
        vault=ps.VaultIdentity(id=vault.vault_id,
                               public_key=base64.b64encode(vault.user_public_key).decode()),
        audit_chain_head=ps.ChainHead(seq=head.seq, hash=head.hash),
        sharing_decision=ps.SharingDecision(
            consent_sought=sharing.consent_sought,
            consent_given=sharing.consent_given,
            who_consented=sharing.who_consented[:500],
            parents_aware=sharing.parents_aware,
            parents_not_aware_reason=sharing.parents_not_aware_reason,
            child_aware=sharing.child_aware,
            child_consents=sharing.child_consents,
            ground_without_consent=sharing.ground_without_consent,  # type: ignore[arg-type]
            decided_by=user.label[:500],
            decided_at=vault.now(),
            reason=sharing.reason,
        ),
        records=records,
    )


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
) -> ps.PackModel:
    """Gather exactly what the recipient of ``kind`` needs into an unsigned pack."""
    policy = policy or load_policy().policy
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
            basis_of_concern=[b[:500] for b in details.basis_of_concern],
            past_violence=[p[:500] for p in details.past_violence],
            actions_taken=[ps.Action(action=a) for a in details.actions_taken if a.strip()],
            other_agencies=[ps.Agency(name=a[:500]) for a in details.other_agencies if a.strip()],
            child_views=details.child_views,
        ),
    )
    records += [child_record(vault, child.id), referral]
    records += [screening_record(vault, s.id) for s in screenings[-5:]]
    records += notes
    records += step_records(vault, child.id)
    records += missing_records(vault, child.id)
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

    The GUI runs this on a pool thread and then ``record_export`` on the GUI thread, so every
    write to the vault stays on the thread that owns the connection.
    """
    out = out.expanduser().resolve()
    if out.suffix.lower() != ".pdf":
        raise UserError("Name the pack file with .pdf at the end so any PDF reader opens it.")
    if out.exists():
        raise UserError(f"{out.name} already exists. Choose another name; nothing was written.")
    if vault.folder.resolve() in out.parents:
        raise UserError("Save the pack outside the vault folder.")
    return export_pack(pack, out, vault.signing_key(), password)


def record_export(vault: Vault, pack: ps.PackModel, result: ExportResult) -> Exported:
    """The quick half of ``export``: the outbox entry and the audited disclosure."""
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
        vault.conn.execute(
            "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
            " child_id, report_id, recipient, file_name, sharing)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (export_id, vault.vault_id, now, vault.user.id, now, pack.pack_id, pack.kind,
             child_id, report_id, pack.recipient.name, out.name, json.dumps(sharing)),
        )
        vault.audit("export." + pack.kind, "export", export_id, 1,
                    choice.audit_reason(pack.kind))
    return Exported(result, export_id, pack)


# ---------------------------------------------------------------------------------------------
# Outbox
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxItem:
    id: str
    pack_id: str
    kind: str
    child_id: str | None
    report_id: str | None
    recipient: str
    file_name: str
    state: str
    recipient_ref: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None


def outbox(vault: Vault, state: str | None = None) -> list[OutboxItem]:
    sql = (
        "SELECT id, pack_id, kind, child_id, report_id, recipient, file_name, state,"
        " recipient_ref, created_at, sent_at, acknowledged_at FROM exports"
    )
    params: tuple[Any, ...] = ()
    if vault.user.role == "worker":
        sql += " WHERE created_by = ?"
        params = (vault.user.id,)
    elif vault.user.role == "admin":
        vault.require("worker", "dsl")
    if state:
        sql += (" AND" if params else " WHERE") + " state = ?"
        params += (state,)
    rows = vault.conn.execute(sql + " ORDER BY created_at DESC", params).fetchall()
    return [
        OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], parse_utc(r[9]),
                   parse_utc(r[10]) if r[10] else None, parse_utc(r[11]) if r[11] else None)
        for r in rows
    ]


def unsent(vault: Vault) -> list[OutboxItem]:
    """Packs exported but not marked sent: shown as a reminder on unlock."""
    return outbox(vault, "exported")


def mark_sent(vault: Vault, export_id: str) -> None:
    _move(vault, export_id, "exported", "sent", "sent_at", "")


def mark_acknowledged(vault: Vault, export_id: str, recipient_ref: str) -> None:
    if not recipient_ref.strip():
        raise UserError("Enter the reference the recipient gave you (it proves they received it).")
    _move(vault, export_id, "sent", "acknowledged", "acknowledged_at", recipient_ref.strip())


def _move(vault: Vault, export_id: str, before: str, after: str, column: str, ref: str) -> None:
    vault.require("worker", "dsl")
    row = vault.conn.execute(
        "SELECT state, version, created_by FROM exports WHERE id = ?", (export_id,)
    ).fetchone()
    if row is None:
        raise UserError("That export is no longer in the outbox.")
    if vault.user.role == "worker" and row[2] != vault.user.id:
        raise UserError("You can only update your own exports.")
    if row[0] != before:
        raise UserError(f"This pack is '{row[0]}'; it must be '{before}' to mark it '{after}'.")
    with vault.write("the outbox entry"):
        vault.conn.execute(
            f"UPDATE exports SET state = ?, {column} = ?, recipient_ref = CASE WHEN ? = '' THEN"
            " recipient_ref ELSE ? END, version = version + 1, updated_at = ? WHERE id = ?",
            (after, vault.now_iso(), ref, ref, vault.now_iso(), export_id),
        )
        vault.audit(f"export.{after}", "export", export_id, row[1] + 1)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


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
                + ", ".join(self.same_person) + "): this pack made a separate record and did "
                "not change theirs. Check whether it is the same child before relying on "
                "either record's level.")
        for new_ref, old_ref in self.possible_duplicates:
            if old_ref in self.same_person:
                continue  # said just above
            out.append(f"The child {new_ref} may be the same child as {old_ref} (same name or "
                       "date of birth): compare the two records before acting; nothing was "
                       "merged.")
        if self.conflicts:
            out.append(f"Conflicts for a person to decide: {len(self.conflicts)}")
            for c in self.conflicts:
                out.append(f"  {c.record_type} {c.record_id[:8]}: {c.why}")
        return out


def _track_import(vault: Vault, record: Any, pack_id: str, signer: str) -> None:
    """Remember which version of ``record`` arrived and which local version it became, so the
    next import can tell "unchanged here since" (update) from "changed here" (conflict)."""
    local_now = _local_record(vault, record)
    vault.conn.execute(
        "INSERT INTO import_records (record_id, record_type, version, local_version,"
        " content_hash, pack_id, signer, imported_at, local_data_hash)"
        " VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(record_id) DO UPDATE SET version = excluded.version,"
        " local_version = excluded.local_version, content_hash = excluded.content_hash,"
        " pack_id = excluded.pack_id, imported_at = excluded.imported_at,"
        " local_data_hash = excluded.local_data_hash",
        (record.id, record.type, record.version,
         local_now.version if local_now else record.version, _hash(record), pack_id, signer,
         vault.now_iso(), _data_hash(local_now or record)),
    )


def _hash(record: Any) -> str:
    return hashlib.sha256(canonical_json(record.model_dump(mode="json"))).hexdigest()


def _data_hash(record: Any) -> str:
    """The record's content without its version: a child's version also moves when its level
    is set, which is not part of the child's data in a pack."""
    return hashlib.sha256(canonical_json(record.data.model_dump(mode="json"))).hexdigest()


def _unchanged_here(local: Any, tracked: Any) -> bool:
    """Is the record here as it was after its last import (content, else version)?"""
    if tracked[3]:
        return bool(_data_hash(local) == tracked[3])
    return bool(local.version == tracked[1])


def _local_record(vault: Vault, record: Any) -> Any | None:
    """The receiver's current version of ``record`` in pack form, or None if absent."""
    t, rid = record.type, record.id
    exists_sql = {
        "child": "SELECT 1 FROM children WHERE id = ?",
        "note": "SELECT 1 FROM notes WHERE id = ?",
        "screening": "SELECT 1 FROM screenings WHERE id = ?",
        "pathway_step": "SELECT 1 FROM pathway_steps WHERE id = ?",
        "missing_episode": "SELECT 1 FROM missing_episodes WHERE id = ?",
        "intel_report": "SELECT 1 FROM intel_reports WHERE id = ?",
    }.get(t)
    if exists_sql is None or vault.conn.execute(exists_sql, (rid,)).fetchone() is None:
        return None
    if t == "child":
        return child_record(vault, rid)
    if t == "screening":
        return screening_record(vault, rid)
    if t == "intel_report":
        return intel_record(vault.intel.get(rid))
    if t == "note":
        # One note, not the child's whole list: building every note per record made importing
        # a 500-note pack quadratic (about 12 s).
        local = vault.repos.get_note(rid)
        amended = vault.repos.amendments_for_child(local.child_id).get(local.id, ())
        return _note_record(local, {u.id: u.label for u in vault.users()}, amended)
    child_id = vault.conn.execute(
        {"note": "SELECT child_id FROM notes WHERE id = ?",
         "pathway_step": "SELECT child_id FROM pathway_steps WHERE id = ?",
         "missing_episode": "SELECT child_id FROM missing_episodes WHERE id = ?"}[t],
        (rid,),
    ).fetchone()[0]
    pool = cast("list[Any]", {"note": note_records, "pathway_step": step_records,
                              "missing_episode": missing_records}[t](vault, child_id))
    return next((r for r in pool if r.id == rid), None)


def local_version(vault: Vault, record_type: str, record_id: str) -> dict[str, Any] | None:
    """The receiver's current version of a record in pack form (JSON), or None if absent.

    For showing a conflict: the local version beside the incoming one.
    """
    from types import SimpleNamespace

    if record_type == "level":
        row = vault.conn.execute(
            "SELECT confirmed_level, level_tool, level_signer FROM children WHERE id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            return None
        return {"type": "level", "id": record_id, "version": 0,
                "data": {"level": row[0], "tool_id": row[1], "set_by": row[2]}}
    local = _local_record(vault, SimpleNamespace(type=record_type, id=record_id))
    return None if local is None else dict(local.model_dump(mode="json"))


def _normal_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def _is_fingerprint(text: str) -> bool:
    return len(_normal_fingerprint(text)) == 16 and len(text.strip()) <= 24


def fingerprint_matches(typed: str, fingerprint: str) -> bool:
    """Does what the DSL typed (spaces, case and dashes aside) match the fingerprint?"""
    return bool(typed.strip()) and _normal_fingerprint(typed) == _normal_fingerprint(fingerprint)


def verify(path: Path, password: str, expected_signer: str | None = None) -> Any:
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

    row = vault.conn.execute(
        "SELECT signed_by, sig FROM trusted_signers WHERE public_key = ?", (signer_public_key,)
    ).fetchone()
    if row is None:
        return False
    state = vault.registry
    if not state.signed:
        return True  # a vault from before per-person keys: nothing to check yet
    signer, sig = row
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
        TrustedSigner(r[0], r[1] or fingerprint(r[0]), r[2], r[3], r[4], r[5])
        for r in vault.conn.execute(
            "SELECT public_key, fingerprint, sender, decided_by, decided_at, how"
            " FROM trusted_signers ORDER BY decided_at"
        ).fetchall()
    ]


def _trust(vault: Vault, verified: Any, how: str) -> None:
    """Inside a write: keep the DSL's decision about this signer, audited."""
    from cse_toolkit.vault.vault import trust_message

    sig = vault.sign(trust_message(vault.vault_id, verified.signer_public_key, vault.user.name))
    vault.conn.execute(
        "INSERT OR REPLACE INTO trusted_signers (public_key, fingerprint, sender, decided_by,"
        " decided_at, how, signed_by, sig) VALUES (?,?,?,?,?,?,?,?)",
        (verified.signer_public_key, verified.signer_fingerprint,
         verified.pack.sender.name[:500], vault.user.name, vault.now_iso(), how,
         vault.user.name, sig),
    )
    vault.audit("import.trust", "signer", verified.signer_fingerprint.replace(" ", ""), None,
                f"how={how}")


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
    report = ImportReport(pack.pack_id, pack.kind, verified.signer_fingerprint)
    if pack.vault.id == vault.vault_id:
        raise UserError("This pack was exported from this vault; there is nothing to import.")
    c = vault.conn
    if c.execute("SELECT 1 FROM imports WHERE pack_id = ?", (pack.pack_id,)).fetchone():
        report.already_imported = True
        report.unchanged = len(pack.records)
        return report
    trusted = is_trusted(vault, verified.signer_public_key)
    if not trusted and not expected_signer and not confirmed:
        raise UnknownSigner(verified.signer_fingerprint, pack.sender.name)
    report.new_signer = not trusted
    # Replay: an older pack from the same vault carrying older versions than already imported.
    for record in pack.records:
        row = c.execute(
            "SELECT version, signer FROM import_records WHERE record_id = ?", (record.id,)
        ).fetchone()
        if row and row[1] == verified.signer_public_key and record.version < row[0]:
            raise ReplayedPack(
                f"This pack carries an older version of a record already imported from the same "
                f"vault (version {record.version}, already have {row[0]}). It may be a replay "
                "of an old pack; nothing was imported. Ask the sender for their latest pack."
            )
    now = vault.now_iso()
    child_map: dict[str, str] = {}
    pack_child = next((r.id for r in pack.records if r.type == "child"), None)
    here = c.execute(
        "SELECT origin, confirmed_level, level_tool FROM children WHERE id = ?", (pack_child,)
    ).fetchone() if pack_child else None
    # A child already here from another vault, or first sent by another key (a pack can name
    # any vault id, but not sign with that sender's key), is held whole for a DSL to decide.
    first_signer = c.execute(
        "SELECT signer FROM import_records WHERE record_id = ?", (pack_child,)
    ).fetchone() if here is not None else None
    foreign = here is not None and (
        here[0] != pack.vault.id
        or (first_signer is not None and first_signer[0] != verified.signer_public_key)
    )
    to_track: list[Any] = []

    def conflict(record: Any, local_version: int, why: str) -> None:
        report.conflicts.append(Conflict(record.type, record.id, pack_child, local_version,
                                         record.version, why, record.model_dump(mode="json")))

    with vault.write("the imported pack"):
        if not trusted:
            _trust(vault, verified, "expect-signer" if expected_signer else confirmed or "")
        for record in pack.records:
            if record.type == "referral":
                continue  # kept in the import summary below; not a vault record
            local = _local_record(vault, record)
            if foreign:
                # Someone else's pack naming a child that came from elsewhere: nothing merges
                # into the record here without a DSL deciding.
                conflict(record, local.version if local else 0,
                         "this child is already here from another source (another vault or "
                         "another sender's key); nothing in this pack was merged into it")
                continue
            incoming_hash = _hash(record)
            tracked = c.execute(
                "SELECT version, local_version, content_hash, local_data_hash FROM import_records"
                " WHERE record_id = ?", (record.id,)
            ).fetchone()
            if local is None:
                _insert(vault, record, pack, child_map)
                report.added[record.type] = report.added.get(record.type, 0) + 1
                if record.type == "child":
                    report.same_person = _same_person(vault, record.id)
                if record.type == "screening":
                    _sender_level(vault, record, here, pack, report)
            elif _hash(local) == incoming_hash or (tracked and tracked[2] == incoming_hash):
                report.unchanged += 1
            elif _data_hash(local) == _data_hash(record):
                report.unchanged += 1  # only the versions moved (e.g. a level set on a child)
            elif record.type == "screening" and _decided_here(vault, record.id):
                conflict(record, local.version,
                         "signed off here by a DSL: the pack's version would replace the "
                         "sign-off")
                continue
            elif (tracked and _unchanged_here(local, tracked) and record.version > tracked[0]) or (
                record.type == "pathway_step" and record.data.fields
                and not local.data.fields and vault.repos.is_legacy_import(record.id)
            ):
                # Newer, or the same step again in full where an older pack gave only words.
                _update(vault, record, pack)
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
                continue
            to_track.append(record)
        # Tracked after every record is in: a screening may have set a new child's level,
        # and the child's local version must be the one after that (else the next pack
        # raises a false "changed here since it was imported").
        for record in to_track:
            _track_import(vault, record, pack.pack_id, verified.signer_public_key)
        from cse_toolkit.vault.repos import ref_for

        for record in pack.records:
            if record.type == "child" and report.added.get("child"):
                report.possible_duplicates += [
                    (ref_for(record.id), ref) for ref in possible_duplicates(vault, record.id)
                ]
        referral = next((r for r in pack.records if r.type == "referral"), None)
        summary = {
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "sender": pack.sender.name, "organisation": pack.organisation,
            "created_at": utc_iso(pack.created_at),
            "referral": referral.data.model_dump(mode="json") if referral else None,
            "sharing_decision": pack.sharing_decision.model_dump(mode="json"),
        }
        import_id = str(uuid.uuid4())
        from cse_toolkit.vault.vault import conflicts_digest

        conflicts_json = json.dumps([c_.__dict__ for c_ in report.conflicts])
        c.execute(
            "INSERT INTO imports (id, pack_id, kind, signer, signer_audit_seq, imported_at,"
            " imported_by, summary, conflicts) VALUES (?,?,?,?,?,?,?,?,?)",
            (import_id, pack.pack_id, pack.kind, verified.signer_public_key,
             pack.audit_chain_head.seq, now, vault.user.id, json.dumps(summary),
             conflicts_json),
        )
        # (2) The conflicts' hash goes into the DSL's signed entry: an incoming version edited
        # in the database, or a conflict removed, is then refused and reported.
        vault.audit("import.pack", "import", import_id, 1,
                    f"kind={pack.kind} records={len(pack.records)} "
                    f"conflicts={len(report.conflicts)} "
                    f"decide={conflicts_digest(json.loads(conflicts_json))} "
                    f"signer={verified.signer_fingerprint}")
    vault.intel._index = None
    return report


def possible_duplicates(vault: Vault, child_id: str) -> list[str]:
    """Refs of other children here who may be the same child (name, alias or date of birth)."""
    child = vault.repos.get_child(child_id)
    return sorted(
        c.ref
        for c in vault.repos.possible_duplicates(child.name, child.alias, child.dob)
        if c.id != child.id
    )


def _same_person(vault: Vault, child_id: str) -> list[str]:
    """Refs of other children here with the same name and date of birth as ``child_id`` (a
    pack naming a known child under a new id must not pass as a different child unnoticed)."""
    row = vault.conn.execute("SELECT name, dob FROM children WHERE id = ?", (child_id,)).fetchone()
    if row is None or not str(row[0] or "").strip() or not row[1]:
        return []
    return [str(r[0]) for r in vault.conn.execute(
        "SELECT ref FROM children WHERE id != ? AND lower(trim(name)) = lower(trim(?))"
        " AND dob = ? ORDER BY ref LIMIT 5", (child_id, row[0], row[1]),
    ).fetchall()]


def _decided_here(vault: Vault, screening_id: str) -> bool:
    """A screening a DSL of this vault signed off or returned."""
    return vault.conn.execute(
        "SELECT 1 FROM signoffs WHERE screening_id = ? LIMIT 1", (screening_id,)
    ).fetchone() is not None


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
    direction = "lower" if _rank(d.tool_id, d.confirmed_level) < _rank(here[2], here[1]) \
        else "different"
    report.conflicts.append(Conflict(
        "level", child_id, child_id, 0, record.version,
        f"the sender's screening says {catalogue.level_label(d.confirmed_level)}, "
        f"{direction} than the level here ({catalogue.level_label(here[1])}); the level here "
        "stays until a DSL decides",
        {"type": "level", "id": child_id, "version": record.version,
         "data": {"level": d.confirmed_level, "tool_id": d.tool_id,
                  "screening_id": record.id, "confirmed_by": d.confirmed_by,
                  "sender": pack.sender.name, "origin": pack.vault.id}},
    ))


def _rank(tool_id: str | None, level: str | None) -> int:

    try:
        ids = list(catalogue.load_tool(tool_id or "").level_ids)
    except UserError:
        return -1
    return ids.index(level) if level in ids else -1


def _insert(vault: Vault, record: Any, pack: ps.PackModel, child_map: dict[str, str]) -> None:
    c = vault.conn
    now = vault.now_iso()
    origin = pack.vault.id
    by = f"import:{pack.sender.name}"[:200]
    d = record.data
    if record.type == "child":
        extra = {k: v for k, v in d.model_dump(mode="json").items()
                 if k in ("religion", "first_language", "interpreter_needed", "nhs_number",
                          "current_address", "current_address_reason", "phones", "gp",
                          "description", "looked_after_status", "disability_health_needs")
                 and v not in ("", None, [])}
        extra["household_members"] = [m.model_dump(mode="json") for m in d.household
                                      if not (m.parental_responsibility and
                                              m.relationship == "holds parental responsibility")]
        pr = ", ".join(m.name for m in d.household if m.parental_responsibility)
        from cse_toolkit.vault.repos import ref_for

        c.execute(
            "INSERT INTO children (id, version, origin, created_at, created_by, updated_at, ref,"
            " owner_id, name, alias, dob, gender, ethnicity, school, address,"
            " parental_responsibility, learning_disability, details)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, origin, now, by, now, ref_for(record.id), vault.user.id,
             " ".join(p for p in (d.given_names, d.family_name) if p),
             d.other_names[0] if d.other_names else "",
             d.date_of_birth.isoformat() if d.date_of_birth else None, d.gender, d.ethnicity,
             d.school, d.home_address, pr, int(bool(d.learning_disability)), json.dumps(extra)),
        )
        if d.date_of_birth is None and d.age is not None:
            c.execute("UPDATE children SET approx_age = ?, approx_age_on = ? WHERE id = ?",
                      (d.age, pack.created_at.date().isoformat(), record.id))
        return
    child_id = next((r.id for r in pack.records if r.type == "child"), None)
    if record.type == "note":
        c.execute(
            "INSERT INTO notes (id, version, origin, created_at, created_by, updated_at, child_id,"
            " author_id, event_at, category, source, reported_by, body)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, origin, now, by, now, child_id,
             f"import:{d.author}"[:200], utc_iso(d.recorded_at), "imported",
             "reported" if d.source != "first_hand" else "first_hand", d.source_detail, d.text),
        )
    elif record.type == "screening":
        inp = {
            "tool": d.tool_id, "tool_version": d.tool_version,
            "child": {"age": d.child_age if d.child_age is not None else 0,
                      "learning_disability": bool(d.learning_disability),
                      "additional_needs": bool(d.additional_needs)},
            "immediate_danger": d.immediate_danger,
            "answers": [a.model_dump(mode="json", exclude={"label"}) for s in d.sections
                        for a in s.answers if a.value != "unknown"],
        }
        outcome = {
            "tool": d.tool_id, "tool_version": d.tool_version,
            "suggested_level": d.suggested_level,
            "reasons": [r.model_dump(mode="json") for r in d.reasons],
            "floors_applied": [{"text": f} for f in d.floors_applied],
            "to_verify": [{"label": t} for t in d.to_verify],
            "gaps": [{"label": g} for g in d.gaps],
            "next_steps": {"text": "\n".join(d.next_steps)},
            "imported": True,
        }
        status = "confirmed" if d.confirmed_level else "in_progress"
        c.execute(
            "INSERT INTO screenings (id, version, origin, created_at, created_by, updated_at,"
            " child_id, tool_id, tool_version, screened_at, input, outcome, suggested_level,"
            " confirmed_level, confirmed_by, confirmed_at, confirm_reason, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, origin, now, by, now, child_id, d.tool_id, d.tool_version,
             f"{d.screened_on.isoformat()}T00:00:00Z", json.dumps(inp), json.dumps(outcome),
             d.suggested_level, d.confirmed_level, d.confirmed_by or None,
             utc_iso(d.confirmed_at) if d.confirmed_at else None, d.confirmation_reason, status),
        )
        # (2) The child's level is never set here: ``_sender_level`` decides (import_pack).
    elif record.type == "pathway_step":
        if d.status == "pending":
            return
        if d.fields or d.entered_at is not None or pack_format(pack) == "2":
            # Format 2: the fields as the sender's engine recorded them; this vault's engine
            # checks them when the case is read, exactly as it checks its own.
            data: dict[str, Any] = {f.id: f.value for f in d.fields}
            reason = d.reason or (d.summary if d.status == "not_applicable" else "")
        else:
            # Format 1 carried only words: kept as such, shown read-only (vault.repos).
            data = {"summary": d.summary, "reference": d.reference}
            reason = d.summary if d.status == "not_applicable" else ""
        c.execute(
            "INSERT INTO pathway_steps (id, version, origin, created_at, created_by, updated_at,"
            " child_id, pathway_id, step_id, status, event_at, data, reason)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, origin, utc_iso(d.entered_at or d.recorded_at), by, now,
             child_id, d.pathway_id, d.step_id, d.status, utc_iso(d.recorded_at),
             json.dumps(data, ensure_ascii=False), reason),
        )
    elif record.type == "missing_episode":
        c.execute(
            "INSERT INTO missing_episodes (id, version, origin, created_at, created_by, updated_at,"
            " child_id, from_at, to_at, where_found, return_interview, notes)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, origin, now, by, now, child_id, utc_iso(d.started_at),
             utc_iso(d.ended_at) if d.ended_at else None, d.found_where, d.return_interview,
             d.summary),
        )
    elif record.type == "intel_report":
        report = _intel_from_pack(record)
        c.execute(
            "INSERT INTO intel_reports (id, version, origin, created_at, created_by, updated_at,"
            " ref, title, status, learned_at, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (report.id, report.version, origin, now, vault.user.id, now,
             vault.intel.ref_of(report.id), report.title, report.status, None,
             json.dumps(report.to_dict(), ensure_ascii=False)),
        )
        vault.intel._index_rows(report)


def pack_format(pack: Any) -> str:
    """The pack's format ("1" or "2"); "" for a conflict decided later (no envelope kept)."""
    return str(getattr(pack, "schema_version", ""))


def _update(vault: Vault, record: Any, pack: ps.PackModel) -> None:
    """Replace a record the receiver has not changed since its last import."""
    table = {"child": "children", "note": "notes", "screening": "screenings",
             "pathway_step": "pathway_steps", "missing_episode": "missing_episodes",
             "intel_report": "intel_reports"}[record.type]
    if record.type == "child":
        d = record.data
        vault.conn.execute(
            "UPDATE children SET name = ?, alias = ?, dob = ?, gender = ?, ethnicity = ?,"
            " school = ?, address = ?, learning_disability = ?, version = ?, updated_at = ?"
            " WHERE id = ?",
            (" ".join(p for p in (d.given_names, d.family_name) if p),
             d.other_names[0] if d.other_names else "",
             d.date_of_birth.isoformat() if d.date_of_birth else None, d.gender, d.ethnicity,
             d.school, d.home_address, int(bool(d.learning_disability)), record.version,
             vault.now_iso(), record.id),
        )
    elif record.type == "note":
        d = record.data
        vault.conn.execute(
            "UPDATE notes SET body = ?, event_at = ?, source = ?, reported_by = ?, version = ?,"
            " updated_at = ? WHERE id = ?",
            (d.text, utc_iso(d.recorded_at), "reported" if d.source != "first_hand"
             else "first_hand", d.source_detail, record.version, vault.now_iso(), record.id),
        )
    elif record.type == "intel_report":
        report = _intel_from_pack(record)
        vault.conn.execute(
            "UPDATE intel_reports SET body = ?, version = ?, updated_at = ? WHERE id = ?",
            (json.dumps(report.to_dict(), ensure_ascii=False), record.version, vault.now_iso(),
             record.id),
        )
        vault.conn.execute("DELETE FROM intel_entities WHERE report_id = ?", (record.id,))
        vault.intel._index_rows(report)
    else:
        # Screenings, steps and episodes untouched here since import are replaced whole.
        vault.conn.execute(f"DELETE FROM {table} WHERE id = ?", (record.id,))
        _insert(vault, record, pack, {})
    vault.audit("import.update", record.type, record.id, record.version)


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
        vault.audit(f"import.resolve.{keep}", "child", child_id, None,
                    f"level={data.get('level', '')}")


def _intel_from_pack(record: ps.IntelReportRecord) -> intel.IntelReport:
    d = record.data
    entities: list[Any] = []
    for s in d.subjects:
        entities.append(intel.Person(surname=s.surname, forenames=s.forenames,
                                     nickname=", ".join(s.aliases), dob=s.date_of_birth,
                                     age_range=s.age_range or None, description=s.description,
                                     address=s.address, role=s.role))
    for v in d.vehicles:
        entities.append(intel.Vehicle(vrm=v.vrm, make=v.make, model=v.model, colour=v.colour))
    for p in d.phones:
        entities.append(intel.Phone(number=p.number))
    for o in d.online_identities:
        entities.append(intel.OnlineIdentity(platform=o.platform, handle_or_url=o.handle or o.url))
    for loc in d.locations:
        entities.append(intel.Location(name=loc.name, address=loc.address))
    return intel.IntelReport(
        id=record.id,
        version=record.version,
        title=(d.information[0][:80] if d.information else "Imported report"),
        facts=list(d.information),
        source_type=_SOURCE_FROM_PACK.get(d.source, "third_party"),  # type: ignore[arg-type]
        source_detail=d.how_known,
        already_reported=bool(d.already_reported),
        crime_reference=d.crime_reference,
        other_agencies=", ".join(a.name for a in d.other_agencies),
        entities=entities,
        closing_confirmed=d.no_more_information,
        status="final",
    )


def today_utc() -> date:
    return datetime.now(UTC).date()


# ---------------------------------------------------------------------------------------------
# Resolving import conflicts (DSL)
# ---------------------------------------------------------------------------------------------


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


def _conflicts_as_imported(vault: Vault, import_id: str, conflicts: Any) -> bool:
    """Are ``conflicts`` the ones the importing DSL's signed entry names? (Imports from before
    the hash was kept, with no ``decide=`` in their entry, are taken as they are.)"""
    from cse_toolkit.vault.vault import conflicts_digest, import_entry, recorded_conflicts_digest

    entry = import_entry(vault.conn, vault.vault_id, vault.registry, import_id)
    if entry is None:
        return False
    recorded = recorded_conflicts_digest(entry[2])
    return recorded is None or recorded == conflicts_digest(conflicts)


def _record_decision(vault: Vault, import_id: str, conflicts: list[Any], target: dict[str, Any],
                     keep: str) -> None:
    """Mark one conflict of an import decided (by whom, when) and the import resolved once
    every conflict is; the caller audits the decision in the same transaction."""
    target["resolution"] = keep
    target["decided_by"] = vault.user.name
    target["decided_at"] = vault.now_iso()
    done = all(c.get("resolution") for c in conflicts if isinstance(c, dict))
    vault.conn.execute(
        "UPDATE imports SET conflicts = ?, resolved = ? WHERE id = ?",
        (json.dumps(conflicts), int(done), import_id),
    )


def pending_conflicts(vault: Vault) -> list[PendingConflict]:
    """Conflicts from imported packs that no one has decided yet, oldest import first."""
    from cse_toolkit.packs.signing import fingerprint

    vault.require("dsl")
    out: list[PendingConflict] = []
    for import_id, pack_id, at, raw, summary, signer in vault.conn.execute(
        "SELECT id, pack_id, imported_at, conflicts, summary, signer FROM imports"
        " WHERE resolved = 0 ORDER BY imported_at, rowid"
    ).fetchall():
        try:
            sender = str(json.loads(summary or "{}").get("sender", ""))
            signer_fpr = fingerprint(signer)
        except (ValueError, UserError):
            sender, signer_fpr = "", ""
        listed = json.loads(raw or "[]")
        altered = "" if _conflicts_as_imported(vault, import_id, listed) else (
            "CHANGED AROUND THE APP since the pack was imported: not what the sender sent; "
            "it cannot be decided. ")
        for c in listed:
            if isinstance(c, dict) and not c.get("resolution"):
                out.append(PendingConflict(import_id, pack_id, at, c["record_type"],
                                           c["record_id"], c.get("child_id"),
                                           altered + str(c.get("why", "")),
                                           c.get("incoming", {}), sender, signer_fpr))
    return out


def resolve_conflict(vault: Vault, import_id: str, record_id: str, keep: str) -> None:
    """Decide one conflict: keep the version here ("local") or take the pack's ("incoming").

    Taking the incoming version replaces the record with it (its version becomes the pack's);
    either way the decision is recorded with the import and audited, and the import leaves the
    review queue once every conflict in it is decided.
    """
    from types import SimpleNamespace

    from pydantic import TypeAdapter

    vault.require("dsl")
    if keep not in ("local", "incoming"):
        raise UserError("Choose to keep the version here or take the incoming one.")
    row = vault.conn.execute(
        "SELECT pack_id, signer, conflicts, summary FROM imports WHERE id = ?", (import_id,)
    ).fetchone()
    if row is None:
        raise UserError("That import is no longer in this vault.")
    conflicts = json.loads(row[2] or "[]")
    if not _conflicts_as_imported(vault, import_id, conflicts):
        raise UserError(
            "The conflicts of this import were changed around the app since the pack was "
            "imported, so what it shows may not be what the sender sent; nothing was decided. "
            "Run 'cse-toolkit audit verify', tell your IT team, and import the pack again.")
    target = next((c for c in conflicts if c.get("record_id") == record_id
                   and not c.get("resolution")), None)
    if target is None:
        raise UserError("That conflict has already been decided.")
    summary = json.loads(row[3] or "{}")
    if target.get("record_type") == "level":
        _resolve_level(vault, import_id, conflicts, target, keep)
        return
    record = TypeAdapter(ps.Record).validate_python(target["incoming"])
    with vault.write("the decision on the conflict"):
        if keep == "incoming":
            local = _local_record(vault, record)
            child_id = target.get("child_id")
            context = SimpleNamespace(
                records=[SimpleNamespace(type="child", id=child_id)] if child_id else [],
                vault=SimpleNamespace(id=f"import:{row[0]}"),
                sender=SimpleNamespace(name=str(summary.get("sender", "imported pack"))),
                created_at=parse_utc(summary["created_at"]) if summary.get("created_at")
                else vault.now(),
            )
            if local is None:
                _insert(vault, record, context, {})  # type: ignore[arg-type]
            else:
                _update(vault, record, context)  # type: ignore[arg-type]
            _track_import(vault, record, row[0], row[1])
        _record_decision(vault, import_id, conflicts, target, keep)
        vault.audit(f"import.resolve.{keep}", record.type, record.id, record.version)
    vault.intel._index = None
