"""Which attachments go in a referral or intelligence pack: a list to tick, none ticked.

Shown on the export wizard's first page when the child (referral) or the children the report
is about (intelligence) have attachments; hidden otherwise. What is ticked is embedded in the
encrypted PDF and listed in pack.json with its SHA-256 (``services.pack_attachments``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.widgets import local_text

if TYPE_CHECKING:
    from cse_toolkit.vault.attachments_repo import AttachmentInfo
    from cse_toolkit.vault.vault import Vault


def _candidates(
    vault: Vault, kind: str, child_id: str | None, report_id: str | None
) -> list[AttachmentInfo]:
    try:
        if kind == "referral" and child_id:
            return vault.attachments.for_child(child_id)
        if kind == "intelligence":
            if report_id is None and child_id:
                rows = vault.intel.list(child_id)
                report_id = rows[0][0] if rows else None
            if report_id is None:
                return []
            found: list[AttachmentInfo] = []
            for cid in vault.intel.get(report_id).child_ids:
                found += vault.attachments.for_child(cid)
            return found
    except UserError:
        return []
    return []


class AttachmentChoice(QGroupBox):
    def __init__(
        self, vault: Vault, kind: str, child_id: str | None, report_id: str | None
    ) -> None:
        super().__init__()
        self.setTitle(self.tr("Attachments to include"))
        self.setAccessibleName(self.tr("Attachments to include"))
        self._items = _candidates(vault, kind, child_id, report_id)
        hint = QLabel(
            self.tr(
                "Tick only what the recipient needs. Each file travels inside the encrypted "
                "pack with a fingerprint (SHA-256) so they can check it. Never include an "
                "indecent image of a child."
            )
        )
        hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Attachments to include"))
        for info in self._items:
            label = info.caption or info.file_name or self.tr("No caption")
            item = QListWidgetItem(f"{label} ({local_text(info.taken_at or info.added_at)})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            self.list.addItem(item)
        self.list.setMaximumHeight(self.list.sizeHintForRow(0) * 4 + 8 if self._items else 0)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list)
        self.setVisible(bool(self._items))

    @classmethod
    def on(
        cls, page: QWidget, vault: Vault, kind: str, child_id: str | None, report_id: str | None
    ) -> AttachmentChoice:
        """Made and placed on ``page`` (the wizard's first page), after its form."""
        choice = cls(vault, kind, child_id, report_id)
        layout = page.layout()
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(2, choice)
        return choice

    def chosen(self) -> list[str]:
        out = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out
