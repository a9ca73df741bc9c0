"""Printing a chronology: choose, preview in the app, print through the seam (no real print
dialog), or export the encrypted pack; both audited with their purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.gui.children.chronology_print_dialog import ChronologyPrintDialog


def _dialog(qtbot: Any, win: Any) -> ChronologyPrintDialog:
    vault = win.vault
    kid = vault.repos.add_child(name="Robin Sample", approx_age=14)
    start = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    for day, words in [(0, "ALPHA seen at the station"), (5, "BRAVO to leave out"), (9, "CHARLIE")]:
        vault.repos.add_note(kid.id, words, start + timedelta(days=day))
    assert win.show_child(kid.id)
    view = win.child_page.chronology
    win.child_page.tabs.setCurrentWidget(view)
    qtbot.mouseClick(view.print_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in win.findChildren(ChronologyPrintDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled(), timeout=20_000)
    return dialog


def test_leave_one_out_preview_and_print(qtbot: Any, open_window: Any, fake_dialogs: Any) -> None:
    win = open_window()
    dialog = _dialog(qtbot, win)
    assert dialog.preview.page_count >= 1
    texts = [dialog.entries.item(r).text() for r in range(dialog.entries.count())]
    bravo = next(r for r, t in enumerate(texts) if "BRAVO" in t)
    dialog.entries.item(bravo).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.print_button.isEnabled()  # the preview is out of date until redrawn
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled(), timeout=20_000)
    pack = dialog._pack
    assert pack.chronology.left_out == 1
    assert all("BRAVO" not in e.detail for e in pack.chronology.entries)
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("court"))
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled(), timeout=20_000)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_dialogs.printed_pages), timeout=20_000)
    assert fake_dialogs.printed_pages == [dialog.preview.total]
    reason = win.vault.conn.execute(
        "SELECT reason FROM audit WHERE action = 'chronology.print'"
    ).fetchone()[0]
    assert "purpose=court" in reason and "left_out=1" in reason
    dialog.reject()


def test_export_the_encrypted_pack(
    qtbot: Any, open_window: Any, fake_dialogs: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.packs.pdfpack import open_pack

    win = open_window()
    dialog = _dialog(qtbot, win)
    target = tmp_path / "chronology.pdf"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: target)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_dialogs.texts("info")), timeout=20_000)
    message = fake_dialogs.texts("info")[0]
    password = message.split("\n\n")[2]
    assert open_pack(target, password).pack.kind == "chronology"
    dialog.reject()
