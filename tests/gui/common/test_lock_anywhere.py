"""Lock from anywhere: the panic key works with the export wizard, Add child, a real message box
and a real file dialog open; nothing stays on screen; what was typed comes back; copies made
with Ctrl+C are marked private and gone after locking."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from cse_toolkit.gui.common import clipboard, dialogs
from gui.conftest import PASSPHRASE

# The real seam functions, before the autouse fake replaces them.
REAL = {name: getattr(dialogs, name) for name in ("info", "ask", "open_file", "save_file")}
PANIC = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _panic_in(qtbot: Any, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_L, PANIC)


def _panic_in_focus(qtbot: Any) -> None:
    """Press the panic key wherever the focus is (inside whatever is open)."""
    target = QApplication.focusWidget() or QApplication.activeModalWidget()
    assert target is not None
    _panic_in(qtbot, target)


def _nothing_else_on_screen(win: Any) -> None:
    others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not win]
    assert others == [], [type(w).__name__ for w in others]
    assert QApplication.activeModalWidget() is None
    assert QApplication.activePopupWidget() is None
    assert win.locked and win.root.currentWidget() is win.unlock


def _unlock(qtbot: Any, win: Any) -> None:
    qtbot.keyClicks(win.unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(win.unlock.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)


def _visible(kind: type) -> list[Any]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def child_on_screen(
    vault_factory: Any, make_window: Any, policy: Any, clock: Any, wait_list: Any
) -> Any:
    """The whole app (every extension installed) on a child's Notes tab."""
    from cse_toolkit.gui.extensions import install_all

    vault = vault_factory(user="sam", role="worker", clock=clock)
    win = make_window(vault.folder)
    install_all(win, policy.policy)
    win.enter_vault(vault)
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    return win, child


def test_panic_with_the_export_wizard_open_and_the_draft_comes_back(
    qtbot: Any, child_on_screen: Any, fake_dialogs: Any
) -> None:
    from cse_toolkit.gui.exchange.export_dialog import ExportDialog

    win, child = child_on_screen
    win.parts.sharing.tab.export("referral")
    (dialog,) = _visible(ExportDialog)
    qtbot.waitExposed(dialog)
    dialog.recipient_name.clear()
    qtbot.keyClicks(dialog.recipient_name, "Family Front Door duty desk")
    dialog.go_next()
    from cse_toolkit.gui.exchange import export_dialog as ed

    dialog.sought_group.button(ed.YES).setChecked(True)
    dialog.given_group.button(ed.YES).setChecked(True)
    qtbot.keyClicks(dialog.who_consented, "Mother, by phone")
    assert dialog.who_consented.text() == "Mother, by phone"
    _panic_in(qtbot, dialog.who_consented)
    qtbot.waitUntil(lambda: win.locked, timeout=3000)
    _nothing_else_on_screen(win)
    assert win.child_page.title_label.text() == ""

    fake_dialogs.answers = ["restore"]
    _unlock(qtbot, win)
    assert any("You were exporting a pack" in t for t in fake_dialogs.texts("ask"))
    (again,) = _visible(ExportDialog)
    assert again is not dialog
    assert again.recipient_name.text() == "Family Front Door duty desk"
    assert again.who_consented.text() == "Mother, by phone"
    assert again.given_group.button(ed.YES).isChecked()
    again.reject()  # Cancel: the draft goes
    assert win.vault.repos.drafts("export_form") == []


def test_panic_with_add_child_open(qtbot: Any, open_window: Any, fake_dialogs: Any) -> None:
    from cse_toolkit.gui.children.child_dialog import ChildDialog

    win = open_window()
    win.add_child()
    (dialog,) = [d for d in win.findChildren(ChildDialog) if d.isVisible()]
    qtbot.keyClicks(dialog.alias_edit, "Kez")
    qtbot.keyClicks(dialog.name_edit, "Kezia Brown")
    _panic_in(qtbot, dialog.name_edit)
    qtbot.waitUntil(lambda: win.locked, timeout=3000)
    _nothing_else_on_screen(win)
    fake_dialogs.answers = ["restore"]
    _unlock(qtbot, win)
    (form,) = [d for d in win.findChildren(ChildDialog) if d.isVisible()]
    assert form.name_edit.text() == "Kezia Brown" and form.alias_edit.text() == "Kez"


