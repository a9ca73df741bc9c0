"""Files that came with an intelligence report (an imported intelligence pack's attachments):
listed, and opened in the app's own viewer (``children.attachment_viewer``), never outside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.children.attachment_viewer import AttachmentViewer
from cse_toolkit.gui.common.dialog_buttons import REJECT, button_box
from cse_toolkit.gui.common.widgets import local_text

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class ReportAttachmentsDialog(QDialog):
    def __init__(self, vault: Vault, report_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self.setWindowTitle(self.tr("Files with this report"))
        self.setAccessibleName(self.tr("Files with this report"))
        self._items = vault.attachments.for_report(report_id)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Files with this report"))
        for info in self._items:
            caption = info.caption or info.file_name or self.tr("No caption")
            line = QListWidgetItem(
                self.tr("{caption} (added by {who}, {when})").format(
                    caption=caption, who=info.added_by, when=local_text(info.added_at)
                )
            )
            line.setData(Qt.ItemDataRole.UserRole, info.id)
            self.list.addItem(line)
        self.list.itemActivated.connect(lambda _i: self.open_selected())
        self.empty = QLabel(self.tr("No files came with this report."))
        self.empty.setVisible(not self._items)
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.setAccessibleName(self.tr("Open the file"))
        self.open_button.setEnabled(bool(self._items))
        self.open_button.clicked.connect(self.open_selected)
        close = QPushButton(self.tr("&Close"))
        close.setAccessibleName(self.tr("Close"))
        closing = button_box((close, REJECT))
        closing.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(closing)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        if self._items:
            self.list.setCurrentRow(0)
        self.resize(560, 360)

    def open_selected(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._items):
            return
        viewer = AttachmentViewer(self._vault, self._items[row], parent=self)
        viewer.finished.connect(lambda _r: viewer.deleteLater())
        viewer.open()
