"""Quality checks run while writing (DOMAIN.md section 4.3), overrides and finalising."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeAlias

from cse_toolkit.core.clock import utc_iso
from cse_toolkit.core.intelligence.entities import (
    Entity,
    Financial,
    Location,
    Person,
    Phone,
    Vehicle,
    Weapon,
)
from cse_toolkit.core.intelligence.normalise import normalise_name
from cse_toolkit.core.intelligence.report import IntelReport, Override
from cse_toolkit.core.intelligence.values import (
    MAX_FACT_CHARS,
    OverrideRefused,
    ReportNotReady,
    Severity,
    is_closing_marker,
)

# ---------------------------------------------------------------------------------------------
# The registry: one function per check, listed in the order the checks run
# ---------------------------------------------------------------------------------------------

# Where a warning is listed, in the order the report reads: the facts, the people, the report's
# own details (links, dates), the vehicles, and last whether it was reported before. A warning
# about one fact or one entity is listed with it; a report-wide warning in its check's section.
FACTS, PEOPLE, DETAILS, VEHICLES, REPORTED = range(5)


@dataclass(frozen=True)
class Subject:
    """What every check reads: the report, today's date, and the parts most checks walk."""

    report: IntelReport
    today: date
    facts: tuple[tuple[int, str], ...]  # (index, fact) of the facts that are not blank
    persons: tuple[tuple[int, Person], ...]

    @classmethod
    def of(cls, report: IntelReport, today: date) -> Subject:
        return cls(
            report=report,
            today=today,
            facts=tuple((i, f) for i, f in enumerate(report.facts) if f.strip()),
            persons=tuple((i, e) for i, e in enumerate(report.entities) if isinstance(e, Person)),
        )

    def written_facts(self) -> Iterator[tuple[int, str]]:
        """The facts other than a closing marker typed as a fact (that one gets its own check,
        and nothing else is said about it)."""
        return ((i, f) for i, f in self.facts if not is_closing_marker(f))


CheckFunction: TypeAlias = Callable[[Subject], Iterable["QualityWarning"]]


@dataclass(frozen=True)
class CheckInfo:
    title: str
    severity: Severity
    section: int = FACTS
    run: CheckFunction | None = field(default=None, compare=False, repr=False)


CHECKS: dict[str, CheckInfo] = {}


