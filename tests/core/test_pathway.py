"""The pathway engine with a fixed clock: every route (none, low, medium, high, immediate),
due and overdue items, no skipping, not-applicable steps, the review loop, and file checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit.core.catalogue import check_pathway_file, load_pathway, load_pathway_file
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.pathway import (
    Pathway,
    StepDataError,
    StepOrderError,
    StepRecord,
    case_state,
    record_step,
    validate_step_data,
)
from cse_toolkit.errors import UserError

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday

STEP_IDS = [
    "concern",
    "danger_check",
    "screen",
    "discuss",
    "decide",
    "share_intelligence",
    "early_help",
    "refer",
    "strategy_meeting",
    "panel",
    "nfa",
    "review",
]

DATA_FOR: dict[str, dict[str, Any]] = {
    "concern": {"what": "Seen getting into a car", "when": "2026-11-01T21:00:00Z", "by_whom": "me"},
    "danger_check": {"immediate_danger": False},
    "screen": {"screening_id": "s-1", "tool": "worcestershire-2013", "tool_version": "1.0"},
    "discuss": {"with_whom": "Sam (DSL)", "discussed_at": "2026-11-02T11:00:00Z"},
    "nfa": {"reason": "No indicators", "next_steps_considered": "Watch at school"},
    "early_help": {"offer": "Youth worker sessions", "consent": "given"},
    "refer": {"pack_exported": True, "method": "online", "consent_decision": "consent given"},
    "strategy_meeting": {"date": "2026-11-04", "attendees": "CSE lead, police", "decisions": "s47"},
    "panel": {"panel_date": "2026-11-20", "outcome": "Plan agreed"},
    "review": {"reviewed_on": "2026-12-01"},
    "share_intelligence": {"report_refs": "PIR-1"},
}


@pytest.fixture(scope="module")
def pw() -> Pathway:
    return load_pathway("worcestershire-cse-2013")


def rec(step: str, at: datetime, status: str = "done", **data: Any) -> StepRecord:
    payload = {**DATA_FOR.get(step, {}), **data} if status == "done" else {}
    return StepRecord(
        step=step,
        status=status,  # type: ignore[arg-type]
        recorded_at=at,
        data=payload,
        reason="Not needed here" if status == "not_applicable" else "",
    )


def build(
    pw: Pathway, steps: Sequence[tuple[str, dict[str, Any]]], start: datetime = T0
) -> list[StepRecord]:
    records: list[StepRecord] = []
    for n, (step, data) in enumerate(steps):
        records = record_step(pw, records, rec(step, start + timedelta(hours=n), **data))
    return records


def upto_decide(level: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("concern", {}),
        ("danger_check", {}),
        ("screen", {}),
        ("discuss", {}),
        ("decide", {"confirmed_level": level}),
    ]


def clock_at(dt: datetime) -> FixedClock:
    return FixedClock(dt)


def test_bundled_pathway_has_exactly_the_contract_steps(pw: Pathway) -> None:
    assert pw.step_ids == STEP_IDS
    assert (
        check_pathway_file(
            Path(__file__).parents[2] / "resources/pathways/worcestershire-cse-2013.toml"
        )
        == []
    )
    review = pw.step("review")
    assert [(t.to, t.loop) for t in review.next] == [("screen", True)]
    assert pw.step("share_intelligence").offered
    assert pw.review_interval("low") == (6, "weeks")
    assert pw.review_interval("medium") == (4, "weeks")
    assert pw.review_interval("high") == (4, "weeks")


def test_empty_case_starts_at_concern(pw: Pathway) -> None:
    st = case_state(pw, [], clock_at(T0))
    assert st.current == "concern"
    assert st.open_ids == ["concern", "danger_check"]  # beyond depends on the answer
    assert [v.id for v in st.available] == ["concern"]
    assert st.done == [] and st.due == [] and st.cycle == 1


def test_route_none(pw: Pathway) -> None:
    records = build(pw, upto_decide("none"))
    st = case_state(pw, records, clock_at(T0 + timedelta(days=1)))
    assert st.route == "nfa" and st.route_name == "No further action for the child"
    assert st.current == "nfa" and st.open_ids == ["nfa", "review"]
    assert st.done_ids == ["concern", "danger_check", "screen", "discuss", "decide"]
    records = build(pw, [*upto_decide("none"), ("nfa", {})])
    st = case_state(pw, records, clock_at(T0 + timedelta(days=400)))
    assert st.current == "review"
    assert st.due == []  # no review interval for "none": re-screen on a trigger


def test_route_low_and_overdue_review(pw: Pathway) -> None:
    records = build(pw, [*upto_decide("low"), ("early_help", {})])
    decided = T0 + timedelta(hours=4)
    st = case_state(pw, records, clock_at(decided + timedelta(weeks=5)))
    assert st.route == "early_help" and st.level == "low"
    assert st.current == "review"
    (item,) = st.due
    assert item.id == "review" and item.due_at == decided + timedelta(weeks=6)
    assert not item.overdue and st.overdue == []
    late = case_state(pw, records, clock_at(decided + timedelta(weeks=6, minutes=1)))
    assert [d.id for d in late.overdue] == ["review"]


@pytest.mark.parametrize("level", ["medium", "high"])
def test_route_medium_high_referral(pw: Pathway, level: str) -> None:
    records = build(pw, upto_decide(level))
    st = case_state(pw, records, clock_at(T0 + timedelta(hours=5)))
    assert st.route == "refer"
    assert st.open_ids == ["refer", "strategy_meeting", "panel", "review"]
    decided = T0 + timedelta(hours=4)
    # A referral not yet made is its own due item: one working day from the decision.
    assert [(d.id, d.due_at) for d in st.due] == [
        ("referral", decided + timedelta(days=1)),
        ("review", decided + timedelta(weeks=4)),
    ]
    late = case_state(pw, records, clock_at(decided + timedelta(days=1, minutes=1)))
    assert [d.id for d in late.overdue] == ["referral"]

    records = build(pw, [*upto_decide(level), ("refer", {"method": "phone"})])
    referred = T0 + timedelta(hours=5)  # Monday 14:00
    st = case_state(pw, records, clock_at(referred + timedelta(hours=23)))
    due = {d.id: d for d in st.due}
    assert due["written_confirmation"].due_at == referred + timedelta(hours=24)
    assert due["referral_decision"].due_at == referred + timedelta(days=1)
    assert st.overdue == []
    st = case_state(pw, records, clock_at(referred + timedelta(hours=25)))
    assert {d.id for d in st.overdue} == {"written_confirmation", "referral_decision"}

    # Written confirmation and the decision recorded: both met.
    met = build(
        pw,
        [
            *upto_decide(level),
            (
                "refer",
                {"method": "phone", "written_confirmation_sent": True, "csc_decision": "s47"},
            ),
        ],
    )
    st = case_state(pw, met, clock_at(referred + timedelta(days=3)))
    assert [d.id for d in st.due] == ["review"]

    # Through the strategy meeting and panel to an overdue review.
    full = build(pw, [*upto_decide(level), ("refer", {}), ("strategy_meeting", {}), ("panel", {})])
    st = case_state(pw, full, clock_at(decided + timedelta(weeks=5)))
    assert st.current == "review"
    assert [d.id for d in st.overdue] == ["review"]


def test_referral_decision_counts_working_days(pw: Pathway) -> None:
    friday = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    records = build(pw, [*upto_decide("medium"), ("refer", {})], start=friday - timedelta(hours=5))
    st = case_state(pw, records, clock_at(friday + timedelta(days=2)))
    due = {d.id: d for d in st.due}
    assert due["referral_decision"].due_at == friday + timedelta(days=3)  # Monday
    assert not due["referral_decision"].overdue


def test_route_immediate_from_danger_check(pw: Pathway) -> None:
    records = build(
        pw,
        [
            ("concern", {}),
            ("danger_check", {"immediate_danger": True, "police_reference": "999-1"}),
        ],
    )
    checked = T0 + timedelta(hours=1)
    st = case_state(pw, records, clock_at(checked + timedelta(days=1)))
    assert st.level == "immediate" and st.route == "immediate"
    # SAFETY.md R1: the referral to children's social care comes before the strategy meeting.
    assert st.current == "refer"
    assert st.open_ids == ["refer", "strategy_meeting", "panel", "review"]
    assert [(d.id, d.due_at) for d in st.due] == [("review", checked + timedelta(weeks=4))]
    full = build(
        pw,
        [
            ("concern", {}),
            ("danger_check", {"immediate_danger": True}),
            ("refer", {}),
            ("strategy_meeting", {}),
            ("panel", {}),
        ],
    )
    late = case_state(pw, full, clock_at(checked + timedelta(weeks=4, days=1)))
    assert [d.id for d in late.overdue] == ["review"]


def test_route_immediate_from_decide(pw: Pathway) -> None:
    records = build(pw, upto_decide("immediate"))
    st = case_state(pw, records, clock_at(T0))
    assert st.route == "immediate" and st.current == "refer"  # SAFETY.md R1


def test_review_loops_to_a_new_cycle(pw: Pathway) -> None:
    steps = [*upto_decide("low"), ("early_help", {}), ("review", {})]
    records = build(pw, steps)
    st = case_state(pw, records, clock_at(T0 + timedelta(weeks=20)))
    assert st.cycle == 2
    assert st.current == "screen"
    assert st.done_ids == ["concern", "danger_check"]
    assert st.due == [] and st.route is None
    records = build(
        pw, [*steps, ("screen", {}), ("discuss", {}), ("decide", {"confirmed_level": "medium"})]
    )
    st = case_state(pw, records, clock_at(T0 + timedelta(weeks=1)))
    assert st.route == "refer" and st.level == "medium" and st.current == "refer"
    redecided = T0 + timedelta(hours=9)
    assert [(d.id, d.due_at) for d in st.due] == [
        ("referral", redecided + timedelta(days=1)),
        ("review", redecided + timedelta(weeks=4)),
    ]
    assert [d.id for d in st.overdue] == ["referral"]  # a week on, the referral is not made


def test_steps_cannot_be_skipped(pw: Pathway) -> None:
    records = build(pw, [("concern", {}), ("danger_check", {})])
    with pytest.raises(StepOrderError, match="next step is 'Complete the screening tool'"):
        record_step(pw, records, rec("discuss", T0))
    with pytest.raises(StepOrderError):
        record_step(pw, [], rec("danger_check", T0))
    with pytest.raises(StepOrderError, match="cannot be recorded yet"):
        record_step(pw, build(pw, upto_decide("low")), rec("refer", T0))
    assert issubclass(StepOrderError, UserError)


def test_not_applicable_with_reason_moves_on(pw: Pathway) -> None:
    records = build(pw, [("concern", {}), ("danger_check", {})])
    records = record_step(
        pw, records, rec("screen", T0 + timedelta(hours=3), status="not_applicable")
    )
    records = record_step(pw, records, rec("discuss", T0 + timedelta(hours=4)))
    st = case_state(pw, records, clock_at(T0))
    assert [v.status for v in st.done] == ["done", "done", "not_applicable", "done"]
    assert st.done[2].reason == "Not needed here"
    assert st.current == "decide"


def test_not_applicable_needs_reason_and_deciding_steps_cannot_be_skipped(pw: Pathway) -> None:
    records = build(pw, [("concern", {}), ("danger_check", {})])
    bare = StepRecord(step="screen", status="not_applicable", recorded_at=T0)
    with pytest.raises(StepDataError, match="reason is required"):
        record_step(pw, records, bare)
    with pytest.raises(StepOrderError, match="cannot be marked not applicable"):
        record_step(
            pw, build(pw, [("concern", {})]), rec("danger_check", T0, status="not_applicable")
        )
    before_decide = build(pw, upto_decide("low")[:-1])
    with pytest.raises(StepOrderError):
        record_step(pw, before_decide, rec("decide", T0, status="not_applicable"))


def test_share_intelligence_is_always_offered(pw: Pathway) -> None:
    with pytest.raises(StepOrderError, match="Notice and record the concern"):
        record_step(pw, [], rec("share_intelligence", T0))
    records = build(pw, [("concern", {}), ("share_intelligence", {}), ("danger_check", {})])
    st = case_state(pw, records, clock_at(T0))
    assert st.current == "screen"
    assert [v.id for v in st.available] == ["screen", "share_intelligence"]
    assert "share_intelligence" in st.done_ids
    # And again later on the route: more than one report is fine.
    more = build(pw, [*upto_decide("low"), ("share_intelligence", {}), ("share_intelligence", {})])
    assert case_state(pw, more, clock_at(T0)).current == "early_help"


def test_decide_needs_a_level(pw: Pathway) -> None:
    records = build(pw, upto_decide("low")[:-1])
    with pytest.raises(StepDataError, match="Confirmed level is required"):
        record_step(pw, records, rec("decide", T0))
    # The case's confirmed level can come from the screening confirmation instead.
    decide = StepRecord(step="decide", recorded_at=T0, data={"confirmed_level": "high"})
    out = record_step(pw, records, decide)
    assert case_state(pw, out, clock_at(T0)).route == "refer"


def test_step_data_is_checked_and_normalised(pw: Pathway) -> None:
    concern = pw.step("concern")
    data = validate_step_data(
        concern, {"what": "x", "when": datetime(2026, 11, 1, 22, 0, tzinfo=UTC), "by_whom": "me"}
    )
    assert data["when"] == "2026-11-01T22:00:00Z"
    with pytest.raises(StepDataError, match="What was seen or heard is required"):
        validate_step_data(concern, {"when": "2026-11-01T21:00:00Z", "by_whom": "me"})
    with pytest.raises(StepDataError, match="time zone"):
        validate_step_data(concern, {"what": "x", "when": "2026-11-01T21:00:00", "by_whom": "me"})
    with pytest.raises(StepDataError, match="'colour' is not something this step records"):
        validate_step_data(concern, {**DATA_FOR["concern"], "colour": "red"})
    with pytest.raises(StepDataError, match="must be one of"):
        validate_step_data(pw.step("early_help"), {"offer": "x", "consent": "maybe"})
    with pytest.raises(StepDataError, match="must be a date"):
        validate_step_data(pw.step("panel"), {"panel_date": "next week", "outcome": "x"})
    with pytest.raises(StepDataError, match="true/false"):
        validate_step_data(pw.step("danger_check"), {"immediate_danger": "no"})


def test_naive_times_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        StepRecord(step="concern", recorded_at=datetime(2026, 11, 1, 9, 0))


def test_to_dict_is_json_stable(pw: Pathway) -> None:
    records = build(pw, [*upto_decide("medium"), ("refer", {"method": "phone"})])
    d = case_state(pw, records, clock_at(T0 + timedelta(days=3))).to_dict()
    assert d["route"] == "refer" and d["current"] == "strategy_meeting"
    assert set(d["overdue"]) == {"written_confirmation", "referral_decision"}
    assert d["done"][0]["recorded_at"] == "2026-11-02T09:00:00Z"


def test_check_pathway_cycle_fixture() -> None:
    path = DATA / "pathway_cycle.toml"
    problems = check_pathway_file(path)
    text = path.read_text(encoding="utf-8").splitlines()
    messages = [p.message for p in problems]
    cycle = next(p for p in problems if p.message.startswith("cycle"))
    assert "work -> review -> work" in cycle.message and "loop = true" in cycle.message
    unknown = next(p for p in problems if "unknown step 'nowhere'" in p.message)
    assert text[unknown.line - 1].strip() == 'to = "nowhere"'  # type: ignore[operator]
    orphan = next(p for p in problems if "cannot be reached" in p.message)
    assert text[orphan.line - 1].strip() == 'id = "orphan"'  # type: ignore[operator]
    assert len(messages) == 3
    with pytest.raises(UserError, match="problem"):
        load_pathway_file(path)


def test_minimal_pathway_with_declared_loop_is_valid() -> None:
    pw = load_pathway_file(DATA / "pathway_minimal.toml")
    records: list[StepRecord] = []
    for n, step in enumerate(["start", "work", "review", "work", "review"]):
        records = record_step(
            pw, records, StepRecord(step=step, recorded_at=T0 + timedelta(hours=n))
        )
    st = case_state(pw, records, clock_at(T0))
    assert st.cycle == 3 and st.current == "work"


def test_check_pathway_semantic_errors(tmp_path: Path) -> None:
    base = (DATA / "pathway_minimal.toml").read_text(encoding="utf-8")
    broken = base.replace('start = "start"', 'start = "begin"') + (
        '\n[[timescales]]\nid = "t"\nlabel = "T"\nstarts = ["nope"]\nunit = "days"\n'
    )
    path = tmp_path / "p.toml"
    path.write_text(broken, encoding="utf-8")
    messages = [p.message for p in check_pathway_file(path)]
    assert any("start step 'begin'" in m for m in messages)
    assert any("unknown step 'nope'" in m for m in messages)
    assert any("needs amount" in m for m in messages)
    assert any("needs ends_step or ends_field" in m for m in messages)
