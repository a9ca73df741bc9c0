"""Saved notes can be added to or corrected: the original stays, both are shown, the change is
audited and goes into packs; what is typed survives a lock; and a restored draft's cursor and a
new note's time behave."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt

from cse_toolkit.gui.children.notes_tab import AmendDialog
from gui.conftest import PASSPHRASE


def _notes(win: Any, wait_list: Any) -> tuple[Any, Any]:
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    win.vault.repos.add_note(child.id, "Seen with a man in a red car.", win.vault.now())
    wait_list(win)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    return child, win.child_page.notes


def test_addendum_and_correction_keep_the_original(
    qtbot: Any, open_window: Any, wait_list: Any
) -> None:
    win = open_window()
    child, notes = _notes(win, wait_list)
    notes.table.selectRow(0)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    notes.table.setFocus()
    qtbot.keyClick(
        notes.table,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = notes.amend_dialog
    assert isinstance(dialog, AmendDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.body, "She later said the car was blue.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notes.amend_dialog is None)

    notes.table.selectRow(0)
    notes.amend_selected()
    dialog = notes.amend_dialog
    dialog.correction.setChecked(True)
    qtbot.keyClicks(dialog.body, "The man was about 30, not 50.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Say why" in dialog.message.text()  # a reason is required
    qtbot.keyClicks(dialog.reason, "Misheard on the phone")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notes.amend_dialog is None)

    (note,) = win.vault.repos.notes_for(child.id)
    assert note.body == "Seen with a man in a red car."  # the original is never changed
    notes.table.selectRow(0)
    shown = notes.reader.toPlainText()
    assert shown.index("red car") < shown.index("Addendum by") < shown.index("Correction by")
    assert "Reason: Misheard on the phone" in shown
    assert "(corrected)" in notes.model.data(notes.model.index(0, 2))
    actions = [r[0] for r in win.vault.conn.execute("SELECT action FROM audit")]
    assert "note.addendum" in actions and "note.correction" in actions

    from cse_toolkit.services import exchange

    (record,) = exchange.note_records(win.vault, child.id)
    text = record.data.text
    assert text.startswith("Seen with a man in a red car.")
    assert "[Addendum by" in text and "[Correction by" in text
    assert "reason: Misheard on the phone] The man was about 30, not 50." in text


def test_amendment_being_typed_survives_a_lock(
    qtbot: Any, open_window: Any, wait_list: Any
) -> None:
    win = open_window()
    _child, notes = _notes(win, wait_list)
    notes.table.selectRow(0)
    notes.amend_selected()
    qtbot.keyClicks(notes.amend_dialog.body, "Mum rang back at 17:10")
    win.lock("panic")
    assert notes.amend_dialog is None or not notes.amend_dialog.isVisible()
    qtbot.keyClicks(win.unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(win.unlock.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    again = win.child_page.notes.amend_dialog
    assert again is not None and again.isVisible()
    assert again.body.toPlainText() == "Mum rang back at 17:10"
    assert again.body.textCursor().position() == len("Mum rang back at 17:10")


def test_restored_draft_cursor_at_the_end_and_time_from_opening(
    qtbot: Any, open_window: Any, wait_list: Any, clock: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    editor = win.child_page.notes.editor
    clock.advance(minutes=34)  # the editor sat open; the note is started now
    qtbot.keyClicks(editor.ui.bodyEdit, "First words.")
    assert editor.event_at() >= win.vault.now() - timedelta(minutes=1)
    win.lock("panic")
    qtbot.keyClicks(win.unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(win.unlock.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    editor = win.child_page.notes.editor
    assert editor.ui.bodyEdit.toPlainText() == "First words."
    qtbot.keyClicks(editor.ui.bodyEdit, " More.")
    assert editor.ui.bodyEdit.toPlainText() == "First words. More."  # not in front

    # A time more than an hour from now is questioned before saving.
    clock.advance(hours=2)
    fake_dialogs.answers = ["change"]
    assert editor.save() is None
    assert any("more than an hour" in t for t in fake_dialogs.texts("ask"))
    fake_dialogs.answers = ["save"]
    assert editor.save() is not None


def test_plural_aware_counts() -> None:
    from cse_toolkit.gui.common.plurals import counted, ntr

    assert ntr("t", "%n note(s) found.", 1) == "1 note found."
    assert ntr("t", "%n note(s) found.", 2) == "2 notes found."
    assert ntr("t", "%n existing record(s) [looks|look] similar.", 1) == (
        "1 existing record looks similar."
    )
    assert ntr("t", "%n existing record(s) [looks|look] similar.", 3) == (
        "3 existing records look similar."
    )
    assert ntr("t", "%n [entry|entries]", 1) == "1 entry"
    assert (
        ", ".join(
            [
                counted(2, "note"),
                counted(5, "pathway_step"),
                counted(1, "child"),
                counted(3, "child"),
            ]
        )
        == "2 notes, 5 pathway steps, 1 child, 3 children"
    )
