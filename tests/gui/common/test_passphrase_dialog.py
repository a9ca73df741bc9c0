"""Issue 22: change passphrase from the unlock form, with the re-key choice."""

from __future__ import annotations

from typing import Any

from gui.conftest import PASSPHRASE

NEW = "harbour violet candle seven"


def _fill(dialog: Any, qtbot: Any, known: bool) -> None:
    qtbot.keyClicks(dialog.old_edit, PASSPHRASE)
    qtbot.keyClicks(dialog.new_edit, NEW)
    qtbot.keyClicks(dialog.confirm_edit, NEW)
    dialog.known_check.setChecked(known)


def test_passphrase_may_be_known_rekeys_and_shows_the_recovery_key(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    from cse_toolkit.vault import db
    from cse_toolkit.vault.errors import NotAVaultError
    from cse_toolkit.vault.keyslots import KeySlots
    from cse_toolkit.vault.vault import Vault

    vault = vault_factory(clock=clock)
    folder = vault.folder
    vault.close()
    old_dek = KeySlots.load(folder).unwrap_user("sam", PASSPHRASE)
    win = make_window(folder)
    win.start()
    form = win.unlock
    assert form.change_button.isEnabled()
    form.change_button.click()
    dialog = form.passphrase_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.change_button.click()
    assert "current passphrase" in dialog.message_text().lower()
    _fill(dialog, qtbot, known=True)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: bool(dialog.recovery_key), timeout=30_000)
    assert dialog.recovery_key in dialog.result_label.text()
    assert dialog.progress_bar.value() == 100
    assert dialog.old_edit.text() == ""
    dialog.change_button.click()  # Close
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert "changed" in form.message()
    assert dialog.recovery_key == ""  # not kept once closed
    try:
        db.connect(folder / db.DB_FILE, old_dek).close()
        raise AssertionError("the old data key still opens the vault")
    except NotAVaultError:
        pass
    with Vault.open(folder, "sam", NEW):
        pass


def test_ordinary_change_keeps_the_data_key(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    from cse_toolkit.vault.keyslots import KeySlots

    vault = vault_factory(clock=clock)
    folder = vault.folder
    vault.close()
    old_dek = KeySlots.load(folder).unwrap_user("sam", PASSPHRASE)
    win = make_window(folder)
    win.start()
    win.unlock.change_button.click()
    dialog = win.unlock.passphrase_dialog
    _fill(dialog, qtbot, known=False)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert dialog.user == "sam" and dialog.recovery_key == ""
    assert KeySlots.load(folder).unwrap_user("sam", NEW) == old_dek