def check(
    check_id: str, title: str, *, section: int, severity: Severity = "warning"
) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` as the quality check ``check_id`` (ids are stored in overrides)."""

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in CHECKS:
            raise ValueError(f"The quality check {check_id!r} is registered twice.")
        CHECKS[check_id] = CheckInfo(title, severity, section, function)
        return function

    return register


@dataclass(frozen=True)
class QualityWarning:
    """One problem found while writing. ``ref`` is ``"report"``, ``"fact:<i>"`` or
    ``"entity:<i>"`` (0-based indexes into ``facts`` / ``entities``); messages count from 1."""

    check_id: str
    severity: Severity
    message: str
    ref: str
    fingerprint: str
    override: Override | None = None

    @property
    def blocking(self) -> bool:
        return self.override is None


def _fingerprint(check_id: str, subject: str) -> str:
    # A hash, so an override's "covers" list does not copy names or facts around again.
    digest = hashlib.sha256(f"{check_id}\x1f{subject}".encode()).hexdigest()[:16]
    return f"{check_id}:{digest}"


def _person_subject(person: Person) -> str:
    return "|".join((person.surname, person.forenames, person.nickname))


def _entity_subject(entity: Entity) -> str:
    return json.dumps(entity.to_dict(), sort_keys=True)


def _fact_warning(check_id: str, i: int, fact: str, message: str) -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref=f"fact:{i}",
        fingerprint=_fingerprint(check_id, fact),
    )


def _entity_warning(check_id: str, i: int, subject: str, message: str) -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref=f"entity:{i}",
        fingerprint=_fingerprint(check_id, subject),
    )


def _report_warning(check_id: str, message: str, subject: str = "") -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref="report",
        fingerprint=_fingerprint(check_id, subject),
    )


def _place(warning: QualityWarning, report: IntelReport) -> tuple[int, int]:
    """(section, index) where the warning is listed."""
    kind, _, index = warning.ref.partition(":")
    if kind == "fact":
        return FACTS, int(index)
    if kind == "entity":
        i = int(index)
        return (PEOPLE if isinstance(report.entities[i], Person) else VEHICLES), i
    return CHECKS[warning.check_id].section, -1


def run_checks(report: IntelReport, today: date) -> list[QualityWarning]:
    """Every registered check's warnings, before overrides, in the order they are listed."""
    subject = Subject.of(report, today)
    found: list[tuple[tuple[int, int, int], QualityWarning]] = []
    for position, info in enumerate(CHECKS.values()):
        assert info.run is not None  # every entry comes from @check
        for warning in info.run(subject):
            found.append(((*_place(warning, report), position), warning))
    found.sort(key=lambda item: item[0])
    return [warning for _, warning in found]


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

# Why these phrases: Sandwell/WMP give "a family member" and "one of the males in the shop" as
# examples of what the police cannot act on. A phrase followed by "called ..." names someone.
_VAGUE = re.compile(
    r"\b(?:"
    r"(?:an?|the|some|another|this|that|these|those|unknown|group\s+of)\s+"
    r"(?:[a-z]+\s+)?(?:males?|females?|man|men|woman|women|guys?|blokes?|lads?|fellas?|adults?)"
    r"|one\s+of\s+(?:the|his|her|their)\s+(?:[a-z]+\s+)?"
    r"(?:males|men|lads|boys|guys|mates|friends|girls|females)"
    r"|(?:his|her|their|a)\s+(?:older\s+)?"
    r"(?:mates?|friends?|pals?|cousins?|uncle|boyfriend|girlfriend)"
    r"|(?:a|another)\s+family\s+(?:member|friend)"
    r"|family\s+members?"
    r"|someone|somebody|some\s+(?:guy|bloke|man|woman|lad|people)"
    r")\b",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(
    r"^[\s,(]*(?:(?:called|named|known\s+as|aka|a\.k\.a\.?|nicknamed|goes\s+by)\b"
    r"|[A-Z]{2,}\b)"
)
_PRONOUN = re.compile(r"\b(?:he|him|his|she|her)\b", re.IGNORECASE)

# Why a stop: an information report is read days later. Anything happening now goes to 999.
# "help" alone is too common ("Early Help", "helped with homework"), so only cries for help.
_EMERGENCY = re.compile(
    r"\b(?:"
    r"right\s+now|currently\s+(?:with|at)|being\s+(?:held|kept|hurt|abused|raped)"
    r"|held\s+against|locked\s+in|tonight|in\s+(?:immediate\s+)?danger"
    r"|taken\s+to\b[^.]{0,60}\bnow|(?:is|are)\s+(?:with|at)\b[^.]{0,40}\bnow"
    r"|(?:is|are)\s+in\s+(?:his|her|their|the|a|an)\s+(?:car|van|taxi|flat|house|room|hotel)"
    r"\b[^.]{0,30}\bnow"
    # "missing school" is about attendance, not a missing child.
    r"|(?:is|has\s+gone|still)\s+missing"
    r"(?!\s+(?:school|lessons?|classes|college|appointments?|sessions?|education))"
    r"|(?:asked|asking|begged|begging|shouting|screaming|crying|calling|call)\s+for\s+help"
    r"|help\s+(?:me|us)|needs?\s+help\s+now|going\s+to\s+meet\b[^.]{0,40}\b(?:later|today)"
    r")\b",
    re.IGNORECASE,
)

_DOTTED_INITIALS = re.compile(r"\b[A-Z]\.\s?[A-Z]\.?(?=\s|$|[,;])|\b[A-Z]\.\s?[A-Z][a-z]+")
_VOWELS = set("AEIOUY")


def _looks_like_initials(text: str, *, surname: bool) -> bool:
    text = text.strip()
    if not text:
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.\s*){1,3}", text):  # J. / J.S. / J. S.
        return True
    if len(normalise_name(text)) == 1:  # a single letter
        return True
    if not surname and all(len(normalise_name(t)) == 1 for t in text.split()):
        return True  # "J" or "J A" as forenames
    letters = normalise_name(text)
    # "JS" / "JSM": a short run of capitals with no vowel is initials; "NG" is caught too, which
    # is why this is an overridable warning and not a refusal.
    return text.isupper() and 2 <= len(letters) <= 3 and not (set(letters) & _VOWELS)


def _learned_date(report: IntelReport) -> date | None:
    if report.learned_at is None:
        return None
    try:
        return datetime.fromisoformat(report.learned_at.replace("Z", "+00:00")).date()
    except ValueError:
        return None  # edited in place to something unreadable: ask for the date again


@check("no_facts", "No facts written", section=FACTS)
def no_facts(s: Subject) -> Iterator[QualityWarning]:
    if not s.facts:
        yield _report_warning(
            "no_facts",
            "Write what you know as short factual lines: who, what, when, where, how.",
        )


@check("emergency", "Sounds like an emergency", section=FACTS, severity="stop")
def emergency(s: Subject) -> Iterator[QualityWarning]:
    for i, fact in s.facts:
        if _EMERGENCY.search(fact):
            yield _fact_warning(
                "emergency",
                i,
                fact,
                f"Fact {i + 1} sounds like something happening now. If a child is in danger "
                "now, call 999 now: an intelligence report is not read straight away. "
                "Once you have called 999, record that here. If it is not happening now, "
                "reword the fact to say when it happened.",
            )


@check("fact_too_long", "A fact is long", section=FACTS)
def fact_too_long(s: Subject) -> Iterator[QualityWarning]:
    for i, fact in s.facts:
        if len(fact) > MAX_FACT_CHARS:
            yield _fact_warning(
                "fact_too_long",
                i,
                fact,
                f"Fact {i + 1} is {len(fact)} characters long. Split it into shorter lines, "
                "one fact per line.",
            )


@check("closing_marker_in_facts", "Closing marker typed as a fact", section=FACTS)
def closing_marker_in_facts(s: Subject) -> Iterator[QualityWarning]:
    for i, fact in s.facts:
        if is_closing_marker(fact):
            yield _fact_warning(
                "closing_marker_in_facts",
                i,
                fact,
                f"Fact {i + 1} is the closing marker. Delete it and tick 'No more information "
                "available' instead: the toolkit adds the marker as the last line.",
            )


@check("vague_reference", "Vague reference to a person", section=FACTS)
def vague_reference(s: Subject) -> Iterator[QualityWarning]:
    for i, fact in s.written_facts():
        vague = [
            m.group(0)
            for m in _VAGUE.finditer(fact)
            if not _NAMED_AFTER.match(fact[m.end() : m.end() + 40])
        ]
        if vague:
            yield _fact_warning(
                "vague_reference",
                i,
                fact,
                f"Fact {i + 1} says '{vague[0]}' without a name. Give the full name and date "
                "of birth if anyone knows them, or a nickname and description; the police "
                "cannot act on 'a male' or 'a family member'.",
            )


@check("unnamed_pronoun", "'He' or 'she' with nobody named", section=FACTS)
def unnamed_pronoun(s: Subject) -> Iterator[QualityWarning]:
    if any(p.is_named for _, p in s.persons):
        return
    for i, fact in s.written_facts():
        if _PRONOUN.search(fact):
            yield _fact_warning(
                "unnamed_pronoun",
                i,
                fact,
                f"Fact {i + 1} says 'he' or 'she' but the report names nobody. Add the person "
                "(SURNAME Forename) so the police know who is meant.",
            )


def _person_has_initials(person: Person) -> bool:
    return _looks_like_initials(person.surname, surname=True) or _looks_like_initials(
        person.forenames, surname=False
    )


@check("initials_only", "Initials instead of a name", section=FACTS)
def initials_only(s: Subject) -> Iterator[QualityWarning]:
    for i, fact in s.written_facts():
        if _DOTTED_INITIALS.search(fact):
            yield _fact_warning(
                "initials_only",
                i,
                fact,
                f"Fact {i + 1} uses initials. Write the full name (SURNAME Forename); the "
                "police cannot search on initials.",
            )
    for i, person in s.persons:
        if _person_has_initials(person):
            yield _entity_warning(
                "initials_only",
                i,
                _person_subject(person),
                f"{person.display()} (item {i + 1}) is written with initials. Write the full "
                "surname and forenames, correctly spelt, if anyone knows them.",
            )


@check("name_missing", "Person without a full name", section=PEOPLE)
def name_missing(s: Subject) -> Iterator[QualityWarning]:
    for i, person in s.persons:
        # Initials are a name written short: that check says what to do, this one stays quiet.
        if not _person_has_initials(person) and not (person.surname and person.forenames):
            yield _entity_warning(
                "name_missing",
                i,
                _person_subject(person),
                f"{person.display()} (item {i + 1}) has no full name. Add surname and forenames "
                "if anyone knows them; if only a nickname is known, override with that reason.",
            )


@check("no_dob", "Person without date of birth or age", section=PEOPLE)
def no_dob(s: Subject) -> Iterator[QualityWarning]:
    for i, person in s.persons:
        if person.dob is None and person.age_range is None:
            yield _entity_warning(
                "no_dob",
                i,
                _person_subject(person),
                f"{person.display()} (item {i + 1}) has no date of birth. Add it, or an "
                "approximate age range such as 30-40 if the date is not known.",
            )


@check("unlinked_subjects", "Several people not marked as linked", section=DETAILS)
def unlinked_subjects(s: Subject) -> Iterator[QualityWarning]:
    subjects = [p for _, p in s.persons if p.role != "victim"]
    if len(subjects) > 1 and not s.report.subjects_linked:
        yield _report_warning(
            "unlinked_subjects",
            f"This report names {len(subjects)} people. If they are linked (for example "
            "seen together), tick 'the people are linked'; if not, write a separate report "
            "for each person.",
            subject="\x1e".join(sorted(_person_subject(p) for p in subjects)),
        )


@check("no_date_learned", "No date learned", section=DETAILS)
def no_date_learned(s: Subject) -> Iterator[QualityWarning]:
    if _learned_date(s.report) is None:
        yield _report_warning(
            "no_date_learned",
            "Add the date you learned this (and the time if you know it).",
        )


@check("date_in_future", "A date is in the future", section=DETAILS)
def date_in_future(s: Subject) -> Iterator[QualityWarning]:
    for i, person in s.persons:
        if person.dob is not None and person.dob > s.today:
            yield _entity_warning(
                "date_in_future",
                i,
                _person_subject(person) + "|dob",
                f"The date of birth of {person.display()} (item {i + 1}) is in the future. "
                "Check it.",
            )
    learned = _learned_date(s.report)
    if learned is not None and learned > s.today:
        yield _report_warning(
            "date_in_future",
            "The date learned is in the future. Check it.",
            subject=f"learned|{s.report.learned_at}",
        )


def _of(s: Subject, kind: type) -> Iterator[tuple[int, Any]]:
    return ((i, e) for i, e in enumerate(s.report.entities) if isinstance(e, kind))


def entity_check(
    check_id: str, title: str, kind: type, fails: Callable[[Any], bool], message: str
) -> None:
    """Register a check that warns once for each entity of ``kind`` for which ``fails`` is true.

    ``message`` is formatted with ``n`` (the item's number, counting from 1) and ``e`` (the
    entity), e.g. ``"The line \u201c{e.line_name}\u201d (item {n}) ..."``."""

    def run(s: Subject) -> Iterator[QualityWarning]:
        for i, entity in _of(s, kind):
            if fails(entity):
                text = message.format(n=i + 1, e=entity)
                yield _entity_warning(check_id, i, _entity_subject(entity), text)

    run.__name__ = run.__qualname__ = check_id
    check(check_id, title, section=VEHICLES)(run)


entity_check(
    "vehicle_no_vrm",
    "Vehicle without a number plate",
    Vehicle,
    lambda vehicle: not vehicle.vrm,
    "The vehicle (item {n}) has no number plate. Add the VRM, even part of it; if nobody saw "
    "it, override with that reason.",
)
entity_check(
    "vrm_unrecognised",
    "Number plate not in a UK format",
    Vehicle,
    lambda vehicle: bool(vehicle.vrm) and not vehicle.vrm_recognised,
    "The number plate of the vehicle (item {n}) is not a whole UK plate. Check it; if only "
    "part was seen, say which part in the facts.",
)

# -- what criminal exploitation intelligence needs (issue 19 item 4, issue 14 item 6) -----------

entity_check(
    "line_no_number",
    "Drug line without a phone number",
    Phone,
    lambda phone: phone.used_as_line and not phone.number_recognised,
    "The line \u201c{e.line_name}\u201d (item {n}) has no whole phone number. Add the number "
    "the line runs on, even part of it; the name alone changes often.",
)
entity_check(
    "dealing_address_incomplete",
    "Dealing address without an address",
    Location,
    lambda place: place.place_type == "dealing_address" and not (place.address and place.postcode),
    "The address used for dealing (item {n}) needs the house number, street and postcode, so "
    "the police can find it; a cuckooed home is someone's home.",
)
entity_check(
    "financial_no_identifier",
    "Financial detail without what identifies it",
    Financial,
    lambda item: not item.identifier and not item.details,
    "The financial detail (item {n}) says nothing that identifies it. Add the account, card "
    "(last four digits) or payment handle, or the payments seen (amounts, dates, who paid "
    "whom).",
)
entity_check(
    "card_number_in_full",
    "A whole card number",
    Financial,
    lambda item: bool(item.full_card_number),
    "The card (item {n}) has a whole card number. Give only the last four digits and the "
    "bank: the police can get the rest lawfully.",
)
entity_check(
    "weapon_no_detail",
    "Weapon without a description or place",
    Weapon,
    lambda weapon: not weapon.description or not (weapon.where or weapon.whose),
    "The weapon (item {n}) needs what it looks like and where it was seen or is kept, or "
    "whose it is. If a weapon is a danger now, call 999.",
)


@check("crime_reference_missing", "Already reported, but no crime reference", section=REPORTED)
def crime_reference_missing(s: Subject) -> Iterator[QualityWarning]:
    if s.report.already_reported and not s.report.crime_reference.strip():
        yield _report_warning(
            "crime_reference_missing",
            "You say this was already reported. Add the crime or log reference so the "
            "police do not record it twice.",
        )


# ---------------------------------------------------------------------------------------------
# Running them, overrides, finishing
# ---------------------------------------------------------------------------------------------


def check_report(report: IntelReport, today: date) -> list[QualityWarning]:
    """Every warning for the report, each with the override that covers it (if any).

    Overridden warnings are kept in the list (``blocking`` is False) so the screen and the
    export can show what was overridden and why.
    """
    covering: dict[str, Override] = {}
    for override in report.overrides:
        for fp in override.covers:
            covering.setdefault(fp, override)
    result: list[QualityWarning] = []
    for warning in run_checks(report, today):
        cover = covering.get(warning.fingerprint)
        if cover is not None and cover.check_id == warning.check_id:
            warning = dataclasses.replace(warning, override=cover)
        result.append(warning)
    return result


def blocking_warnings(report: IntelReport, today: date) -> list[QualityWarning]:
    """The warnings neither fixed nor overridden: the report cannot be finalised while any stay."""
    return [w for w in check_report(report, today) if w.blocking]


_CALLED_999 = re.compile(r"\b(?:999|112)\b")
_NOT_CALLED = re.compile(r"\b(?:not|never|no|didn'?t|haven'?t|hasn'?t|won'?t)\b[^.]{0,30}\b999\b")


def apply_override(
    report: IntelReport,
    check_id: str,
    reason: str,
    by: str,
    at: datetime,
    *,
    ref: str | None = None,
) -> Override:
    """Record that ``by`` goes ahead despite the ``check_id`` warnings, for ``reason``.

    Covers the warnings of that check firing now (only the one at ``ref`` if given) and appends
    the override to ``report.overrides``. Refused (:class:`OverrideRefused`) without a reason,
    when no such warning is firing, and for ``emergency`` unless the reason says 999 was called.
    ``at`` must be an aware datetime; the date used for the checks is its date.
    """
    if check_id not in CHECKS:
        raise OverrideRefused(f"There is no check called '{check_id}'.")
    reason = reason.strip()
    if not reason:
        raise OverrideRefused(
            "Write the reason for going ahead despite this warning; it is kept with the report."
        )
    if check_id == "emergency" and (not _CALLED_999.search(reason) or _NOT_CALLED.search(reason)):
        raise OverrideRefused(
            "If a child is in danger now, call 999 now. This warning can only be acknowledged "
            "once 999 has been called: write that you called 999 (for example 'Called 999 at "
            "14:10, log 123'). If it is not happening now, reword the fact instead."
        )
    if not by.strip():
        raise OverrideRefused("An override must say who made it.")
    stamp = utc_iso(at)
    firing = [
        w
        for w in check_report(report, at.date())
        if w.check_id == check_id and w.blocking and (ref is None or w.ref == ref)
    ]
    if not firing:
        raise OverrideRefused(
            f"There is no '{CHECKS[check_id].title}' warning on this report to override."
        )
    override = Override(
        check_id=check_id,
        reason=reason,
        by=by.strip(),
        at=stamp,
        covers=tuple(w.fingerprint for w in firing),
    )
    report.overrides.append(override)
    return override


def finalise(report: IntelReport, today: date) -> None:
    """Mark the report final, or raise :class:`ReportNotReady` naming what is still open."""
    blocking = blocking_warnings(report, today)
    if blocking:
        titles = sorted({CHECKS[w.check_id].title for w in blocking})
        raise ReportNotReady(
            "Fix or override these before finishing the report: " + "; ".join(titles) + "."
        )
    report.status = "final"


# ---------------------------------------------------------------------------------------------
# 5WH prompts
# ---------------------------------------------------------------------------------------------
