"""The network-meeting summary: small numbers suppressed, nothing that could identify a child."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cse_toolkit.core import summary as sm

WORCS = sm.ToolLevels(
    "worcestershire-2013",
    "Worcestershire tool",
    (
        ("none", "None"),
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
        ("immediate", "Immediate"),
    ),
)
WM = sm.ToolLevels(
    "west-midlands-regional",
    "West Midlands tool",
    (
        ("no_current_risk", "No current CSE risk"),
        ("at_risk", "At risk"),
        ("significant", "Significant risk"),
        ("serious", "Serious risk"),
    ),
)


def facts(levels: dict[str, int], **kw: object) -> sm.SummaryInput:
    children = []
    for level, n in levels.items():
        tool = "west-midlands-regional" if level in dict(WM.levels) else "worcestershire-2013"
        children += [
            sm.ChildFacts(level or None, tool if level else None, f"School {i % 3}")
            for i in range(n)
        ]
    base: dict[str, object] = dict(
        organisation="Test Org",
        date_from=None,
        date_to=None,
        generated_on=date(2026, 11, 23),
        children=children,
        tools=[WORCS, WM],
        schools_recorded=22,
        missing_episodes=0,
    )
    base.update(kw)
    return sm.SummaryInput(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (85, 85)])
def test_suppress(n: int, shown: object) -> None:
    assert sm.suppress(n) == shown


def test_counts_of_one_to_four_are_fewer_than_five_everywhere() -> None:
    out = sm.build_summary(
        facts(
            {"high": 3, "medium": 9, "low": 8},
            missing_episodes=2,
            indicator_counts=[("Goes missing", 4), ("Gifts", 7)],
        )
    )
    data = out.to_dict()
    assert data["children"] == 20
    assert data["levels"]["high"] == "<5"
    assert data["missing_episodes"] == "<5"
    assert data["schools"]["with_concerns"] == "<5"  # three schools
    assert {"label": "Goes missing", "count": "<5"} in data["themes"]
    text = out.to_text()
    assert "High fewer than 5" in text
    assert "fewer than 5 missing episodes" in text
    for word in ("<5",):
        assert word not in text  # people read words, JSON carries "<5"
    json.dumps(data)  # serialisable


def test_a_single_suppressed_level_cannot_be_worked_out_from_the_total() -> None:
    out = sm.build_summary(facts({"high": 2, "medium": 9, "low": 12}))
    levels = out.to_dict()["levels"]
    assert levels["high"] == "<5"
    # 23 children, low 12, medium 9 -> high would be 2: the next smallest is withheld.
    assert levels["medium"] == sm.WITHHELD
    assert levels["low"] == 12
    assert "Medium not shown" in out.to_text()


def test_total_between_one_and_four_is_suppressed_but_larger_totals_are_integers() -> None:
    assert sm.build_summary(facts({"high": 3})).to_dict()["children"] == "<5"
    assert sm.build_summary(facts({"high": 12})).to_dict()["children"] == 12
    assert sm.build_summary(facts({})).to_dict()["children"] == 0


def test_levels_are_per_tool_and_unused_tools_only_add_nothing() -> None:
    out = sm.build_summary(facts({"high": 6, "at_risk": 7}))
    by_tool = {t.tool_id: {lv.id: lv.count for lv in t.levels} for t in out.by_tool}
    assert by_tool["worcestershire-2013"]["high"] == 6
    assert by_tool["west-midlands-regional"]["at_risk"] == 7
    only = sm.build_summary(facts({"high": 6}))
    assert [t.tool_id for t in only.by_tool] == ["worcestershire-2013"]


def test_children_without_a_confirmed_level_are_counted_apart() -> None:
    out = sm.build_summary(facts({"high": 6, "": 7}))
    assert out.to_dict()["not_confirmed"] == 7
    assert out.to_dict()["children"] == 13


def test_hotspots_named_only_with_five_or_more_mentions_and_never_below_five() -> None:
    places = [("Bus station", 7), ("Park", 4), ("Takeaway", 5)]
    out = sm.build_summary(facts({"high": 6}, place_mentions=places), hotspot_min=1)
    assert out.hotspot_threshold == 5
    assert [p for p, _ in out.hotspots] == ["Bus station", "Takeaway"]
    none = sm.build_summary(facts({"high": 6}, place_mentions=[("Park", 4)]))
    assert none.hotspots == ()
    assert "No hotspots" in none.to_text()
    assert "Park" not in none.to_text()
    higher = sm.build_summary(facts({"high": 6}, place_mentions=places), hotspot_min=6)
    assert [p for p, _ in higher.hotspots] == ["Bus station"]


def test_schools_are_counted_never_named() -> None:
    out = sm.build_summary(facts({"high": 30}), schools_listed=22)
    assert out.to_dict()["schools"] == {"with_concerns": "<5", "listed": 22, "in_area": 22}
    assert "School 1" not in out.to_text()
    assert "School 1" not in json.dumps(out.to_dict())


def test_themes_top_five_by_count() -> None:
    counts = [(f"Theme {i}", 10 + i) for i in range(8)]
    out = sm.build_summary(facts({"high": 6}, indicator_counts=counts))
    assert [t for t, _ in out.themes] == [f"Theme {i}" for i in (7, 6, 5, 4, 3)]


def test_period_text() -> None:
    today = date(2026, 11, 23)
    assert sm.period_text(date(2026, 1, 1), date(2026, 3, 31), today) == (
        "1 January 2026 to 31 March 2026 (inclusive)"
    )
    assert sm.period_text(None, None, today) == "All records up to 23 November 2026"


def test_count_labels_counts_each_screening_once() -> None:
    assert sm.count_labels([["A", "A", "B"], ["A"]]) == [("A", 2), ("B", 1)]


def test_children_known_counts_only_those_above_the_lowest_level() -> None:
    """Issue 13 item 7: "affected by or at risk" is a level above the lowest; the lowest and the
    not yet screened are their own line; "of N schools" needs the number in the area."""
    out = sm.build_summary(facts({"high": 6, "medium": 7, "none": 8, "no_current_risk": 5, "": 9}))
    data = out.to_dict()
    assert data["children"] == 35 and data["at_risk"] == 13
    assert data["lowest_or_not_screened"] == 22
    lines = dict(out.lines())
    assert lines["Children known"].startswith("13 children known to us, affected by or at risk")
    assert lines["Also known"] == (
        "22 more children known: at the lowest level or not screened yet."
    )
    # Schools: only the at-risk children's, and no denominator unless the area's is known.
    assert data["schools"]["in_area"] is None
    assert lines["Schools"] == "Concerns identified in fewer than 5 schools."
    with_area = sm.build_summary(facts({"high": 6, "none": 8}), schools_listed=31)
    assert dict(with_area.lines())["Schools"] == (
        "Concerns identified in fewer than 5 of 31 schools in the area."
    )
    # One of the two is small: the other is withheld, as the total is published.
    small = sm.build_summary(facts({"high": 3, "none": 20})).to_dict()
    assert small["at_risk"] == "<5" and small["lowest_or_not_screened"] == "suppressed"


def test_themes_are_ordered_by_count_most_first() -> None:
    out = sm.build_summary(
        facts({"high": 6}, indicator_counts=[("Alpha", 5), ("Gifts", 9), ("Missing", 7)])
    )
    assert [t for t, _ in out.themes] == ["Gifts", "Missing", "Alpha"]
    assert dict(out.lines())["Common themes"].startswith("Gifts (9); Missing (7)")
