"""The child's Incidents tab: the incidents this child is part of, each with the other
children as the signed-in person may see them, and "Record an incident…" for several
children at once (``IncidentDialog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.actions import OtherChildren
from cse_toolkit.core.entities import Child
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import local_text, plain_tip

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


def others_words(others: OtherChildren) -> str:
    """'Alex Moore, 2 other children' / 'No other children'."""
    parts = list(others.named)
    if others.unnamed:
        parts.append(ntr("incidents", "%n other [child|children]", others.unnamed))
    if not parts:
        return _no_others()
    return ", ".join(parts)


def _no_others() -> str:
    return QCoreApplication.translate("incidents", "No other children")


class IncidentsTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Incidents"))
        self._vault: Vault | None = None
        self._child: Child | None = None
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(self.tr("Incidents about this child"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("What happened"), self.tr("Also about"), self.tr("Kind")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = QPushButton(self.tr("&Record an incident about several children…"))
        self.add_button.setAccessibleName(self.tr("Record an incident about several children"))
        self.add_button.clicked.connect(self.record)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def set_child(self, vault: Vault, child: Child) -> None:
        self._vault, self._child = vault, child
        found = vault.incidents.for_child(child.id)
        self.table.setRowCount(len(found))
        for r, (incident, others) in enumerate(reversed(found)):
            body = f"{incident.place}: {incident.body}" if incident.place else incident.body
            kind = (
                self.tr("Intelligence fact") if incident.kind == "intelligence" else self.tr("Note")
            )
            for col, text in enumerate(
                (local_text(incident.event_at), body, others_words(others), kind)
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(text))
                self.table.setItem(r, col, item)
        self.table.resizeRowsToContents()

    def clear(self) -> None:
        self._vault = self._child = None
        self.table.setRowCount(0)

    def record(self) -> None:
        if self._vault is None or self._child is None:
            return
        from cse_toolkit.gui.actions.incident_dialog import IncidentDialog

        dialog = IncidentDialog(self._vault, self._child, self)
        dialog.accepted.connect(self.changed.emit)
        dialog.open()
