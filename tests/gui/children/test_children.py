"""The child list and adding a child (search before create)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from cse_toolkit.gui.children.child_dialog import ChildDialog
from cse_toolkit.gui.children.child_table_model import (
    LEVEL,
    NAME,
    ChildTableModel,
    NextStep,
    ViewSpec,
    arrange,
    rows_from_db,
)


def _dialog(qtbot: Any, win: Any) -> ChildDialog:
    qtbot.keyClick(
        win.child_list,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialogs = [d for d in win.findChildren(ChildDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_add_child_with_only_alias_and_age(
    qtbot: Any, open_window: Any, wait_list: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    wait_list(win)
    assert "No children yet" in win.child_list.empty_label.text()
    dialog = _dialog(qtbot, win)
    qtbot.keyClicks(dialog.alias_edit, "Jay")
    dialog.age_spin.setValue(14)
    with qtbot.waitSignal(win.child_list.loaded):
        qtbot.keyClick(dialog.alias_edit, Qt.Key.Key_Return)
    assert fake_dialogs.shown == []  # no duplicate to warn about
    assert win.current_page() == "child"
    assert win.child_page.title_label.text() == "Jay"
    assert win.child_page.tabs.currentWidget() is win.child_page.notes
    assert "age about 14" in win.child_page.summary_label.text()
    model = win.child_list.model
    assert model.rowCount() == 1
    assert model.data(model.index(0, LEVEL)) == "Not screened yet"
    assert win.child_list.table.isColumnHidden(4)  # no pathway provider yet: no next step column


def test_duplicate_warning_then_open_existing(
    qtbot: Any, open_window: Any, wait_list: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    existing = win.vault.repos.add_child(name="Jayden Smith", alias="Jay", approx_age=14)
    wait_list(win)
    dialog = _dialog(qtbot, win)
    qtbot.keyClicks(dialog.alias_edit, "Jay")
    qtbot.waitUntil(lambda: dialog.duplicates_box.isVisible())
    assert "Jayden Smith (Jay)" in dialog.duplicates_list.item(0).text()

    # Pressing Add asks first; "Go back" keeps the dialog open and adds nothing.
    fake_dialogs.answers = ["back"]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "There may already be a record" in fake_dialogs.texts("ask")[0]
    assert dialog.isVisible()
    assert len(win.vault.repos.list_children()) == 1

    # Open the existing record instead.
    qtbot.mouseClick(dialog.open_existing_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert win.child_page.child_id == existing.id
    assert len(win.vault.repos.list_children()) == 1


def test_duplicate_warning_add_anyway(
    qtbot: Any, open_window: Any, wait_list: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    dialog = _dialog(qtbot, win)
    qtbot.keyClicks(dialog.alias_edit, "Jay")
    fake_dialogs.answers = ["add"]
    with qtbot.waitSignal(win.child_list.loaded):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert len(win.vault.repos.list_children()) == 2


def test_full_details_edit(qtbot: Any, open_window: Any, wait_list: Any) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Kai", approx_age=15)
    win.show_child(child.id)
    qtbot.mouseClick(win.child_page.details.edit_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in win.child_page.findChildren(ChildDialog) if d.isVisible())
    qtbot.keyClicks(dialog.name_edit, "Kai Jones")
    dialog.dob_check.setChecked(True)
    dialog.dob_edit.setDate(date(2011, 3, 4))
    qtbot.keyClicks(dialog.school_edit, "Northwick High")
    qtbot.keyClicks(dialog.household_edit, "Mum, two younger brothers")
    dialog.ld_check.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = win.vault.repos.get_child(child.id)
    assert saved.name == "Kai Jones" and saved.dob == date(2011, 3, 4)
    assert saved.school == "Northwick High" and saved.learning_disability
    assert saved.household == "Mum, two younger brothers"
    assert win.child_page.details.values["school"].text() == "Northwick High"
    assert win.child_page.title_label.text() == "Kai Jones (Kai)"


def test_filter_as_you_type_and_keyboard_open(qtbot: Any, open_window: Any, wait_list: Any) -> None:
    win = open_window()
    for alias in ("Jay", "Kai", "Ava", "Jaya"):
        win.vault.repos.add_child(alias=alias, approx_age=13)
    wait_list(win)
    page = win.child_list
    qtbot.keyClick(win.child_page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.filter_edit.hasFocus() or win.focusWidget() is page.filter_edit
    qtbot.keyClicks(page.filter_edit, "jay")
    qtbot.waitUntil(lambda: not page.arranging)  # filtered on a pool thread
    assert page.model.rowCount() == 2
    assert page.count_label.text() == "2 of 4"
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
    assert page.table.hasFocus() or win.focusWidget() is page.table
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert win.current_page() == "child"
    assert win.child_page.title_label.text() == "Jay"


def test_child_table_model_passes_modeltester(qtmodeltester: Any, clock: Any) -> None:
    raw = [
        (
            "id-1",
            "AAAA-0001",
            "Jay Smith",
            "Jay",
            "2012-05-01",
            None,
            None,
            "medium",
            "",
            "",
            "open",
        ),
        ("id-2", "AAAA-0002", "", "Kai", None, 14, "2026-01-01", None, "", "", "open"),
        ("id-3", "AAAA-0003", "Ava", "", None, None, None, "low", "", "", "open"),
    ]
    steps = {"id-1": NextStep("Strategy meeting", date(2026, 11, 1))}
    rows = rows_from_db(raw, clock.now().date(), steps)
    model = ChildTableModel(clock)
    model.set_arranged(arrange(rows, ViewSpec(column=NAME)), has_steps=True)
    qtmodeltester.check(model)
    assert model.data(model.index(model.row_of("id-1"), 5)) == "Overdue since 01/11/2026"
    assert model.data(model.index(model.row_of("id-2"), 2)) == "~14"
    assert model.data(model.index(model.row_of("id-2"), LEVEL)) == "Not screened yet"
    model.set_arranged(arrange(rows, ViewSpec("medium", column=NAME)), has_steps=True)
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.total() == 3
    assert model.row_of("id-2") == -1  # filtered out
    # by age, descending, unknown last
    model.set_arranged(arrange(rows, ViewSpec(column=2, descending=True)), has_steps=True)
    assert [model.data(model.index(r, NAME)) for r in range(3)] == ["Jay Smith (Jay)", "Kai", "Ava"]
    qtmodeltester.check(model)
    asked = []
    model.sort_requested.connect(lambda col, order: asked.append((col, order)))
    model.sort(2, Qt.SortOrder.DescendingOrder)  # a header click: the page arranges, not Qt
    assert asked == [(2, Qt.SortOrder.DescendingOrder)]


def test_next_step_provider_fills_columns(
    qtbot: Any, open_window: Any, wait_list: Any, clock: Any
) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    calls = []

    def provider(vault: Any, ids: Any) -> dict[str, NextStep]:
        calls.append(list(ids))
        return {child.id: NextStep("Discuss with the DSL", clock.now().date())}

    with qtbot.waitSignal(win.child_list.loaded):
        win.child_list.set_next_step_provider(provider)
    model = win.child_list.model
    # The list may also have reloaded for the child just added (it follows the change hub).
    assert calls and all(c == [child.id] for c in calls)
    assert model.data(model.index(0, 4)) == "Discuss with the DSL"
    assert not win.child_list.table.isColumnHidden(4)
