"""The intelligence report editor: writing, live checks, overrides, emergency, autosave, keys."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.qt import activate
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.intel.intel_editor import EMERGENCY_BANNER, IntelReportEditor


@pytest.fixture
def make_editor(qtbot: Any, intel_vault: Any) -> Any:
    made: list[IntelReportEditor] = []

    def make(vault: Any) -> IntelReportEditor:
        editor = IntelReportEditor(vault)
        qtbot.addWidget(editor)
        editor.resize(1280, 800)
        activate(qtbot, editor)
        made.append(editor)
        return editor

    yield make
    for editor in made:  # as the main window does on lock: before the vault closes
        try:
            editor.save_draft()
            editor.clear()
        except RuntimeError:
            pass  # already deleted by the test


@pytest.fixture
def editor(make_editor: Any, vault: Any) -> IntelReportEditor:
    ed = make_editor(vault)
    ed.new_report()
    return ed


class Reasons(list[str | None]):
    """Answers for the override reason box, in order (None: the user cancelled)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []

    def get_text(self, parent: Any, title: str, label: str, text: str = "") -> str | None:
        self.asked.append((title, label))
        return self.pop(0) if self else None


@pytest.fixture
def reasons(monkeypatch: pytest.MonkeyPatch) -> Reasons:
    answers = Reasons()
    monkeypatch.setattr(dialogs, "get_text", answers.get_text)
    return answers


