"""Notes that are never lost, and the chronology they feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.gui.children.note_editor import NoteEditor
from cse_toolkit.gui.common.widgets import to_qdatetime
from cse_toolkit.vault.vault import Vault
from gui.conftest import PASSPHRASE

TEXT = 'Jay said: "he buys me chips and gives me lifts".\nSeen at the bus station, 21:40, alone.'


@pytest.fixture
def fast_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    from cse_toolkit.gui.common import autosave

    monkeypatch.setattr(autosave, "IDLE_MS", 50)
    monkeypatch.setattr(autosave, "MAX_WAIT_MS", 200)


def _open_notes(win: Any, child: Any) -> NoteEditor:
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    return win.child_page.notes.editor


def test_draft_survives_window_destroyed_without_saving(
    qtbot: Any,
    open_window: Any,
    make_window: Any,
    fast_autosave: None,
    fake_dialogs: Any,
    clock: Any,
) -> None:
    win = open_window(tracked=False)
    vault = win.vault
    child = vault.repos.add_child(alias="Jay", approx_age=14)
    editor = _open_notes(win, child)
    qtbot.keyClicks(editor.ui.placeEdit, "Bus station")
    editor.ui.reportedRadio.setChecked(True)
    qtbot.keyClicks(editor.ui.reportedByEdit, "Shop keeper")
    editor.ui.bodyEdit.setFocus()
    for line in TEXT.split("\n"):
        qtbot.keyClicks(editor.ui.bodyEdit, line)
        qtbot.keyClick(editor.ui.bodyEdit, Qt.Key.Key_Return)
    # QTest types ASCII only; the rest of the text goes in as an input method would put it.
    editor.ui.bodyEdit.insertPlainText("Café — ‘Sammy’ 🚗\n\n  indented")
    expected = editor.ui.bodyEdit.toPlainText()
    qtbot.waitUntil(lambda: editor.draft_id is not None and not editor.has_unsaved())
    assert "Draft saved" in editor.ui.statusLabel.text()

    # Power cut: the window goes away without locking, saving or closing the vault cleanly.
    folder = vault.folder
    import shiboken6

    vault.conn.close()  # what the operating system does to a killed process's files
    vault.conn = None
    win._vault = None  # so nothing can run a lock on the way down
    shiboken6.delete(win)

    # Next unlock, in a new window: the draft is offered and restores the text exactly.
    again = make_window(folder)
    fake_dialogs.answers = ["restore"]
    again.enter_vault(Vault.open(folder, "sam", PASSPHRASE, clock=clock))
    (question,) = fake_dialogs.texts("ask")
    assert question == "You have an unsaved note for Jay from 09:00."
    restored = again.child_page.notes.editor
    assert again.child_page.child_id == child.id
    assert again.child_page.tabs.currentWidget() is again.child_page.notes
    assert restored.ui.bodyEdit.toPlainText() == expected
    assert restored.ui.placeEdit.text() == "Bus station"
    assert restored.ui.reportedRadio.isChecked()
    assert restored.ui.reportedByEdit.text() == "Shop keeper"

    # Saving turns the draft into a note in one step.
    again.activateWindow()
    qtbot.waitUntil(again.isActiveWindow)  # shortcuts go to the active window
    qtbot.keyClick(restored.ui.bodyEdit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    notes = again.vault.repos.notes_for(child.id)
    assert [n.body for n in notes] == [expected]
    assert notes[0].source == "reported" and notes[0].reported_by == "Shop keeper"
    assert again.vault.repos.drafts("note") == []
    assert restored.ui.bodyEdit.toPlainText() == ""
    assert again.child_page.notes.model.rowCount() == 1


def test_discarding_an_offered_draft(
    qtbot: Any, open_window: Any, make_window: Any, fake_dialogs: Any, clock: Any
) -> None:
    win = open_window()
    vault = win.vault
    child = vault.repos.add_child(alias="Kai")
    vault.repos.save_draft("note", child.id, {"body": "half", "event_at": "2026-11-22T10:00:00Z"})
    win.lock()
    clock.advance(days=1)  # reopened the next day: the offer gives the draft's date
    again = make_window(vault.folder)
    fake_dialogs.answers = ["discard"]
    again.enter_vault(Vault.open(vault.folder, "sam", PASSPHRASE, clock=clock))
    assert len(fake_dialogs.texts("ask")) == 1
    assert "Kai" in fake_dialogs.texts("ask")[0] and "23/11/2026" in fake_dialogs.texts("ask")[0]
    assert again.vault.repos.drafts("note") == []
    assert again.current_page() == "children"


def test_new_note_with_keyboard_and_backdated_chronology(
    qtbot: Any, open_window: Any, clock: Any
) -> None:
    win = open_window()
    vault = win.vault
    child = vault.repos.add_child(alias="Ava", approx_age=15)
    vault.repos.add_note(child.id, "Older note", clock.now() - timedelta(days=2))
    vault.repos.add_missing(
        child.id,
        clock.now() - timedelta(days=5),
        clock.now() - timedelta(days=4),
        "Birmingham New Street",
        "Done by Sam",
    )
    win.show_child(child.id)
    page = win.child_page
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N
    editor = page.notes.editor
    assert page.tabs.currentWidget() is page.notes
    assert editor.ui.bodyEdit.hasFocus() or win.focusWidget() is editor.ui.bodyEdit
    # The event happened three days ago: it is recorded now but slots in before the others.
    editor.ui.whenEdit.setDateTime(to_qdatetime(clock.now() - timedelta(days=3)))
    editor.ui.categoryCombo.setCurrentIndex(editor.ui.categoryCombo.findData("online activity"))
    qtbot.keyClicks(editor.ui.bodyEdit, "Backdated: messages from an unknown adult")
    # Future times are not possible.
    assert editor.ui.whenEdit.maximumDateTime() == to_qdatetime(clock.now())
    qtbot.mouseClick(editor.ui.saveButton, Qt.MouseButton.LeftButton)

    page.set_current_tab(page.tabs.indexOf(page.chronology))
    chron = page.chronology
    assert chron.visible_titles() == [
        "Missing episode",
        "Note (online activity, first-hand)",
        "Note (observation, first-hand)",
    ]
    # Filter by kind, then by text.
    chron.kind_checks["missing"].setChecked(False)
    assert chron.visible_titles() == [
        "Note (online activity, first-hand)",
        "Note (observation, first-hand)",
    ]
    qtbot.keyClicks(chron.text_edit, "unknown adult")
    assert chron.visible_titles() == ["Note (online activity, first-hand)"]
    chron.kind_checks["note"].setChecked(False)
    assert chron.visible_titles() == []
    assert chron.count_label.text() == "0 of 3"


def test_missing_episode_form_feeds_chronology(qtbot: Any, open_window: Any, clock: Any) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Mia")
    win.show_child(child.id)
    view = win.child_page.missing
    view.from_edit.setDateTime(to_qdatetime(clock.now() - timedelta(hours=30)))
    view.found_check.setChecked(True)
    view.to_edit.setDateTime(to_qdatetime(clock.now() - timedelta(hours=6)))
    qtbot.keyClicks(view.where_edit, "Friend's flat, Redditch")
    qtbot.keyClicks(view.by_edit, "Her aunt")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    (episode,) = win.vault.repos.missing_for(child.id)
    assert (episode.where_found, episode.returned_by) == ("Friend's flat, Redditch", "Her aunt")
    assert view.table.rowCount() == 1
    assert view.table.item(0, 3).text() == "Friend's flat, Redditch"
    assert view.table.item(0, 2).text().endswith(", by Her aunt")
    assert win.child_page.chronology.visible_titles() == ["Missing episode"]


def test_empty_or_reported_without_source_is_refused(
    qtbot: Any, open_window: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Leo")
    editor = _open_notes(win, child)
    qtbot.mouseClick(editor.ui.saveButton, Qt.MouseButton.LeftButton)
    assert "empty" in fake_dialogs.texts("error")[0]
    editor.ui.reportedRadio.setChecked(True)
    qtbot.keyClicks(editor.ui.bodyEdit, "Heard from a friend")
    qtbot.mouseClick(editor.ui.saveButton, Qt.MouseButton.LeftButton)
    assert "Who reported it?" in [t for k, t, _ in fake_dialogs.shown]
    assert win.vault.repos.notes_for(child.id) == []


def test_a_paste_over_200000_characters_is_kept_through_a_lock_and_said(
    qtbot: Any, open_window: Any, make_window: Any, fake_dialogs: Any, clock: Any
) -> None:
    """Issue 22: such a paste used to be discarded without a word when the app locked."""
    win = open_window(tracked=False)
    vault = win.vault
    folder = vault.folder
    child = vault.repos.add_child(alias="Jay", approx_age=14)
    editor = _open_notes(win, child)
    pasted = ("seen at the bus station with two adults; " * 7000)[:250_000]
    editor.ui.bodyEdit.insertPlainText(pasted)  # as a paste arrives
    assert "This note is 250,000 characters, more than the 200,000" in editor.ui.statusLabel.text()
    assert "kept as a draft" in editor.ui.statusLabel.text()
    win.lock("panic")
    kept = Vault.open(folder, "sam", PASSPHRASE, clock=clock)
    try:
        (draft,) = kept.repos.drafts("note")
        assert draft.payload["body"] == pasted  # 0 characters lost
    finally:
        kept.close()
