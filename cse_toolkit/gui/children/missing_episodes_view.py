"""The Missing episodes tab: the log of times the child went missing, and a form to add one.

Each episode also appears in the chronology (``repos.chronology``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.widgets import from_qdatetime, local_text, report, to_qdatetime

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class MissingEpisodesView(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Missing episodes"))
        self._vault: Vault | None = None
        self._child: Child | None = None

        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(self.tr("Missing episodes"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Went missing"),
                self.tr("Found"),
                self.tr("Where found"),
                self.tr("Return interview"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.from_edit = self._when(self.tr("Went missing at"))
        self.found_check = QCheckBox(self.tr("&Found or returned"))
        self.found_check.setAccessibleName(self.tr("Found or returned"))
        self.to_edit = self._when(self.tr("Found at"))
        self.to_edit.setEnabled(False)
        self.found_check.toggled.connect(self.to_edit.setEnabled)
        self.where_edit = QLineEdit()
        self.where_edit.setAccessibleName(self.tr("Where found"))
        self.interview_edit = QLineEdit()
        self.interview_edit.setAccessibleName(self.tr("Return interview"))
        self.interview_edit.setPlaceholderText(self.tr("who did it, when, and what came out of it"))
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName(self.tr("Notes about the episode"))
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().lineSpacing() * 3 + 12)
        self.add_button = QPushButton(self.tr("Add &episode"))
        self.add_button.setAccessibleName(self.tr("Add missing episode"))
        self.add_button.clicked.connect(self.add_episode)

        form_box = QGroupBox(self.tr("Record a missing episode"))
        form = QFormLayout(form_box)
        from_label = QLabel(self.tr("&Went missing:"))
        from_label.setBuddy(self.from_edit)
        form.addRow(from_label, self.from_edit)
        to_row = QHBoxLayout()
        to_row.addWidget(self.found_check)
        to_row.addWidget(self.to_edit, 1)
        form.addRow(QLabel(self.tr("Found:")), to_row)
        where_label = QLabel(self.tr("Where f&ound:"))
        where_label.setBuddy(self.where_edit)
        form.addRow(where_label, self.where_edit)
        interview_label = QLabel(self.tr("Return &interview:"))
        interview_label.setBuddy(self.interview_edit)
        form.addRow(interview_label, self.interview_edit)
        notes_label = QLabel(self.tr("No&tes:"))
        notes_label.setBuddy(self.notes_edit)
        form.addRow(notes_label, self.notes_edit)
        form.addRow("", self.add_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(form_box)
        self.setTabOrder(self.table, self.from_edit)
        self.setTabOrder(self.from_edit, self.found_check)
        self.setTabOrder(self.found_check, self.to_edit)
        self.setTabOrder(self.to_edit, self.where_edit)
        self.setTabOrder(self.where_edit, self.interview_edit)
        self.setTabOrder(self.interview_edit, self.notes_edit)
        self.setTabOrder(self.notes_edit, self.add_button)

    def _when(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        edit.setAccessibleName(name)
        return edit

    def set_child(self, vault: Vault, child: Child) -> None:
        same = self._child is not None and self._child.id == child.id
        self._vault, self._child = vault, child
        now = to_qdatetime(vault.now())
        for edit in (self.from_edit, self.to_edit):
            edit.setMaximumDateTime(now)
            if not same:
                edit.setDateTime(now)
        episodes = vault.repos.missing_for(child.id)
        self.table.setRowCount(len(episodes))
        for row, ep in enumerate(reversed(episodes)):
            values = (
                local_text(ep.from_at),
                local_text(ep.to_at) if ep.to_at else self.tr("Not yet found"),
                ep.where_found,
                ep.return_interview,
            )
            for col, text in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def clear(self) -> None:
        self._vault = self._child = None
        self.table.setRowCount(0)
        self.where_edit.clear()
        self.interview_edit.clear()
        self.notes_edit.clear()
        self.found_check.setChecked(False)

    def add_episode(self) -> None:
        if self._vault is None or self._child is None:
            return
        to_at = from_qdatetime(self.to_edit.dateTime()) if self.found_check.isChecked() else None
        try:
            self._vault.repos.add_missing(
                self._child.id,
                from_qdatetime(self.from_edit.dateTime()),
                to_at,
                self.where_edit.text().strip(),
                self.interview_edit.text().strip(),
                self.notes_edit.toPlainText().strip(),
            )
        except UserError as exc:
            report(self, self.tr("The episode was not saved"), exc)
            return
        self.where_edit.clear()
        self.interview_edit.clear()
        self.notes_edit.clear()
        self.found_check.setChecked(False)
        self.changed.emit()
