"""The outbox page: exported -> sent -> acknowledged, the table model, the unsent reminder,
and how the shell takes the pack pages in (``export_tab.install``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.factories import referral_export
from PySide6.QtCore import Qt

from cse_toolkit.gui.exchange.outbox_page import OutboxPage, unsent_reminder_text
from cse_toolkit.gui.exchange.outbox_table_model import (
    FOR,
    KIND,
    REFERENCE,
    STATE,
    OutboxTableModel,
)
from cse_toolkit.services import exchange


def _child(vault: Any, name: str = "Ruby Clarke") -> Any:
    child = vault.repos.add_child(name=name, approx_age=14)
    vault.repos.add_note(child.id, "Seen at the bus station with two older males.", vault.now())
    return child


def _export(vault: Any, child: Any, folder: Path, name: str) -> str:
    return referral_export(vault, child.id, folder / name, who_consented="Mother").export_id


def test_unsent_reminder_text(vault_factory: Any, tmp_path: Path) -> None:
    vault = vault_factory()
    assert unsent_reminder_text(vault) is None
    child = _child(vault)
    first = _export(vault, child, tmp_path, "a.pdf")
    assert unsent_reminder_text(vault) == (
        "1 pack exported but not marked sent: send it when you are back on the network, "
        "then mark it sent in the Outbox."
    )
    _export(vault, child, tmp_path, "b.pdf")
    assert unsent_reminder_text(vault).startswith(
        "2 packs exported but not marked sent: send them when you are back on the network"
    )
    exchange.mark_sent(vault, first)
    assert unsent_reminder_text(vault).startswith("1 pack exported")
    admin = vault_factory(user="ira", role="admin")
    assert unsent_reminder_text(admin) is None


def test_model_passes_qtmodeltester(qtmodeltester: Any, vault_factory: Any, tmp_path: Path) -> None:
    vault = vault_factory()
    child = _child(vault)
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        _export(vault, child, tmp_path, name)
    model = OutboxTableModel()
    items = exchange.outbox(vault)
    model.set_items(items, {child.id: "Ruby Clarke (R1)"})
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3 and model.columnCount() == 7
    assert model.data(model.index(0, KIND)) == "Referral"
    assert model.data(model.index(0, FOR)) == "Ruby Clarke (R1)"
    assert model.data(model.index(0, STATE)) == "Exported, not sent yet"
    assert model.data(model.index(0, STATE), Qt.ItemDataRole.FontRole).bold()
    model.clear()
    qtmodeltester.check(model, force_py=True)


def test_mark_sent_then_acknowledged(
    qtbot: Any, vault_factory: Any, tmp_path: Path, fake_dialogs: Any, monkeypatch: Any
) -> None:
    vault = vault_factory()
    child = _child(vault)
    export_id = _export(vault, child, tmp_path, "referral.pdf")
    page = OutboxPage()
    qtbot.addWidget(page)
    page.set_vault(vault)
    page.show()
    model = page.model
    assert model.rowCount() == 1
    assert model.data(model.index(0, FOR)).startswith("Ruby Clarke (")
    assert page.sent_button.isEnabled() and not page.ack_button.isEnabled()
    assert not page.import_button.isVisible()  # workers do not import

    with qtbot.waitSignal(page.changed):
        qtbot.mouseClick(page.sent_button, Qt.MouseButton.LeftButton)
    assert exchange.outbox(vault)[0].state == "sent"
    assert model.data(model.index(0, STATE)).startswith("Sent ")
    assert not page.sent_button.isEnabled() and page.ack_button.isEnabled()

    monkeypatch.setattr("cse_toolkit.gui.common.dialogs.get_text", lambda *a, **k: None)
    page.mark_acknowledged()  # cancelled: nothing changes
    assert exchange.outbox(vault)[0].state == "sent"

    monkeypatch.setattr("cse_toolkit.gui.common.dialogs.get_text", lambda *a, **k: "   ")
    page.mark_acknowledged()  # an empty reference is refused in plain words
    assert fake_dialogs.shown[-1][0] == "error"
    assert "Enter the reference the recipient gave you" in fake_dialogs.shown[-1][2]

    monkeypatch.setattr("cse_toolkit.gui.common.dialogs.get_text", lambda *a, **k: "FFD-2026-0412")
    with qtbot.waitSignal(page.changed):
        qtbot.mouseClick(page.ack_button, Qt.MouseButton.LeftButton)
    item = exchange.outbox(vault)[0]
    assert (item.id, item.state, item.recipient_ref) == (export_id, "acknowledged", "FFD-2026-0412")
    assert model.data(model.index(0, REFERENCE)) == "FFD-2026-0412"
    assert model.data(model.index(0, STATE)).startswith("Acknowledged ")
    assert not page.sent_button.isEnabled() and not page.ack_button.isEnabled()
    actions = [
        r[0]
        for r in vault.conn.execute(
            "SELECT action FROM audit WHERE record_id = ? ORDER BY seq", (export_id,)
        )
    ]
    assert actions == ["export.referral", "export.sent", "export.acknowledged"]

    page.clear()
    assert model.rowCount() == 0


def test_install_adds_the_share_tab_outbox_and_reminder(
    qtbot: Any, open_window: Any, tmp_path: Path, fake_dialogs: Any
) -> None:
    from cse_toolkit.gui.exchange import export_tab

    win = open_window()
    sharing = export_tab.install(win)
    assert "outbox" in win.page_keys()
    assert "Share" in win.child_page.tab_titles()
    vault = win.vault
    child = _child(vault)
    _export(vault, child, tmp_path, "one.pdf")
    assert win.show_page("outbox")
    sharing.outbox.reload()
    assert sharing.outbox.model.rowCount() == 1
    win.unlock.unlocked.emit(vault)  # what unlocking does after enter_vault
    assert ("info", "Packs to send", unsent_reminder_text(vault)) in fake_dialogs.shown
    win.show_child(child.id)
    tab = sharing.tab
    assert "Packs exported for this child" in tab.history.text()
    tab.export("referral")
    assert tab.dialog is not None and tab.dialog.isVisible()
    tab.dialog.reject()


def test_show_a_kept_password_after_the_passphrase(
    qtbot: Any, vault_factory: Any, tmp_path: Path
) -> None:
    """Issue 14 item 5: Show password asks for the passphrase, then shows the kept password;
    closing clears it; once marked sent the button is off."""
    from gui.conftest import PASSPHRASE

    vault = vault_factory()
    child = _child(vault)
    done = referral_export(vault, child.id, tmp_path / "p.pdf", who_consented="Mother")
    page = OutboxPage()
    qtbot.addWidget(page)
    page.set_vault(vault)
    page.show()
    assert page.password_button.isEnabled()
    page.show_password()
    dialog = page.password_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.passphrase, "wrong words entirely")
    dialog.reveal()
    qtbot.waitUntil(lambda: dialog.show_button.isEnabled(), timeout=20000)
    assert "passphrase" in dialog.message.text().lower()
    assert dialog.password_label.text() == "" and dialog.passphrase.text() == ""
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(dialog.shown_password, timeout=20000):
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.password_label.text() == done.result.password
    dialog.close_button.click()
    assert dialog.password_label.text() == ""
    page.mark_sent()
    assert not page.password_button.isEnabled()
