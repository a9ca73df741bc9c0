"""The export wizard's attachment choice: hidden without attachments, none ticked by default,
and what is ticked is in the previewed pack (listed and hashed)."""

from __future__ import annotations

from typing import Any

from helpers.factories import child as make_child
from helpers.factories import save_report
from PySide6.QtCore import Qt

from cse_toolkit.gui.exchange.export_dialog import ExportDialog


def test_ticked_attachments_go_in_the_intelligence_pack(qtbot: Any, vault_factory: Any) -> None:
    worker = vault_factory()
    kid = make_child(worker, name="Robin Sample")
    plain = make_child(worker, name="No Files")
    report = save_report(worker, [kid.id])
    note = worker.attachments.add(kid.id, b"Messages shown to me\n", "text/plain", caption="Chat")
    worker.attachments.add(kid.id, b"Another file\n", "text/plain", caption="Other")

    empty = ExportDialog(worker, "referral", child_id=plain.id)
    qtbot.addWidget(empty)
    assert empty.attachment_choice.isHidden()

    dialog = ExportDialog(worker, "intelligence", report_id=report.id)
    qtbot.addWidget(dialog)
    dialog.show()
    choice = dialog.attachment_choice
    assert not choice.isHidden() and choice.list.count() == 2 and choice.chosen() == []
    choice.list.item(0).setCheckState(Qt.CheckState.Checked)
    assert choice.chosen() == [note.id]
    dialog.go_next()
    dialog.go_next()
    qtbot.waitUntil(lambda: dialog._pack is not None, timeout=20000)
    assert dialog._pack is not None
    assert [(a.id, a.sha256) for a in dialog._pack.attachments] == [(note.id, note.sha256)]
