"""Intelligence: normalisers, fuzzy matching, merge decisions, connections index, hotspots."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cse_toolkit.core.intelligence import (
    Entity,
    EntityIndex,
    GroupResolution,
    IntelReport,
    InvalidIntelligence,
    Location,
    MergeDecision,
    OnlineIdentity,
    Person,
    Phone,
    Vehicle,
    build_index,
    connections_for_child,
    hotspots,
    match_candidates,
    match_entities,
    normalise_phone,
    normalise_postcode,
    normalise_vrm,
    resolve_groups,
    same_name_group,
    soundex,
    suggest_matches,
    within_one_edit,
)

# --- VRM ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AB12 ABC", "AB12 ABC"),
        ("ab12abc", "AB12 ABC"),
        (" ab-12-abc ", "AB12 ABC"),
        ("AB 12 ABC", "AB12 ABC"),
        ("ab12.abc", "AB12 ABC"),
        ("A123 BCD", "A123 BCD"),  # prefix
        ("a1bcd", "A1 BCD"),
        ("ABC 123D", "ABC 123D"),  # suffix
        ("abc1d", "ABC 1D"),
        ("ABC 123", "ABC 123"),  # dateless
        ("1 A", "1 A"),
        ("1234AB", "1234 AB"),
        ("ABZ 1234", "ABZ 1234"),  # Northern Ireland
    ],
)
def test_normalise_vrm(text: str, expected: str) -> None:
    assert normalise_vrm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "AB12 AB?",
        "AB12ABCD",
        "ABCD",
        "1234",
        "AB12 ÄBC",
        "A B 1 2 3 4 5 6",
        "12AB34",
        "AB12_ABC",
    ],
)
def test_normalise_vrm_returns_none_for_impossible_input(text: str) -> None:
    assert normalise_vrm(text) is None


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -.?", max_size=12))
def test_normalise_vrm_is_idempotent(text: str) -> None:
    once = normalise_vrm(text)
    if once is not None:
        assert normalise_vrm(once) == once
        assert Vehicle(text).vrm == once


@given(st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", fullmatch=True))
def test_every_current_format_plate_is_recognised(plate: str) -> None:
    assert normalise_vrm(plate.lower()) == f"{plate[:4]} {plate[4:]}"


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "07700900123",
        "07700 900123",
        "07700-900-123",
        "+447700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "+44 07700 900123",
        "0044 7700 900123",
        "447700900123",
        "(07700) 900 123",
    ],
)
def test_uk_mobile_forms_share_one_key(text: str) -> None:
    assert normalise_phone(text) == "+447700900123"
    assert Phone(text).key() == "phone:+447700900123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0121 496 0000", "+441214960000"),
        ("01905 123456", "+441905123456"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("0033 1 23 45 67 89", "+33123456789"),
    ],
)
def test_other_numbers(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text", ["", "123", "0770090012", "077009001234567", "07700 9OO123", "+", "+0123456"]
)
def test_normalise_phone_returns_none_for_impossible_input(text: str) -> None:
    assert normalise_phone(text) is None


@given(st.text(alphabet="0123456789 +()-", max_size=20))
def test_normalise_phone_is_idempotent(text: str) -> None:
    once = normalise_phone(text)
    if once is not None:
        assert normalise_phone(once) == once


# --- postcode ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WR1 2AB", "WR1 2AB"),
        ("wr12ab", "WR1 2AB"),
        ("  wr1   2ab ", "WR1 2AB"),
        ("B1 1AA", "B1 1AA"),
        ("b11aa", "B1 1AA"),
        ("DY10 1AA", "DY10 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_normalise_postcode(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("text", ["", "WR1", "WR1 2A", "12 3AB", "WR1 2ABC", "Worcester"])
def test_normalise_postcode_returns_none_for_impossible_input(text: str) -> None:
    assert normalise_postcode(text) is None


@given(st.text(alphabet="ABCDWRYZ0123456789 ", max_size=10))
def test_normalise_postcode_is_idempotent(text: str) -> None:
    once = normalise_postcode(text)
    if once is not None:
        assert normalise_postcode(once) == once


# --- name helpers ------------------------------------------------------------------------------


def test_soundex_and_edit_distance() -> None:
    assert soundex("Robert") == soundex("Rupert") == "R163"
    assert soundex("Ashcraft") == "A261"
    assert soundex("") == ""
    assert within_one_edit("SMITH", "SMYTH")
    assert within_one_edit("SMITH", "SMIT")
    assert within_one_edit("SMITH", "SMIHT")  # swapped neighbours
    assert not within_one_edit("SMITH", "SMYTHE")
    assert same_name_group("Jon", "Jonathan")
    assert same_name_group("Mo", "Muhammad")
    assert same_name_group("mohammed", "MUHAMMAD")
    assert not same_name_group("John", "Mark")


# --- entity matching ---------------------------------------------------------------------------


def test_person_matching() -> None:
    john = Person("Smith", "John")
    exact = match_entities(john, Person("SMITH", "john"))
    assert exact is not None and exact.score == 1.0

    nick = match_entities(john, Person("Smith", "Jonny"))
    assert nick is not None and nick.certainty == "likely"
    assert "common forms" in nick.reason

    typo = match_entities(Person("Smith", "John"), Person("Smyth", "John"))
    assert typo is not None and "one letter different" in typo.reason

    sounds = match_entities(Person("Robertson", "Mo"), Person("Rupertson", "Muhammad"))
    assert sounds is not None and sounds.certainty == "possible"

    punct = match_entities(Person("O'Brien", "Seán"), Person("obrien", "Sean"))
    assert punct is not None and punct.score == 1.0

    assert match_entities(john, Person("Jones", "Mark")) is None
    assert match_entities(john, Person("Smith", "Mark")) is None


def test_different_dates_of_birth_weaken_a_name_match() -> None:
    from datetime import date

    a = Person("Smith", "John", dob=date(1990, 1, 1))
    same = match_entities(a, Person("Smith", "John", dob=date(1990, 1, 1)))
    other = match_entities(a, Person("Smith", "John", dob=date(1975, 5, 5)))
    assert same is not None and "same date of birth" in same.reason
    assert other is not None and other.score < same.score
    assert "different dates of birth" in other.reason


def test_nickname_matching() -> None:
    m = match_entities(Person(nickname="Jonno"), Person("Smith", "John", "JONNO"))
    assert m is not None and m.reason == "same nickname"
    m2 = match_entities(Person(nickname="Jonno"), Person("Smith", "Jonathan"))
    assert m2 is not None and "nickname matches" in m2.reason
    m3 = match_entities(Person(nickname="Bigman"), Person(nickname="Bigmam"))
    assert m3 is not None and m3.certainty == "possible"
    assert match_entities(Person(nickname="Jonno"), Person(nickname="Dex")) is None


@pytest.mark.parametrize(
    ("a", "b", "certainty"),
    [
        ("AB12 ABC", "ab12abc", "certain"),
        ("AB12 ABC", "AB12 ABD", "possible"),  # one character different
        ("AB12 OBC", "AB12 0BC", "possible"),  # 0/O
        ("AB12 ISC", "AB12 15C", "possible"),  # 1/I and 5/S together
        ("BD51 SMR", "8D51 SMR", "possible"),  # 8/B
        ("AB12", "AB12 ABC", "possible"),  # a partial plate
    ],
)
def test_vrm_matching(a: str, b: str, certainty: str) -> None:
    m = match_entities(Vehicle(a), Vehicle(b))
    assert m is not None and m.certainty == certainty


def test_vrm_confusions_score_above_other_one_character_differences() -> None:
    confusion = match_entities(Vehicle("AB12 OBC"), Vehicle("AB12 0BC"))
    other = match_entities(Vehicle("AB12 ABC"), Vehicle("AB12 ABD"))
    assert confusion is not None and other is not None
    assert confusion.score > other.score
    assert match_entities(Vehicle("AB12 ABC"), Vehicle("XY34 XYZ")) is None
    assert match_entities(Vehicle(make="Ford"), Vehicle("AB12 ABC")) is None


def test_phone_matching() -> None:
    certain = match_entities(Phone("07700 900123"), Phone("+44 7700 900123"))
    assert certain is not None and certain.certainty == "certain"
    likely = match_entities(Phone("+447700900123"), Phone("7700900123"))  # not normalisable
    assert likely is not None and likely.certainty == "likely"
    assert match_entities(Phone("07700900123"), Phone("07700900124")) is None


def test_online_and_location_matching() -> None:
    same = match_entities(
        OnlineIdentity("Instagram", "https://instagram.com/jonno_99"),
        OnlineIdentity("IG", "@Jonno_99"),
    )
    assert same is not None and same.certainty == "certain"
    other_site = match_entities(
        OnlineIdentity("Snapchat", "jonno_99"), OnlineIdentity("TikTok", "jonno_99")
    )
    assert other_site is not None and other_site.certainty == "possible"

    a = Location("Kebab King", postcode="WR1 1DB", place_type="takeaway")
    assert match_entities(a, Location("Kebab King", "Foregate St")) is not None
    assert match_entities(a, Location("Kebab Kong")) is not None
    assert match_entities(a, Location("Cripplegate Park")) is None


def test_match_candidates_only_compares_like_with_like() -> None:
    a: list[Entity] = [Person("Smith", "John"), Vehicle("AB12 ABC"), Phone("07700900123")]
    b: list[Entity] = [
        Person("Smith", "Jon"),
        Vehicle("AB12 A8C"),
        Phone("+447700900123"),
        Location("AB12 ABC"),
    ]
    found = match_candidates(a, b)
    assert [(m.a_key.split(":")[0], m.certainty) for m in found] == [
        ("phone", "certain"),
        ("person", "likely"),
        ("vehicle", "possible"),
    ]
    assert json.loads(json.dumps(found[0].to_dict()))["score"] == 1.0


def test_suggest_matches_against_the_index() -> None:
    index = build_index(
        [
            IntelReport(
                id="r1",
                child_ids=["c1"],
                entities=[Person("Smith", "Jonathan"), Vehicle("AB12 0BC")],
            ),
            IntelReport(id="r2", child_ids=["c2"], entities=[Person("Jones", "Mark")]),
        ]
    )
    found = suggest_matches(Person("Smith", "Jon"), index)
    assert [m.b_key for m in found] == ["person:SMITH|JONATHAN"]
    assert found[0].a_key == "person:SMITH|JON"
    vrm = suggest_matches(Vehicle("AB12 OBC"), index)
    assert [m.b_key for m in vrm] == ["vehicle:AB120BC"]
    # An entity already in the index is not suggested as a match for itself.
    assert suggest_matches(Person("Smith", "Jonathan"), index) == []


# --- merge decisions ---------------------------------------------------------------------------


def decision(a: str, b: str, what: str, minute: int = 0) -> MergeDecision:
    return MergeDecision(a, b, what, "dsl", f"2026-11-23T10:{minute:02d}:00Z")  # type: ignore[arg-type]


def test_resolve_groups_union_find() -> None:
    res = resolve_groups(
        ["a", "b", "c", "d", "e"],
        [decision("a", "b", "confirmed"), decision("b", "c", "confirmed")],
    )
    assert res.groups == [frozenset("abc"), frozenset("d"), frozenset("e")]
    assert res.skipped == []
    assert res.canonical() == {"a": "a", "b": "a", "c": "a"}


def test_resolve_groups_never_merges_a_rejected_pair() -> None:
    decisions = [
        decision("a", "c", "rejected", 0),
        decision("a", "b", "confirmed", 1),
        decision("b", "c", "confirmed", 2),  # would put a and c together
    ]
    res = resolve_groups("abc", decisions)
    assert res.groups == [frozenset("ab"), frozenset("c")]
    assert [(d.a_key, d.b_key) for d in res.skipped] == [("b", "c")]


def test_resolve_groups_latest_decision_wins_and_links_through_unlisted_keys() -> None:
    changed = [decision("a", "b", "confirmed", 1), decision("b", "a", "rejected", 2)]
    assert resolve_groups("ab", changed).groups == [frozenset("a"), frozenset("b")]
    through = [decision("a", "x", "confirmed"), decision("x", "b", "confirmed")]
    assert resolve_groups("ab", through).groups == [frozenset("ab")]
    assert resolve_groups("a", [decision("a", "a", "confirmed")]).groups == [frozenset("a")]


def test_merge_decision_validates_and_round_trips() -> None:
    d = decision("vehicle:AB12ABC", "vehicle:AB12A8C", "confirmed")
    assert MergeDecision.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    with pytest.raises(InvalidIntelligence):
        decision("a", "b", "maybe")
    with pytest.raises(InvalidIntelligence):
        MergeDecision("a", "b", "confirmed", "dsl", "yesterday")


# --- connections index -------------------------------------------------------------------------


def sample_reports() -> list[IntelReport]:
    car = Vehicle("AB12 ABC", "Ford", "Focus", "silver")
    park = Location("Cripplegate Park", postcode="WR2 5AB", place_type="park")
    takeaway = Location("Kebab King", postcode="WR1 1DB", place_type="takeaway")
    return [
        IntelReport(id="r1", child_ids=["c1"], entities=[Person("Smith", "John"), car, park]),
        IntelReport(id="r2", child_ids=["c2"], entities=[Vehicle("ab12-abc"), takeaway, park]),
        IntelReport(
            id="r3", child_ids=["c3"], entities=[Person("Jones", "Mark", "Jonno"), takeaway]
        ),
        IntelReport(id="r4", child_ids=[], entities=[Person(nickname="jonno"), park]),
        IntelReport(id="r5", child_ids=["c1", "c4"], entities=[Phone("07700900123")]),
    ]


def test_build_index_maps_keys_to_reports_and_children() -> None:
    index = build_index(sample_reports())
    assert index.key_reports["vehicle:AB12ABC"] == {"r1", "r2"}
    assert index.key_children["vehicle:AB12ABC"] == {"c1", "c2"}
    assert index.key_reports["nickname:jonno"] == {"r3", "r4"}
    assert index.key_children["nickname:jonno"] == {"c3"}
    assert index.mentions("location:WR25AB") == 3
    assert index.child_keys["c4"] == {"phone:+447700900123"}
    # A link through a nickname shows the nickname, not the full name from one report.
    assert index.displays["nickname:jonno"] == "Nickname: Jonno"
    assert index.displays["person:JONES|MARK"] == "JONES Mark (Jonno)"


def test_build_index_accepts_stored_rows() -> None:
    rows = [r.to_dict() for r in sample_reports()]
    assert build_index(rows).key_reports == build_index(sample_reports()).key_reports


def test_connections_for_child() -> None:
    index = build_index(sample_reports())
    conn = connections_for_child(index, "c1")
    by_key = {link.key: link for link in conn.links}
    assert set(by_key) == {
        "person:SMITH|JOHN",
        "vehicle:AB12ABC",
        "location:WR25AB",
        "phone:+447700900123",
    }
    assert by_key["vehicle:AB12ABC"].other_child_ids == {"c2"}
    assert by_key["vehicle:AB12ABC"].child_report_ids == {"r1"}
    assert by_key["vehicle:AB12ABC"].display == "AB12 ABC (silver Ford Focus)"
    assert by_key["location:WR25AB"].report_ids == {"r1", "r2", "r4"}
    assert by_key["person:SMITH|JOHN"].other_child_ids == frozenset()
    assert by_key["phone:+447700900123"].other_child_ids == {"c4"}
    assert conn.connected_children == {
        "c2": ["location:WR25AB", "vehicle:AB12ABC"],
        "c4": ["phone:+447700900123"],
    }
    assert [link.key for link in conn.shared][0] in {"vehicle:AB12ABC", "location:WR25AB"}
    assert connections_for_child(index, "nobody").links == []


def test_confirmed_merges_join_keys_in_the_index() -> None:
    reports = [
        IntelReport(id="r1", child_ids=["c1"], entities=[Vehicle("AB12 OBC")]),
        IntelReport(id="r2", child_ids=["c2"], entities=[Vehicle("AB12 0BC")]),
    ]
    assert connections_for_child(build_index(reports), "c1").shared == []
    res = resolve_groups(
        ["vehicle:AB12OBC", "vehicle:AB120BC"],
        [decision("vehicle:AB12OBC", "vehicle:AB120BC", "confirmed")],
    )
    merged = connections_for_child(build_index(reports, res), "c1")
    assert [link.other_child_ids for link in merged.shared] == [{"c2"}]


def test_index_add_and_remove_report() -> None:
    index = build_index(sample_reports())
    index.remove_report("r2")
    assert index.key_children["vehicle:AB12ABC"] == {"c1"}
    assert "c2" not in index.child_keys
    assert index.mentions("location:WR25AB") == 2
    assert "location:WR11DB" in index.key_reports  # still in r3
    # Re-adding an edited report replaces the old version.
    index.add_report(IntelReport(id="r3", child_ids=["c3"], entities=[Vehicle("AB12 ABC")]))
    assert "location:WR11DB" not in index.key_reports
    assert "nickname:jonno" in index.key_reports  # r4 still has it
    assert index.key_children["vehicle:AB12ABC"] == {"c1", "c3"}
    assert isinstance(index, EntityIndex)
    assert GroupResolution([], []).canonical() == {}


def test_hotspots_sorted_by_mentions() -> None:
    expected = [
        ("Cripplegate Park, WR2 5AB", 3),
        ("Kebab King, WR1 1DB", 2),
    ]
    assert hotspots(sample_reports()) == expected
    assert hotspots(build_index(sample_reports())) == expected
    assert hotspots(sample_reports(), limit=1) == expected[:1]
    assert hotspots([]) == []
