"""The screening wizard and the outcome page, driven like a user: keys and clicks.

Full screenings to a confirmed level with both tools, resuming a part-way screening after the
widget is gone, the floor refusal, and the reason needed for a change of level.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.screening import ScreeningInput
from cse_toolkit.gui.process.outcome_page import OutcomePage
from cse_toolkit.gui.process.pathway_page import ProcessTab
from cse_toolkit.gui.process.screening_wizard import DRAFT_KIND, ScreeningWizard

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PATHWAY = "worcestershire-cse-2013"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def fast_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ScreeningWizard, "DEBOUNCE_MS", 30)


def at_screening(vault: Any, **child: Any) -> Any:
    """A child whose case is at the screening step (concern recorded, no immediate danger)."""
    kid = vault.repos.add_child(name=child.pop("name", "Jade Example"), **child)
    vault.repos.record_step(
        kid.id,
        PATHWAY,
        "concern",
        NOW,
        {"what": "Seen getting into a car with two adults", "when": NOW, "by_whom": "me"},
    )
    vault.repos.record_step(kid.id, PATHWAY, "danger_check", NOW, {"immediate_danger": False})
    return kid


def open_process(qtbot: Any, vault: Any, child: Any) -> ProcessTab:
    tab = ProcessTab()
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitActive(tab):  # keyboard focus needs an active window
        tab.show()
        tab.activateWindow()
    tab.set_child(vault, child.id)
    return tab


def unnamed_controls(root: QWidget) -> list[str]:
    """Visible controls that take keyboard focus but have no accessible name."""
    return [
        w.metaObject().className()
        for w in root.findChildren(QWidget)
        if w.isVisibleTo(root)
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not (w.accessibleName() or getattr(w, "text", lambda: "")())
    ]


def press(qtbot: Any, widget: Any, *keys: Any) -> None:
    for key in keys:
        qtbot.keyClick(widget, key)


def answer(qtbot: Any, wizard: ScreeningWizard, indicator: str, *keys: Any) -> None:
    """Answer a row from the keyboard: the keys go to its first answer button."""
    row = wizard.row(indicator)
    page = next(i for i, p in enumerate(wizard.pages, 1) if row in p.rows)
    assert wizard.page_index == page, f"{indicator} is not on the page shown"
    press(qtbot, row.answer_buttons["yes"], *keys)


def next_page(qtbot: Any, wizard: ScreeningWizard) -> None:
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)


def check_row_keyboard(qtbot: Any, wizard: ScreeningWizard) -> None:
    """The key model on the first rows of the page shown (more in test_screening_keyboard)."""
    page = wizard.pages[wizard.page_index - 1]
    first, second = page.rows[:2]
    first.answer_buttons["yes"].setFocus()
    qtbot.waitUntil(lambda: first.answer_buttons["yes"].hasFocus(), timeout=2000)
    press(qtbot, first.answer_buttons["yes"], Qt.Key.Key_1)
    assert first.value() == "yes"
    press(qtbot, first.answer_buttons["yes"], Qt.Key.Key_Right)  # arrows step the answer
    assert first.answer_buttons["possible"].isChecked()
    assert first.basis_buttons["evidence"].isEnabled()
    press(qtbot, first.answer_buttons["possible"], Qt.Key.Key_3)  # No: no basis needed
    assert first.value() == "no" and not first.basis_buttons["evidence"].isEnabled()
    press(qtbot, first.answer_buttons["no"], Qt.Key.Key_N)
    assert first.note.hasFocus()  # N goes to the note
    press(qtbot, first.note, Qt.Key.Key_Tab)
    assert any(b.hasFocus() for b in second.answer_buttons.values())
    assert second.property("active") == "true"  # the question with the focus is highlighted
    press(qtbot, second.answer_buttons["yes"], Qt.Key.Key_F1)
    assert page.help_box.isVisible()
    assert second.indicator.help in page.help_text.text()
    for button in second.answer_buttons.values():
        assert button.accessibleName().endswith(second.indicator.label)


def test_full_screenings_with_both_tools_by_keyboard(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    # One vault for both (a vault costs a second of key derivation); a child each.
    vault = vault_factory(clock=clock)
    worcestershire_by_keyboard(qtbot, vault)
    west_midlands_chosen_instead_of_the_default(qtbot, vault)


def worcestershire_by_keyboard(qtbot: Any, vault: Any) -> None:
    child = at_screening(vault, dob=date(2012, 3, 4))  # 14 on the screening date
    tab = open_process(qtbot, vault, child)
    assert "Complete the screening tool" in tab.tracker.continue_button.text()
    qtbot.keyClick(tab.tracker.continue_button, Qt.Key.Key_Space)
    wizard = tab.wizard
    assert tab.current_activity() is wizard
    context = wizard.context
    # Prefilled: the policy's default tool, the age from the date of birth, the danger answer.
    assert context.tool_combo.currentData() == "worcestershire-2013"
    assert context.age.value() == 14
    assert context.danger_no.isChecked()
    assert wizard.progress.text().startswith("Page 1 of 5")

    next_page(qtbot, wizard)  # family and background (context only)
    assert wizard.page_index == 1 and "Page 2 of 5" in wizard.progress.text()
    answer(qtbot, wizard, "vf_domestic_abuse", Qt.Key.Key_1, Qt.Key.Key_E)
    next_page(qtbot, wizard)
    assert unnamed_controls(wizard) == []
    check_row_keyboard(qtbot, wizard)
    answer(qtbot, wizard, "low_unknown_adults", Qt.Key.Key_1, Qt.Key.Key_G)
    qtbot.keyClicks(wizard.row("low_unknown_adults").note, "seen at the bus station")
    answer(qtbot, wizard, "low_truancy_missing", Qt.Key.Key_3)  # No
    next_page(qtbot, wizard)
    answer(qtbot, wizard, "med_cars_unknown_adults", Qt.Key.Key_2)  # Possible, basis missing
    next_page(qtbot, wizard)
    page = wizard.pages[2]
    assert wizard.page_index == 3, "a Possible without a basis must stop the page"
    assert "evidence or a gut feeling" in page.message.text()
    row = wizard.row("med_cars_unknown_adults")
    assert "evidence or a gut feeling" in row.message.text() and row.message.isVisible()
    press(qtbot, wizard.row("med_cars_unknown_adults").answer_buttons["yes"], Qt.Key.Key_E)
    next_page(qtbot, wizard)
    for row in wizard.pages[3].rows:
        press(qtbot, row.answer_buttons["yes"], Qt.Key.Key_3)
    assert wizard.next_button.text().replace("&", "").startswith("See the outcome")
    next_page(qtbot, wizard)

    outcome = tab.outcome
    assert tab.current_activity() is outcome
    assert outcome.outcome is not None and outcome.outcome.suggested_level == "medium"
    assert outcome.level_label.text() == "Medium"
    reasons = " ".join(outcome.reasons.texts())
    assert "Picked up in cars by unknown adults" in reasons  # labels, not ids
    assert "med_cars_unknown_adults" not in reasons
    assert any("Picked up in cars" in t for t in outcome.verify.texts())
    assert not outcome.banner.isVisible()
    assert unnamed_controls(outcome) == []
    contacts = " ".join(outcome.contacts.texts())
    assert "Designated safeguarding lead" in contacts

    qtbot.keyClick(outcome.confirm_button, Qt.Key.Key_Space)
    assert tab.current_activity() is tab.tracker_page
    saved = vault.repos.screenings_for(child.id)
    assert len(saved) == 1
    rec = saved[0]
    assert rec.status == "confirmed" and rec.confirmed_level == "medium"
    assert rec.confirmed_by == "sam" and rec.confirmed_at == "2026-11-23T09:00:00Z"
    assert rec.outcome and rec.outcome["suggested_level"] == "medium"
    inp = ScreeningInput.from_dict(rec.input)
    assert inp.tool_version == "1.1"  # new screenings use 1.1
    by_id = {a.indicator: a for a in inp.answers}
    assert by_id["low_unknown_adults"].basis == "gut_feeling"
    assert by_id["low_unknown_adults"].note == "seen at the bus station"
    assert by_id["vf_domestic_abuse"].value == "yes"
    state = vault.repos.case_state(child.id)
    assert state.current == "discuss"
    screen = [r for r in vault.repos.engine_records(child.id) if r.step == "screen"][0]
    assert screen.data == {
        "screening_id": rec.id,
        "tool": "worcestershire-2013",
        "tool_version": "1.1",
    }
    assert "Screening confirmed: Medium" in tab.tracker.status.text()
    assert vault.repos.get_child(child.id).confirmed_level == "medium"
    assert not vault.repos.drafts(DRAFT_KIND)


def west_midlands_chosen_instead_of_the_default(qtbot: Any, vault: Any) -> None:
    child = at_screening(vault, name="Kai Example", approx_age=15, learning_disability=True)
    tab = open_process(qtbot, vault, child)
    tab.tracker.continue_button.click()
    wizard = tab.wizard
    context = wizard.context
    assert context.learning_disability.isChecked()
    assert context.age.value() == 15
    press(qtbot, context.tool_combo, Qt.Key.Key_Up)  # the other installed tool
    assert wizard.tool is not None and wizard.tool.id == "west-midlands-regional"
    assert len(wizard.pages) == 2
    next_page(qtbot, wizard)
    answer(qtbot, wizard, "sr_missing", Qt.Key.Key_1, Qt.Key.Key_E)
    next_page(qtbot, wizard)
    assert "say when" in wizard.pages[0].message.text()  # time-period section needs "when"
    press(qtbot, wizard.row("sr_missing").answer_buttons["yes"], Qt.Key.Key_C)
    next_page(qtbot, wizard)
    answer(qtbot, wizard, "ri_drugs", Qt.Key.Key_2, Qt.Key.Key_G)
    next_page(qtbot, wizard)

    outcome = tab.outcome
    assert outcome.outcome is not None and outcome.outcome.suggested_level == "significant"
    assert outcome.level_label.text() == "Significant risk"
    assert outcome.plan_box.isVisible()  # this tool requires a plan at every level
    qtbot.keyClick(outcome.confirm_button, Qt.Key.Key_Space)
    assert "next steps you considered" in outcome.message.text()
    assert vault.repos.screenings_for(child.id)[0].status == "in_progress"
    qtbot.keyClicks(outcome.plan_steps, "Referral to the front door today; strategy meeting")
    qtbot.keyClick(outcome.rescreen_set, Qt.Key.Key_Space)
    qtbot.keyClick(outcome.confirm_button, Qt.Key.Key_Space)
    rec = vault.repos.screenings_for(child.id)[0]
    assert rec.status == "confirmed" and rec.confirmed_level == "significant"
    assert rec.tool_id == "west-midlands-regional"
    confirmation = rec.outcome["confirmation"]  # type: ignore[index]
    assert confirmation["next_steps_considered"].startswith("Referral to the front door")
    assert confirmation["rescreen_on"] == "2026-12-21"  # 4 weeks on for this level
    assert vault.repos.case_state(child.id).current == "discuss"


def test_a_part_way_screening_resumes_after_the_widget_is_gone(
    qtbot: Any, vault_factory: Any, clock: FixedClock, fast_autosave: None
) -> None:
    vault = vault_factory(clock=clock)
    child = at_screening(vault, dob=date(2012, 3, 4))
    tab = open_process(qtbot, vault, child)
    tab.tracker.continue_button.click()
    wizard = tab.wizard
    wizard.context.learning_disability.setChecked(True)  # changed from the record
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    answer(qtbot, wizard, "low_unknown_adults", Qt.Key.Key_1, Qt.Key.Key_E)
    qtbot.keyClicks(wizard.row("low_unknown_adults").note, "two men")
    # The autosave runs on its own a moment after the last change: no explicit save here.
    qtbot.waitUntil(
        lambda: any(
            a["indicator"] == "low_unknown_adults" and a["note"] == "two men"
            for s in vault.repos.screenings_for(child.id)
            for a in s.input["answers"]
        ),
        timeout=3000,
    )
    record_id = wizard.record_id
    tab.close()
    tab.deleteLater()
    qtbot.wait(10)

    again = open_process(qtbot, vault, child)
    assert "not finished yet" in again.tracker.status.text()
    again.tracker.continue_button.click()
    wizard = again.wizard
    assert wizard.record_id == record_id
    assert wizard.page_index == 2  # the low-level page it was on
    row = wizard.row("low_unknown_adults")
    assert row.value() == "yes" and row.basis() == "evidence" and row.note.text() == "two men"
    assert wizard.context.learning_disability.isChecked()
    assert wizard.context.danger_no.isChecked()
    assert "Resumed" in wizard.saved_label.text()
    records = vault.repos.screenings_for(child.id)
    assert [r.status for r in records] == ["in_progress"]

    # Locking: the main window calls save_draft() and then clear(); nothing waits for a timer.
    other = at_screening(vault, name="Second Child", dob=date(2012, 3, 4))
    again.set_child(vault, other.id)
    assert again.current_activity() is again.tracker_page
    again.tracker.continue_button.click()
    next_page(qtbot, again.wizard)
    next_page(qtbot, again.wizard)
    answer(qtbot, again.wizard, "low_older_partner", Qt.Key.Key_2, Qt.Key.Key_G)
    again.save_draft()
    again.clear()
    assert again.wizard.rows() == []
    (rec,) = vault.repos.screenings_for(other.id)
    (ans,) = rec.input["answers"]
    assert (ans["indicator"], ans["value"], ans["basis"]) == (
        "low_older_partner",
        "possible",
        "gut_feeling",
    )


def screened_outcome(qtbot: Any, vault: Any, child: Any, *answers: tuple[str, str, str]) -> Any:
    """Run the wizard with ``answers`` (indicator, value, basis) and return the outcome page."""
    tab = open_process(qtbot, vault, child)
    tab.tracker.continue_button.click()
    wizard = tab.wizard
    for indicator, value, basis in answers:
        row = wizard.row(indicator)
        row.set_value(value)
        row.basis_buttons[basis].setChecked(True)
    wizard.finish()
    assert tab.current_activity() is tab.outcome
    return tab, tab.outcome


def test_confirming_floors_reasons_and_the_tool_version(
    qtbot: Any, vault_factory: Any, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = vault_factory(clock=clock)

    # A child of 12 with one low indicator: the floor makes it medium; low is refused.
    child = at_screening(vault, dob=date(2014, 5, 1))
    tab, outcome = screened_outcome(qtbot, vault, child, ("low_unknown_adults", "yes", "evidence"))
    assert outcome.outcome.suggested_level == "medium"
    assert outcome.outcome.computed_level == "low"
    assert any("under 13" in t for t in outcome.floors.texts())
    assert "cannot be lower than 'Medium'" in outcome.floor_note.text()
    outcome.level_combo.setCurrentIndex(outcome.level_combo.findData("low"))
    qtbot.keyClicks(outcome.reason_edit, "She is doing well at school")
    before = vault.repos.screenings_for(child.id)[0]
    qtbot.mouseClick(outcome.confirm_button, Qt.MouseButton.LeftButton)
    message = outcome.message.text()
    assert "cannot be lower than 'Medium'" in message
    assert "under 13" in message
    assert outcome.message.isVisible()
    after = vault.repos.screenings_for(child.id)[0]
    assert after.status == "in_progress" and after.version == before.version
    assert vault.repos.case_state(child.id).current == "screen"
    assert vault.repos.get_child(child.id).confirmed_level is None
    assert tab.current_activity() is outcome
    tab.close()

    # A child of 14 with one low indicator: low; raising it to medium needs a reason.
    child = at_screening(vault, name="Other Child", dob=date(2012, 3, 4))
    _tab, outcome = screened_outcome(qtbot, vault, child, ("low_unknown_adults", "yes", "evidence"))
    assert outcome.outcome.suggested_level == "low"
    assert "optional" in outcome.reason_label.text()
    outcome.level_combo.setCurrentIndex(outcome.level_combo.findData("medium"))
    assert "required" in outcome.reason_label.text()
    outcome.confirm_button.click()
    assert "a reason is required" in outcome.message.text()
    assert vault.repos.screenings_for(child.id)[0].status == "in_progress"
    qtbot.keyClicks(outcome.reason_edit, "Older men known to the police were with her")
    outcome.confirm_button.click()
    rec = vault.repos.screenings_for(child.id)[0]
    assert rec.status == "confirmed" and rec.confirmed_level == "medium"
    assert rec.suggested_level == "low"
    assert rec.confirm_reason == "Older men known to the police were with her"

    # Shown again later: scored with exactly the version it was made with, read-only.
    asked: list[tuple[str, str | None]] = []
    from cse_toolkit.core import screening

    real = screening.load_tool

    def spy(tool_id: str, version: str | None = None) -> Any:
        asked.append((tool_id, version))
        return real(tool_id, version)

    monkeypatch.setattr(screening, "load_tool", spy)
    page = OutcomePage()
    qtbot.addWidget(page)
    page.show_screening(vault, rec)
    assert asked == [("worcestershire-2013", "1.1")]
    assert not page.confirm_button.isVisibleTo(page)
    assert "Confirmed as 'Medium' by sam" in page.done_note.text()
