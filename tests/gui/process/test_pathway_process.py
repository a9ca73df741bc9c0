"""The Process tab: the danger check and the 999 path, the tracker's due and overdue steps, and
the step forms generated from the pathway file (required fields, not applicable, drafts, tab
order), driven through the widgets.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from cse_toolkit.core.catalogue import load_pathway, load_tool
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.entities import ScreeningRecord
from cse_toolkit.gui.common.widgets import to_qdatetime
from cse_toolkit.gui.process.pathway_danger_check import DangerCheck
from cse_toolkit.gui.process.pathway_page import ProcessTab, next_step_provider, next_step_summary
from cse_toolkit.gui.process.pathway_step_form import DRAFT_KIND, StepForm
from cse_toolkit.policy import load_policy

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PATHWAY = "worcestershire-cse-2013"

POLICY = """
organisation = "Test Outreach"
[contacts.emergency]
name = "West Mercia Police (emergency)"
phone = "999"
[[contacts.dsl]]
name = "Pat Lead"
role = "Designated safeguarding lead"
phone = "01234 000111"
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def open_process(qtbot: Any, vault: Any, child_id: str) -> ProcessTab:
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitActive(tab):  # keyboard focus and shortcuts need an active window
        tab.show()
        tab.activateWindow()
    tab.set_child(vault, child_id)
    return tab


def unnamed_controls(root: QWidget) -> list[str]:
    """Focusable, visible controls without an accessible name."""
    missing = []
    for w in root.findChildren(QWidget):
        if w.isVisibleTo(root) and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            if w.metaObject().className() in ("QScrollArea", "QListWidget", "QStackedWidget"):
                if w.accessibleName():
                    continue
            if not (w.accessibleName() or getattr(w, "text", lambda: "")()):
                missing.append(f"{w.metaObject().className()} {w.objectName()}")
    return missing


def record(vault: Any, child_id: str, step: str, data: dict[str, Any] | None = None) -> None:
    vault.repos.record_step(child_id, PATHWAY, step, vault.now(), data or {})


