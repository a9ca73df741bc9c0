"""Issue 22: a vault older than this laptop's anchor is refused, and a DSL keeps it on purpose."""

from __future__ import annotations

import shutil
from typing import Any

from PySide6.QtCore import Qt

from gui.conftest import PASSPHRASE


def test_dsl_keeps_an_older_copy_with_a_reason(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.vault import audit
    from cse_toolkit.vault.vault import Vault

    vault = vault_factory(user="dee", role="dsl", clock=clock)
    folder = vault.folder
    vault.close()
    shutil.copy2(folder / "vault.db", tmp_path / "older.db")
    with Vault.open(folder, "dee", PASSPHRASE) as opened:
        opened.repos.add_child(name="Saved after the copy")
    shutil.copy2(tmp_path / "older.db", folder / "vault.db")  # the older file put back

    win = make_window(folder)
    win.start()
    form = win.unlock
    qtbot.keyClicks(form.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not form.busy, timeout=10_000)
    assert win.locked and "older copy" in form.message()
    assert form.keep_older_button.isVisible()

    asked: list[str] = []
    monkeypatch.setattr(
        dialogs, "get_text", lambda parent, title, label, text="": asked.append(label) or " "
    )
    form.keep_older_button.click()
    assert asked and form.keep_older_button.isVisible()  # no reason: nothing changes
    monkeypatch.setattr(
        dialogs, "get_text", lambda parent, title, label, text="": "the laptop was re-imaged"
    )
    form.keep_older_button.click()
    assert not form.keep_older_button.isVisible() and "keep this copy" in form.message()
    qtbot.keyClicks(form.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    entries = [r for r in audit.rows(win.vault.conn) if r.action == "vault.accept_older"]
    assert [e.reason for e in entries] == ["the laptop was re-imaged"]
    assert win.vault.user.name == "dee"
