"""Files that came with an imported intelligence report: listed on the Intelligence page and
opened in the app's own viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.factories import child as make_child
from helpers.factories import save_report

from cse_toolkit.gui.children.attachment_viewer import AttachmentViewer
from cse_toolkit.gui.intel.intel_attachments import ReportAttachmentsDialog
from cse_toolkit.services import exchange


def test_an_imported_reports_files_open_in_the_app(
    qtbot: Any, vault_factory: Any, tmp_path: Path
) -> None:
    worker = vault_factory()
    dsl = vault_factory(user="dee", role="dsl")
    kid = make_child(worker, name="Robin Sample")
    report = save_report(worker, [kid.id])
    att = worker.attachments.add(kid.id, b"Plate seen: AB12\n", "text/plain", caption="Plate")
    pack = exchange.build_pack(worker, "intelligence", report_id=report.id, attachment_ids=[att.id])
    done = exchange.export(worker, pack, tmp_path / "intel.pdf")
    exchange.import_pack(dsl, done.result.path, done.result.password, confirmed="typed")

    dialog = ReportAttachmentsDialog(dsl, report.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.list.count() == 1 and "Plate" in dialog.list.item(0).text()
    dialog.open_selected()
    viewer = next(v for v in dialog.findChildren(AttachmentViewer))
    qtbot.waitUntil(lambda: viewer.showing == "text", timeout=10_000)
    assert "AB12" in viewer.text.toPlainText()
    viewer.reject()