def test_panic_while_a_real_message_box_is_open(
    qtbot: Any, child_on_screen: Any, monkeypatch: Any
) -> None:
    win, _child = child_on_screen
    editor = win.child_page.notes.editor
    qtbot.keyClicks(editor.ui.bodyEdit, "Seen at the bus station")
    monkeypatch.setattr(dialogs, "ask", REAL["ask"])
    QTimer.singleShot(200, lambda: _panic_in_focus(qtbot))
    answer = dialogs.ask(
        win, "A question", "Which one?", [("a", "&A"), ("b", "&B")], default="a", escape="b"
    )
    assert answer == "b"  # closed by the lock: answers as if cancelled
    _nothing_else_on_screen(win)
    _unlock(qtbot, win)
    assert editor.ui.bodyEdit.toPlainText() == "Seen at the bus station"


@pytest.mark.parametrize("which", ["open_file", "save_file"])
def test_panic_while_a_real_file_dialog_is_open(
    qtbot: Any, child_on_screen: Any, monkeypatch: Any, which: str
) -> None:
    win, _child = child_on_screen
    monkeypatch.setattr(dialogs, which, REAL[which])
    seen: list[str] = []

    def press() -> None:
        modal = QApplication.activeModalWidget()
        seen.append(type(modal).__name__)
        _panic_in_focus(qtbot)

    QTimer.singleShot(300, press)
    assert getattr(dialogs, which)(win, "Choose a file", "PDF files (*.pdf)") is None
    assert seen == ["QFileDialog"]
    _nothing_else_on_screen(win)


@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)
def test_panic_from_a_combo_popup(qtbot: Any, child_on_screen: Any) -> None:
    win, _child = child_on_screen
    combo = win.child_page.notes.editor.ui.categoryCombo
    combo.showPopup()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=2000)
    _panic_in(qtbot, QApplication.activePopupWidget())
    qtbot.waitUntil(lambda: win.locked, timeout=3000)
    _nothing_else_on_screen(win)


def test_ctrl_c_from_a_note_is_marked_private_and_gone_after_lock(
    qtbot: Any, child_on_screen: Any
) -> None:
    win, child = child_on_screen
    win.vault.repos.add_note(child.id, "He calls himself Uncle T.", win.vault.now())
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    notes = win.child_page.notes
    notes.table.selectRow(0)
    reader = notes.reader
    reader.selectAll()
    qtbot.keyClick(reader, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    board = QGuiApplication.clipboard()
    assert "Uncle T." in board.text()
    mime = board.mimeData()
    for fmt in clipboard.hint_formats():
        assert mime.hasFormat(fmt), fmt
    assert clipboard.holds_ours()
    guard = clipboard.guard()
    assert guard._timer.isActive() and guard._timer.interval() == 30_000
    win.lock("panic")
    assert board.text() == ""


def test_copies_clear_after_the_policy_seconds(qtbot: Any, child_on_screen: Any) -> None:
    win, _child = child_on_screen
    edit = win.child_page.notes.editor.ui.placeEdit
    qtbot.keyClicks(edit, "Bus station")
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    board = QGuiApplication.clipboard()
    assert board.text() == "Bus station"
    guard = clipboard.guard()
    guard._timer.setInterval(100)  # the policy's 30 s, shortened for the test
    guard._timer.start()
    qtbot.waitUntil(lambda: board.text() == "", timeout=2000)


def test_hint_formats_per_platform() -> None:
    win = clipboard.hint_formats("win32")
    assert win["CanIncludeInClipboardHistory"] == b"\x00\x00\x00\x00"
    assert "ExcludeClipboardContentFromMonitorProcessing" in win
    assert 'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"' in win
    assert clipboard.hint_formats("linux") == {"x-kde-passwordManagerHint": b"secret"}
    assert "org.nspasteboard.ConcealedType" in clipboard.hint_formats("darwin")


def test_screen_lock_signal_uses_the_same_path(qtbot: Any, child_on_screen: Any) -> None:
    win, _child = child_on_screen
    qtbot.keyClicks(win.child_page.notes.editor.ui.bodyEdit, "typed before the screen locked")
    win.lock_manager._screensaver_changed(True)
    assert win.locked
    _unlock(qtbot, win)
    assert win.child_page.notes.editor.ui.bodyEdit.toPlainText() == (
        "typed before the screen locked"
    )
