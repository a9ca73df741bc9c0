"""Guidance, roles, About, note search, and accessibility of the main window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
)

from cse_toolkit.gui.common.search_dialog import SearchNotesDialog


def test_guidance_search_and_contacts(
    qtbot: Any, open_window: Any, tmp_path: Any, monkeypatch: Any, isolated_env: Any
) -> None:
    isolated_env["policy"].write_text(
        '[contacts]\n[[contacts.dsl]]\nname = "Pat Example"\nphone = "01905 000000"\n',
        encoding="utf-8",
    )
    from cse_toolkit.gui.common.guidance_page import GuidancePage
    from cse_toolkit.policy import load_policy

    page = GuidancePage(load_policy().policy)
    qtbot.addWidget(page)
    assert len(page.listed_titles()) >= 10
    qtbot.keyClicks(page.search_edit, "front door")
    titles = page.listed_titles()
    assert titles and "match" in page.result_label.text()
    assert page.browser.toPlainText().strip() != ""
    page.search_edit.clear()
    qtbot.keyClicks(page.search_edit, "zzzqqq")
    assert page.listed_titles() == []
    assert "No page matches" in page.result_label.text()
    page.search_edit.clear()
    assert page.show_page("contacts")
    text = page.browser.toPlainText()
    assert "Pat Example" in text and "01905 000000" in text and "{{contacts}}" not in text
    # Links never leave the app.
    assert not page.browser.openExternalLinks() and not page.browser.openLinks()
    page._link(QUrl("https://example.org/"))
    assert page.current_page_id() == "contacts"
    page._link(QUrl("the-process.md"))
    assert page.current_page_id() == "the-process"


def test_admin_does_not_see_children(qtbot: Any, open_window: Any) -> None:
    win = open_window(role="admin", user="ali")
    assert win.page_keys() == ["guidance", "about"]
    assert win.current_page() == "guidance"
    assert not win.show_page("children")
    assert not win.add_child_action.isEnabled() and not win.search_action.isEnabled()
    assert win.child_list.model.rowCount() == 0
    assert "ali (admin)" in win.user_label.text()


def test_worker_and_dsl_pages_and_add_page_roles(qtbot: Any, open_window: Any) -> None:
    from cse_toolkit.gui.common.about_page import AboutPage
    from cse_toolkit.policy import load_policy

    win = open_window(role="dsl", user="dee")
    assert win.page_keys() == ["children", "guidance", "about"]

    class ReviewQueue(AboutPage):
        seen: Any = None

        def set_vault(self, vault: Any) -> None:
            super().set_vault(vault)
            ReviewQueue.seen = vault

    queue = ReviewQueue(load_policy(), win.vault.folder)
    win.add_page("review", "Review queue", queue, roles=("dsl",))
    # Work pages go above Guidance and About, which stay at the bottom of the navigation.
    assert win.page_keys() == ["children", "review", "guidance", "about"]
    assert ReviewQueue.seen is win.vault
    assert win.show_page("review")
    win.lock()
    assert queue.value("vault") == ""


def test_about_page(open_window: Any) -> None:
    from cse_toolkit import __version__

    win = open_window()
    assert win.about.value("version") == __version__
    assert win.about.value("policy") == "built-in defaults"
    assert win.about.value("data") == str(win.vault.folder)
    assert win.about.value("vault") == win.vault.vault_id


def test_search_notes_opens_child(qtbot: Any, open_window: Any, clock: Any) -> None:
    win = open_window()
    repos = win.vault.repos
    jay = repos.add_child(alias="Jay")
    kai = repos.add_child(alias="Kai")
    repos.add_note(jay.id, "Seen near the taxi rank with an older man", clock.now())
    repos.add_note(kai.id, "Missed school twice", clock.now() - timedelta(days=1))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(
        win.child_list,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = next(d for d in win.findChildren(SearchNotesDialog) if d.isVisible())
    with qtbot.waitSignal(dialog.finished_search):
        qtbot.keyClicks(dialog.query_edit, "taxi")
    assert dialog.results.rowCount() == 1
    assert dialog.results.item(0, 0).text() == "Jay"
    assert "[taxi]" in dialog.results.item(0, 2).text()
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)  # into the results
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)  # open
    assert win.child_page.child_id == jay.id
    assert win.child_page.tabs.currentWidget() is win.child_page.notes


def test_controls_have_accessible_names(qtbot: Any, open_window: Any) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Jay")
    win.show_child(child.id)
    kinds = (QLineEdit, QPlainTextEdit, QComboBox, QAbstractButton, QAbstractItemView, QTextBrowser)
    missing = []
    from PySide6.QtWidgets import QWidget

    for widget in win.findChildren(QWidget):
        if not isinstance(widget, kinds) or isinstance(widget, QHeaderView):
            continue  # headers are announced through the model's header data
        if widget.parent().inherits("QComboBoxPrivateContainer"):
            continue  # a combo box's popup list is named by the combo box
        if widget.objectName().startswith("qt_") or widget.parent().objectName().startswith("qt_"):
            continue  # Qt's own internals (spin box arrows, scroll bar buttons, tab scrollers)
        if (
            type(widget).__name__ in ("QToolButton",)
            and widget.parent() is not None
            and (
                widget.parent().inherits("QTabBar")
                or widget.parent().inherits("QToolBar")
                or widget.parent().inherits("QLineEdit")
            )
        ):
            continue  # toolbar buttons are named by their actions; clear buttons by Qt
        name = widget.accessibleName() or (
            widget.text().replace("&", "") if isinstance(widget, QAbstractButton) else ""
        )
        if not name:
            missing.append(
                f"{type(widget).__name__} {widget.objectName()} in {type(widget.parent()).__name__} {widget.parent().objectName()}"
            )
    assert missing == [], "\n".join(missing)
