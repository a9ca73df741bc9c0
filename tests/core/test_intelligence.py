"""Intelligence reports: entities, round trips, quality checks, overrides, 5WH, export lines."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from cse_toolkit.core.intelligence import (
    CHECKS,
    CLOSING_MARKER,
    HANDLING_LABEL,
    HandlingSuggestion,
    IntelReport,
    InvalidIntelligence,
    Location,
    OnlineIdentity,
    Override,
    OverrideRefused,
    Person,
    Phone,
    ReportNotReady,
    Vehicle,
    apply_override,
    blocking_warnings,
    check_report,
    entity_from_dict,
    facts_for_export,
    finalise,
    five_wh_prompts,
    format_entity_line,
    format_fact_line,
    format_person_line,
    format_vehicle_line,
    suggest_handling,
)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def smith(**kw: object) -> Person:
    base: dict[str, object] = {
        "surname": "Smith",
        "forenames": "John",
        "dob": date(1990, 2, 1),
        "address": "1 High St, Worcester",
        "role": "suspected_perpetrator",
    }
    base.update(kw)
    return Person(**base)  # type: ignore[arg-type]


def good_report(**kw: object) -> IntelReport:
    """A report with nothing to warn about."""
    base: dict[str, object] = {
        "title": "Adult seen with child at bus station",
        "facts": [
            "SMITH John seen at Crowngate bus station with the child on Friday 20/11 at 21:00.",
            "Child got into a silver Ford Focus driven by SMITH John.",
        ],
        "learned_at": "2026-11-21T09:15:00Z",
        "source_type": "worker_saw",
        "child_ids": ["c1"],
        "entities": [
            smith(),
            Vehicle("ab12abc", "Ford", "Focus", "silver"),
            Location("Crowngate bus station", "", "wr1 3lf", "bus_station"),
        ],
    }
    base.update(kw)
    return IntelReport(**base)  # type: ignore[arg-type]


def ids(report: IntelReport, today: date = TODAY) -> list[str]:
    return [w.check_id for w in check_report(report, today)]


# --- entities and round trips ------------------------------------------------------------------


def test_entities_normalise_on_construction() -> None:
    assert Vehicle("ab12-abc").vrm == "AB12 ABC"
    assert Vehicle("ab12 a?").vrm == "AB12 A?"  # partial plates are kept
    assert Phone("07700 900123").number == "+447700900123"
    assert Phone("900 123").number == "900123"
    assert Location(postcode="wr12ab").postcode == "WR1 2AB"
    assert Person("  Smith ", " John  Paul ").forenames == "John Paul"
    assert Person(age_range="30 to 40").age_range == "30-40"
    assert Person(age_range="").age_range is None


def test_entity_keys() -> None:
    assert Vehicle("AB12 ABC").key() == "vehicle:AB12ABC"
    assert Person("Smith", "John Paul").key() == "person:SMITH|JOHN"
    assert Person("O'Brien", "Seán").key() == "person:OBRIEN|SEAN"
    assert Person(nickname="Jonno!").key() == "nickname:jonno"
    assert Person(forenames="Tariq").key() == "nickname:tariq"
    assert Person("Smith", "John", "Jonno aka JJ").keys() == (
        "person:SMITH|JOHN",
        "nickname:jonno",
        "nickname:jj",
    )
    assert Person().key() is None
    assert Phone("+44 7700 900123").key() == "phone:+447700900123"
    assert OnlineIdentity("Snapchat", "@Jonno_99").key() == "online:snapchat:jonno_99"
    assert Location(postcode="WR1 2AB").key() == "location:WR12AB"
    assert Location("Cripplegate  Park!").key() == "location:name:cripplegate park"
    # Neighbours share a postcode but are not the same house.
    assert Location(address="12 Oak Rd", postcode="WR1 2AB", place_type="house").key() == (
        "location:WR12AB#12"
    )
    assert Vehicle(make="Ford").key() is None


def test_online_identity_url_and_handle_give_one_key() -> None:
    forms = [
        OnlineIdentity("Instagram", "https://www.instagram.com/Jonno_99/"),
        OnlineIdentity("insta", "@jonno_99"),
        OnlineIdentity("IG", "instagram.com/jonno_99?hl=en"),
        OnlineIdentity("", "http://instagram.com/jonno_99"),
    ]
    assert {o.key() for o in forms} == {"online:instagram:jonno_99"}
    assert OnlineIdentity("", "snapchat.com/add/Bob1").key() == "online:snapchat:bob1"
    assert OnlineIdentity("Forum", "https://www.example.org/u/bob/").key() == (
        "online:forum:example.org/u/bob"
    )


@pytest.mark.parametrize(
    "entity",
    [
        smith(nickname="Jonno", description="tall, Brummie accent"),
        Person(nickname="Mo", age_range="20-25", role="associate"),
        Vehicle("A123 BCD", "Vauxhall", "Corsa", "black"),
        Phone("07700 900123"),
        OnlineIdentity("Snapchat", "jonno_99"),
        Location("Kebab King", "3 Foregate St, Worcester", "WR1 1DB", "takeaway"),
    ],
)
def test_entity_round_trip(entity: object) -> None:
    data = entity.to_dict()  # type: ignore[attr-defined]
    assert json.loads(json.dumps(data)) == data
    assert entity_from_dict(data) == entity


def test_report_round_trip_is_json_safe() -> None:
    report = good_report(
        other_agencies="School DSL informed",
        already_reported=True,
        crime_reference="22/12345/26",
        subjects_linked=True,
        handling=HandlingSuggestion("1", "B", "C", "Do not disclose the source to the family"),
        closing_confirmed=True,
    )
    report.facts.append("A male was with him.")
    apply_override(report, "vague_reference", "Identity not known to anyone", "sam", NOW)
    data = report.to_dict()
    text = json.dumps(data)
    back = IntelReport.from_dict(json.loads(text))
    assert back == report
    assert back.to_dict() == data
    assert data["schema_version"] == 1


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"source_type": "gossip"}, "source type"),
        ({"status": "sent"}, "status"),
        ({"learned_at": "last tuesday"}, "date learned"),
        ({"facts": "one long string"}, "facts"),
        ({"entities": [{"kind": "boat"}]}, "kind"),
        ({"entities": [{"kind": "person", "role": "boss"}]}, "role"),
        ({"entities": [{"kind": "person", "dob": "01/02/1990"}]}, "date of birth"),
        ({"handling": {"source_evaluation": "4"}}, "source evaluation"),
        ({"version": "2"}, "version"),
        (
            {"overrides": [{"check_id": "no_dob", "reason": " ", "by": "x", "at": "2026-01-01"}]},
            "reason",
        ),
        ({"schema_version": 99}, "newer version"),
    ],
)
def test_from_dict_refuses_bad_data_with_a_plain_message(
    patch: dict[str, object], field: str
) -> None:
    data = good_report().to_dict()
    data.update(patch)
    with pytest.raises(InvalidIntelligence) as err:
        IntelReport.from_dict(data)
    assert field in str(err.value)


def test_to_dict_refuses_what_from_dict_could_not_read_back() -> None:
    report = good_report()
    report.learned_at = "last Tuesday"
    with pytest.raises(InvalidIntelligence, match="date learned"):
        report.to_dict()
    report = good_report()
    report.entities.append("SMITH John")  # type: ignore[arg-type]
    with pytest.raises(InvalidIntelligence, match="Entities"):
        report.to_dict()


def test_core_module_does_not_load_qt() -> None:
    code = (
        "import sys, cse_toolkit.core.intelligence; "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_invalid_values_are_refused_on_construction() -> None:
    with pytest.raises(InvalidIntelligence):
        Person(role="boss")  # type: ignore[arg-type]
    with pytest.raises(InvalidIntelligence):
        Person(age_range="old")
    with pytest.raises(InvalidIntelligence):
        Location(place_type="nightclub")  # type: ignore[arg-type]
    with pytest.raises(InvalidIntelligence):
        IntelReport(version=0)
    with pytest.raises(InvalidIntelligence):
        IntelReport(source_type="rumour")  # type: ignore[arg-type]


# --- handling (3x5x2) --------------------------------------------------------------------------


def test_handling_suggestion_validates_and_is_always_a_suggestion() -> None:
    h = HandlingSuggestion("2", "C", "P")
    assert h.marked_as_suggestion is True
    assert h.label == HANDLING_LABEL
    assert h.code == "2C P"
    assert "receiving force makes its own evaluation" in h.describe()
    assert h.to_dict()["label"] == HANDLING_LABEL
    for bad in (
        {"source_evaluation": "4"},
        {"intelligence_assessment": "F"},
        {"handling_code": "5"},  # the old 5x5x5 codes are gone
        {"handling_code": "C"},  # conditions missing
        {"handling_code": "P", "conditions": "only for CSE team"},
        {"marked_as_suggestion": False},
    ):
        with pytest.raises(InvalidIntelligence):
            HandlingSuggestion(**bad)
    c = HandlingSuggestion("1", "A", "C", "  Not to be shared with the family ")
    assert c.conditions == "Not to be shared with the family"
    assert HandlingSuggestion.from_dict(c.to_dict()) == c


def test_suggest_handling_from_source() -> None:
    assert suggest_handling("worker_saw").intelligence_assessment == "A"
    assert suggest_handling("child_disclosed").intelligence_assessment == "C"
    assert suggest_handling("third_party").intelligence_assessment == "C"
    assert suggest_handling("anonymous").intelligence_assessment == "D"
    assert suggest_handling("worker_saw").source_evaluation == "2"
    with pytest.raises(InvalidIntelligence):
        suggest_handling("rumour")


# --- quality checks ----------------------------------------------------------------------------


def test_a_good_report_has_no_warnings() -> None:
    assert check_report(good_report(), TODAY) == []
    assert blocking_warnings(good_report(), TODAY) == []


def test_every_check_has_a_title_and_severity() -> None:
    assert CHECKS["emergency"].severity == "stop"
    assert all(c.severity == "warning" for k, c in CHECKS.items() if k != "emergency")


def test_no_facts() -> None:
    report = good_report(facts=["", "   "])
    [w] = [w for w in check_report(report, TODAY) if w.check_id == "no_facts"]
    assert w.ref == "report" and "short factual lines" in w.message


def test_fact_too_long_names_the_fact_and_suggests_splitting() -> None:
    report = good_report()
    report.facts.append("SMITH John was seen at the park. " * 12)
    [w] = [w for w in check_report(report, TODAY) if w.check_id == "fact_too_long"]
    assert w.ref == "fact:2"
    assert "Fact 3" in w.message and "Split" in w.message


@pytest.mark.parametrize(
    "fact",
    [
        "She is with him right now at the flat.",
        "Child is currently with SMITH John in his car.",
        "Girl is being held at 3 Oak Rd.",
        "SMITH John is picking her up tonight.",
        "She said she is in danger.",
        "She was taken to the hotel and is there now.",
        "She texted asking for help.",
        "Child has gone missing.",
        "She is at his flat now.",
        "She is in his car now.",
    ],
)
def test_emergency_is_a_stop(fact: str) -> None:
    report = good_report(facts=[fact])
    warnings = [w for w in check_report(report, TODAY) if w.check_id == "emergency"]
    assert len(warnings) == 1
    assert warnings[0].severity == "stop"
    assert "call 999 now" in warnings[0].message


@pytest.mark.parametrize(
    "fact",
    [
        "Family referred to Early Help in May.",
        "School helped her with homework.",
        "She was missing from home on 02/11 and returned on 03/11.",
        "SMITH John collected her from school on Friday at 15:30.",
        "She is missing school most Mondays.",
        "She is in Year 9 now.",
    ],
)
def test_emergency_not_raised_for_ordinary_facts(fact: str) -> None:
    assert "emergency" not in ids(good_report(facts=[fact]))


@pytest.mark.parametrize(
    "fact",
    [
        "A male picked her up from school.",
        "She was seen with an older male in a car.",
        "One of the males in the shop gave her vodka.",
        "Her boyfriend drives her around.",
        "His mate has a car.",
        "A family member knows about it.",
        "Someone gave her a phone.",
        "Some guy bought her food.",
    ],
)
def test_vague_references(fact: str) -> None:
    report = good_report(facts=[fact])
    [w] = [w for w in check_report(report, TODAY) if w.check_id == "vague_reference"]
    assert w.ref == "fact:0"
    assert "without a name" in w.message


def test_vague_reference_followed_by_a_name_is_fine() -> None:
    report = good_report(facts=["A male called SMITH John picked her up.", "A male (SMITH John)."])
    assert "vague_reference" not in ids(report)


def test_pronoun_with_nobody_named() -> None:
    report = good_report(entities=[], facts=["He picked her up from school on Friday 20/11."])
    assert "unnamed_pronoun" in ids(report)
    # Once someone is named, "he" may refer to them.
    assert "unnamed_pronoun" not in ids(good_report(facts=["He picked her up."]))


@pytest.mark.parametrize(
    "person",
    [
        Person("S", "John"),
        Person("Smith", "J"),
        Person("Smith", "J."),
        Person("Smith", "J A"),
        Person("J.S.", ""),
        Person("JS", ""),
    ],
)
def test_initials_instead_of_names(person: Person) -> None:
    report = good_report(entities=[person])
    [w] = [w for w in check_report(report, TODAY) if w.check_id == "initials_only"]
    assert w.ref == "entity:0"
    assert "full surname" in w.message


def test_initials_in_facts() -> None:
    report = good_report(facts=["J.S. picked her up.", "Seen with J. Smith on Friday."])
    warnings = [w for w in check_report(report, TODAY) if w.check_id == "initials_only"]
    assert [w.ref for w in warnings] == ["fact:0", "fact:1"]


def test_full_names_are_not_initials() -> None:
    for person in (Person("Ng", "Li"), Person("Smith", "Jo"), Person("Smith", "John Paul")):
        assert "initials_only" not in ids(good_report(entities=[person]))


def test_person_with_only_a_nickname() -> None:
    report = good_report(entities=[Person(nickname="Jonno", age_range="20-25")])
    assert ids(report) == ["name_missing"]


def test_person_without_dob_or_age_range() -> None:
    report = good_report(entities=[smith(dob=None)])
    [w] = [w for w in check_report(report, TODAY) if w.check_id == "no_dob"]
    assert "age range" in w.message
    assert "no_dob" not in ids(good_report(entities=[smith(dob=None, age_range="30-40")]))


def test_several_subjects_must_be_marked_linked() -> None:
    two = [smith(), smith(surname="Jones", forenames="Mark")]
    assert "unlinked_subjects" in ids(good_report(entities=two))
    assert "unlinked_subjects" not in ids(good_report(entities=two, subjects_linked=True))
    # The victim is not a second subject.
    victim = Person("Doe", "Jane", dob=date(2012, 1, 1), role="victim")
    assert "unlinked_subjects" not in ids(good_report(entities=[smith(), victim]))


def test_no_date_learned_and_future_dates() -> None:
    assert "no_date_learned" in ids(good_report(learned_at=None))
    assert "no_date_learned" not in ids(good_report(learned_at="2026-11-20"))
    edited = good_report()
    edited.learned_at = "last Tuesday"
    assert "no_date_learned" in ids(edited)
    assert "date_in_future" in ids(good_report(learned_at="2026-12-01"))
    assert "date_in_future" in ids(good_report(entities=[smith(dob=date(2030, 1, 1))]))


def test_vehicle_without_vrm_and_partial_vrm() -> None:
    assert "vehicle_no_vrm" in ids(good_report(entities=[smith(), Vehicle(make="BMW")]))
    assert "vrm_unrecognised" in ids(good_report(entities=[smith(), Vehicle("AB12 A?")]))


def test_already_reported_needs_reference() -> None:
    assert "crime_reference_missing" in ids(good_report(already_reported=True))
    assert "crime_reference_missing" not in ids(
        good_report(already_reported=True, crime_reference="22/1234/26")
    )


def test_closing_marker_typed_as_fact() -> None:
    report = good_report()
    report.facts.append("(No more information available)")
    assert "closing_marker_in_facts" in ids(report)


# --- overrides ---------------------------------------------------------------------------------


def test_override_with_reason_unblocks_but_is_kept_and_listed() -> None:
    report = good_report(entities=[smith(dob=None)])
    assert [w.check_id for w in blocking_warnings(report, TODAY)] == ["no_dob"]
    override = apply_override(report, "no_dob", "Nobody knows his age", "sam", NOW)
    assert report.overrides == [override]
    assert override.at == "2026-11-23T10:30:00Z"
    assert blocking_warnings(report, TODAY) == []
    [listed] = check_report(report, TODAY)
    assert listed.check_id == "no_dob" and not listed.blocking
    assert listed.override is not None and listed.override.reason == "Nobody knows his age"
    finalise(report, TODAY)
    assert report.status == "final"


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_override_without_reason_is_refused(reason: str) -> None:
    report = good_report(entities=[smith(dob=None)])
    with pytest.raises(OverrideRefused, match="reason"):
        apply_override(report, "no_dob", reason, "sam", NOW)
    assert report.overrides == []
    assert len(blocking_warnings(report, TODAY)) == 1


def test_override_needs_a_firing_warning_and_a_known_check() -> None:
    report = good_report()
    with pytest.raises(OverrideRefused, match="no 'Person without date"):
        apply_override(report, "no_dob", "because", "sam", NOW)
    with pytest.raises(OverrideRefused, match="no check"):
        apply_override(report, "made_up", "because", "sam", NOW)
    with pytest.raises(OverrideRefused, match="who"):
        apply_override(good_report(learned_at=None), "no_date_learned", "x", " ", NOW)


def test_override_does_not_cover_a_new_problem_of_the_same_kind() -> None:
    report = good_report(entities=[smith(dob=None)], subjects_linked=True)
    apply_override(report, "no_dob", "Not known", "sam", NOW)
    report.entities.append(Person("Jones", "Mark", role="associate"))
    blocking = blocking_warnings(report, TODAY)
    assert [(w.check_id, w.ref) for w in blocking] == [("no_dob", "entity:1")]


def test_editing_a_fact_brings_its_warning_back() -> None:
    report = good_report(facts=["A male picked her up."])
    apply_override(report, "vague_reference", "Not known", "sam", NOW)
    assert blocking_warnings(report, TODAY) == []
    report.facts[0] = "A male picked her up from school."
    assert [w.check_id for w in blocking_warnings(report, TODAY)] == ["vague_reference"]


def test_override_one_instance_by_ref() -> None:
    report = good_report(facts=["A male was there.", "Someone else was there."])
    apply_override(report, "vague_reference", "Not known", "sam", NOW, ref="fact:1")
    assert [w.ref for w in blocking_warnings(report, TODAY)] == ["fact:0"]


def test_emergency_acknowledged_only_when_999_was_called() -> None:
    report = good_report(facts=["She is with him right now."])
    for reason in ("Not urgent", "It happened last week", "I did not call 999"):
        with pytest.raises(OverrideRefused, match="call 999 now"):
            apply_override(report, "emergency", reason, "sam", NOW)
    with pytest.raises(ReportNotReady, match="Sounds like an emergency"):
        finalise(report, TODAY)
    apply_override(report, "emergency", "Called 999 at 10:20, log 456", "sam", NOW)
    assert blocking_warnings(report, TODAY) == []
    [w] = check_report(report, TODAY)
    assert w.severity == "stop" and w.override is not None


def test_override_round_trip() -> None:
    o = Override("no_dob", "Not known", "sam", "2026-11-23T10:30:00Z", ("no_dob:abc",))
    assert Override.from_dict(json.loads(json.dumps(o.to_dict()))) == o


# --- 5WH ---------------------------------------------------------------------------------------


def test_five_wh_prompts() -> None:
    prompts = {p.question: p for p in five_wh_prompts(good_report())}
    assert list(prompts) == ["who", "what", "when", "where", "how", "why", "frequency"]
    assert prompts["who"].answered and prompts["what"].answered
    assert prompts["when"].answered and prompts["where"].answered and prompts["how"].answered
    assert not prompts["why"].answered and not prompts["frequency"].answered
    assert "How often" in prompts["frequency"].text

    empty = {p.question: p.answered for p in five_wh_prompts(IntelReport())}
    assert not any(empty.values())

    wordy = IntelReport(
        facts=["Picked up every Friday at 21:00 near Foregate Street because she owes him money."]
    )
    answered = {p.question: p.answered for p in five_wh_prompts(wordy)}
    assert answered == {
        "who": False,
        "what": True,
        "when": True,
        "where": True,
        "how": True,
        "why": True,
        "frequency": True,
    }


# --- export lines and closing marker -----------------------------------------------------------


def test_format_person_line_police_style() -> None:
    assert (
        format_person_line(smith(address="1 High St")) == "SMITH John DOB 01/02/1990 of 1 High St"
    )
    assert (
        format_person_line(Person("Smith", "John", "Jonno", age_range="30-40"))
        == "SMITH John aka Jonno aged 30-40"
    )
    assert format_person_line(Person(nickname="Jonno")) == "Jonno DOB not known"


def test_format_fact_line() -> None:
    line = format_fact_line(smith(address="1 High St"), "  drives a silver  Focus. ")
    assert line == "SMITH John DOB 01/02/1990 of 1 High St drives a silver Focus."
    assert format_fact_line(None, "Seen at the park.") == "Seen at the park."


def test_format_vehicle_and_other_lines() -> None:
    assert format_vehicle_line(Vehicle("ab12abc")) == "VRM: AB12 ABC"
    assert format_vehicle_line(Vehicle("ab12abc", "Ford", "Focus", "silver")) == (
        "VRM: AB12 ABC silver Ford Focus"
    )
    assert format_vehicle_line(Vehicle(make="BMW")) == "VRM: not known BMW"
    assert format_entity_line(Phone("+447700900123")) == "Phone: 07700 900123"
    assert (
        format_entity_line(OnlineIdentity("Snapchat", "jonno_99")) == "Online: Snapchat: jonno_99"
    )
    assert format_entity_line(Location("Kebab King", postcode="wr11db")) == (
        "Location: Kebab King, WR1 1DB"
    )


def test_closing_marker_only_when_confirmed_and_always_last() -> None:
    report = good_report(facts=["First.", "", "(no more information available)", "Second."])
    assert facts_for_export(report) == ["First.", "Second."]
    report.closing_confirmed = True
    assert facts_for_export(report) == ["First.", "Second.", CLOSING_MARKER]
    assert CLOSING_MARKER == "(no more information available)"
