"""Risk first (issue 13): the urgency of a case, as a rule over the real pathway engine.

Immediate danger always comes first; an overdue action ranks a case up only at a high level;
a new high level comes before everything else that is not overdue; the flag is always words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cse_toolkit.core.catalogue import load_pathway
from cse_toolkit.core.clock import FixedClock, utc_iso
from cse_toolkit.core.pathway import StepRecord, case_state, record_step
from cse_toolkit.core.urgency import (
    HIGH_LEVELS,
    IMMEDIATE,
    NEW_HIGH,
    OTHER,
    OVERDUE_HIGH,
    urgency,
)

PW = load_pathway("worcestershire-cse-2013")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
LEVELS = ["none", "low", "medium", "high", "significant", "serious"]


def _records(danger: bool, level: str | None, referred: bool) -> list[StepRecord]:
    data = {
        "concern": {"what": "seen", "when": utc_iso(T0), "by_whom": "sam"},
        "danger_check": {"immediate_danger": danger}
        | ({"called_999_at": utc_iso(T0 + timedelta(minutes=5))} if danger else {}),
        "screen": {"screening_id": "s1", "tool": "worcestershire-2013", "tool_version": "1.0"},
        "discuss": {"with_whom": "Pat", "discussed_at": utc_iso(T0)},
        "decide": {"confirmed_level": level},
        "refer": {"pack_exported": True, "method": "online", "consent_decision": "consent given"},
    }
    steps = ["concern", "danger_check"]
    if not danger and level is not None:
        steps += ["screen", "discuss", "decide"]
        if referred and level in ("medium", "high", "significant", "serious"):
            steps.append("refer")
    records: list[StepRecord] = []
    for n, step in enumerate(steps):
        at = T0 + timedelta(minutes=10 * n)
        records = record_step(
            PW, records, StepRecord(step=step, recorded_at=at, event_at=at, data=data[step]), level
        )
    return records


@settings(max_examples=80, deadline=None)
@given(
    danger=st.booleans(),
    level=st.sampled_from([None, *LEVELS]),
    referred=st.booleans(),
    days=st.integers(min_value=0, max_value=120),
    status=st.sampled_from([None, "confirmed", "signed_off"]),
)
def test_urgency_ranks_follow_the_rule(danger, level, referred, days, status) -> None:  # type: ignore[no-untyped-def]
    records = _records(danger, level, referred)
    now = T0 + timedelta(days=days, hours=1)
    state = case_state(PW, records, FixedClock(now), level)
    screened = T0 if status else None
    u = urgency(
        state,
        records,
        level or state.level,
        now,
        latest_screening_status=status,
        latest_screening_at=screened,
    )
    assert u.rank in (IMMEDIATE, OVERDUE_HIGH, NEW_HIGH, OTHER)
    if danger:
        assert u.rank == IMMEDIATE
        assert u.text.startswith("Immediate danger: 999 called at 09:05 on 2 Nov 2026")
        return
    high = level in HIGH_LEVELS
    if high and state.overdue:
        assert u.rank == OVERDUE_HIGH and u.flag == "overdue" and u.text.startswith("Overdue")
    elif high and (status == "confirmed" or (status is not None and days <= 14)):
        assert u.rank == NEW_HIGH and u.text.startswith("New high level")
    else:
        assert u.rank == OTHER
        assert (u.flag == "overdue") == bool(state.overdue)
    # A high level whose referral was never made is overdue after one working day.
    if high and not referred and days >= 2:
        assert u.rank == OVERDUE_HIGH and "Referral to Children's Social Care" in u.text
    assert u.needs_action_now == (u.rank < OTHER or u.flag == "overdue")
    assert bool(u.text) == (u.flag != "")  # a flag is always words
