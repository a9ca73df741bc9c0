"""The vault's records in pack form: what a pack carries of a child, their notes, screenings,
pathway steps, missing episodes and intelligence reports (``packs.schema`` records).

Used by the export (``services.export``) and by the merge, which compares the version here with
the incoming one in the same form (``services.record_kinds``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue, step_words
from cse_toolkit.core import intelligence as intel
from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.schema import MAX_SHORT

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


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
                name=child.parental_responsibility[:MAX_SHORT],
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
    return [
        _note_record(note, users, amended.get(note.id, ()))
        for note in vault.repos.notes_for(child_id)
    ]


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


def note_record(vault: Vault, note_id: str) -> ps.NoteRecord:
    """One note in pack form, with its amendments (one note, not the child's whole list:
    building every note per record made importing a 500-note pack quadratic, about 12 s)."""
    local = vault.repos.get_note(note_id)
    amended = vault.repos.amendments_for_child(local.child_id).get(local.id, ())
    return _note_record(local, {u.id: u.label for u in vault.users()}, amended)


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
            author=users.get(note.author_id, note.author_id.removeprefix("import:"))[:MAX_SHORT],
            source=note.source,
            # Who reported it, if someone did; the place is where it happened, not a source.
            source_detail=note.reported_by[:MAX_SHORT],
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
    saved_kinds = outcome.get("exploitation") or []
    kinds: list[tools.ExploitationKind] = [k for k in tools.EXPLOITATION_KINDS if k in saved_kinds]
    if (not provenance or "exploitation" not in outcome) and tool is not None and inp:
        try:
            again = sc.evaluate(tool, sc.ScreeningInput.from_dict(inp))
            provenance = provenance or again.provenance or ""
            kinds = [k for k in tools.EXPLOITATION_KINDS if k in again.exploitation]
        except UserError:
            pass
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
        sections.append(ps.ScreeningSection(id=sid, title=title[:MAX_SHORT], answers=rows))
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
                steps_text.append("Contact: " + ", ".join(str(v) for v in contact.values() if v))
    users = {u.name: u.label for u in vault.users()}
    return ps.ScreeningRecord(
        type="screening",
        id=rec.id,
        version=rec.version,
        data=ps.ScreeningData(
            tool_id=rec.tool_id,
            tool_version=rec.tool_version,
            tool_title=tool_title[:MAX_SHORT],
            screened_on=rec.screened_at.date(),
            screened_by=users.get(rec.confirmed_by or "", rec.confirmed_by or "")[:MAX_SHORT],
            child_age=child_ctx.get("age"),
            learning_disability=child_ctx.get("learning_disability"),
            additional_needs=child_ctx.get("additional_needs"),
            immediate_danger=bool(inp.get("immediate_danger", False)),
            sections=sections,
            suggested_level=rec.suggested_level or outcome.get("suggested_level") or "unknown",
            reasons=[
                ps.Reason(
                    rule=str(r.get("rule", ""))[:MAX_SHORT],
                    indicators=[str(i) for i in r.get("indicators", [])],
                    text=str(r.get("text", "")),
                )
                for r in outcome.get("reasons", [])
            ],
            floors_applied=[
                str(f.get("text", f.get("rule", "")))[:MAX_SHORT]
                for f in outcome.get("floors_applied", [])
            ],
            to_verify=[_answer_label(x, labels) for x in outcome.get("to_verify", [])],
            gaps=[_answer_label(x, labels) for x in outcome.get("gaps", [])],
            next_steps=steps_text,
            confirmed_level=rec.confirmed_level,
            confirmed_by=users.get(rec.confirmed_by or "", rec.confirmed_by or "")[:MAX_SHORT],
            confirmed_at=parse_utc(rec.confirmed_at) if rec.confirmed_at else None,
            confirmation_reason=rec.confirm_reason,
            provenance=provenance,
            awaiting_signoff=sc.awaiting_signoff(
                tool, rec.suggested_level, rec.confirmed_level, rec.status
            ),
            exploitation=kinds,
        ),
    )


def _answer_label(item: Any, labels: dict[str, str]) -> str:
    if isinstance(item, dict):
        ind = str(item.get("indicator", ""))
        return labels.get(ind, str(item.get("label", ind)))[:MAX_SHORT]
    return str(item)[:MAX_SHORT]


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
            step_words.describe_step_data(pathway, st.step_id, st.data, words, utc=True)
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
                    pathway_version=pathway.version[:MAX_SHORT] if pathway else "",
                    step_id=st.step_id,
                    title=titles.get(st.step_id, st.step_id)[:MAX_SHORT],
                    status=st.status,
                    recorded_at=st.event_at,
                    entered_at=st.created_at,
                    recorded_by=users.get(st.created_by, st.created_by)[:MAX_SHORT],
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
    # The return interview's outcome travels as its own action record (done, with its note),
    # not folded in here: the episode's version does not move when the interview is done, and
    # a changed copy under the same version would reach the receiver as a conflict.
    return [
        ps.MissingEpisodeRecord(
            type="missing_episode",
            id=m.id,
            version=m.version,
            data=ps.MissingEpisodeData(
                started_at=m.from_at,
                ended_at=m.to_at,
                reported_to_police=True if (m.reported_at or m.police_ref) else None,
                police_reference=m.police_ref[: ps.MAX_SHORT],
                found_where=m.where_found,
                return_interview=m.return_interview,
                summary=m.notes,
                reported_at=m.reported_at,
                returned_by=m.returned_by[: ps.MAX_SHORT],
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
    agencies = [
        ps.Agency(name=a.strip()[:MAX_SHORT]) for a in report.other_agencies.split(",") if a.strip()
    ]
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


def intel_from_pack(record: ps.IntelReportRecord) -> intel.IntelReport:
    d = record.data
    entities: list[Any] = []
    for s in d.subjects:
        entities.append(
            intel.Person(
                surname=s.surname,
                forenames=s.forenames,
                nickname=", ".join(s.aliases),
                dob=s.date_of_birth,
                age_range=s.age_range or None,
                description=s.description,
                address=s.address,
                role=s.role,
            )
        )
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
