"""The quality-check registry: one test per registered check, each calling that check alone.

`test_intelligence.py` tests the checks through `check_report` (overrides, messages, order);
here each check function is run on its own, on a report that fires it and on one that does not,
and a meta-test fails when a check is registered without its test here.
"""

from __future__ import annotations

import sys
from datetime import date

from cse_toolkit.core.intelligence import CHECKS, IntelReport, Person, Vehicle, check_report
from cse_toolkit.core.intelligence.checks import Subject

TODAY = date(2026, 11, 23)


def report(**kw: object) -> IntelReport:
    """A report no check warns about, with ``kw`` replacing its fields."""
    base: dict[str, object] = {
        "title": "Adult seen with child at bus station",
        "facts": ["SMITH John seen at Crowngate bus station with the child on Friday 20/11."],
        "learned_at": "2026-11-21T09:15:00Z",
        "source_type": "worker_saw",
        "child_ids": ["c1"],
        "entities": [
            Person("Smith", "John", dob=date(1990, 2, 1), role="suspected_perpetrator"),
            Vehicle("ab12abc", "Ford", "Focus", "silver"),
        ],
    }
    base.update(kw)
    return IntelReport(**base)  # type: ignore[arg-type]


def fired(check_id: str, r: IntelReport) -> list[tuple[str, str]]:
    """(ref, message) of what the one check ``check_id`` says about ``r``."""
    run = CHECKS[check_id].run
    assert run is not None
    found = list(run(Subject.of(r, TODAY)))
    assert all(w.check_id == check_id for w in found)
    assert all(w.severity == CHECKS[check_id].severity for w in found)
    return [(w.ref, w.message) for w in found]


def refs(check_id: str, r: IntelReport) -> list[str]:
    return [ref for ref, _ in fired(check_id, r)]


def test_every_registered_check_has_its_test_here() -> None:
    module = sys.modules[__name__]
    missing = [c for c in CHECKS if not callable(getattr(module, f"test_{c}", None))]
    assert missing == []
    assert len(CHECKS) == 20
    assert report() and check_report(report(), TODAY) == []


def test_no_facts() -> None:
    [(ref, message)] = fired("no_facts", report(facts=["", "  "]))
    assert ref == "report" and "short factual lines" in message
    assert fired("no_facts", report()) == []


def test_emergency() -> None:
    r = report(facts=["Seen on Friday.", "She is with him right now at the flat."])
    [(ref, message)] = fired("emergency", r)
    assert ref == "fact:1" and "call 999 now" in message
    assert CHECKS["emergency"].severity == "stop"
    assert fired("emergency", report(facts=["She was missing school on Monday."])) == []


def test_fact_too_long() -> None:
    [(ref, message)] = fired("fact_too_long", report(facts=["x" * 301]))
    assert ref == "fact:0" and "301 characters" in message
    assert fired("fact_too_long", report(facts=["x" * 300])) == []


def test_closing_marker_in_facts() -> None:
    r = report(facts=["Seen on Friday.", "(No more information available.)"])
    [(ref, message)] = fired("closing_marker_in_facts", r)
    assert ref == "fact:1" and "closing marker" in message
    assert fired("closing_marker_in_facts", report()) == []


def test_vague_reference() -> None:
    r = report(facts=["A family member took her to the park on Friday."])
    [(ref, message)] = fired("vague_reference", r)
    assert ref == "fact:0" and "'A family member'" in message
    assert fired("vague_reference", report(facts=["A man called Jonno was there."])) == []
    # Nothing else is said about a closing marker typed as a fact.
    assert fired("vague_reference", report(facts=["(no more information available)"])) == []


def test_unnamed_pronoun() -> None:
    r = report(facts=["He was at the park on Friday."], entities=[])
    assert refs("unnamed_pronoun", r) == ["fact:0"]
    assert fired("unnamed_pronoun", report(facts=["He was at the park on Friday."])) == []


def test_initials_only() -> None:
    r = report(
        facts=["J.S. was at the park on Friday."],
        entities=[Person("S", "J", dob=date(1990, 2, 1), role="associate")],
    )
    assert refs("initials_only", r) == ["fact:0", "entity:0"]
    assert fired("initials_only", report()) == []


def test_name_missing() -> None:
    r = report(entities=[Person("", "", nickname="Jonno", age_range="30-40", role="associate")])
    [(ref, message)] = fired("name_missing", r)
    assert ref == "entity:0" and "no full name" in message
    # Initials get their own warning and not this one as well.
    initials = report(entities=[Person("S", "", dob=date(1990, 2, 1), role="associate")])
    assert fired("name_missing", initials) == []


def test_no_dob() -> None:
    r = report(entities=[Person("Smith", "John", role="associate")])
    assert refs("no_dob", r) == ["entity:0"]
    aged = report(entities=[Person("Smith", "John", age_range="30-40", role="associate")])
    assert fired("no_dob", aged) == []


def test_unlinked_subjects() -> None:
    two = [
        Person("Smith", "John", dob=date(1990, 2, 1), role="suspected_perpetrator"),
        Person("Jones", "Amir", dob=date(1991, 3, 4), role="associate"),
    ]
    [(ref, message)] = fired("unlinked_subjects", report(entities=two))
    assert ref == "report" and "names 2 people" in message
    assert fired("unlinked_subjects", report(entities=two, subjects_linked=True)) == []


