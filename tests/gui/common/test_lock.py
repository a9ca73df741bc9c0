"""Locking: idle (FixedClock), panic key, suspend; drafts saved first, views cleared, return to
the same child and tab after unlocking."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from cse_toolkit.gui.common import clipboard
from gui.conftest import PASSPHRASE


def _child_with_note_typed(qtbot: Any, win: Any, wait_list: Any) -> Any:
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    editor = win.child_page.notes.editor
    qtbot.keyClicks(editor.ui.bodyEdit, "Seen getting into a silver car at the bus station.")
    return child


def _unlock(qtbot: Any, win: Any) -> None:
    form = win.unlock
    qtbot.keyClicks(form.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)


def test_idle_lock_saves_draft_clears_views_and_returns_to_same_place(
    qtbot: Any, open_window: Any, clock: Any, wait_list: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    child = _child_with_note_typed(qtbot, win, wait_list)
    notes_tab = win.child_page.current_tab()
    assert win.child_list.model.rowCount() == 1
    clipboard.copy_sensitive("something the app copied", None)

    minutes = win.lock_manager.idle_seconds // 60
    clock.advance(minutes=minutes - 1)
    assert not win.lock_manager.check()
    assert not win.locked
    clock.advance(minutes=1, seconds=1)
    assert win.lock_manager.check()

    assert win.locked
    assert win.root.currentWidget() is win.unlock
    assert win.unlock.ui.titleLabel.text() == "CSE Toolkit is locked"
    assert not win.toolbar.isVisible()
    assert win.user_label.text() == ""
    # Every view is empty: no names or text left anywhere.
    assert win.child_list.model.rowCount() == 0
    assert win.child_page.title_label.text() == ""
    assert win.child_page.notes.editor.ui.bodyEdit.toPlainText() == ""
    assert win.child_page.chronology.model.rowCount() == 0
    assert win.about.value("vault") == ""
    assert QGuiApplication.clipboard().text() == ""

    _unlock(qtbot, win)
    # Back where we were: same child, same tab, the typed text back from the encrypted draft.
    assert win.current_page() == "child"
    assert win.child_page.child_id == child.id
    assert win.child_page.current_tab() == notes_tab
    editor = win.child_page.notes.editor
    assert editor.ui.bodyEdit.toPlainText() == "Seen getting into a silver car at the bus station."
    assert editor.draft_id is not None
    assert fake_dialogs.texts("ask") == []  # the draft in the editor is not offered twice


def test_activity_resets_idle_timer(qtbot: Any, open_window: Any, clock: Any) -> None:
    win = open_window()
    clock.advance(minutes=4)
    qtbot.keyClick(win.child_list.filter_edit, Qt.Key.Key_A)  # input anywhere in the app
    clock.advance(minutes=4)
    assert not win.lock_manager.check()
    clock.advance(minutes=1, seconds=1)
    assert win.lock_manager.check() and win.locked


def test_panic_lock_with_ctrl_shift_l(qtbot: Any, open_window: Any, wait_list: Any) -> None:
    win = open_window()
    _child_with_note_typed(qtbot, win, wait_list)
    editor = win.child_page.notes.editor
    win.activateWindow()
    qtbot.keyClick(
        editor.ui.bodyEdit,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: win.locked)
    assert win.child_page.notes.editor.ui.bodyEdit.toPlainText() == ""
    # The draft was written before the vault closed.
    _unlock(qtbot, win)
    drafts = win.vault.repos.drafts("note")
    assert [d.payload["body"] for d in drafts] == [
        "Seen getting into a silver car at the bus station."
    ]


def test_lock_now_button_and_suspend(qtbot: Any, open_window: Any) -> None:
    win = open_window()
    button = win.toolbar.widgetForAction(win.lock_action)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert win.locked
    _unlock(qtbot, win)
    win.lock_manager._on_state(Qt.ApplicationState.ApplicationSuspended)
    assert win.locked


def test_closing_the_window_saves_the_draft(qtbot: Any, open_window: Any, wait_list: Any) -> None:
    win = open_window()
    child = _child_with_note_typed(qtbot, win, wait_list)
    vault = win.vault
    folder = vault.folder
    win.close()
    assert not vault.is_open
    from cse_toolkit.vault.vault import Vault

    with Vault.open(folder, "sam", PASSPHRASE) as again:
        (draft,) = again.repos.drafts("note")
        assert draft.target_id == child.id
    QApplication.processEvents()


def test_add_child_form_survives_a_lock(qtbot: Any, open_window: Any, fake_dialogs: Any) -> None:
    from cse_toolkit.gui.children.child_dialog import ChildDialog

    win = open_window()
    win.add_child()  # Ctrl+Shift+C; the shortcut itself is covered in test_children
    (dialog,) = [d for d in win.findChildren(ChildDialog) if d.isVisible()]
    qtbot.keyClicks(dialog.alias_edit, "Kez")
    dialog.age_spin.setValue(13)
    qtbot.keyClicks(dialog.school_edit, "Northfield Academy")
    win.lock("panic")
    assert win.locked
    fake_dialogs.answers = ["restore"]
    _unlock(qtbot, win)
    assert any("You were adding Kez" in text for text in fake_dialogs.texts("ask"))
    restored = [d for d in win.findChildren(ChildDialog) if d.isVisible()]
    assert len(restored) == 1
    form = restored[0]
    assert form.alias_edit.text() == "Kez"
    assert form.age_spin.value() == 13
    assert form.school_edit.text() == "Northfield Academy"
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Return)  # save: the draft goes with it
    qtbot.waitUntil(lambda: win.vault.repos.list_children() != [], timeout=5000)
    assert win.vault.repos.drafts("child_form") == []
