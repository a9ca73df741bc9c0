"""Contacts on screen, day and night: the outcome page and the Process tab show the front door
in office hours and the Emergency Duty Team out of hours (fixed clock); without a policy no
contact line carries a placeholder, and the main window says once, in a banner the keyboard
reaches and dismisses, that no organisation policy is installed. The process tab names the
pathway version a case follows (1.1 for a new case, 1.0 for a case recorded under it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers.factories import child, screening_record
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.gui.common.policy_banner import PolicyBanner
from cse_toolkit.gui.process.outcome_page import OutcomePage
from cse_toolkit.gui.process.pathway_page import ProcessTab
from cse_toolkit.policy import LoadedPolicy, Policy, parse_policy

TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TUESDAY_20 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
SATURDAY_10 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
BANK_HOLIDAY = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)

POLICY = """
organisation = "Test Outreach"
[[contacts.dsl]]
name = "Pat Lead"
phone = "01234 000111"
[contacts.front_door]
name = "Test Front Door"
phone = "01234 000002"
[[contacts.front_door.hours]]
days = ["mon", "tue", "wed", "thu"]
opens = "09:00"
closes = "17:00"
[[contacts.front_door.hours]]
days = ["fri"]
opens = "09:00"
closes = "16:30"
[contacts.out_of_hours]
name = "Test Emergency Duty Team"
phone = "01234 000005"
"""
PLACEHOLDERS = ("ask your manager", "not set", "set the contact", "no organisation policy")
HIGH = [{"indicator": "high_controlling_associates", "value": "yes", "basis": "evidence"}]


def texts(root: QWidget) -> str:
    return "\n".join(w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root))


def outcome(qtbot: Any, vault: Any) -> OutcomePage:
    record = screening_record(vault, child(vault).id, HIGH, tool_id="worcestershire-2013")
    page = OutcomePage()
    qtbot.addWidget(page)
    page.resize(1280, 860)
    page.show()
    page.show_screening(vault, record)
    return page


@pytest.mark.parametrize(
    ("moment", "ring_now"),
    [
        (TUESDAY_10, "Test Front Door, 01234 000002 (Open now until 17:00)"),
        (TUESDAY_20, "Test Emergency Duty Team, 01234 000005"),
        (SATURDAY_10, "Test Emergency Duty Team, 01234 000005"),
        (BANK_HOLIDAY, "Test Emergency Duty Team, 01234 000005"),
    ],
    ids=["tuesday-10", "tuesday-20", "saturday-10", "bank-holiday"],
)
def test_outcome_page_shows_the_number_for_the_time_of_day(
    qtbot: Any, vault_factory: Any, moment: datetime, ring_now: str
) -> None:
    vault = vault_factory(clock=FixedClock(moment), policy=parse_policy(POLICY, "test"))
    page = outcome(qtbot, vault)
    lines = page.contacts.texts()
    ringing = [t for t in lines if "Ring now" in t]
    assert len(ringing) == 1 and ring_now in ringing[0], lines
    if moment != TUESDAY_10:
        assert "Closed now: opens" in "\n".join(lines)


def test_process_tab_shows_who_to_phone_for_the_referral(
    qtbot: Any, vault_factory: Any, isolated_env: dict[str, Path]
) -> None:
    clock = FixedClock(TUESDAY_20)
    vault = vault_factory(clock=clock, policy=parse_policy(POLICY, "test"))
    kid = child(vault)
    for step, data in (
        ("concern", {"what": "x", "when": "2026-12-01T19:00:00Z", "by_whom": "me"}),
        ("danger_check", {"immediate_danger": True}),
    ):
        vault.repos.record_step(kid.id, "worcestershire-cse", step, clock.now(), data)
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    tab.set_child(vault, kid.id)
    tracker = tab.tracker
    assert "(version 1.1)" in tracker.heading.text()
    detail = tracker.urgent_banner.detail.text()
    assert "Test Emergency Duty Team, 01234 000005" in detail
    # In office hours the same case shows the front door.
    clock.advance(hours=14)  # Wednesday 10:00
    tracker.refresh()
    assert "Test Front Door, 01234 000002 (Open now" in tracker.urgent_banner.detail.text()
    state = vault.repos.case_state(kid.id)
    assert state.current == "refer" and state.pathway_version == "1.1"


def test_a_case_recorded_under_1_0_says_so_and_stays_on_it(qtbot: Any, vault_factory: Any) -> None:
    clock = FixedClock(TUESDAY_10)
    vault = vault_factory(clock=clock)
    kid = child(vault)
    concern = {"what": "x", "when": "2026-12-01T09:00:00Z", "by_whom": "me"}
    vault.repos.record_step(kid.id, "worcestershire-cse-2013", "concern", clock.now(), concern)
    assert vault.repos.case_pathway_id(kid.id) == "worcestershire-cse-2013"
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.show()
    tab.set_child(vault, kid.id)
    assert "(version 1.0)" in tab.tracker.heading.text()
    fresh = child(vault)
    assert vault.repos.case_pathway_id(fresh.id) == "worcestershire-cse"


def test_without_a_policy_no_contact_line_carries_a_placeholder(
    qtbot: Any, vault_factory: Any
) -> None:
    clock = FixedClock(TUESDAY_20)
    vault = vault_factory(clock=clock, policy=Policy())
    page = outcome(qtbot, vault)
    shown = "\n".join(page.contacts.texts()) + texts(page)
    assert "Not recorded" in shown
    assert not any(p in shown.lower() for p in PLACEHOLDERS), shown
    kid = child(vault)
    for step, data in (
        ("concern", {"what": "x", "when": "2026-12-01T19:00:00Z", "by_whom": "me"}),
        ("danger_check", {"immediate_danger": True}),
    ):
        vault.repos.record_step(kid.id, "worcestershire-cse", step, clock.now(), data)
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.show()
    tab.set_child(vault, kid.id)
    shown = texts(tab)
    assert "Not recorded" in shown
    assert not any(p in shown.lower() for p in PLACEHOLDERS), shown


def test_the_no_policy_banner_is_shown_once_and_dismissed_by_keyboard(
    qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PolicyBanner, "dismissed_this_session", False)
    installed = make_window(
        tmp_path / "a", loaded_policy=LoadedPolicy(policy=Policy(), source="/etc/policy.toml")
    )
    assert installed.policy_banner.isHidden()
    win = make_window(
        tmp_path / "b", loaded_policy=LoadedPolicy(policy=Policy(), source="built-in defaults")
    )
    banner = win.policy_banner
    assert not banner.isHidden()
    assert "No organisation policy is installed" in banner.text.text()
    assert banner.dismiss_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    with qtbot.waitActive(win):
        win.activateWindow()
    banner.dismiss_button.setFocus()
    assert QApplication.focusWidget() is banner.dismiss_button
    qtbot.keyClick(banner.dismiss_button, Qt.Key.Key_Space)
    assert banner.isHidden()
    again = make_window(
        tmp_path / "c", loaded_policy=LoadedPolicy(policy=Policy(), source="built-in defaults")
    )
    assert again.policy_banner.isHidden()  # once per session


def test_process_tab_records_the_decision_and_the_escalation_under_1_1(
    qtbot: Any, vault_factory: Any
) -> None:
    clock = FixedClock(TUESDAY_10)
    vault = vault_factory(clock=clock, policy=parse_policy(POLICY, "test"))
    kid = child(vault)
    for step, data in (
        ("concern", {"what": "x", "when": "2026-12-01T09:00:00Z", "by_whom": "me"}),
        ("danger_check", {"immediate_danger": True}),
        ("refer", {"pack_exported": True, "method": "phone", "consent_decision": "consent given"}),
    ):
        vault.repos.record_step(kid.id, "worcestershire-cse", step, clock.now(), data)
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    tab.set_child(vault, kid.id)
    assert ("csc_decision", "current") in [r[:2] for r in tab.tracker.rows()]
    tab.open_step("csc_decision")
    form = tab.step_form
    form.controls["decision"].set("no further action, with advice")
    form.controls["agrees"].set(False)
    qtbot.keyClicks(form.control_widget("reference"), "FFD-1")
    assert form.save()
    state = vault.repos.case_state(kid.id)
    assert state.current == "escalation"
    assert "Escalation of the decision due" in " ".join(tab.tracker.due_texts())
    tab.open_step("escalation")
    form = tab.step_form
    assert "Front Door" in form.help.text()  # who to phone at this hour
    assert "Not yet confirmed by your partnership" in form.help.text()
    qtbot.keyClicks(form.control_widget("escalated_to"), "Team manager")
    qtbot.keyClicks(form.control_widget("why"), "Immediate danger: needs a strategy discussion")
    form.controls["outcome"].set("strategy discussion agreed")
    assert form.save()
    assert vault.repos.case_state(kid.id).current == "strategy_meeting"
