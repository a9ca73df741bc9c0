"""Unlocking: right and wrong passphrase, with the window responsive throughout."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from gui.conftest import PASSPHRASE


def _closed_vault(vault_factory: Any, clock: Any, **kw: Any) -> Any:
    vault = vault_factory(clock=clock, **kw)
    folder = vault.folder
    vault.close()
    return folder


def test_wrong_then_right_passphrase(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    folder = _closed_vault(vault_factory, clock)
    win = make_window(folder)
    win.start()
    form = win.unlock
    assert win.locked and win.root.currentWidget() is form
    assert not win.toolbar.isVisible()
    assert form.ui.userCombo.currentText() == "sam"

    qtbot.keyClicks(form.ui.passphraseEdit, "not my passphrase")
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    assert form.busy and form.ui.busyBox.isVisible()
    assert "Checking passphrase" in form.ui.busyLabel.text()
    ticks = []
    qtbot.waitUntil(lambda: (ticks.append(1), not form.busy)[1], timeout=10_000)
    assert len(ticks) > 1  # the event loop kept running while the key was derived
    assert "not right" in form.message()
    assert form.ui.passphraseEdit.text() == ""
    assert win.locked

    qtbot.keyClicks(form.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    assert form.ui.passphraseEdit.text() == ""
    assert win.toolbar.isVisible()
    assert "sam (worker)" in win.user_label.text()
    assert win.about.value("vault") == win.vault.vault_id


def test_several_users_listed_without_passphrase(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS

    vault = vault_factory(user="admin1", role="admin", clock=clock)
    vault.add_user("jo", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    vault.close()
    win = make_window(vault.folder)
    combo = win.unlock.ui.userCombo
    assert [combo.itemText(i) for i in range(combo.count())] == ["admin1", "jo"]
    assert combo.isEnabled()


def test_damaged_vault_message(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    folder = _closed_vault(vault_factory, clock)
    (folder / "keyslots.json").write_text("{not json", encoding="utf-8")
    win = make_window(folder)
    assert "restore" in win.unlock.message().lower()
    assert not win.unlock.ui.unlockButton.isEnabled()


def test_every_vault_error_has_a_plain_message(tmp_path: Any) -> None:
    from cse_toolkit.fsutil import DiskFullError
    from cse_toolkit.gui.common.unlock_dialog import message_for
    from cse_toolkit.vault import errors

    cases = [
        (errors.WrongPassphraseError("sam"), "not right"),
        (errors.NoVaultError(str(tmp_path)), "no vault"),
        (errors.NotAVaultError(str(tmp_path)), "backup"),
        (errors.VaultDamagedError("x"), "backup"),
        (errors.VaultTooNewError(9, 1), "newer version"),
        (errors.OlderCopyError("x"), "older copy"),
        (DiskFullError("x"), "disk is full"),
    ]
    for exc, words in cases:
        text = message_for(exc, tmp_path)
        assert words in text.lower(), (type(exc).__name__, text)
        assert "cse-toolkit " not in text  # no command-line instructions in the window
