"""Which pathway a case follows in the vault, and the one due/overdue path: a case keeps the
pathway it started with (1.0 cases stay on 1.0), a new case follows its tool's (1.1), and the
child list's next step, ``case list`` and the DSL queue read the same overdue items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpers.factories import child

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.services import case_view

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday


def walk_to_decide(vault: Any, child_id: str, pathway: str, clock: FixedClock) -> None:
    steps = [
        ("concern", {"what": "x", "when": "2026-12-01T09:00:00Z", "by_whom": "me"}),
        ("danger_check", {"immediate_danger": False}),
        ("screen", {"screening_id": "s-1", "tool": "worcestershire-2013", "tool_version": "1.1"}),
        ("discuss", {"with_whom": "DSL", "discussed_at": "2026-12-01T10:30:00Z"}),
        ("decide", {"confirmed_level": "high"}),
    ]
    for step, data in steps:
        vault.repos.record_step(child_id, pathway, step, clock.now(), data)
        clock.advance(minutes=5)


def test_each_case_keeps_its_pathway_and_overdue_reads_the_same_everywhere(
    vault_factory: Any,
) -> None:
    clock = FixedClock(T0)
    vault = vault_factory(user="dee", role="dsl", clock=clock)
    old, new = child(vault, "Old Case"), child(vault, "New Case")
    walk_to_decide(vault, old.id, "worcestershire-cse-2013", clock)
    walk_to_decide(vault, new.id, vault.repos.case_pathway_id(new.id), clock)
    assert vault.repos.case_pathway_ids([old.id, new.id]) == {
        old.id: "worcestershire-cse-2013",
        new.id: "worcestershire-cse",
    }
    clock.advance(hours=15)  # Wednesday 01:25: the high child's referral was due "today"
    states = {c: vault.repos.case_state(c) for c in (old.id, new.id)}
    assert (states[old.id].pathway_version, states[new.id].pathway_version) == ("1.0", "1.1")
    assert [d.id for d in states[new.id].overdue] == ["referral_today"]
    assert states[old.id].overdue == []  # 1.0: one working day, not yet
    queue = vault.dsl.due_items()
    assert [d.id for d in queue[new.id] if d.overdue] == ["referral_today"]
    listed = {c["ref"]: c for c in case_view.case_list(vault)}
    assert listed[new.ref]["next_step"]["overdue"] is True
    assert listed[old.ref]["next_step"]["overdue"] is False
    shown = case_view.show(vault, new.ref)["pathway"]
    assert (shown["id"], shown["version"]) == ("worcestershire-cse", "1.1")
    # The old case goes on under 1.0: after the referral comes the strategy meeting.
    refer = {"pack_exported": True, "method": "phone", "consent_decision": "consent given"}
    vault.repos.record_step(old.id, "worcestershire-cse-2013", "refer", clock.now(), refer)
    assert vault.repos.case_state(old.id).current == "strategy_meeting"
    vault.repos.record_step(new.id, "worcestershire-cse", "refer", clock.now(), refer)
    assert vault.repos.case_state(new.id).current == "csc_decision"
    clock.advance(days=2)
    assert "referral_decision" in {d.id for d in vault.dsl.due_items()[new.id] if d.overdue}
