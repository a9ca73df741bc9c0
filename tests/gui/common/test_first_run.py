"""First run goes through the real dialog: details, strength meter, key derivation, recovery key."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from cse_toolkit.gui.common.first_run_dialog import (
    DETAILS,
    MY_DETAILS,
    RECOVERY,
    group_recovery_key,
)
from cse_toolkit.vault import vault as vault_mod
from gui.conftest import PASSPHRASE


def test_first_run_creates_vault_and_needs_acknowledged_recovery_key(
    qtbot: Any, make_window: Any, isolated_env: dict[str, Any], fake_dialogs: Any
) -> None:
    folder = isolated_env["home"]
    win = make_window(folder)
    win.start()
    dialog = win.first_run
    assert dialog is not None and dialog.isVisible()
    ui = dialog.ui

    qtbot.keyClicks(ui.userNameEdit, "sam")
    ui.roleCombo.setCurrentIndex(ui.roleCombo.findData("worker"))
    # A weak passphrase is refused with the meter's feedback, and nothing is created.
    qtbot.keyClicks(ui.passphraseEdit, "password1")
    assert ui.strengthBar.value() <= 1
    assert "easy to guess" in ui.strengthLabel.text()
    qtbot.keyClicks(ui.confirmEdit, "password1")
    qtbot.mouseClick(ui.createButton, Qt.MouseButton.LeftButton)
    assert dialog.page == DETAILS
    assert "too easy to guess" in ui.detailsMessage.text()
    assert not vault_mod.exists(folder)

    # Mismatched confirmation is refused too.
    ui.passphraseEdit.clear()
    qtbot.keyClicks(ui.passphraseEdit, PASSPHRASE)
    assert ui.strengthBar.value() >= 3
    qtbot.keyClicks(ui.confirmEdit, PASSPHRASE + "x")
    qtbot.keyClick(ui.confirmEdit, Qt.Key.Key_Return)
    assert "not the same" in ui.detailsMessage.text()

    ui.confirmEdit.clear()
    qtbot.keyClicks(ui.confirmEdit, PASSPHRASE)
    qtbot.keyClick(ui.confirmEdit, Qt.Key.Key_Return)  # Enter = Create vault (default button)
    qtbot.waitUntil(lambda: dialog.page == RECOVERY, timeout=10_000)
    assert vault_mod.exists(folder)

    key_text = dialog.recovery_key_text()
    groups = key_text.split()
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert key_text.count("\n") == 1

    # Cannot leave without acknowledging: Continue disabled, Esc and close ignored.
    assert not ui.continueButton.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    dialog.close()
    assert dialog.isVisible() and dialog.page == RECOVERY

    # The printable sheet goes to the print dialog (faked here), never to a file.
    before = set(folder.rglob("*"))
    qtbot.mouseClick(ui.printButton, Qt.MouseButton.LeftButton)
    (sheet,) = fake_dialogs.printed
    assert " ".join(groups[:4]) in sheet and " ".join(groups[4:]) in sheet
    assert "Forgotten your passphrase?" in sheet
    assert set(folder.rglob("*")) == before
    assert "Sent to the printer" in ui.copyLabel.text()

    # Copy puts it on the clipboard; locking later clears it (it is ours).
    qtbot.mouseClick(ui.copyButton, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().replace("-", " ").split() == groups

    ui.writtenDownCheck.setChecked(True)
    assert ui.continueButton.isEnabled()
    qtbot.mouseClick(ui.continueButton, Qt.MouseButton.LeftButton)
    # My details, offered once (issue 14): a bad email is a message, nothing is lost.
    assert dialog.page == MY_DETAILS and dialog.my_details.edits["name"].hasFocus()
    qtbot.keyClicks(dialog.my_details.edits["name"], "Sam Okafor")
    qtbot.keyClicks(dialog.my_details.edits["email"], "not an email")
    qtbot.mouseClick(dialog.save_details_button, Qt.MouseButton.LeftButton)
    assert fake_dialogs.shown[-1][1] == "Check your details" and dialog.page == MY_DETAILS
    dialog.my_details.edits["email"].setText("sam.okafor@agency.example")
    qtbot.keyClicks(dialog.my_details.edits["phone"], "01905 000111")
    qtbot.mouseClick(dialog.save_details_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.locked)
    from cse_toolkit.vault import user_details

    saved = user_details.load(win.vault)
    assert saved.offered and saved.details.email == "sam.okafor@agency.example"
    assert saved.details.name == "Sam Okafor" and saved.details.job_title == ""
    assert win.vault.user.name == "sam" and win.vault.user.role == "worker"
    assert win.current_page() == "children"

    win.lock("panic")
    assert QGuiApplication.clipboard().text() == ""


def test_recovery_key_grouping() -> None:
    assert group_recovery_key("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH") == (
        "AAAA BBBB CCCC DDDD\nEEEE FFFF GGGG HHHH"
    )
