"""The referral's own answers (issue 14, referral pack version 2): what the export wizard asks,
what it starts from, and the referral record made of them.

``referral_defaults`` pre-fills the form from what the vault already holds, all of it editable:
the urgency from the level (High, or immediate danger, is urgent by default), the basis of
concern from the indicators present at the latest screening, the police reference and 999 time
from the danger check, the DSL or manager from the discussion step, the people named in the
child's intelligence reports as possibly posing a risk, and which notes go in the chronology
(the last 90 days, or the newest five). ``referral_record`` turns the answers into the pack's record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.schema import MAX_SHORT

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

Urgency = Literal["immediate_danger", "urgent", "non_urgent"]
Safe = Literal["yes", "no", "not_known"]
# The level ids that make a referral urgent by default (Worcestershire High and Immediate, the
# West Midlands tool's Serious), besides a screening whose outcome says it is urgent.
URGENT_LEVELS = ("high", "immediate", "serious")
CHRONOLOGY_DAYS = 90
RISK_ROLES = ("suspected_perpetrator", "person_of_concern")


@dataclass
class RiskPersonAnswer:
    name: str = ""
    date_of_birth: str = ""  # as typed: dd/mm/yyyy, or empty
    age_range: str = ""  # when the date of birth is not known, e.g. "30-40"
    relationship: str = ""
    address: str = ""
    notes: str = ""
    intelligence: list[str] = field(default_factory=list)  # report references

    def is_empty(self) -> bool:
        return not any((self.name, self.date_of_birth, self.relationship, self.address))


@dataclass
class OtherChildAnswer:
    name: str = ""
    age: str = ""
    details: str = ""

    def is_empty(self) -> bool:
        return not any((self.name.strip(), self.age.strip(), self.details.strip()))


@dataclass
class ReferralDetails:
    """What the referral form asks that is not already in the child's records."""

    urgency: Urgency = "non_urgent"
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
    # Version 2 (pack format 3).
    where_now: str = ""
    with_whom: str = ""
    safe: Safe = "not_known"
    safe_detail: str = ""
    risk_people: list[RiskPersonAnswer] = field(default_factory=list)
    other_children: list[OtherChildAnswer] = field(default_factory=list)
    called_999_at: datetime | None = None
    police_reference: str = ""
    officer: str = ""
    request: str = ""
    risk_view: str = ""
    parents_views: str = ""
    language_needs: str = ""
    consulted_name: str = ""
    consulted_role: str = ""
    consulted_at: datetime | None = None
    consulted_view: str = ""
    child_words: list[str] = field(default_factory=list)
    # The notes chosen for the chronology; None: the default (the last 90 days, or the newest five).
    note_ids: list[str] | None = None

    def problems(self) -> list[str]:
        """What stops the export, in plain words."""
        out = []
        if self.urgency != "non_urgent" and not self.where_now.strip():
            out.append(
                "An urgent or immediate referral must say where the child is now "
                "(and whether they are safe tonight)."
            )
        for person in self.risk_people:
            if person.date_of_birth.strip() and parse_dob(person.date_of_birth) is None:
                out.append(
                    f"The date of birth of {person.name or 'a person who may pose a risk'} "
                    "should be written as dd/mm/yyyy."
                )
        return out


