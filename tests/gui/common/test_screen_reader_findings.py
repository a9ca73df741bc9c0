"""What the Orca pass found (docs/ACCESSIBILITY.md): after unlocking, focus is on the page the
user sees (Orca read out a hidden page's table); a refused passphrase is announced, not only
shown (Orca said nothing when the message appeared)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.conftest import PASSPHRASE


def _unlock(qtbot: Any, win: Any, passphrase: str) -> None:
    qtbot.keyClicks(win.unlock.ui.passphraseEdit, passphrase)
    qtbot.keyClick(win.unlock.ui.passphraseEdit, Qt.Key.Key_Return)


def test_focus_after_unlock_is_on_the_page_shown(
    qtbot: Any, open_window: Any, wait_list: Any
) -> None:
    win = open_window()
    win.vault.repos.add_child(alias="Jay", approx_age=14)
    win.show_page("intel")
    win.show_page("children")
    wait_list(win)
    win.lock("panic")
    _unlock(qtbot, win, PASSPHRASE)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    page = win.pages.currentWidget()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    focus = QApplication.focusWidget()
    assert focus.isVisible(), type(focus).__name__
    assert page.isAncestorOf(focus), (type(focus).__name__, focus.accessibleName())


def test_a_refused_passphrase_is_told_to_the_screen_reader(qtbot: Any, open_window: Any) -> None:
    win = open_window()
    win.lock("panic")
    edit = win.unlock.ui.passphraseEdit
    before = edit.accessibleDescription()
    assert before == "CSE Toolkit is locked."  # Orca only said "Passphrase: password text."
    _unlock(qtbot, win, "not the passphrase")
    qtbot.waitUntil(lambda: bool(win.unlock.message()), timeout=10_000)
    # The field keeps focus and describes the error, so a screen reader speaks it at once
    # (a description change on the focused control) and again whenever focus returns.
    assert QApplication.focusWidget() is edit
    assert edit.accessibleDescription() == win.unlock.message()
    assert "passphrase is not right" in edit.accessibleDescription()
    _unlock(qtbot, win, PASSPHRASE)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    win.lock("panic")
    assert edit.accessibleDescription() == before


def test_opening_a_child_moves_focus_to_its_record_named_by_the_child(
    qtbot: Any, open_window: Any, wait_list: Any
) -> None:
    win = open_window()
    win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    table = win.child_list.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.current_page() == "child", timeout=5000)
    focus = QApplication.focusWidget()
    # Orca was silent after Enter: focus stayed on the hidden list.
    assert focus is not None and focus.isVisible()
    assert win.child_page.tabs.isAncestorOf(focus) or focus is win.child_page.tabs
    assert win.child_page.tabs.accessibleName() == "Jay: record sections"
    # A label's accessible name is read instead of its text: it must be the child's name.
    assert win.child_page.title_label.accessibleName() == "Jay"
    tabs = win.child_page.tabs
    assert all(tabs.tabToolTip(i).startswith("Jay · Ref ") for i in range(tabs.count()))
    win.lock("panic")
    # Nothing of the child left in the accessibility tree once locked.
    names = [
        win.child_page.title_label.accessibleName(),
        win.child_page.summary_label.accessibleName(),
        win.child_page.tabs.accessibleName(),
        *(tabs.tabToolTip(i) for i in range(tabs.count())),
    ]
    assert not any("Jay" in n for n in names), names
