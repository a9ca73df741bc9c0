"""Retention review: records past the organisation's retention period, for the DSL to delete.

Listed: children with nothing recorded for ``retention_months``, and children whose referral
was acknowledged more than ``keep_after_acknowledged_days`` ago with nothing recorded since.
Deleting one asks for its reference to be typed (through the dialogs seam), deletes securely,
and says exactly what was removed. Nothing is deleted without that confirmation.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.widgets import heading_label, local_text, report
from cse_toolkit.gui.dsl.dsl_common import DslPage
from cse_toolkit.vault.dsl_repo import RetentionItem

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class DslRetentionPage(DslPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, CASE_TOPICS, self.reload)
        self.heading = heading_label(self.tr("Retention review"))
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(self.tr("Records due for deletion"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Child"), self.tr("Name"), self.tr("Last recorded"), self.tr("Why")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.delete_button = QPushButton(self.tr("&Delete record permanently…"))
        self.delete_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self.body)
        layout.addWidget(self.heading)
        layout.addWidget(self.explain)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh_button.clicked.connect(self.reload)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.itemSelectionChanged.connect(
            lambda: self.delete_button.setEnabled(self.current() is not None)
        )
        self.items: list[RetentionItem] = []
        self._loading = False

    def reload(self) -> None:
        vault = self.vault
        if vault is None or self._loading:
            return
        pol = vault.policy  # loaded once at start
        self.explain.setText(
            self.tr(
                "Your organisation keeps records for {m} months after the last change, and for {d} "
                "days after a referral is acknowledged. These records are past that. Check each one "
                "before deleting it: deletion cannot be undone."
            ).format(m=pol.retention_months, d=pol.keep_after_acknowledged_days)
        )
        self._loading = True
        workers.run_in_background(
            vault.dsl.retention_candidates, self._loaded, self._failed, parent=self
        )

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        report(self, self.tr("Retention review"), exc)

    def _loaded(self, items: list[RetentionItem]) -> None:
        self._loading = False
        if self.vault is None:
            return
        self.items = items
        self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            cells = [
                item.child_ref,
                item.child_label,
                local_text(item.last_activity, with_time=False),
                item.reason,
            ]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(ID_ROLE, item.child_id)
                self.table.setItem(r, c, cell)
        self.delete_button.setEnabled(self.current() is not None)
        self.loaded.emit()

    def current(self) -> RetentionItem | None:
        row = self.table.currentRow()
        if not self.table.selectedItems() or not 0 <= row < len(self.items):
            return None
        return self.items[row]

    def delete_selected(self) -> None:
        vault, item = self.vault, self.current()
        if vault is None or item is None:
            return
        typed = dialogs.get_text(
            self,
            self.tr("Delete {ref} permanently").format(ref=item.child_ref),
            self.tr(
                "This deletes every note, screening, step, missing episode and export of "
                "{ref}, and intelligence reports about no other child. It cannot be undone."
                "\n\nType the reference {ref} to confirm:"
            ).format(ref=item.child_ref),
        )
        if typed is None:
            return
        try:
            result = vault.dsl.purge_child(item.child_id, typed)
        except UserError as exc:
            dialogs.error(self, self.tr("Not deleted"), str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug: crash handler
            report(self, self.tr("Delete record"), exc)
            return
        self.last_report = result
        dialogs.info(self, self.tr("Record deleted"), result.text())
        self.reload()

    def clear(self) -> None:
        super().clear()
        self.items = []
        self.table.setRowCount(0)
        self.explain.clear()
        self._loading = False