def test_no_date_learned() -> None:
    assert refs("no_date_learned", report(learned_at=None)) == ["report"]
    assert fired("no_date_learned", report()) == []


def test_date_in_future() -> None:
    r = report(
        learned_at="2026-12-01T09:00:00Z",
        entities=[Person("Smith", "John", dob=date(2027, 1, 1), role="associate")],
    )
    assert refs("date_in_future", r) == ["entity:0", "report"]
    assert fired("date_in_future", report()) == []


def test_vehicle_no_vrm() -> None:
    r = report(entities=[Vehicle("", "Ford", "Focus", "silver")])
    assert refs("vehicle_no_vrm", r) == ["entity:0"]
    assert fired("vehicle_no_vrm", report()) == []


def test_vrm_unrecognised() -> None:
    r = report(entities=[Vehicle("AB12 A?", "Ford", "Focus", "silver")])
    assert refs("vrm_unrecognised", r) == ["entity:0"]
    assert fired("vrm_unrecognised", report(entities=[Vehicle("", "Ford")])) == []


def test_crime_reference_missing() -> None:
    assert refs("crime_reference_missing", report(already_reported=True)) == ["report"]
    done = report(already_reported=True, crime_reference="22/123456/26")
    assert fired("crime_reference_missing", done) == []


def test_warnings_are_listed_as_the_report_reads() -> None:
    # Facts (in order, each fact's checks in registry order), then people, then the report's
    # details, then vehicles, then whether it was reported before.
    r = report(
        facts=["She is with him right now.", "A male was there."],
        learned_at=None,
        already_reported=True,
        entities=[
            Vehicle("", "Ford"),
            Person("", "", nickname="Jonno", role="associate"),
            Person("Brown", "Kai", role="associate"),
        ],
    )
    assert [(w.check_id, w.ref) for w in check_report(r, TODAY)] == [
        ("emergency", "fact:0"),
        ("vague_reference", "fact:1"),
        ("name_missing", "entity:1"),
        ("no_dob", "entity:1"),
        ("no_dob", "entity:2"),
        ("unlinked_subjects", "report"),
        ("no_date_learned", "report"),
        ("vehicle_no_vrm", "entity:0"),
        ("crime_reference_missing", "report"),
    ]


# -- issue 19 item 4 / issue 14 item 6: drug lines, dealing addresses, money, weapons ---------
def test_line_no_number() -> None:
    from cse_toolkit.core.intelligence import Phone

    line = Phone("0770", line_name="Jay line")
    [(ref, message)] = fired("line_no_number", report(entities=[line]))
    assert (
        ref == "entity:0" and "\u201cJay line\u201d (item 1) has no whole phone number" in message
    )
    assert fired("line_no_number", report(entities=[Phone("07700 900123", line_name="Jay")])) == []
    assert fired("line_no_number", report(entities=[Phone("0770")])) == []  # not a line


def test_dealing_address_incomplete() -> None:
    from cse_toolkit.core.intelligence import Location

    flat = Location(name="Flat above the shop", place_type="dealing_address")
    [(ref, message)] = fired("dealing_address_incomplete", report(entities=[flat]))
    assert ref == "entity:0" and "cuckooed" in message
    whole = Location(address="12 Example Road", postcode="WR1 1AA", place_type="dealing_address")
    assert fired("dealing_address_incomplete", report(entities=[whole])) == []


def test_financial_no_identifier() -> None:
    from cse_toolkit.core.intelligence import Financial

    [(ref, _)] = fired("financial_no_identifier", report(entities=[Financial("payment_app")]))
    assert ref == "entity:0"
    paid = Financial("payment", details="£50 sent to the child on 20/11 by bank transfer")
    assert fired("financial_no_identifier", report(entities=[paid])) == []


def test_card_number_in_full() -> None:
    from cse_toolkit.core.intelligence import Financial

    card = Financial("card", provider="Example Bank", identifier="4111 1111 1111 1111")
    [(ref, message)] = fired("card_number_in_full", report(entities=[card]))
    assert ref == "entity:0" and "last four digits" in message
    last_four = Financial("card", provider="Example Bank", identifier="ending 1111")
    assert fired("card_number_in_full", report(entities=[last_four])) == []


def test_weapon_no_detail() -> None:
    from cse_toolkit.core.intelligence import Weapon

    [(ref, message)] = fired("weapon_no_detail", report(entities=[Weapon("knife")]))
    assert ref == "entity:0" and "call 999" in message
    seen = Weapon("knife", description="large kitchen knife", where="kept under the car seat")
    assert fired("weapon_no_detail", report(entities=[seen])) == []


def test_demo_grading_fits_the_source() -> None:
    """Issue 14 item 6: the demo data never suggests a grading its source contradicts."""
    from cse_toolkit.core import demo

    children = list(demo.generate(12, seed=5, today=TODAY))
    reports = demo.intelligence(children, seed=5, share=1.0)
    assert {r.source_type for r in reports} == {"worker_saw", "child_disclosed", "third_party"}
    for r in reports:
        direct = r.source_type == "worker_saw"
        assert (r.handling.intelligence_assessment == "A") == direct, r.source_type
        assert r.happened and r.happened != r.learned_at
