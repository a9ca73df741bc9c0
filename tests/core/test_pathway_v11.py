"""Pathway 1.1 (``worcestershire-cse``) and the West Midlands pathway with a fixed clock: the
immediate route through the referral, each children's social care decision, escalation, the
National Referral Mechanism step, "today" due dates, which pathway a case follows, file checks,
and a property: no walk through the pathway gives less protection than the level's guidance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cse_toolkit.core import catalogue
from cse_toolkit.core.catalogue import check_pathway_file, load_pathway
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.pathway import Pathway, PathwayError, StepRecord, case_state, record_step
from cse_toolkit.core.pathway_checks import check_pathway_text

REPO = Path(__file__).parents[2]
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 UK time (GMT)
S47 = "strategy discussion (section 47)"
S17 = "child and family assessment (section 17)"
EARLY = "step down to Early Help"
NFA = "no further action, with advice"

DATA: dict[str, dict[str, Any]] = {
    "concern": {"what": "Seen getting into a car", "when": "2026-11-02T21:00:00Z", "by_whom": "me"},
    "danger_check": {"immediate_danger": False},
    "screen": {"screening_id": "s-1", "tool": "worcestershire-2013", "tool_version": "1.1"},
    "discuss": {"with_whom": "Sam (DSL)", "discussed_at": "2026-11-03T10:30:00Z"},
    "decide": {},
    "refer": {"pack_exported": True, "method": "phone", "consent_decision": "consent given"},
    "csc_decision": {"decision": S47, "decided_at": "2026-11-03T15:00:00Z", "agrees": True},
    "escalation": {
        "escalated_to": "Team manager, Family Front Door",
        "escalated_at": "2026-11-04T09:00:00Z",
        "why": "Disclosure this week",
        "outcome": "strategy discussion agreed",
    },
    "strategy_meeting": {"date": "2026-11-05", "attendees": "CSC, police", "decisions": "s47"},
    "panel": {"panel_date": "2026-11-20", "outcome": "Plan agreed"},
    "early_help": {"offer": "Youth worker sessions", "consent": "given"},
    "nfa": {"reason": "No indicators", "next_steps_considered": "Watch at school"},
    "review": {"reviewed_on": "2026-12-01"},
    "share_intelligence": {"report_refs": "PIR-1"},
    "nrm_consideration": {
        "decision": "asked a first responder to refer",
        "decided_at": "2026-11-04T12:00:00Z",
        "reason": "Found in another town carrying drugs for an older man",
        "first_responder": "Children's social care",
    },
}


@pytest.fixture(scope="module")
def pw() -> Pathway:
    return load_pathway("worcestershire-cse")


def build(
    pw: Pathway, steps: Sequence[tuple[str, dict[str, Any]]], start: datetime = T0
) -> list[StepRecord]:
    records: list[StepRecord] = []
    for n, (step, data) in enumerate(steps):
        rec = StepRecord(
            step=step, recorded_at=start + timedelta(minutes=10 * n), data={**DATA[step], **data}
        )
        records = record_step(pw, records, rec)
    return records


def upto(level: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("concern", {}),
        ("danger_check", {}),
        ("screen", {}),
        ("discuss", {}),
        ("decide", {"confirmed_level": level}),
    ]


def at(when: datetime) -> FixedClock:
    return FixedClock(when)


def test_shipped_pathway_files_pass_their_checks() -> None:
    for name in (
        "worcestershire-cse.toml",
        "west-midlands-cse.toml",
        "worcestershire-cse-2013.toml",
    ):
        assert check_pathway_file(REPO / "resources/pathways" / name) == [], name
    new = load_pathway("worcestershire-cse")
    assert (new.version, load_pathway("worcestershire-cse-2013").version) == ("1.1", "1.0")
    assert new.step("nrm_consideration").offered
    assert new.step("csc_decision").may_skip is False
    wm = load_pathway("west-midlands-cse")
    assert wm.step("refer").provenance == "to_confirm"
    assert "MASE" in wm.step("panel").title
    assert "Family Front Door" not in wm.step("refer").help


def test_immediate_route_goes_through_refer_and_the_decision(pw: Pathway) -> None:
    steps = [("concern", {}), ("danger_check", {"immediate_danger": True})]
    st_ = case_state(pw, build(pw, steps), at(T0 + timedelta(hours=1)))
    assert st_.route == "immediate" and st_.level == "immediate" and st_.current == "refer"
    assert st_.open_ids == ["refer", "csc_decision"]  # beyond depends on their decision
    # The referral is due today (UK time), the end of the day 999 was called.
    due = {d.id: d for d in st_.due}
    assert due["referral_immediate"].due_at == datetime(2026, 11, 3, 23, 59, 59, tzinfo=UTC)
    late = case_state(pw, build(pw, steps), at(datetime(2026, 11, 4, 0, 0, tzinfo=UTC)))
    assert "referral_immediate" in {d.id for d in late.overdue}

    full = build(pw, [*steps, ("refer", {}), ("csc_decision", {})])
    st_ = case_state(pw, full, at(T0 + timedelta(hours=2)))
    assert st_.current == "strategy_meeting"


@pytest.mark.parametrize(
    ("decision", "agrees", "next_step"),
    [
        (S47, True, "strategy_meeting"),
        (S17, True, "panel"),
        (EARLY, True, "early_help"),
        (NFA, True, "panel"),
        (S17, False, "escalation"),
        (EARLY, False, "escalation"),
        (NFA, False, "escalation"),
    ],
)
def test_referral_with_each_csc_decision(
    pw: Pathway, decision: str, agrees: bool, next_step: str
) -> None:
    records = build(
        pw,
        [*upto("high"), ("refer", {}), ("csc_decision", {"decision": decision, "agrees": agrees})],
    )
    st_ = case_state(pw, records, at(T0 + timedelta(hours=3)))
    assert st_.route == "refer" and st_.current == next_step
    # Only a strategy-discussion decision reaches the strategy meeting.
    if decision != S47:
        assert "strategy_meeting" not in st_.open_ids or next_step == "escalation"
    assert "nfa" not in st_.open_ids


def test_immediate_danger_without_a_strategy_discussion_is_escalated(pw: Pathway) -> None:
    steps = [
        ("concern", {}),
        ("danger_check", {"immediate_danger": True}),
        ("refer", {}),
        ("csc_decision", {"decision": NFA, "agrees": True}),
    ]
    st_ = case_state(pw, build(pw, steps), at(T0 + timedelta(hours=1)))
    assert st_.current == "escalation"  # SAFETY.md R1, whatever the first view


def test_escalation_is_recorded_due_and_leads_on(pw: Pathway) -> None:
    base = [*upto("medium"), ("refer", {}), ("csc_decision", {"decision": NFA, "agrees": False})]
    records = build(pw, base)
    decided = T0 + timedelta(minutes=60)
    st_ = case_state(pw, records, at(decided + timedelta(hours=1)))
    due = {d.id: d for d in st_.due}
    assert due["escalation"].due_at == decided + timedelta(days=1)  # one working day
    next_day = case_state(pw, records, at(decided + timedelta(days=1, minutes=1)))
    assert "escalation" in {d.id for d in next_day.overdue}
    agreed = build(pw, [*base, ("escalation", {})])
    st_ = case_state(pw, agreed, at(decided + timedelta(hours=2)))
    assert st_.current == "strategy_meeting" and "escalation" in st_.done_ids
    assert "escalation" not in {d.id for d in st_.due}
    upheld = build(
        pw, [*base, ("escalation", {"outcome": "decision upheld: accepted, with a plan"})]
    )
    assert case_state(pw, upheld, at(decided)).current == "panel"


def test_due_dates_for_today_and_one_working_day(pw: Pathway) -> None:
    # High: the referral is due today; the decision on it one working day later.
    records = build(pw, upto("high"))
    st_ = case_state(pw, records, at(T0 + timedelta(hours=1)))
    due = {d.id: d for d in st_.due}
    assert due["referral_today"].due_at == datetime(2026, 11, 3, 23, 59, 59, tzinfo=UTC)
    night = case_state(pw, records, at(datetime(2026, 11, 4, 8, 0, tzinfo=UTC)))
    assert [d.id for d in night.overdue] == ["referral_today"]  # overdue for the referral
    # Medium: one working day.
    medium = case_state(pw, build(pw, upto("medium")), at(T0))
    assert {d.id for d in medium.due} >= {"referral", "review"}
    # The DSL discussion is due the day of the screening.
    screened = build(pw, upto("high")[:3])
    st_ = case_state(pw, screened, at(T0 + timedelta(hours=1)), confirmed_level="high")
    due = {d.id: d for d in st_.due}
    assert due["dsl_discussion"].due_at == datetime(2026, 11, 3, 23, 59, 59, tzinfo=UTC)
    # Referred by phone: the decision and the written referral are due.
    referred = build(pw, [*upto("high"), ("refer", {})])
    assert {d.id for d in case_state(pw, referred, at(T0)).due} >= {
        "referral_decision",
        "written_confirmation",
    }


def test_today_is_the_uk_day_in_summer_time(pw: Pathway) -> None:
    july = datetime(2026, 7, 7, 22, 30, tzinfo=UTC)  # 23:30 BST on Tuesday 7 July
    records = build(pw, [("concern", {}), ("danger_check", {"immediate_danger": True})], july)
    due = {d.id: d for d in case_state(pw, records, at(july)).due}
    assert due["referral_immediate"].due_at == datetime(2026, 7, 7, 22, 59, 59, tzinfo=UTC)


def test_nrm_consideration_is_offered_and_recorded(pw: Pathway) -> None:
    records = build(pw, [("concern", {})])
    st_ = case_state(pw, records, at(T0))
    assert "nrm_consideration" in [v.id for v in st_.available]
    records = build(pw, [("concern", {}), ("nrm_consideration", {})])
    st_ = case_state(pw, records, at(T0))
    assert st_.current == "danger_check" and "nrm_consideration" in st_.done_ids
    with pytest.raises(Exception, match="Decision"):
        build(pw, [("concern", {}), ("nrm_consideration", {"decision": "maybe"})])


def test_cases_under_1_0_still_read_and_advance_under_1_0() -> None:
    old = load_pathway("worcestershire-cse-2013")
    steps = [*upto("high"), ("refer", {"csc_decision": "s47"})]
    records: list[StepRecord] = []
    for n, (step, data) in enumerate(steps):
        payload = {k: v for k, v in {**DATA[step], **data}.items() if old.step(step).field_def(k)}
        if step == "refer":
            payload["method"] = "phone"
        rec = StepRecord(step=step, recorded_at=T0 + timedelta(minutes=n), data=payload)
        records = record_step(old, records, rec)
    st_ = case_state(old, records, at(T0))
    assert (st_.pathway, st_.pathway_version) == ("worcestershire-cse-2013", "1.0")
    assert st_.current == "strategy_meeting"  # 1.0 has no csc_decision step
    with pytest.raises(PathwayError, match="not a step of this pathway"):
        record_step(old, records, StepRecord(step="csc_decision", recorded_at=T0, data={}))
    meeting = StepRecord(step="strategy_meeting", recorded_at=T0, data=DATA["strategy_meeting"])
    assert case_state(old, [*records, meeting], at(T0)).current == "panel"  # advances on 1.0
    # The case keeps its pathway; a new case follows its tool's.
    assert catalogue.pathway_for_case(["worcestershire-cse-2013"], "worcestershire-2013") == (
        "worcestershire-cse-2013"
    )
    assert catalogue.pathway_for_case([], "worcestershire-2013") == "worcestershire-cse"
    assert catalogue.pathway_for_case([], "child-exploitation-2026") == "worcestershire-cse"
    assert catalogue.pathway_for_case([], "west-midlands-regional") == "west-midlands-cse"
    assert catalogue.pathway_for_case([], "west-midlands-regional", "worcestershire-cse") == (
        "worcestershire-cse"
    )
    assert catalogue.pathway_for_case(["not-installed"], None) == "worcestershire-cse"


def test_west_midlands_pathway_routes_its_levels() -> None:
    wm = load_pathway("west-midlands-cse")
    records = build(wm, upto("serious"))
    st_ = case_state(wm, records, at(T0))
    assert st_.route == "refer" and st_.current == "refer"
    assert "referral_today" in {d.id for d in st_.due}
    danger = build(wm, [("concern", {}), ("danger_check", {"immediate_danger": True})])
    st_ = case_state(wm, danger, at(T0))
    assert st_.route == "immediate" and st_.level == "significant"  # SAFETY.md R1 floor


BROKEN = [
    (
        "decision = 'maybe'",
        'equals = "strategy discussion (section 47)"',
        'equals = "maybe"',
        "is not one of the options",
    ),
    ("uncovered answer", 'equals = "step down to Early Help"\n', 'equals = "no such"\n', "options"),
    ("unknown route", 'if_route = ["immediate"]', 'if_route = ["nowhere"]', "unknown route"),
    ("bad unit", 'unit = "end_of_day"', 'unit = "fortnights"', "end_of_day"),
]


@pytest.mark.parametrize(("what", "old", "new", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_pathway_checks_refuse_broken_files(what: str, old: str, new: str, message: str) -> None:
    text = (REPO / "resources/pathways/worcestershire-cse.toml").read_text(encoding="utf-8")
    assert old in text
    pw_, problems = check_pathway_text(text.replace(old, new, 1))
    assert pw_ is None and any(message in p.message for p in problems), problems


def test_a_missing_way_on_for_an_answer_is_refused() -> None:
    text = (REPO / "resources/pathways/worcestershire-cse.toml").read_text(encoding="utf-8")
    cut = '[[steps.next]]\nto = "early_help"\nif_field = "decision"\nequals = "step down to Early Help"\n'
    assert cut in text
    _, problems = check_pathway_text(text.replace(cut, "", 1))
    assert any(
        "no next step when decision = 'step down to Early Help'" in p.message for p in problems
    )


# --- the property: never less protection than the level's guidance -------------------------

ANSWERS: dict[str, list[dict[str, Any]]] = {
    "csc_decision": [
        {"decision": d, "agrees": a} for d in (S47, S17, EARLY, NFA) for a in (True, False)
    ],
    "escalation": [
        {"outcome": o}
        for o in (
            "strategy discussion agreed",
            "assessment agreed",
            "decision upheld: escalated further",
            "decision upheld: accepted, with a plan",
        )
    ],
}


@settings(max_examples=60, deadline=None)
@given(
    level=st.sampled_from(["medium", "high", "immediate", "significant", "serious"]),
    danger=st.booleans(),
    picks=st.lists(st.integers(min_value=0, max_value=7), min_size=12, max_size=12),
    pathway_id=st.sampled_from(["worcestershire-cse", "west-midlands-cse"]),
)
def test_a_referral_level_never_reaches_no_further_action(
    level: str, danger: bool, picks: list[int], pathway_id: str
) -> None:
    """From medium / significant up, or immediate danger, a case can never reach "no further
    action" or Early Help without the referral and children's social care's decision recorded
    first; immediate danger never leaves the referral route without a strategy meeting or an
    escalation; and the walk always reaches the review."""
    pw_ = load_pathway(pathway_id)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("concern", {}),
        ("danger_check", {"immediate_danger": danger}),
    ]
    if not danger:
        steps += upto(level)[2:]
    records = build(pw_, steps)
    visited = [s for s, _ in steps]
    clock = at(T0 + timedelta(days=1))
    for pick in picks:
        st_ = case_state(pw_, records, clock)
        assert "nfa" not in st_.open_ids
        current = st_.current
        if current in (None, "review", "screen"):
            break
        options = ANSWERS.get(current, [{}])
        data = options[pick % len(options)]
        records = record_step(
            pw_,
            records,
            StepRecord(
                step=current,
                recorded_at=T0 + timedelta(hours=len(records)),
                data={**DATA[current], **data},
            ),
        )
        visited.append(current)
    assert visited[-1] in ("panel", "early_help", "review", "strategy_meeting", "escalation")
    assert "nfa" not in visited
    assert visited.index("refer") < visited.index("csc_decision")
    if "early_help" in visited or "panel" in visited:
        assert "csc_decision" in visited
    if danger:
        after = visited[visited.index("csc_decision") + 1 :]
        assert after[:1] in (["strategy_meeting"], ["escalation"])