def parse_dob(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y")
    except ValueError:
        return None


def _step_fields(vault: Vault, child_id: str, step_id: str) -> dict[str, object]:
    """The newest recorded step ``step_id`` of the child, done, as its field values."""
    done = [
        s for s in vault.repos.steps_for(child_id) if s.step_id == step_id and s.status == "done"
    ]
    if not done:
        return {}
    newest = max(done, key=lambda s: s.created_at or s.event_at)
    return dict(newest.data or {})


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_utc(value)
    except (ValueError, UserError):
        return None


def default_note_ids(vault: Vault, child_id: str) -> list[str]:
    """The notes of the last 90 days; if there are none, the newest five."""
    since = vault.now() - timedelta(days=CHRONOLOGY_DAYS)
    notes = vault.repos.notes_for(child_id)
    return [n.id for n in notes if n.event_at >= since] or [n.id for n in notes[-5:]]


def _present_indicators(vault: Vault, child_id: str) -> list[str]:
    from cse_toolkit.services.records import screening_record

    done = [s for s in vault.repos.screenings_for(child_id) if s.status != "in_progress"]
    if not done:
        return []
    data = screening_record(vault, done[-1].id).data
    return [
        (a.label or a.indicator)[:MAX_SHORT]
        for section in data.sections
        for a in section.answers
        if a.value == "yes"
    ]


def _risk_people(vault: Vault, child_id: str) -> list[RiskPersonAnswer]:
    from cse_toolkit.services.records import intel_record

    people: dict[tuple[str, str], RiskPersonAnswer] = {}
    for report_id, ref, *_ in vault.intel.list(child_id):
        for subject in intel_record(vault.intel.get(report_id)).data.subjects:
            if subject.role not in RISK_ROLES:
                continue
            name = " ".join(x for x in (subject.forenames, subject.surname.upper()) if x)
            if subject.aliases:
                name += " (known as " + ", ".join(subject.aliases) + ")"
            dob = subject.date_of_birth.strftime("%d/%m/%Y") if subject.date_of_birth else ""
            key = (name.casefold(), dob)
            if key in people:
                if ref not in people[key].intelligence:
                    people[key].intelligence.append(ref)
                continue
            people[key] = RiskPersonAnswer(
                name=name,
                date_of_birth=dob,
                age_range=subject.age_range,
                address=subject.address,
                notes=subject.description,
                intelligence=[ref],
            )
    return list(people.values())


def referral_defaults(vault: Vault, child_id: str) -> ReferralDetails:
    """The form as it starts, from what the vault holds; everything stays editable."""
    child = vault.repos.get_child(child_id)
    danger = _step_fields(vault, child_id, "danger_check")
    discussed = _step_fields(vault, child_id, "discuss")
    screenings = [s for s in vault.repos.screenings_for(child_id) if s.status != "in_progress"]
    immediate = danger.get("immediate_danger") is True or any(
        bool((s.input or {}).get("immediate_danger")) for s in screenings[-1:]
    )
    levels = {child.confirmed_level}
    urgent_outcome = False
    if screenings:
        latest = screenings[-1]
        levels |= {latest.suggested_level, latest.confirmed_level}
        urgent_outcome = (latest.outcome or {}).get("urgent") is True
    urgent = urgent_outcome or bool(levels & set(URGENT_LEVELS))
    urgency: Urgency = "immediate_danger" if immediate else "urgent" if urgent else "non_urgent"
    return ReferralDetails(
        urgency=urgency,
        basis_of_concern=_present_indicators(vault, child_id),
        called_999_at=_when(danger.get("called_999_at")),
        police_reference=str(danger.get("police_reference") or "")[:MAX_SHORT],
        consulted_name=str(discussed.get("with_whom") or "")[:MAX_SHORT],
        consulted_at=_when(discussed.get("discussed_at")),
        consulted_view=str(discussed.get("their_view") or ""),
        risk_people=_risk_people(vault, child_id),
        note_ids=default_note_ids(vault, child_id),
    )


def _risk_person(p: RiskPersonAnswer) -> ps.RiskPerson:
    born = parse_dob(p.date_of_birth) if p.date_of_birth.strip() else None
    return ps.RiskPerson(
        name=p.name.strip()[:MAX_SHORT],
        date_of_birth=born.date() if born else None,
        age_range=p.age_range.strip()[:MAX_SHORT],
        relationship=p.relationship.strip()[:MAX_SHORT],
        address=p.address.strip(),
        notes=p.notes.strip(),
        intelligence=[r[:MAX_SHORT] for r in p.intelligence][:50],
    )


def referral_record(details: ReferralDetails, concerns: list[ps.Concern]) -> ps.ReferralRecord:
    """The pack's referral record from the answers. Raises UserError on a problem."""
    found = details.problems()
    if found:
        raise UserError(" ".join(found))
    police = None
    if details.called_999_at or details.police_reference.strip() or details.officer.strip():
        police = ps.PoliceInvolvement(
            called_999_at=details.called_999_at,
            reference=details.police_reference.strip()[:MAX_SHORT],
            officer=details.officer.strip()[:MAX_SHORT],
        )
    consulted = None
    if details.consulted_name.strip() or details.consulted_at:
        consulted = ps.Consulted(
            name=details.consulted_name.strip()[:MAX_SHORT],
            role=details.consulted_role.strip()[:MAX_SHORT],
            at=details.consulted_at,
            view=details.consulted_view.strip(),
        )
    where = None
    if details.where_now.strip() or details.with_whom.strip() or details.safe != "not_known":
        where = ps.WhereNow(
            where=details.where_now.strip(),
            with_whom=details.with_whom.strip(),
            safe=details.safe,
            safe_detail=details.safe_detail.strip(),
        )
    return ps.ReferralRecord(
        type="referral",
        id=str(uuid.uuid4()),
        version=1,
        data=ps.ReferralData(
            urgency=details.urgency,
            route=details.route,
            referrer_involvement=details.referrer_involvement,
            reason=details.reason,
            concerns=concerns,
            basis_of_concern=[b[:MAX_SHORT] for b in details.basis_of_concern][:50],
            past_violence=[p[:MAX_SHORT] for p in details.past_violence][:50],
            actions_taken=[ps.Action(action=a) for a in details.actions_taken if a.strip()],
            other_agencies=[
                ps.Agency(name=a[:MAX_SHORT]) for a in details.other_agencies if a.strip()
            ],
            child_views=details.child_views,
            where_now=where,
            risk_people=[_risk_person(p) for p in details.risk_people if not p.is_empty()][:50],
            other_children=[
                ps.OtherChild(
                    name=c.name.strip()[:MAX_SHORT],
                    age=c.age.strip()[:MAX_SHORT],
                    details=c.details.strip(),
                )
                for c in details.other_children
                if not c.is_empty()
            ][:50],
            police=police,
            request=details.request.strip(),
            risk_view=details.risk_view.strip(),
            parents_views=details.parents_views.strip(),
            language_needs=details.language_needs.strip(),
            consulted=consulted,
            child_words=[w.strip() for w in details.child_words if w.strip()][:50],
        ),
    )
