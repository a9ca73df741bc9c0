"""My details (issue 14 item 3): the toolbar's dialog by keyboard, the reminder on the export
wizard, and what is kept (per user, audited without the details themselves)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cse_toolkit.core.my_details import MyDetails, problems
from cse_toolkit.gui.common import my_details_dialog
from cse_toolkit.gui.common.my_details_dialog import MyDetailsDialog
from cse_toolkit.vault import user_details


def _open_dialog(qtbot: Any) -> MyDetailsDialog:
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, MyDetailsDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=3000,
    )
    return next(
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, MyDetailsDialog) and w.isVisible()
    )


def test_my_details_from_the_toolbar_by_keyboard(
    qtbot: Any, open_window: Any, fake_dialogs: Any
) -> None:
    win = open_window()
    action = my_details_dialog.install(win)
    assert action.shortcut().toString() == "Ctrl+Shift+D"
    assert win.toolbar.widgetForAction(action).accessibleName() == "My details"
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    qtbot.keyClick(
        win.focusWidget() or win,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = _open_dialog(qtbot)
    qtbot.waitUntil(dialog.form.first_edit().hasFocus, timeout=3000)
    qtbot.keyClicks(dialog.form.edits["name"], "Sam Okafor")
    qtbot.keyClicks(dialog.form.edits["phone"], "call me")
    dialog.save_button.click()
    assert fake_dialogs.shown[-1][:2] == ("warning", "Check your details")
    assert "Work phone should be a phone number" in fake_dialogs.shown[-1][2]
    assert dialog.isVisible()  # nothing lost
    dialog.form.edits["phone"].setText("01905 000111")
    dialog.save_button.click()
    assert not dialog.isVisible()
    kept = user_details.details(win.vault)
    assert kept == MyDetails(name="Sam Okafor", phone="01905 000111")
    # audited, without the details themselves
    rows = win.vault.conn.execute(
        "SELECT action, reason FROM audit WHERE action = 'user.details'"
    ).fetchall()
    assert rows == [("user.details", "fields=2")]


def test_details_are_per_user_and_checked(vault_factory: Any) -> None:
    vault = vault_factory(user="sam", role="worker")
    user_details.save(vault, MyDetails(name="  Sam   Okafor ", email="sam@agency.example"))
    assert user_details.details(vault).name == "Sam Okafor"  # tidied
    assert user_details.load(vault, "someone-else").details == MyDetails()
    assert problems(MyDetails(email="sam at agency")) == [
        "Secure email should be an email address, for example sam.lee@agency.gov.uk."
    ]
    assert problems(MyDetails(agency="Agency\x1b[31m")) == [
        "Agency holds a control character: type it again."
    ]
    assert problems(MyDetails(phone="+44 (0)1905 123456 ext 12")) == []


def test_the_export_wizard_reminds_when_you_cannot_be_called_back(
    qtbot: Any, vault_factory: Any
) -> None:
    from cse_toolkit.gui.exchange.export_dialog import ExportDialog

    vault = vault_factory(user="sam", role="worker")
    child = vault.repos.add_child(name="Jade Example", approx_age=14)
    dialog = ExportDialog(vault, "referral", child_id=child.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.details_box.isVisible()
    assert "not recorded" in dialog.details_note.text()
    dialog.details_button.click()
    details = _open_dialog(qtbot)
    assert details.cancel_button.text() == "&Not now"
    details.form.edits["email"].setText("sam@agency.example")
    details.save_button.click()
    assert not dialog.details_box.isVisible()
    assert user_details.details(vault).email == "sam@agency.example"
    again = ExportDialog(vault, "screening", child_id=child.id)
    qtbot.addWidget(again)
    again.show()
    assert not again.details_box.isVisible()
