"""The outbox as a Qt table model over plain rows (``exchange.OutboxItem``).

One row per exported pack: when, what kind, for which child or report, to whom, the file name,
its state (exported -> sent -> acknowledged) and the recipient's reference. The rows are read
once by ``OutboxPage.reload``; ``data()`` only indexes into a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from cse_toolkit.gui.common.widgets import local_text

ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2

EXPORTED, KIND, FOR, RECIPIENT, STATE, REFERENCE, FILE = range(7)

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("OutboxTableModel", text)


HEADERS = [
    "Exported",
    "Kind",
    "For",
    "Recipient",
    "State",
    "Recipient's reference",
    "File",
]
KIND_TEXT = {
    "referral": "Referral",
    "screening": "Screening",
    "intelligence": "Intelligence",
    "chronology": "Chronology",
}


def state_text(item: Any) -> str:
    if item.state == "acknowledged":
        return (
            _tr("Acknowledged {when}")
            .format(when=local_text(item.acknowledged_at, with_time=False))
            .strip()
        )
    if item.state == "sent":
        return _tr("Sent {when}, awaiting reply").format(
            when=local_text(item.sent_at, with_time=False)
        )
    return _tr("Exported, not sent yet")


class OutboxTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Any] = []
        self._labels: Mapping[str, str] = {}

    def set_items(self, items: Sequence[Any], labels: Mapping[str, str]) -> None:
        """``labels`` maps a child or report id to what the worker calls it (name, ref)."""
        self.beginResetModel()
        self._items = list(items)
        self._labels = dict(labels)
        self.endResetModel()

    def clear(self) -> None:
        self.set_items([], {})

    def item(self, row: int) -> Any:
        return self._items[row]

    def row_of(self, export_id: str) -> int:
        for row, item in enumerate(self._items):
            if item.id == export_id:
                return row
        return -1

    # -- QAbstractTableModel -------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return _tr(HEADERS[section])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, column, tooltip=role == Qt.ItemDataRole.ToolTipRole)
        if role == ID_ROLE:
            return item.id
        if role == STATE_ROLE:
            return item.state
        if role == Qt.ItemDataRole.FontRole and column == STATE and item.state == "exported":
            font = QFont()
            font.setBold(True)  # the ones still to send stand out
            return font
        return None

    def _text(self, item: Any, column: int, *, tooltip: bool) -> str:
        if column == EXPORTED:
            return local_text(item.created_at)
        if column == KIND:
            return _tr(KIND_TEXT.get(item.kind, item.kind))
        if column == FOR:
            key = item.child_id or item.report_id or ""
            return self._labels.get(key, "")
        if column == RECIPIENT:
            return str(item.recipient)
        if column == FILE:
            return str(item.file_name)
        if column == STATE:
            return state_text(item)
        if column == REFERENCE:
            return str(item.recipient_ref)
        return ""