def test_the_999_path_and_the_no_danger_path(
    qtbot: Any, vault_factory: Any, clock: FixedClock, isolated_env: dict[str, Path]
) -> None:
    isolated_env["policy"].write_text(POLICY, encoding="utf-8")
    # The app reads the policy once at start and the vault carries it.
    vault = vault_factory(clock=clock, policy=load_policy().policy)
    child = vault.repos.add_child(name="Kim Example", approx_age=13)
    tab = open_process(qtbot, vault, child.id)
    assert tab.tracker.rows()[0][:2] == ("concern", "current")

    # The concern, by keyboard: type, then Ctrl+S.
    tab.tracker.continue_button.setFocus()
    qtbot.keyClick(tab.tracker.continue_button, Qt.Key.Key_Space)
    form = tab.step_form
    assert tab.current_activity() is form
    assert form.banner.isVisibleTo(form)  # "if anyone is in immediate danger, call 999"
    qtbot.keyClicks(form.control_widget("what"), "Pulled into a car outside the chip shop")
    qtbot.keyClicks(form.control_widget("by_whom"), "Me")
    qtbot.keyClick(
        form.control_widget("by_whom"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
    )

    # The danger check opens at once.
    danger = tab.danger
    assert tab.current_activity() is danger
    assert not danger.banner.isVisibleTo(danger)
    assert unnamed_controls(danger) == []
    qtbot.keyClick(danger.yes, Qt.Key.Key_Space)
    assert danger.banner.isVisibleTo(danger) and danger.call_box.isVisibleTo(danger)
    assert danger.banner.title.text() == "Call 999 now"
    assert "West Mercia Police (emergency): 999" in danger.banner.detail.text()
    qtbot.keyClicks(danger.reference, "WMP-2311-0042")
    clock.advance(minutes=3)
    qtbot.keyClick(danger.record_button, Qt.Key.Key_Space)

    state = vault.repos.case_state(child.id)
    assert state.current == "refer"  # SAFETY.md R1: the referral before the strategy meeting
    assert state.route == "immediate" and state.level == "immediate"
    step = [r for r in vault.repos.engine_records(child.id) if r.step == "danger_check"][0]
    assert step.data == {
        "immediate_danger": True,
        "called_999_at": "2026-11-23T09:00:00Z",
        "police_reference": "WMP-2311-0042",
    }
    assert tab.current_activity() is tab.tracker_page
    assert tab.tracker.urgent_banner.isVisibleTo(tab)
    assert "999" in tab.tracker.urgent_banner.detail.text()
    assert "Next: Refer to Children's Social Care" in tab.tracker.status.text()
    assert ("refer", "current") in [r[:2] for r in tab.tracker.rows()]
    assert next_step_summary(vault, child.id)[0] == "Refer to Children's Social Care"
    tab.close()

    no_danger_goes_straight_to_the_screening(qtbot, vault)  # same vault, another child


def no_danger_goes_straight_to_the_screening(qtbot: Any, vault: Any) -> None:
    child = vault.repos.add_child(name="Lee Example", approx_age=14)
    form = StepForm()
    qtbot.addWidget(form)
    form.open_step(
        vault, child, load_pathway(PATHWAY), "concern", tool=load_tool("worcestershire-2013")
    )
    assert form.event_edit is None  # the concern's own "when" is when it happened
    form.controls["what"].set("Seen at the park with older teenagers")
    form.controls["by_whom"].set("Me")
    when = form.control_widget("when")
    when.setDateTime(to_qdatetime(vault.now()).addDays(2))
    assert not form.save()
    assert "in the future" in form.message.text()
    assert vault.repos.engine_records(child.id) == []
    when.setDateTime(to_qdatetime(vault.now()).addSecs(-3600))
    with qtbot.waitSignal(form.saved):
        assert form.save()
    (concern,) = vault.repos.engine_records(child.id)
    assert concern.happened_at == vault.now() - timedelta(hours=1)  # a fixed clock

    check = DangerCheck()
    qtbot.addWidget(check)
    check.start(vault, child.id)
    assert not check.record_button.isEnabled()  # an answer is needed first
    with qtbot.waitSignal(check.recorded) as signal:
        check.no.click()
        check.record_button.click()
    assert signal.args == [False]
    assert vault.repos.case_state(child.id).current == "screen"

    tab = open_process(qtbot, vault, child.id)
    tab.tracker.list.setFocus()
    qtbot.keyClick(tab.tracker.list, Qt.Key.Key_Return)  # Enter on the current step opens it
    assert tab.current_activity() is tab.wizard
    assert tab.wizard.context.danger_no.isChecked()  # the answer is carried over


def test_the_tracker_shows_an_overdue_review(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    child = vault.repos.add_child(name="Sam Example", dob=date(2011, 1, 2))
    record(vault, child.id, "concern", {"what": "x", "when": NOW, "by_whom": "me"})
    record(vault, child.id, "danger_check", {"immediate_danger": False})
    record(
        vault,
        child.id,
        "screen",
        {"screening_id": "s1", "tool": "worcestershire-2013", "tool_version": "1.0"},
    )
    record(vault, child.id, "discuss", {"with_whom": "Pat Lead", "discussed_at": NOW})
    record(vault, child.id, "decide", {"confirmed_level": "low"})
    record(vault, child.id, "early_help", {"offer": "Youth worker sessions", "consent": "given"})

    tab = open_process(qtbot, vault, child.id)
    rows = {r[0]: r for r in tab.tracker.rows()}
    assert rows["review"][1] == "current"
    assert "Re-screen due 4 Jan 2027" in rows["review"][2]
    assert "Done · 23 Nov 2026" in rows["early_help"][2] and "by sam" in rows["early_help"][2]
    assert rows["share_intelligence"][1] == "offered"
    assert "Early Help" in tab.tracker.route_label.text()
    assert next_step_summary(vault, child.id) == ("Review: re-screen", "4 Jan 2027", False)

    clock.advance(weeks=7)
    tab.show_tracker()
    rows = {r[0]: r for r in tab.tracker.rows()}
    assert "Overdue since 4 Jan 2027" in rows["review"][2]  # words, not only colour
    assert rows["review"][2].startswith("⚠")
    assert tab.tracker.due_texts() == ["⚠ Overdue since 4 Jan 2027 (Re-screen due)"]
    assert next_step_summary(vault, child.id) == ("Review: re-screen", "4 Jan 2027", True)
    steps = next_step_provider(vault, [child.id])
    assert steps[child.id].text == "⚠ Review: re-screen (overdue)"
    assert steps[child.id].due == date(2027, 1, 4)

    # Recording the review loops back to the screening and clears the due date.
    tab.tracker.continue_button.click()
    assert tab.step_form.step_id == "review"
    assert tab.step_form.save()
    assert vault.repos.case_state(child.id).current == "screen"
    assert tab.tracker.due_texts() == ["Nothing has a due date yet."]
    # Labels the tracker replaced are gone from the screen at once, not drawn under the new one
    # until the event loop deletes them.
    shown = [
        w.text()
        for w in tab.tracker.findChildren(QLabel)
        if w.isVisible()
        and w.text()
        in ("Nothing has a due date yet.", "⚠ Overdue since 4 Jan 2027 (Re-screen due)")
    ]
    assert shown == ["Nothing has a due date yet."]
    assert "review cycle 2" in tab.tracker.route_label.text()


def test_step_forms_check_what_they_record(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    child = vault.repos.add_child(name="Ash Example", dob=date(2012, 3, 4))
    record(vault, child.id, "concern", {"what": "x", "when": NOW, "by_whom": "me"})
    record(vault, child.id, "danger_check", {"immediate_danger": False})
    screening = vault.repos.save_screening(
        ScreeningRecord(
            id="0f2b6c1e-0000-4000-8000-000000000001",
            child_id=child.id,
            tool_id="worcestershire-2013",
            tool_version="1.0",
            screened_at=NOW,
            input={
                "tool": "worcestershire-2013",
                "tool_version": "1.0",
                "child": {"age": 14},
                "answers": [],
            },
        )
    )
    vault.repos.save_screening(
        dataclasses.replace(
            screening,
            status="confirmed",
            confirmed_level="medium",
            suggested_level="medium",
            confirmed_by="sam",
        )
    )
    record(
        vault,
        child.id,
        "screen",
        {"screening_id": screening.id, "tool": "worcestershire-2013", "tool_version": "1.0"},
    )
    tab = open_process(qtbot, vault, child.id)
    assert "Medium" in tab.latest_label.text()

    # Discuss: a missing required field is refused in plain words, nothing is recorded.
    tab.tracker.continue_button.click()
    form = tab.step_form
    assert form.step_id == "discuss"
    assert unnamed_controls(form) == []
    assert form.controls["agreed_level"].get() == "medium"  # from the confirmed screening
    before = len(vault.repos.engine_records(child.id))
    form.save_button.click()
    assert "Discussed with is required" in form.message.text()
    assert len(vault.repos.engine_records(child.id)) == before
    assert form.control_widget("with_whom").hasFocus()

    # Not applicable needs a reason.
    form.not_applicable.click()
    form.save_button.click()
    assert form.message.text() == "Problem: Say why this step does not apply."
    form.not_applicable.click()

    # What was typed survives a lock (save_draft, clear) and comes back.
    qtbot.keyClicks(form.control_widget("with_whom"), "Pat Lead")
    qtbot.keyClicks(form.control_widget("their_view"), "Agrees: refer today")
    tab.save_draft()
    tab.clear()
    tab.set_child(vault, child.id)
    tab.tracker.continue_button.click()
    assert form.values()["with_whom"] == "Pat Lead"
    assert form.values()["their_view"] == "Agrees: refer today"
    form.save_button.click()
    assert tab.current_activity() is tab.tracker_page
    assert [d for d in vault.repos.drafts(DRAFT_KIND) if d.target_id == child.id] == []

    # Decide: a different level from the screening needs a reason.
    tab.tracker.continue_button.click()
    assert form.step_id == "decide" and form.controls["confirmed_level"].get() == "medium"
    form.controls["confirmed_level"].set("high")
    form.save_button.click()
    assert "a reason is required" in form.message.text()
    qtbot.keyClicks(form.control_widget("change_reason"), "Now staying with an older man")
    form.save_button.click()
    state = vault.repos.case_state(child.id)
    assert state.current == "refer" and state.route == "refer"
    assert vault.repos.get_child(child.id).confirmed_level == "high"

    # Refer: the tab order follows the reading order of the form.
    tab.tracker.continue_button.click()
    assert form.step_id == "refer"
    first = form.controls["pack_exported"].focusables[0]
    first.setFocus()
    qtbot.waitUntil(first.hasFocus, timeout=2000)
    names: list[str] = []
    while len(names) < 9:
        name = QApplication.focusWidget().accessibleName()
        if not names or names[-1] != name:  # Tab first walks a date's day, month, year...
            names.append(name)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert names == [
        "Referral pack exported: yes",
        "How the referral was made",
        "When it was sent is known",
        "Front door reference number",
        "Consent decision",
        "Written confirmation sent: yes",
        "Children's Social Care decision",
        "When this happened",
        "This step does not apply",
    ]
    form.controls["pack_exported"].set(True)
    form.controls["method"].set("phone")
    form.controls["consent_decision"].set("consent given")
    qtbot.keyClicks(form.control_widget("reference"), "FFD-99812")
    assert form.save()
    saved = [r for r in vault.repos.engine_records(child.id) if r.step == "refer"][0]
    assert saved.data == {
        "pack_exported": True,
        "method": "phone",
        "reference": "FFD-99812",
        "consent_decision": "consent given",
    }
    assert "Written confirmation of a phone referral" in " ".join(tab.tracker.due_texts())