def type_in(qtbot: Any, widget: Any, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def add_fact(qtbot: Any, editor: IntelReportEditor, text: str) -> None:
    type_in(qtbot, editor.fact_input, text)
    qtbot.keyClick(editor.fact_input, Qt.Key.Key_Return)


def checks(editor: IntelReportEditor) -> list[tuple[str, str, bool]]:
    return [(w.check_id, w.ref, w.blocking) for w in editor.warnings]


def person_form(editor: IntelReportEditor) -> Any:
    return editor.forms["person"]


def test_write_a_report_with_facts_and_a_person_without_dob(
    qtbot: Any, editor: IntelReportEditor, vault: Any
) -> None:
    type_in(qtbot, editor.title_edit, "Silver Corsa collecting girls")
    type_in(qtbot, editor.learned_date, "20/11/2026")
    add_fact(qtbot, editor, "HOLLAND Dean seen collecting two girls from the bus station.")
    add_fact(qtbot, editor, "VRM: AB12 CDE silver Vauxhall Corsa.")
    assert [editor.facts_table.item(r, 0).text() for r in range(2)] == [
        "HOLLAND Dean seen collecting two girls from the bus station.",
        "VRM: AB12 CDE silver Vauxhall Corsa.",
    ]
    assert editor.fact_input.text() == ""

    qtbot.mouseClick(editor.add_buttons["person"], Qt.MouseButton.LeftButton)
    form = person_form(editor)
    assert editor.entity_stack.currentWidget() is form
    type_in(qtbot, form.surname, "holland")
    type_in(qtbot, form.forenames, "Dean")
    assert editor.entity_list.item(0).text() == "1. Person: HOLLAND Dean"
    assert "Written as: HOLLAND Dean DOB not known" in form.preview.text()

    assert ("no_dob", "entity:0", True) in checks(editor)
    card = editor.checks.card_for("no_dob", "entity:0")
    assert card is not None and card.isVisible()
    assert "HOLLAND Dean (item 1) has no date of birth" in card.message.text()
    assert card.go_button.text() == "Go to item 1"

    type_in(qtbot, form.dob, "12/03/1994")
    assert "no_dob" not in [c for c, _, _ in checks(editor)]
    assert editor.checks.card_for("no_dob") is None

    editor.save_draft()
    stored = vault.intel.get(editor.report_id)
    assert stored.title == "Silver Corsa collecting girls"
    assert stored.status == "draft"
    assert stored.learned_at == "2026-11-20"
    assert stored.facts[1] == "VRM: AB12 CDE silver Vauxhall Corsa."
    assert stored.persons[0].surname == "holland" and str(stored.persons[0].dob) == "1994-03-12"
    assert "Draft, saved at" in editor.status_label.text()


def test_override_needs_a_reason_and_stays_listed(
    qtbot: Any, editor: IntelReportEditor, reasons: Any, fake_dialogs: Any
) -> None:
    editor.add_entity("person")
    type_in(qtbot, person_form(editor).nickname, "Slim")
    card = editor.checks.card_for("no_dob", "entity:0")
    assert card is not None

    reasons.append("   ")
    qtbot.mouseClick(card.override_button, Qt.MouseButton.LeftButton)
    assert fake_dialogs.texts("warning")[-1].startswith("Write the reason")
    assert editor.report.overrides == []
    assert ("no_dob", "entity:0", True) in checks(editor)

    reasons.append(None)  # cancelled
    qtbot.mouseClick(editor.checks.card_for("no_dob").override_button, Qt.MouseButton.LeftButton)
    assert editor.report.overrides == []

    reasons.append("Only his street name is known; age not known either")
    qtbot.mouseClick(editor.checks.card_for("no_dob").override_button, Qt.MouseButton.LeftButton)
    assert ("no_dob", "entity:0", False) in checks(editor)
    overridden = editor.checks.card_for("no_dob", "entity:0")
    assert overridden is not None and overridden.title.text().startswith("Overridden")
    assert overridden.override_label is not None
    assert "Reason: Only his street name is known" in overridden.override_label.text()
    assert "by sam" in overridden.override_label.text()
    assert not overridden.override_button.isVisible()
    assert editor.report.overrides[0].by == "sam"
    # the other warnings about the same person are not covered
    assert ("name_missing", "entity:0", True) in checks(editor)


def test_initials_only_name_warns(qtbot: Any, editor: IntelReportEditor) -> None:
    editor.add_entity("person")
    type_in(qtbot, person_form(editor).surname, "J.S.")
    assert ("initials_only", "entity:0", True) in checks(editor)
    add_fact(qtbot, editor, "J.S. gave her a phone.")
    assert ("initials_only", "fact:0", True) in checks(editor)
    card = editor.checks.card_for("initials_only", "fact:0")
    qtbot.mouseClick(card.go_button, Qt.MouseButton.LeftButton)
    assert editor.facts_table.currentRow() == 0
    assert editor.facts_table.hasFocus()


def test_vrm_typed_lower_case_is_shown_in_dvla_form_with_a_tick(
    qtbot: Any, editor: IntelReportEditor
) -> None:
    qtbot.mouseClick(editor.add_buttons["vehicle"], Qt.MouseButton.LeftButton)
    form = editor.forms["vehicle"]
    assert form.vrm.hasFocus()
    qtbot.keyClicks(form.vrm, "ab12cde")
    assert "\u2713 AB12 CDE: a whole UK plate" == form.vrm_status.text()
    qtbot.keyClick(form.vrm, Qt.Key.Key_Tab)  # leaving the field rewrites it
    assert form.vrm.text() == "AB12 CDE"
    assert editor.report.entities[0] == intel.Vehicle(vrm="AB12 CDE")
    assert editor.entity_list.item(0).text() == "1. Vehicle: AB12 CDE \u2713"

    form.vrm.setFocus()
    form.vrm.selectAll()
    qtbot.keyClicks(form.vrm, "ab12 c")
    assert "Not a whole UK plate" in form.vrm_status.text()
    assert ("vrm_unrecognised", "entity:0", True) in checks(editor)


def test_emergency_shows_banner_and_blocks_finalise_until_999_recorded(
    qtbot: Any, editor: IntelReportEditor, reasons: Any, fake_dialogs: Any, vault: Any
) -> None:
    type_in(qtbot, editor.title_edit, "Girl in a car")
    editor._learned_today()
    add_fact(qtbot, editor, "PRICE Callum has Mia in his car right now outside the school.")
    assert editor.banner.isVisible()
    assert editor.banner.text() == EMERGENCY_BANNER
    assert ("emergency", "fact:0", True) in checks(editor)

    assert not editor.finalise()
    text = fake_dialogs.texts("warning")[-1]
    assert "Sounds like an emergency (fact 1)" in text
    assert editor.report.status == "draft"

    card = editor.checks.card_for("emergency")
    reasons.append("I will ring them later")
    qtbot.mouseClick(card.override_button, Qt.MouseButton.LeftButton)
    assert "call 999 now" in fake_dialogs.texts("warning")[-1]
    assert "call 999 now" in reasons.asked[-1][1]  # the reason box says it first
    reasons.append("Have not called 999 yet")
    qtbot.mouseClick(editor.checks.card_for("emergency").override_button, Qt.MouseButton.LeftButton)
    assert editor.banner.isVisible()
    assert ("emergency", "fact:0", True) in checks(editor)

    reasons.append("Called 999 at 14:10, log 123")
    qtbot.mouseClick(editor.checks.card_for("emergency").override_button, Qt.MouseButton.LeftButton)
    assert not editor.banner.isVisible()
    assert ("emergency", "fact:0", False) in checks(editor)

    # the remaining warnings: add the person properly, then finalise
    editor.add_entity("person")
    form = person_form(editor)
    type_in(qtbot, form.surname, "PRICE")
    type_in(qtbot, form.forenames, "Callum")
    type_in(qtbot, form.dob, "30/06/2001")
    assert [c for c in checks(editor) if c[2]] == []
    assert not editor.export_button.isEnabled()
    assert editor.finalise()
    assert vault.intel.get(editor.report_id).status == "final"
    assert editor.status_label.text().startswith("Final")
    assert not editor.form_area.isEnabled()

    with qtbot.waitSignal(editor.export_requested, timeout=1000) as sig:
        qtbot.mouseClick(editor.export_button, Qt.MouseButton.LeftButton)
    assert sig.args == [editor.report_id]


def test_closing_marker_toggled(qtbot: Any, editor: IntelReportEditor) -> None:
    add_fact(qtbot, editor, "KERR Jordan drives a black BMW.")
    assert not editor.closing_preview.isVisible()
    qtbot.mouseClick(editor.closing_check, Qt.MouseButton.LeftButton)
    assert editor.report.closing_confirmed
    assert editor.closing_preview.isVisible()
    assert editor.closing_preview.text() == intel.CLOSING_MARKER
    assert intel.facts_for_export(editor.report)[-1] == intel.CLOSING_MARKER
    qtbot.mouseClick(editor.closing_check, Qt.MouseButton.LeftButton)
    assert not editor.report.closing_confirmed
    assert not editor.closing_preview.isVisible()
    assert intel.CLOSING_MARKER not in intel.facts_for_export(editor.report)


def test_autosaved_draft_survives_the_editor_being_destroyed(
    qtbot: Any, make_editor: Any, vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IntelReportEditor, "DEBOUNCE_MS", 30)
    editor = IntelReportEditor(vault)  # not handed to qtbot: this test destroys it
    editor.new_report()
    qtbot.keyClicks(editor.title_edit, "Takeaway")
    editor.add_fact("Girls given free food at the takeaway most evenings.")
    report_id = editor.report_id
    qtbot.waitUntil(lambda: editor.last_saved is not None and not editor.dirty, timeout=3000)
    assert vault.intel.list()[0][3] == "draft"
    with qtbot.waitSignal(editor.destroyed, timeout=2000):
        editor.deleteLater()

    again = make_editor(vault)
    again.load(report_id)
    assert again.title_edit.text() == "Takeaway"
    assert again.facts_table.item(0, 0).text().startswith("Girls given free food")


def test_empty_new_report_is_not_saved(editor: IntelReportEditor, vault: Any) -> None:
    editor.save_draft()
    assert vault.intel.list() == []


def test_keyboard_only(qtbot: Any, editor: IntelReportEditor) -> None:
    editor.title_edit.setFocus()
    qtbot.keyClicks(editor.title_edit, "Phone given")
    qtbot.keyClick(editor.title_edit, Qt.Key.Key_Tab)
    assert editor.learned_date.hasFocus()  # reading order
    qtbot.keyClicks(editor.learned_date, "01/11/2026")
    qtbot.keyClick(editor.learned_date, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert editor.fact_input.hasFocus()
    qtbot.keyClicks(editor.fact_input, "MASON Lee gave Ava a new phone on Friday.")
    qtbot.keyClick(editor.fact_input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.report.facts == ["MASON Lee gave Ava a new phone on Friday."]
    qtbot.keyClicks(editor.fact_input, "He texts her every night.")
    qtbot.keyClick(editor.fact_input, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.report.facts) == 2

    # reorder and remove from the keyboard
    editor.facts_table.setFocus()
    editor.facts_table.setCurrentCell(1, 0)
    qtbot.keyClick(editor.facts_table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert editor.report.facts[0] == "He texts her every night."
    qtbot.keyClick(editor.facts_table, Qt.Key.Key_Delete)
    assert editor.report.facts == ["MASON Lee gave Ava a new phone on Friday."]

    qtbot.keyClick(editor.facts_table, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    form = person_form(editor)
    qtbot.waitUntil(form.surname.hasFocus, timeout=1000)  # a mnemonic "animates" the click
    qtbot.keyClicks(form.surname, "MASON")
    qtbot.keyClick(form.surname, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.forenames, "Lee")
    qtbot.keyClick(form.forenames, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.nickname, "Mase")
    qtbot.keyClick(form.nickname, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.dob, "02/11/1988")
    qtbot.keyClick(form.dob, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(editor.forms["phone"].number.hasFocus, timeout=1000)
    qtbot.keyClicks(editor.forms["phone"].number, "07700 900123")
    assert [e.kind for e in editor.report.entities] == ["person", "phone"]
    assert editor.report.entities[1] == intel.Phone(number="+447700900123")

    prompts = editor.prompt_states()
    assert prompts["who"] and prompts["what"] and prompts["when"] and prompts["how"]
    assert not prompts["why"]
    assert editor.prompts.item(0).checkState() == Qt.CheckState.Checked
    assert editor.prompts.item(5).checkState() == Qt.CheckState.Unchecked


def unnamed_controls(root: Any) -> list[str]:
    """Inputs, buttons and lists without an accessible name (Qt's own inner parts skipped)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QHeaderView,
        QLineEdit,
        QWidget,
    )

    def inner(widget: Any) -> bool:
        parent = widget.parentWidget()
        while parent is not None and parent is not root:
            if isinstance(parent, QComboBox | QAbstractItemView):
                return True
            parent = parent.parentWidget()
        return widget.isWindow() or isinstance(widget, QHeaderView)

    controls = (QAbstractButton, QAbstractItemView, QComboBox, QLineEdit)
    return [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
        for w in root.findChildren(QWidget)
        if isinstance(w, controls) and not w.accessibleName() and not inner(w)
    ]


def test_every_control_has_an_accessible_name(editor: IntelReportEditor) -> None:
    assert unnamed_controls(editor) == []


# The completer's popup asks the offscreen platform for things it cannot do; harmless.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_linked_children_show_names_and_aliases_only(
    qtbot: Any, editor: IntelReportEditor, vault: Any
) -> None:
    mia = vault.repos.add_child(name="Mia Smith", alias="Bee", school="Riverside High School")
    vault.repos.add_child(name="Ava Jones")
    editor.set_vault(vault)
    editor.new_report()
    type_in(qtbot, editor.child_search, "Bee")
    qtbot.keyClick(editor.child_search, Qt.Key.Key_Return)
    assert editor.report.child_ids == [mia.id]
    assert editor.linked_list.item(0).text() == "Mia Smith (Bee)"
    shown = " ".join(label.text() for label in editor.findChildren(type(editor.status_label)))
    assert "Riverside" not in shown

    qtbot.mouseClick(editor.no_child, Qt.MouseButton.LeftButton)
    assert editor.report.child_ids == []
    assert editor.linked_list.count() == 0
    assert not editor.child_search.isEnabled()


def test_handling_suggestion_follows_the_source_until_changed(
    qtbot: Any, editor: IntelReportEditor
) -> None:
    assert "Suggested by the submitting partner" in editor.handling_note.text()
    assert editor.report.handling.code == "2A P"  # worker saw it: known directly
    editor.source_combo.setCurrentIndex(editor.source_combo.findData("child_disclosed"))
    assert editor.report.handling.code == "2C P"
    editor.handling_code.setCurrentIndex(editor.handling_code.findData("C"))
    assert editor.handling_error.isVisible()  # C needs the conditions
    assert editor.report.handling.code == "2C P"
    type_in(qtbot, editor.conditions, "Not to be shared with the family")
    assert editor.report.handling.code == "2C C"
    editor.source_combo.setCurrentIndex(editor.source_combo.findData("anonymous"))
    assert editor.report.handling.code == "2C C"  # the user's choice is kept


def test_clear_forgets_everything(qtbot: Any, editor: IntelReportEditor, vault: Any) -> None:
    type_in(qtbot, editor.title_edit, "Hotel")
    add_fact(qtbot, editor, "Girls taken to the Crown Lodge Hotel tonight.")
    editor.save_draft()
    editor.clear()
    assert editor.report is None
    assert editor.title_edit.text() == ""
    assert editor.facts_table.rowCount() == 0
    assert editor.checks.cards == []
    assert not editor.banner.isVisible()
    assert not editor.isEnabled()
    editor.save_draft()  # nothing to save, never raises


def test_edit_a_fact_in_place_finalise_and_reopen_from_the_keyboard(
    qtbot: Any, editor: IntelReportEditor, vault: Any
) -> None:
    editor._learned_today()
    add_fact(qtbot, editor, "KERR Jordan DOB 01/01/1990 drove Ava home.")
    add_fact(qtbot, editor, "Typo line")
    table = editor.facts_table
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    line = table.findChild(QLineEdit)
    assert line is not None and line.hasFocus()
    line.selectAll()
    qtbot.keyClicks(line, "KERR Jordan drove Ava home on Friday at 23:00.")
    qtbot.keyClick(line, Qt.Key.Key_Return)  # the delegate commits on the next turn
    qtbot.waitUntil(
        lambda: editor.report.facts[0] == "KERR Jordan drove Ava home on Friday at 23:00.",
        timeout=5000,
    )
    table.setCurrentCell(1, 0)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    # The first cell editor may still be a child awaiting deletion: the one being typed in is
    # the one with focus (findChild alone picked the stale one on a loaded machine).
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit), timeout=5000)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit) and line.text() == "Typo line"
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)  # in the cell: a character, not the fact
    qtbot.keyClick(line, Qt.Key.Key_Return)
    # An emptied line goes once the delegate has committed; on a loaded 2-core machine that
    # took over a second, so the wait is generous (waitUntil returns as soon as it holds).
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=5000)
    assert editor.report.facts == ["KERR Jordan drove Ava home on Friday at 23:00."]

    editor.title_edit.setFocus()
    qtbot.keyClick(
        editor.title_edit,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert editor.report.status == "final"
    assert vault.intel.get(editor.report_id).status == "final"
    assert editor.export_button.hasFocus()
    qtbot.mouseClick(editor.reopen_button, Qt.MouseButton.LeftButton)
    assert editor.report.status == "draft"
    assert vault.intel.get(editor.report_id).status == "draft"
    assert editor.form_area.isEnabled() and editor.title_edit.hasFocus()


def test_lines_money_weapons_when_it_happened_and_the_closing_prompt(
    qtbot: Any, editor: IntelReportEditor, vault: Any, fake_dialogs: Any
) -> None:
    """Issues 14 item 6 and 19 item 4: a phone used as a drug line, money, a weapon, when it
    happened (apart from when learned), and the closing line offered when finalising."""
    type_in(qtbot, editor.title_edit, "County line run from a flat")
    type_in(qtbot, editor.learned_date, "20/11/2026")
    type_in(qtbot, editor.happened_edit, "Most weekends since October, Friday nights")
    add_fact(qtbot, editor, "HOLLAND Dean runs the Jay line from 12 Example Road, Worcester.")
    qtbot.mouseClick(editor.add_buttons["phone"], Qt.MouseButton.LeftButton)
    phone = editor.forms["phone"]
    type_in(qtbot, phone.line_name, "Jay line")
    assert ("line_no_number", "entity:0", True) in checks(editor)
    type_in(qtbot, phone.number, "07700 900123")
    assert "line_no_number" not in [c for c, _, _ in checks(editor)]
    qtbot.mouseClick(editor.add_buttons["financial"], Qt.MouseButton.LeftButton)
    money = editor.forms["financial"]
    money.what.setCurrentIndex(money.what.findData("card"))
    type_in(qtbot, money.identifier, "4111 1111 1111 1111")
    assert ("card_number_in_full", "entity:1", True) in checks(editor)
    money.identifier.clear()
    type_in(qtbot, money.identifier, "ending 1111")
    qtbot.mouseClick(editor.add_buttons["weapon"], Qt.MouseButton.LeftButton)
    weapon = editor.forms["weapon"]
    assert ("weapon_no_detail", "entity:2", True) in checks(editor)
    weapon.weapon.setCurrentIndex(weapon.weapon.findData("knife"))
    type_in(qtbot, weapon.description, "large kitchen knife")
    type_in(qtbot, weapon.where, "under the driver's seat")
    assert [e.text() for e in map(editor.entity_list.item, range(3))] == [
        "1. Phone: 07700 900123, used as the line \u201cJay line\u201d",
        "2. Money: Bank card: ending 1111",
        "3. Weapon: Knife or bladed article: large kitchen knife",
    ]
    editor.save_draft()
    stored = vault.intel.get(editor.report_id)
    assert stored.happened == "Most weekends since October, Friday nights"
    assert stored.learned_at == "2026-11-20"
    assert [c for c, _, b in checks(editor) if b] == []
    fake_dialogs.confirm_answer = False  # "Finalise without it"
    assert editor.finalise()
    assert fake_dialogs.shown[-1][:2] == ("confirm", "Nothing more to add?")
    assert not vault.intel.get(editor.report_id).closing_confirmed
    editor.reopen()
    fake_dialogs.confirm_answer = True  # "Add the closing line"
    assert editor.finalise()
    assert vault.intel.get(editor.report_id).closing_confirmed and editor.closing_check.isChecked()
